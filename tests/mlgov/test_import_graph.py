"""The gate knows packs only through the analyzer protocol: no mlgov module loads a pack's code.

A fresh interpreter imports every mlgov module of the gate, evaluates a program and an export with the bundled
pack, lists the rules, and then must hold no module of the pack (`ml_dataset_governance.policies*`) in
`sys.modules`. Left out: `mlgov.testing` (the harness for this project's own tests), `mlgov.access_report` (the
`access` command reads this pack's own access model by design) and `mlgov.__main__` (it runs the CLI).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import contextlib, importlib, io, json, pkgutil, sys
from pathlib import Path

import mlgov
for info in pkgutil.walk_packages(mlgov.__path__, "mlgov."):
    if info.name not in ("mlgov.testing", "mlgov.access_report", "mlgov.__main__"):
        importlib.import_module(info.name)

from mlgov.cli import main
from mlgov.export import parse_export
from mlgov.gate import GateOptions, audit, evaluate_source
from mlgov.pack import bundled_pack
from mlgov.project import load_project
from mlgov.sources import ProgramSource
from mlgov.supervision import Supervisor

options = GateOptions(pack=bundled_pack())
with Supervisor() as supervisor:
    result = evaluate_source(ProgramSource(load_project(sys.argv[1]), "preview"), options, supervisor)
assert not result.error and result.violations, result
export = {"version": 3, "deployment": {"resources": [
    {"urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod", "type": "pulumi:pulumi:Stack"}]}}
audit(parse_export(export), options=options)
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["rules", "--format", "json"]) == 0
print(json.dumps(sorted(m for m in sys.modules if m.startswith("ml_dataset_governance.policies"))))
"""


def test_no_mlgov_module_loads_the_pack(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: graph\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent("""
        import pulumi_aws as aws
        aws.sagemaker.Domain("studio", auth_mode="SSO", domain_name="d", subnet_ids=["s"], vpc_id="v",
                             default_user_settings={"execution_role": "arn:aws:iam::1:role/r"})
    """))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.splitlines()[-1]) == []
