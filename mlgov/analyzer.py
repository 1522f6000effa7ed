"""The analyzer protocol, as the engine speaks it: requests built from `RecordedResource`s, replies decoded.

`PackProcess` launches a policy pack exactly as the Python language host does
(`python -u -m pulumi.policy <engineAddress> <packDir>`, cwd = packDir, PULUMI_* environment)
and talks gRPC to it. `InProcessAnalyzer` drives the SDK's servicer directly with the same
request messages (fast, for tests that compare the two). The order of the calls is `mlgov.engine`'s.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2

from mlgov.pack import PackLocation, local_pack
from mlgov.resources import RecordedResource
from mlgov.supervision import Supervisor

ENFORCEMENT_NAMES = {0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate"}
# The SDK's message when a validator read a value unknown during preview (always advisory).
UNVERIFIABLE_PREFIX = "can't run policy"
SEVERITY_NAMES = {0: "", 1: "low", 2: "medium", 3: "high", 4: "critical"}


class AnalyzerError(Exception):
    """The pack could not be started, or failed while analyzing (the engine aborts the run)."""


@dataclass
class PolicyInfo:
    name: str
    description: str
    enforcement: str
    severity: str
    config_schema: dict[str, Any]
    display_name: str = ""
    framework: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    remediation: str = ""
    url: str = ""
    policy_type: str = ""


@dataclass
class AnalyzerInfo:
    name: str
    version: str
    policies: list[PolicyInfo]
    initial_config: dict[str, dict[str, Any]]
    supports_config: bool = True


@dataclass
class Diagnostic:
    policy: str
    pack: str
    message: str
    description: str
    urn: str  # the resource the diagnostic is about ("" for the stack)
    enforcement: str
    severity: str
    phase: str  # "analyze" (per resource) or "analyzeStack"

    @property
    def unverifiable(self) -> bool:
        """A preview note: the policy needed a value that is unknown until the update."""
        return self.message.startswith(UNVERIFIABLE_PREFIX)


def _analyzer_pb2():
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(value))
    return s


def enforcement_value(name: str) -> int:
    for k, v in ENFORCEMENT_NAMES.items():
        if v == name:
            return k
    raise ValueError(f"unknown enforcement level {name!r}")


class Analyzer:
    """Shared request building; subclasses provide `_call(method, request)`."""

    pack_dir: Path | None = None

    def _call(self, method: str, request: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- protocol ---------------------------------------------------------------------------------
    def info(self) -> AnalyzerInfo:
        raw = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = []
        for p in raw.policies:
            schema = json_format.MessageToDict(p.configSchema) if p.HasField("configSchema") else {}
            policies.append(PolicyInfo(
                name=p.name,
                description=p.description,
                enforcement=ENFORCEMENT_NAMES.get(p.enforcementLevel, "advisory"),
                severity=SEVERITY_NAMES.get(p.severity, ""),
                config_schema=schema,
                display_name=p.displayName,
                framework={k: v for k, v in (("name", p.framework.name), ("version", p.framework.version),
                                             ("reference", p.framework.reference)) if v},
                tags=list(p.tags),
                remediation=p.remediation_steps,
                url=p.url,
                policy_type={1: "resource", 2: "stack"}.get(p.policy_type, ""),
            ))
        initial = {}
        for name, cfg in raw.initialConfig.items():
            entry = json_format.MessageToDict(cfg.properties) if cfg.HasField("properties") else {}
            entry["enforcementLevel"] = ENFORCEMENT_NAMES.get(cfg.enforcementLevel, "advisory")
            initial[name] = entry
        return AnalyzerInfo(name=raw.name, version=raw.version, policies=policies, initial_config=initial,
                            supports_config=raw.supportsConfig)

    def configure(self, config: Mapping[str, Mapping[str, Any]]) -> None:
        """`config`: policy name -> {"enforcementLevel": level, **properties} (already reconciled)."""
        pb = _analyzer_pb2()
        request = pb.ConfigureAnalyzerRequest()
        for name, entry in config.items():
            props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            request.policyConfig[name].CopyFrom(pb.PolicyConfig(
                enforcementLevel=enforcement_value(entry.get("enforcementLevel", "advisory")),
                properties=_struct(props)))
        self._call("Configure", request)

    @staticmethod
    def _provider_message(provider: RecordedResource | None, use_outputs: bool) -> Any:
        if provider is None:
            return None
        return _analyzer_pb2().AnalyzerProviderResource(
            type=provider.type, urn=provider.urn, name=provider.name,
            properties=_struct(provider.outputs if use_outputs else provider.inputs))

    def _options(self, r: RecordedResource) -> Any:
        return _analyzer_pb2().AnalyzerResourceOptions(protect=r.protect, parent=r.parent or "")

    def analyze(self, r: RecordedResource, provider: RecordedResource | None = None) -> list[Diagnostic]:
        """Analyze one resource's inputs, as the engine does at registration (`provider`: its provider's record)."""
        pb = _analyzer_pb2()
        request = pb.AnalyzeRequest(type=r.type, urn=r.urn, name=r.name, properties=_struct(r.inputs),
                                    options=self._options(r))
        message = self._provider_message(provider, use_outputs=False)
        if message is not None:
            request.provider.CopyFrom(message)
        response = self._call("Analyze", request)
        return [_diagnostic(d, default_urn=r.urn, phase="analyze") for d in response.diagnostics]

    def analyze_stack(self, resources: Iterable[RecordedResource]) -> list[Diagnostic]:
        """Analyze every resource's outputs with its graph, once, as the engine does at the end."""
        pb = _analyzer_pb2()
        resources = list(resources)
        providers = {r.urn: r for r in resources if r.type.startswith("pulumi:providers:")}
        request = pb.AnalyzeStackRequest()
        for r in resources:
            message = pb.AnalyzerResource(type=r.type, urn=r.urn, name=r.name, properties=_struct(r.outputs),
                                          options=self._options(r), parent=r.parent or "",
                                          dependencies=list(r.dependencies))
            for key, urns in r.property_dependencies.items():
                message.propertyDependencies[key].CopyFrom(pb.AnalyzerPropertyDependencies(urns=list(urns)))
            provider = self._provider_message(providers.get(r.provider_urn or ""), use_outputs=True)
            if provider is not None:
                message.provider.CopyFrom(provider)
            request.resources.append(message)
        response = self._call("AnalyzeStack", request)
        return [_diagnostic(d, default_urn="", phase="analyzeStack") for d in response.diagnostics]


