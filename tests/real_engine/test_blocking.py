"""The real engine blocks what the pack forbids: each mandatory rule family in preview and in up, a stack
policy after the resources exist, never an advisory finding, and a malformed config before any resource."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mlgov.engines import pulumi_cli
from tests.real_engine.conftest import REPO
from tests.real_engine.corpus import BY_NAME, PROGRAMS

pytestmark = pytest.mark.real_engine

FAMILIES = ["sagemaker-notebook-internet", "s3-public-access-block-open", "kms-rotation-off", "iam-admin-policy",
            "network-open-ingress"]


def findings(run, enforcement):
    return {(e["policyName"], e.get("resourceUrn", "").rsplit("::", 1)[-1]) for e in run.policy_events()
            if pulumi_cli.ENGINE_ENFORCEMENT.get(e["enforcementLevel"]) == enforcement
            and not e["message"].startswith("can't run policy")}


def created(run) -> set[str]:
    assert run.export is not None, run.output[-2000:]
    return {r["urn"].rsplit("::", 1)[-1] for r in run.export["deployment"].get("resources") or []}


def test_the_corpus_covers_every_mandatory_family():
    assert {name.split("-")[0] for name in FAMILIES} == {"sagemaker", "s3", "kms", "iam", "network"}


@pytest.mark.parametrize("name", FAMILIES)
def test_preview_is_blocked_by_the_family_rule(corpus_runs, name):
    run = corpus_runs[(name, "preview")]
    assert run.returncode != 0, run.output[-2000:]
    assert BY_NAME[name].blocked_by <= findings(run, "mandatory")


@pytest.mark.parametrize("name", FAMILIES)
def test_up_is_blocked_and_the_resource_is_not_created(corpus_runs, name):
    run = corpus_runs[(name, "update")]
    assert run.returncode != 0, run.output[-2000:]
    expected = BY_NAME[name].blocked_by
    assert expected <= findings(run, "mandatory")
    assert not {resource for _, resource in expected} & created(run)


def test_a_computed_violation_is_noted_in_preview_and_blocks_up(corpus_runs):
    program = BY_NAME["computed-admin-role-policy"]
    preview, up = corpus_runs[(program.name, "preview")], corpus_runs[(program.name, "update")]
    assert preview.returncode == 0
    assert findings(preview, "mandatory") == set()
    notes = [e for e in preview.policy_events() if e["message"].startswith("can't run policy")]
    assert {e["policyName"] for e in notes} >= {"iam-no-admin-access"}
    assert up.returncode != 0 and program.blocked_by <= findings(up, "mandatory")
    assert "worker-admin" not in created(up) and "worker" in created(up)


def test_a_stack_policy_fails_the_update_after_the_resources_exist(corpus_runs):
    program = BY_NAME["stack-unblocked-bucket"]
    run = corpus_runs[(program.name, "update")]
    assert run.returncode != 0
    assert program.blocked_by <= findings(run, "mandatory")
    # Stack policies run on the finished deployment: the bucket was created, the update still fails.
    assert "loose" in created(run)
    assert "failed" in run.output


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_an_advisory_finding_does_not_block(corpus_runs, mode):
    program = BY_NAME["advisory-public-subnet"]
    run = corpus_runs[(program.name, mode)]
    assert run.returncode == 0, run.output[-2000:]
    assert program.advisory <= findings(run, "advisory")
    assert findings(run, "mandatory") == set()
    if mode == "update":
        assert "public" in created(run)


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_a_malformed_policy_config_is_rejected_before_any_resource(engine_ws, corpus_dir, tmp_path, mode):
    bad = tmp_path / "bad-config.json"
    bad.write_text(json.dumps({"kms-key-rotation-enabled": {"maximumRotationPeriodDays": "yearly"}}))
    run = engine_ws.run_stack(corpus_dir / "compliant-key", mode=mode, pack_dir=REPO, policy_config=bad,
                              export=True)
    assert run.returncode != 0
    assert "maximumRotationPeriodDays" in run.output, run.output[-2000:]
    registered = [e for e in run.events if "resourcePreEvent" in e]
    assert registered == []
    if mode == "update":
        assert created(run) <= {"corpus-compliant-key-dev"}  # at most the empty stack, never the key
    with pytest.raises(pulumi_cli.EngineError, match="maximumRotationPeriodDays"):
        pulumi_cli.ensure_decided(run, pulumi_cli.violations(run, None, project="corpus-compliant-key",
                                                             stack="dev"))


def test_every_corpus_program_ran(corpus_runs):
    assert len(corpus_runs) == 2 * len(PROGRAMS)
    for (name, mode), run in corpus_runs.items():
        assert run.events, f"{name} {mode}: no engine events\n{run.output[-2000:]}"


def test_mlgov_check_reports_the_engine_verdict_in_sarif(pulumi_bin, corpus_dir, tmp_path):
    out_file = tmp_path / "report.sarif"
    out = subprocess.run([sys.executable, "-m", "mlgov", "check", str(corpus_dir / "kms-rotation-off"), "--engine",
                          "pulumi", "--pulumi", str(pulumi_bin), "--mode", "preview", "--policy-pack", str(REPO),
                          "--format", "sarif", "--output", str(out_file)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stderr[-2000:]
    results = json.loads(out_file.read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("kms-key-rotation-enabled", "error")]
