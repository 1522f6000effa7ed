"""Fixtures for tests that run the real `pulumi` CLI.

The CLI is $MLGOV_PULUMI or `pulumi` on PATH (scripts/build-engine builds one from the Go module proxy).
Without one these tests skip -- unless MLGOV_REQUIRE_REAL_ENGINE=1 (set by .ci/run), where a missing CLI
fails them. One throwaway workspace (PULUMI_HOME, plugin wrappers, file:// backends) serves the session,
and the corpus runs once, a few programs at a time, for every test that reads it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mlgov.engines import pulumi_cli
from tests.real_engine.corpus import PROGRAMS

REPO = Path(__file__).resolve().parents[2]
MODES = ("preview", "update")


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    try:
        return pulumi_cli.find_pulumi()
    except pulumi_cli.EngineError as exc:
        if os.environ.get("MLGOV_REQUIRE_REAL_ENGINE") == "1":
            pytest.fail(f"MLGOV_REQUIRE_REAL_ENGINE=1 but {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def engine_ws(pulumi_bin, tmp_path_factory):
    ws = pulumi_cli.Workspace.create(pulumi_bin, root=tmp_path_factory.mktemp("engine"), timeout=300)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for program in PROGRAMS:
        program.write(root)
    return root


@pytest.fixture(scope="session")
def corpus_runs(engine_ws, corpus_dir) -> dict[tuple[str, str], pulumi_cli.EngineRun]:
    """(program, mode) -> the engine's run: `pulumi preview` or `pulumi up` with the pack's defaults."""
    jobs = [(p.name, mode) for p in PROGRAMS for mode in MODES]

    def run(job: tuple[str, str]) -> pulumi_cli.EngineRun:
        name, mode = job
        return engine_ws.run_stack(corpus_dir / name, mode=mode, pack_dir=REPO, export=True)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(jobs, pool.map(run, jobs), strict=True))


@pytest.fixture(scope="session")
def bundled_cli_report(pulumi_bin) -> dict:
    """`mlgov check REPO --engine pulumi --format json` with the pack's defaults: the JSON report."""
    out = subprocess.run([sys.executable, "-m", "mlgov", "check", str(REPO), "--engine", "pulumi", "--pulumi",
                          str(pulumi_bin), "--format", "json"], capture_output=True, text=True, timeout=600, cwd="/")
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)