def _diagnostic(d: Any, default_urn: str, phase: str) -> Diagnostic:
    # The SDK sends "description\nmessage"; keep only what the rule reported.
    message = d.message
    if d.description and message.startswith(d.description + "\n"):
        message = message[len(d.description) + 1:]
    return Diagnostic(policy=d.policyName, pack=d.policyPackName, message=message, description=d.description,
                      urn=d.urn or default_urn, enforcement=ENFORCEMENT_NAMES.get(d.enforcementLevel, "advisory"),
                      severity=SEVERITY_NAMES.get(d.severity, ""), phase=phase)


class InProcessAnalyzer(Analyzer):
    """The SDK servicer called directly with the engine's request messages (no server, no process)."""

    def __init__(self, policies: list[Any] | None = None, name: str = "pack", version: str = "0.0.1",
                 initial_config: dict[str, Any] | None = None, *, servicer: Any = None):
        """Either SDK `policies` (served by the SDK's servicer) or a pack's own `servicer` object."""
        if servicer is None:
            from pulumi_policy import EnforcementLevel
            from pulumi_policy.policy import _PolicyAnalyzerServicer

            servicer = _PolicyAnalyzerServicer(name, version, policies, EnforcementLevel.ADVISORY, initial_config)
        self._servicer = servicer

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._servicer, method)(request, None)
        except Exception as exc:  # the engine turns this into "failed to run policy"
            raise AnalyzerError(f"policy pack raised in {method}: {type(exc).__name__}: {exc}") from exc


class PackProcess(Analyzer):
    """A policy pack started as the Pulumi language host starts it, spoken to over gRPC.

    Starting returns at once; the first call waits (up to `start_timeout`) for the pack's port, so the
    pack starts while the caller does something else (the program runs). The process belongs to
    `supervisor` (one is made if none is given), which ends it with its process group."""

    def __init__(self, pack: str | Path | PackLocation, *, project: str, stack: str, preview: bool,
                 organization: str = "organization", config: Mapping[str, Any] | None = None,
                 start_timeout: float = 60.0, call_timeout: float = 120.0, supervisor: Supervisor | None = None,
                 python: str | None = None):
        location = pack if isinstance(pack, PackLocation) else local_pack(pack)
        if python:  # run it with this interpreter instead of the one its PulumiPolicy.yaml names
            location = PackLocation(location.dir, python)
        self.pack_dir = location.dir
        self.call_timeout = call_timeout
        self.start_timeout = start_timeout
        self._supervisor = supervisor or Supervisor()
        env = dict(os.environ)
        env.update({
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if preview else "false",
            "PULUMI_CONFIG": _json(config or {}),
        })
        self._started = time.perf_counter()
        self.startup_seconds: float | None = None
        self._proc = self._supervisor.spawn(
            [location.python, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(self.pack_dir)],
            cwd=self.pack_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self._stderr: list[str] = []
        self._port: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        threading.Thread(target=self._read_port_line, daemon=True).start()
        self._stub: Any = None

    def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in iter(self._proc.stderr.readline, b""):
            self._stderr.append(line.decode(errors="replace"))

    def _read_port_line(self) -> None:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        self._ready_at = time.perf_counter()  # when the pack was ready, whenever the caller first waits for it
        self._port.put(line)

    def wait_ready(self) -> None:
        """Wait for the port and connect; raises AnalyzerError if the pack does not start."""
        if self._stub is not None:
            return
        import grpc
        from pulumi.runtime.proto import analyzer_pb2_grpc

        try:
            first = self._port.get(timeout=self.start_timeout)
        except queue.Empty:
            self.close()
            raise AnalyzerError(f"policy pack did not start within {self.start_timeout:.0f}s") from None
        text = first.decode(errors="replace").strip()
        if not text.isdigit():
            if not text:  # it exited: wait briefly so its stderr is complete
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(timeout=5)
            self.close()
            detail = self.stderr_tail() or text or "no output"
            raise AnalyzerError(f"policy pack failed to start: {detail}")
        self.startup_seconds = self._ready_at - self._started
        options = [("grpc.max_receive_message_length", 400 * 1024 * 1024),
                   ("grpc.max_send_message_length", 400 * 1024 * 1024)]
        self._channel = grpc.insecure_channel(f"127.0.0.1:{int(text)}", options=options)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._grpc = grpc

    def stderr_tail(self, lines: int = 15) -> str:
        return "".join(self._stderr[-lines:]).strip()

    def _call(self, method: str, request: Any) -> Any:
        self.wait_ready()
        try:
            return getattr(self._stub, method)(request, timeout=self.call_timeout)
        except self._grpc.RpcError as exc:
            details = exc.details() if hasattr(exc, "details") else str(exc)
            raise AnalyzerError(f"policy pack failed in {method}: {details}") from exc

    def close(self) -> None:
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()
        self._supervisor.release(self._proc)
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
