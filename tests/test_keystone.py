"""The keystone: the bundled stack passes its own pack, through the same path as the quick start.

`mlgov check` runs infra/ with Pulumi.dev.yaml under mocks in preview and update mode and drives the pack
process over gRPC. With every rule raised to mandatory (the strict example config) the stack must have no
finding at all — not even advisory — and at update every rule must decide.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def strict_report():
    out = subprocess.run(
        [sys.executable, "-m", "mlgov", "check", str(REPO), "--stack", "dev", "--format", "json",
         "--policy-config", str(REPO / "examples" / "policy-config.strict.json")],
        capture_output=True, text=True, timeout=600, cwd="/")
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_bundled_stack_has_no_finding_under_the_strict_config(strict_report):
    real = [v for v in strict_report["violations"] if not v["unverifiable"]]
    assert real == []
    assert strict_report["summary"]["passed"] is True


def test_both_modes_evaluate_the_whole_stack(strict_report):
    resources = strict_report["summary"]["resources"]
    assert set(resources) == {"preview", "update"}
    assert resources["preview"] == resources["update"] > 80


def test_every_rule_decides_at_update(strict_report):
    assert [v for v in strict_report["violations"] if v["mode"] == "update"] == []


def test_preview_notes_are_only_for_values_computed_at_deploy_time(strict_report):
    notes = [v for v in strict_report["violations"] if v["mode"] == "preview"]
    assert all(v["unverifiable"] for v in notes)
    for v in notes:
        assert "until update" in v["message"], v
