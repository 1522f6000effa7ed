"""`pulumi-language-python` for a CLI built without one: launches programs and Python policy packs.

pulumi's own host (module sdk/python/cmd/pulumi-language-python) is not served by the Go module proxy,
so `scripts/build-engine` cannot build it. This host does the two things `pulumi preview|up --policy-pack`
needs from it, as that host does them (sdk/python/cmd/pulumi-language-python/main.go):

- Run: `python -u pulumi-language-python-exec --monitor … --engine … --project … --root_directory …
  --stack … --pwd … --dry_run … --parallel … --organization … ENTRYPOINT`, with PULUMI_CONFIG and
  PULUMI_CONFIG_SECRET_KEYS as JSON; exit code 32 means "the program already showed its error" (Bail).
  The exec script is the Pulumi SDK's own, taken from the same Go module (sdk/v3) the CLI is built from.
- RunPlugin for an analyzer: `python -u -m pulumi.policy ARGS… PACK_DIR`, cwd the pack dir, behind the analyzer
  proxy (`mlgov.plugins.policy_proxy`) that gives the pack the stack configuration from ConfigureStack;
  its output is streamed back to the engine.

The interpreter is `runtime.options.virtualenv` (relative to the project or pack dir) when it exists,
else the interpreter running this host. No dependency installation, no typechecker, no debugger.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

from mlgov.plugins.policy_proxy import PolicyProxy, stack_environment
from mlgov.plugins.serve import serve

BANNER = "mlgov language host: runs Python programs and policy packs for a pulumi CLI built without its own host."
BAIL_EXIT_CODE = 32  # pulumi-language-python-exec: "an error message was already shown"


def python_for(base_dir: str, options: dict[str, Any]) -> str:
    virtualenv = options.get("virtualenv")
    if isinstance(virtualenv, str) and virtualenv:
        venv = Path(virtualenv) if os.path.isabs(virtualenv) else Path(base_dir) / virtualenv
        candidate = venv / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return sys.executable


def _options(info: Any) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info is not None and info.HasField("options") else {}


def run_arguments(request: Any, engine_address: str) -> list[str]:
    args: list[str] = []
    for key, value in (("monitor", request.monitor_address), ("engine", engine_address),
                       ("project", request.project), ("root_directory", request.info.root_directory),
                       ("stack", request.stack), ("pwd", request.pwd),
                       ("dry_run", "true" if request.dryRun else "false"), ("parallel", str(request.parallel)),
                       ("organization", request.organization)):
        if value:
            args += [f"--{key}", value]
    return [*args, request.info.entry_point or ".", *request.args]


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, executor: str, engine_address: str):
        self.executor = executor
        self.engine_address = engine_address
        self._children: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    def Handshake(self, request, context):
        self.engine_address = request.engine_address or self.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):
        from importlib.metadata import version

        return plugin_pb2.PluginInfo(version=version("pulumi"))

    def GetRequiredPlugins(self, request, context):
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request, context):
        # Plugins are found ambient on PATH (the offline provider); nothing to download.
        return language_pb2.GetRequiredPackagesResponse()

    def InstallDependencies(self, request, context):
        return iter(())

    def About(self, request, context):
        return language_pb2.AboutResponse(executable=sys.executable, version=sys.version.split()[0])

    def GetProgramDependencies(self, request, context):
        return language_pb2.GetProgramDependenciesResponse()

    def Cancel(self, request, context):
        self.terminate_children()
        return empty_pb2.Empty()

    def terminate_children(self) -> None:
        with self._lock:
            for child in list(self._children):
                if child.poll() is None:
                    child.terminate()

    def _spawn(self, argv: list[str], **kwargs: Any) -> subprocess.Popen:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)
        with self._lock:
            self._children.add(child)
        return child

    def _reap(self, child: subprocess.Popen) -> int:
        code = child.wait()
        with self._lock:
            self._children.discard(child)
        return code

    def Run(self, request, context):
        python = python_for(request.info.root_directory, _options(request.info))
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        # stdout/stderr stay ours: the engine turns the language host's output into diagnostics.
        child = self._spawn([python, "-u", self.executor, *run_arguments(request, self.engine_address)],
                            cwd=request.pwd or None, env=env)
        code = self._reap(child)
        if code == 0:
            return language_pb2.RunResponse()
        if code == BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def RunPlugin(self, request, context):
        program_dir = request.info.program_directory or request.program
        python = python_for(program_dir, _options(request.info))
        if request.kind == "analyzer":
            yield from self._run_policy_pack(request, python, program_dir, context)
            return
        child = self._start(request, context, [python, "-u", program_dir, *request.args], request.pwd or None, {})
        yield from _stream(child)
        yield language_pb2.RunPluginResponse(exitcode=self._reap(child))

    def _start(self, request: Any, context: Any, argv: list[str], cwd: str | None,
               extra_env: dict[str, str]) -> subprocess.Popen:
        env = dict(os.environ)
        env.update(extra_env)
        env.update(entry.split("=", 1) for entry in request.env if "=" in entry)
        child = self._spawn(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # The engine ends the stream when it is done with the plugin: end the plugin with it.
        context.add_callback(lambda: child.poll() is None and child.terminate())
        return child

    def _run_policy_pack(self, request: Any, python: str, pack_dir: str, context: Any):
        """`python -u -m pulumi.policy ARGS PACK_DIR` from the pack dir, behind the analyzer proxy so the pack
        starts with the stack configuration the engine sends in ConfigureStack (as pulumi's host does)."""
        proxy = PolicyProxy()
        try:
            yield language_pb2.RunPluginResponse(stdout=f"{proxy.port}\n".encode())
            config = proxy.await_configuration(context.is_active)
            child = self._start(request, context, [python, "-u", "-m", "pulumi.policy", *request.args, pack_dir],
                                pack_dir, stack_environment(config))
            first = child.stdout.readline()
            if first.strip().isdigit():
                proxy.attach(int(first))
            else:
                proxy.fail(first.decode(errors="replace").strip() or "the pack printed no port")
                yield language_pb2.RunPluginResponse(stderr=first)
            yield from _stream(child)
            code = self._reap(child)
            if code:
                proxy.fail(f"the pack exited with code {code}")
            yield language_pb2.RunPluginResponse(exitcode=code)
        finally:
            proxy.close()


def _stream(child: subprocess.Popen):
    """Interleave the child's stdout and stderr into RunPluginResponse messages as they arrive."""
    import queue

    chunks: queue.Queue = queue.Queue()

    def pump(stream: Any, field: str) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            chunks.put((field, chunk))
        chunks.put((field, None))

    for stream, field in ((child.stdout, "stdout"), (child.stderr, "stderr")):
        threading.Thread(target=pump, args=(stream, field), daemon=True).start()
    open_streams = 2
    while open_streams:
        field, chunk = chunks.get()
        if chunk is None:
            open_streams -= 1
        else:
            yield language_pb2.RunPluginResponse(**{field: chunk})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-language-python")
    parser.add_argument("--use-executor", required=True, help="path of pulumi-language-python-exec")
    parser.add_argument("--tracing", default="")
    parser.add_argument("engine", nargs="?", default="")
    args, _ = parser.parse_known_args(argv)
    if not Path(args.use_executor).is_file():
        sys.stderr.write(f"pulumi-language-python: missing executor {args.use_executor}\n")
        return 1

    host = PythonLanguageHost(args.use_executor, args.engine)

    def register(server: grpc.Server) -> None:
        language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)

    return serve(register, BANNER, on_stop=host.terminate_children)


if __name__ == "__main__":
    sys.exit(main())
