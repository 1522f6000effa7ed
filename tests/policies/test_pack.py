"""The pack object: name, version from PulumiPolicy.yaml, a servicer that never loads pulumi_aws."""

from __future__ import annotations

import subprocess
import sys

from ml_dataset_governance.policies.pack import PACK_DIR, PACK_NAME, pack_servicer, pack_version

from mlgov.analyzer import InProcessAnalyzer


def test_the_version_is_read_from_the_pulumipolicy_yaml_beside_the_package(tmp_path):
    assert pack_version() == "0.1.0"
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: '2.3.4'  # quoted\n")
    assert pack_version(tmp_path) == "2.3.4"
    assert pack_version(tmp_path / "missing") == "0.0.1"  # the SDK's placeholder
    assert (PACK_DIR / "__main__.py").is_file()


def test_the_servicer_describes_the_pack():
    info = InProcessAnalyzer(servicer=pack_servicer()).info()
    assert (info.name, info.version) == (PACK_NAME, "0.1.0")
    assert len(info.policies) == len({p.name for p in info.policies}) > 40


def test_building_the_pack_does_not_load_pulumi_aws():
    code = ("import sys; from ml_dataset_governance.policies.pack import pack_servicer; pack_servicer(); "
            "print('pulumi_aws' in sys.modules, 'jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]  # jsonschema waits for the first Configure
