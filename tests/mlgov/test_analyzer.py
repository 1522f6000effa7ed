"""mlgov.analyzer: a pack process started as the language host starts it, and the protocol's replies."""

from __future__ import annotations

import pytest

from mlgov.analyzer import AnalyzerError, PackProcess
from mlgov.supervision import Supervisor
from mlgov.testing import resource


def test_a_pack_process_reports_its_policies_and_findings(tiny_pack):
    with Supervisor() as supervisor:
        pack = PackProcess(tiny_pack, project="p", stack="dev", preview=True, supervisor=supervisor)
        info = pack.info()
        assert (info.name, [p.name for p in info.policies]) == ("tiny", ["no-buckets"])
        assert info.policies[0].config_schema["properties"] == {"limit": {"type": "integer"}}
        assert info.policies[0].policy_type == "resource" and info.policies[0].enforcement == "mandatory"
        pack.configure({"no-buckets": {"enforcementLevel": "advisory"}})
        [d] = pack.analyze(resource("aws:s3/bucket:Bucket", "raw"))
        assert (d.policy, d.enforcement, d.message) == ("no-buckets", "advisory", "bucket raw is not allowed here.")
        assert pack.startup_seconds and pack.startup_seconds > 0
        pack.close()
        assert supervisor.children() == []


def test_a_pack_that_cannot_start_says_why(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("raise ImportError('rules module missing')\n")
    with Supervisor() as supervisor:
        pack = PackProcess(tmp_path, project="p", stack="dev", preview=True, supervisor=supervisor)
        with pytest.raises(AnalyzerError, match="(?s)failed to start: .*rules module missing"):
            pack.info()


def test_a_pack_that_never_prints_its_port_times_out(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("import time\ntime.sleep(60)\n")
    with Supervisor() as supervisor:
        pack = PackProcess(tmp_path, project="p", stack="dev", preview=True, supervisor=supervisor,
                           start_timeout=1)
        with pytest.raises(AnalyzerError, match="did not start within 1s"):
            pack.info()
        assert supervisor.children() == []
