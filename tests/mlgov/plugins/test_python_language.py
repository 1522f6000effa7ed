"""The small Python language host: the exec command line it builds, the interpreter it picks, and a policy pack
launched through RunPlugin behind the analyzer proxy, as the engine launches it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, language_pb2, language_pb2_grpc

from mlgov.plugins.policy_proxy import stack_environment
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


def test_the_pack_gets_the_stack_configuration_the_engine_sends():
    request = analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="p", organization="org", dry_run=True,
                                                         config={"p:catalog": '{"teams": []}'})
    env = stack_environment(request)
    assert json.loads(env.pop("PULUMI_CONFIG")) == {"p:catalog": '{"teams": []}'}
    assert env == {"PULUMI_ORGANIZATION": "org", "PULUMI_PROJECT": "p", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true"}
    assert stack_environment(None) == {}


def test_run_plugin_serves_a_policy_pack_behind_the_proxy(tmp_path):
    executor = tmp_path / "pulumi-language-python-exec"
    executor.write_text("")
    host = subprocess.Popen([sys.executable, "-m", "mlgov.plugins.python_language", "--use-executor", str(executor)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        port = int(host.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            request = language_pb2.RunPluginRequest(
                pwd=str(REPO), kind="analyzer", args=["127.0.0.1:1"],
                info=language_pb2.ProgramInfo(root_directory=str(REPO), program_directory=str(REPO),
                                              entry_point=".", options=struct_pb2.Struct()))
            stream = language_pb2_grpc.LanguageRuntimeStub(channel).RunPlugin(request, timeout=120)
            first = next(stream)
            proxy_port = int(first.stdout.split(b"\n")[0])  # the engine dials this, as pulumi's host prints it
            with grpc.insecure_channel(f"127.0.0.1:{proxy_port}") as pack_channel:
                pack = analyzer_pb2_grpc.AnalyzerStub(pack_channel)
                pack.Handshake(analyzer_pb2.AnalyzerHandshakeRequest(engine_address="127.0.0.1:1"), timeout=10)
                pack.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="p"), timeout=10)
                info = pack.GetAnalyzerInfo(empty_pb2.Empty(), timeout=120)  # forwarded to the started pack
            assert info.name == "ml-dataset-governance"
            assert len(info.policies) > 40
            stream.cancel()
    finally:
        host.terminate()
        assert host.wait(timeout=10) == 0
        host.stdout.close()
