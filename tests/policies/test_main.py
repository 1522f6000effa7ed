"""The pack directory launched exactly as the Python language host launches it, spoken to over gRPC.

`policies/` is the publishable pack: `pulumi policy publish` uploads that directory alone, and the
language host runs `python -u -m pulumi.policy <engine> <dir>` with cwd = dir. These tests launch it
both from the repository root (`--policy-pack .`, whose `__main__.py` only runs `policies/`) and
from a copy of `policies/` outside the repository, to show the copy is what runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ml_dataset_governance.policies.catalog import all_rules
from ml_dataset_governance.policies.pack import PACK_NAME

from mlgov.analyzer import PackProcess
from mlgov.policy_config import reconcile
from mlgov.testing import resource

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"


@pytest.fixture(scope="module")
def pack():
    process = PackProcess(ROOT, project="test", stack="dev", preview=False)
    yield process
    process.close()


def test_analyzer_info_lists_every_rule_with_its_metadata(pack):
    info = pack.info()
    assert info.name == PACK_NAME
    assert info.version == yaml.safe_load((ROOT / "PulumiPolicy.yaml").read_text())["version"]
    by_name = {p.name: p for p in info.policies}
    for rule in all_rules():
        policy = by_name[rule.id]
        assert policy.description == rule.title
        assert policy.enforcement == rule.enforcement
        assert policy.severity == rule.severity
        assert policy.remediation == rule.remediation
        assert policy.url.endswith(f"#{rule.id}")
        assert policy.policy_type == ("stack" if rule.stack else "resource")
        if rule.frameworks:
            assert policy.framework["name"] == rule.frameworks[0].name
            assert policy.framework["reference"] == rule.frameworks[0].control
        assert "exemptions" in policy.config_schema["properties"]
        for param in rule.params:
            assert param in policy.config_schema["properties"]
    assert {"pack-exemptions-reported", "pack-stack-exemptions-reported"} <= set(by_name)


def test_pack_process_blocks_a_violating_resource(pack):
    pack.configure(reconcile(pack.info()))
    notebook = resource("aws:sagemaker/notebookInstance:NotebookInstance", "nb",
                        {"instanceType": "ml.t3.medium", "roleArn": "arn:aws:iam::123456789012:role/r",
                         "volumeSize": 5.0})
    findings = {d.policy: d for d in pack.analyze(notebook)}
    assert findings["sagemaker-notebook-no-direct-internet"].enforcement == "mandatory"
    assert findings["sagemaker-notebook-root-disabled"].enforcement == "mandatory"


def test_a_copy_of_the_pack_directory_runs_its_own_files(tmp_path):
    copy = tmp_path / "published" / "package"
    shutil.copytree(PACK_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    spec = (copy / "PulumiPolicy.yaml").read_text().replace("version: 0.1.0", "version: 9.9.9")
    (copy / "PulumiPolicy.yaml").write_text(spec)
    # The pack reads its version from the PulumiPolicy.yaml beside the package it loaded.
    with PackProcess(copy, project="test", stack="dev", preview=True, python=sys.executable) as process:
        info = process.info()
        assert (info.name, info.version) == (PACK_NAME, "9.9.9")
        process.configure(reconcile(info))
        [note] = process.analyze(resource("aws:sagemaker/domain:Domain", "d", {"authMode": "04da6b54-80e4-46f7-96ec-"
                                                                                           "b56ff0331ba9"}))[:1]
        assert note.policy == "sagemaker-domain-iam-auth" and note.unverifiable


def test_the_pack_directory_works_where_only_its_requirements_are_installed(tmp_path):
    """As in a published pack's venv: site-packages without this distribution (no editable-install hook)."""
    copy = tmp_path / "package"
    shutil.copytree(PACK_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    main = copy / "__main__.py"
    # Run the copy's __main__ up to (not including) serve(), then report where things came from.
    code = (
        "import sys\n"
        f"src = open({str(main)!r}).read().replace('\\nserve()\\n', '\\n')\n"
        f"exec(compile(src, {str(main)!r}, 'exec'), {{'__file__': {str(main)!r}, '__name__': '__main__'}})\n"
        "from ml_dataset_governance.policies.pack import pack_servicer\n"
        "pack_servicer()\n"
        "import ml_dataset_governance as parent, ml_dataset_governance.policies.rules.s3 as s3\n"
        "print(sys.modules['ml_dataset_governance.policies'].__file__, s3.__file__)\n"
        "print(getattr(parent, '__file__', None) is None, 'pulumi_aws' in sys.modules)\n"
    )
    # -S skips site (and the .pth hook of the editable install); PYTHONPATH gives the plain site-packages.
    site_packages = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "pulumi_policy").is_dir())
    env = {"PYTHONPATH": site_packages, "PATH": os.environ.get("PATH", "")}
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    package_file, rules_file, synthetic_parent, aws_loaded = out.stdout.split()
    assert Path(package_file).parent == copy and Path(rules_file).is_relative_to(copy)
    assert (synthetic_parent, aws_loaded) == ("True", "False")


def test_root_and_pack_directory_declare_the_same_pack():
    root = yaml.safe_load((ROOT / "PulumiPolicy.yaml").read_text())
    pack = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert (root["version"], root["description"], root["runtime"]["name"]) == \
        (pack["version"], pack["description"], pack["runtime"]["name"])


def test_the_pack_requirements_are_what_it_imports_pinned_as_in_pyproject():
    import tomllib

    pinned = {re.split(r"[<>=~!;\s]", d, maxsplit=1)[0].lower(): d
              for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    lines = [line.strip() for line in (PACK_DIR / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    required = {re.split(r"[<>=~!;\s]", line, maxsplit=1)[0].lower(): line for line in lines}
    # pyyaml: CloudFormation templates in YAML (policies.templates). Never pulumi-aws.
    assert set(required) == {"pulumi", "pulumi-policy", "jsonschema", "pyyaml"}
    assert all(required[name] == pinned[name] for name in required), (required, pinned)
