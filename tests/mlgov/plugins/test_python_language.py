"""The small Python language host: the exec command line it builds, the interpreter it picks, and a policy pack
launched through RunPlugin as the engine launches it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from mlgov.plugins.python_language import python_for, run_arguments

REPO = Path(__file__).resolve().parents[3]


def test_run_arguments_follow_the_go_host():
    request = language_pb2.RunRequest(
        project="p", stack="dev", pwd="/w", dryRun=True, parallel=8, monitor_address="127.0.0.1:5",
        organization="organization", args=["x"],
        info=language_pb2.ProgramInfo(root_directory="/w", program_directory="/w/infra", entry_point="infra/"))
    assert run_arguments(request, "127.0.0.1:9") == [
        "--monitor", "127.0.0.1:5", "--engine", "127.0.0.1:9", "--project", "p", "--root_directory", "/w",
        "--stack", "dev", "--pwd", "/w", "--dry_run", "true", "--parallel", "8", "--organization", "organization",
        "infra/", "x"]


def test_the_interpreter_is_the_virtualenv_when_it_exists(tmp_path):
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").write_text("")
    assert python_for(str(tmp_path), {"virtualenv": "venv"}) == str(tmp_path / "venv" / "bin" / "python")
    assert python_for(str(tmp_path), {"virtualenv": "missing"}) == sys.executable
    assert python_for(str(tmp_path), {}) == sys.executable


def test_run_plugin_starts_a_policy_pack_and_streams_its_port(tmp_path):
    executor = tmp_path / "pulumi-language-python-exec"
    executor.write_text("")
    host = subprocess.Popen([sys.executable, "-m", "mlgov.plugins.python_language", "--use-executor", str(executor)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        port = int(host.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = language_pb2_grpc.LanguageRuntimeStub(channel)
            options = struct_pb2.Struct()
            request = language_pb2.RunPluginRequest(
                pwd=str(REPO), kind="analyzer", args=["127.0.0.1:1"],
                info=language_pb2.ProgramInfo(root_directory=str(REPO), program_directory=str(REPO),
                                              entry_point=".", options=options))
            stream = stub.RunPlugin(request, timeout=120)
            first = next(r for r in stream if r.WhichOneof("output") == "stdout")
            # The pack printed its port first, as the engine expects from `python -m pulumi.policy`.
            assert first.stdout.split(b"\n")[0].strip().isdigit()
            stream.cancel()
    finally:
        host.terminate()
        assert host.wait(timeout=10) == 0
        host.stdout.close()
