"""Installed as users install it: a built wheel in a fresh virtualenv gives a working `mlgov` with its pack.

The wheel is built from a copy of the checkout and installed without dependencies; the new virtualenv sees the
dependencies already installed here through a .pth line (so the test needs no network), but not this checkout.
The program it checks has `infra/` and `policies/` packages of its own: the program must import those, and
the gate must still find its own pack.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
USER_MAIN = """
import pulumi
import pulumi_aws as aws

import infra
from policies import MARKER

infra.studio()
pulumi.export("marker", MARKER)
"""
USER_INFRA = """
import pulumi_aws as aws


def studio():
    return aws.sagemaker.Domain("studio", auth_mode="IAM", domain_name="d", subnet_ids=["subnet-1"],
                                vpc_id="vpc-1", app_network_access_type="PublicInternetOnly",
                                default_user_settings={"execution_role": "arn:aws:iam::123456789012:role/r"})
"""


def _run(*argv: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_wheel_in_a_fresh_venv_checks_a_program_with_its_own_infra_and_policies(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info",
                                                                "build", "dist", ".pytest_cache", ".hypothesis"))
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path).check_returncode()
    python = venv / "bin" / "python"
    site = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                     cwd=tmp_path).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")  # pulumi & co, not this checkout

    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                 str(tmp_path / "dist"), str(source), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("*.whl")
    installed = _run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                     str(wheel), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    user = tmp_path / "user-project"
    (user / "infra").mkdir(parents=True)
    (user / "policies").mkdir()
    (user / "Pulumi.yaml").write_text("name: user\nruntime: python\n")
    (user / "Pulumi.dev.yaml").write_text("config: {}\n")
    (user / "__main__.py").write_text(USER_MAIN)
    (user / "infra" / "__init__.py").write_text(USER_INFRA)
    (user / "policies" / "__init__.py").write_text('MARKER = "the user\'s own policies package"\n')

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = _run(str(venv / "bin" / "mlgov"), "check", str(user), "--format", "json", cwd=elsewhere)
    assert run.returncode == 1, run.stderr  # decided: the public Studio domain blocks
    report = json.loads(run.stdout)
    assert report["pack"] == "ml-dataset-governance"
    assert {("sagemaker-domain-vpc-only", "studio")} <= {(v["policy"], v["name"]) for v in report["violations"]}
    located = next(v for v in report["violations"] if v["policy"] == "sagemaker-domain-vpc-only")
    assert (located["file"], located["line"]) == ("infra/__init__.py", 6)
    listed = _run(str(venv / "bin" / "mlgov"), "rules", "--format", "json", cwd=elsewhere)
    assert listed.returncode == 0 and "sagemaker-domain-vpc-only" in {r["id"] for r in json.loads(listed.stdout)}
    # nothing of this checkout is on the installed gate's path
    where = _run(str(python), "-c", "import mlgov.cli; print(mlgov.cli.__file__)", cwd=elsewhere).stdout
    assert str(site) in where, where
