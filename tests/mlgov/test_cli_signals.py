"""SIGTERM (what CI runners send on cancel) and SIGINT end `mlgov` and every process it started, in any phase.

Every process of a run inherits a unique environment tag; after `mlgov` exits, /proc must hold no process
with that tag.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

SLOW_PACK = '''
import os, pathlib, time
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def slow(args, report_violation):
    pathlib.Path(os.environ["MLGOV_SIGNAL_DIR"], "analyzing").touch()
    time.sleep(120)


PolicyPack("slow", enforcement_level=EnforcementLevel.MANDATORY,
           policies=[ResourceValidationPolicy(name="slow", description="Slow", validate=slow)])
'''
PROGRAM = '''
import os, pathlib, time
import pulumi_aws as aws

aws.s3.Bucket("b")
if os.environ.get("MLGOV_SLOW_PROGRAM"):
    pathlib.Path(os.environ["MLGOV_SIGNAL_DIR"], "running").touch()
    time.sleep(120)
'''


def tagged(tag: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"MLGOV_SIGNAL_TAG={tag}".encode() in environ.split(b"\0") and state != "Z":
            pids.append(int(entry.name))
    return pids


def catches(pid: int, signum: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught & (1 << (signum - 1)))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("signals")
    pack = root / "slow-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text(SLOW_PACK)
    project = root / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: sig\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    (project / "__main__.py").write_text(PROGRAM)
    return pack, project


@pytest.mark.parametrize(("phase", "signum", "code"), [
    ("starting", signal.SIGTERM, 143),
    ("running", signal.SIGTERM, 143),
    ("analyzing", signal.SIGTERM, 143),
    ("running", signal.SIGINT, 130),
])
def test_a_signal_in_any_phase_leaves_no_process_behind(setup, tmp_path, phase, signum, code):
    pack, project = setup
    tag = uuid.uuid4().hex
    env = dict(os.environ, MLGOV_SIGNAL_TAG=tag, MLGOV_SIGNAL_DIR=str(tmp_path))
    if phase == "running":
        env["MLGOV_SLOW_PROGRAM"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "mlgov", "check", str(project), "--policy-pack", str(pack)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        if phase == "starting":  # as soon as mlgov catches the signal: before any child starts
            while not catches(proc.pid, signum):
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.01)
        else:
            while not (tmp_path / phase).exists():
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
        assert len(tagged(tag)) >= (1 if phase == "starting" else 3)  # mlgov, a worker, a pack at least
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines()[-1].startswith(f"mlgov: interrupted by {signal.Signals(signum).name}")
    assert "Traceback" not in stderr
    deadline = time.monotonic() + 5
    while tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tagged(tag) == [], "processes survived mlgov"
