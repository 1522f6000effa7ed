"""`mlgov audit FILE --engine pulumi` (`pulumi policy analyze --file`) on exports of deployed corpus stacks,
against the emulated `mlgov audit` of the same file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mlgov import gate
from mlgov.engines import pulumi_cli
from mlgov.export import parse_export
from mlgov.pack import local_pack
from tests.real_engine.conftest import REPO

pytestmark = pytest.mark.real_engine


def write_export(corpus_runs, name, tmp_path):
    export = corpus_runs[(name, "update")].export
    assert export is not None
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(export))
    return path


@pytest.mark.parametrize(("name", "expected_exit"), [("stack-unblocked-bucket", 1), ("advisory-public-subnet", 0),
                                                     ("governed-bucket-computed", 0)])
def test_engine_audit_agrees_with_the_emulated_audit(corpus_runs, pulumi_bin, tmp_path, name, expected_exit):
    path = write_export(corpus_runs, name, tmp_path)
    out = subprocess.run([sys.executable, "-m", "mlgov", "audit", str(path), "--engine", "pulumi", "--pulumi",
                          str(pulumi_bin), "--policy-pack", str(REPO), "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == expected_exit, out.stderr[-2000:]
    real = {(v["policy"], v["name"], v["enforcement"]) for v in json.loads(out.stdout)["violations"]}
    state = parse_export(json.loads(path.read_text()))
    emulated = gate.audit(state, options=gate.GateOptions(pack=local_pack(REPO)), where=str(path))
    assert real == {(v.policy, v.name, v.enforcement) for v in emulated.violations}
    if expected_exit:
        assert ("s3-bucket-public-access-blocked", "loose", "mandatory") in real


def test_audit_from_stdin_is_refused_with_a_reason(pulumi_bin):
    out = subprocess.run([sys.executable, "-m", "mlgov", "audit", "-", "--engine", "pulumi", "--pulumi",
                          str(pulumi_bin)], input="{}", capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "--file" in out.stderr


def test_the_engine_loads_the_pack_and_finds_nothing_on_a_compliant_export(corpus_runs, engine_ws, tmp_path):
    path = write_export(corpus_runs, "governed-bucket-computed", tmp_path)
    run = engine_ws.analyze_file(path, pack_dir=REPO)
    assert run.returncode == 0, run.output[-2000:]
    summary = [e["summaryEvent"] for e in run.events if "summaryEvent" in e]
    assert summary and summary[-1]["PolicyPacks"] == {"ml-dataset-governance": "0.1.0"}
    assert summary[-1]["result"] == "succeeded"
    assert pulumi_cli.violations(run, None, project="corpus-governed-bucket-computed", stack="dev") == []
