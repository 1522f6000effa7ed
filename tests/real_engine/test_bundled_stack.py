"""The bundled stack under the real engine: `pulumi preview --policy-pack .` and `pulumi up --policy-pack .`
from the repository root with the strict config pass, and `mlgov check . --engine pulumi` passes."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.real_engine.conftest import REPO

pytestmark = pytest.mark.real_engine
STRICT = REPO / "examples" / "policy-config.strict.json"


def pulumi(engine_ws, backend, *args):
    return subprocess.run([str(engine_ws.pulumi), *args, "--non-interactive"], cwd=REPO, env=engine_ws.env(backend),
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("verb", [["preview"], ["up", "--yes"]], ids=["preview", "up"])
def test_the_bundled_stack_passes_the_strict_config(engine_ws, verb):
    backend = engine_ws.new_backend()
    config_file = engine_ws.init_stack(REPO, "dev", backend)
    events = backend / "events.json"
    out = pulumi(engine_ws, backend, *verb, "--stack", "dev", "--config-file", str(config_file),
                 "--policy-pack", ".", "--policy-pack-config", str(STRICT), "--event-log", str(events))
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    policy = [json.loads(line)["policyEvent"] for line in events.read_text().splitlines() if '"policyEvent"' in line]
    # Only preview notes for values computed at deploy time; `up` (preview, then update) decides every rule.
    assert all(e["message"].startswith("can't run policy") and e["enforcementLevel"] == "advisory" for e in policy)
    summary = [json.loads(line)["summaryEvent"] for line in events.read_text().splitlines() if "summaryEvent" in line]
    created = summary[-1]["resourceChanges"]
    assert set(created) == {"create"} and created["create"] > 80
    assert summary[-1]["PolicyPacks"] == {"ml-dataset-governance|local|.": "0.1.0"}
    if verb[0] == "up":
        exported = json.loads(pulumi(engine_ws, backend, "stack", "export", "--stack", "dev").stdout)
        assert len(exported["deployment"]["resources"]) == created["create"] + 1
        # The user's stack file never gets the throwaway stack's encryption salt.
        assert "encryptionsalt" not in (REPO / "Pulumi.dev.yaml").read_text()


def test_mlgov_check_with_the_real_engine_passes_on_the_bundled_stack(bundled_cli_report):
    assert bundled_cli_report["summary"]["passed"] is True
    assert bundled_cli_report["summary"]["mandatory"] == 0
    resources = bundled_cli_report["summary"]["resources"]
    assert resources["preview"] == resources["update"] > 80
