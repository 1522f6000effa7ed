"""In-process pieces of the gate that need no subprocess."""

from __future__ import annotations

from mlgov.gate import _reporter_warnings


def test_exemption_reporters_above_advisory_are_warned_about():
    reconciled = {"pack-exemptions-reported": {"enforcementLevel": "mandatory"},
                  "pack-stack-exemptions-reported": {"enforcementLevel": "advisory"},
                  "sagemaker-domain-vpc-only": {"enforcementLevel": "mandatory"}}
    [warning] = _reporter_warnings(reconciled)
    assert warning.startswith("pack-exemptions-reported is configured mandatory")


def test_advisory_reporters_give_no_warning():
    assert _reporter_warnings({"pack-exemptions-reported": {"enforcementLevel": "advisory"}}) == []
