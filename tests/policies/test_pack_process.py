"""The pack launched exactly as the Python language host launches it, spoken to over gRPC."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ml_dataset_governance.policies.catalog import all_rules
from ml_dataset_governance.policies.pack import PACK_NAME

from mlgov.engine import PackProcess
from mlgov.policy_config import reconcile
from mlgov.testing import resource

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack():
    process = PackProcess(ROOT, project="test", stack="dev", preview=False)
    yield process
    process.close()


def test_analyzer_info_lists_every_rule_with_its_metadata(pack):
    info = pack.info()
    assert info.name == PACK_NAME
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


def test_pack_import_does_not_load_pulumi_aws():
    code = ("import sys; "
            "from ml_dataset_governance.policies.pack import pack_servicer; pack_servicer(); "
            "print('pulumi_aws' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_root_main_only_builds_the_pack():
    text = (ROOT / "__main__.py").read_text()
    assert "serve()" in text and "pulumi_aws" not in text
