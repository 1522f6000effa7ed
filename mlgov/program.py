"""Run a Pulumi Python program offline, recording what the engine would receive.

The program runs under `pulumi.runtime.set_mocks` with a monitor that records every
RegisterResource request exactly as it reaches the engine: camelCase inputs, unknown
sentinels in preview, parent, dependencies, propertyDependencies, protect and
retainOnDelete. URNs are shaped like the engine's (no `pulumi:pulumi:Stack$` in the
type chain) and a default provider is synthesized per package, as the engine does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import runpy
import sys
import sysconfig
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from mlgov.cloud import CloudMocks
from mlgov.resources import STACK_TYPE, RecordedResource, SourceLocation
from mlgov.wire import UNKNOWN, Unwrapper, is_unknown

__all__ = [
    "STACK_TYPE",
    "UNKNOWN",
    "ProgramError",
    "ProgramRun",
    "RecordedResource",
    "is_unknown",
    "run_program",
    "run_project",
]


class ProgramError(Exception):
    """The program could not be run to completion (it raised, or logged an error).

    `location` is the user's innermost program line involved, when one is known."""

    def __init__(self, message: str, location: SourceLocation | None = None):
        super().__init__(message)
        self.message = message
        self.location = location


def _failure_location(exc: BaseException) -> SourceLocation | None:
    """The innermost frame of the exception's traceback that is the user's code, following causes."""
    import traceback

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = [f for f in traceback.extract_tb(current.__traceback__) if _user_frame(f.filename)]
        if frames and frames[-1].lineno:
            return SourceLocation(str(Path(frames[-1].filename).resolve()), int(frames[-1].lineno))
        current = current.__cause__ or current.__context__
    return None


@dataclass
class ProgramRun:
    project: str
    stack: str
    preview: bool
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    secret_values: set[str]
    warnings: list[str] = field(default_factory=list)

    def by_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}

    def get(self, name: str, type_token: str | None = None) -> RecordedResource:
        matches = [r for r in self.resources if r.name == name and (type_token is None or r.type == type_token)]
        if len(matches) != 1:
            raise KeyError(f"expected one resource named {name!r} (type {type_token}), found {len(matches)}")
        return matches[0]


def unwrap_wire(value: Any, secrets: set[str]) -> Any:
    """Turn a wire value into what an analyzer receives (secrets unwrapped, references resolved);
    plaintext secret strings are added to `secrets` so that reports can redact them."""
    unwrap = Unwrapper()
    result = unwrap(value)
    secrets |= unwrap.secret_values
    return result


_LIBRARY_PARTS = ("site-packages", "dist-packages")
# The SDK, the gate and the standard library (asyncio runs every apply) are never the user's code.
_NOT_USER = tuple({os.path.realpath(Path(pulumi.__file__).parent) + os.sep,
                   os.path.realpath(Path(__file__).parent) + os.sep, *(
    os.path.realpath(p) + os.sep for p in (sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")) if p)})


@functools.lru_cache(maxsize=4096)  # a program's frames come from a handful of files, registered thousands of times
def _user_frame(path: str) -> bool:
    return (bool(path) and not path.startswith("<") and not any(part in _LIBRARY_PARTS for part in Path(path).parts)
            and not os.path.realpath(path).startswith(_NOT_USER))


@functools.lru_cache(maxsize=4096)
def _uri_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def declaring_line(request: Any) -> SourceLocation | None:
    """The user's statement that declared the resource: the SDK's source position if it is user code, else
    the innermost user frame of the registration's stack trace (helpers from installed libraries skipped)."""
    positions = []
    if request.HasField("sourcePosition"):
        positions.append(request.sourcePosition)
    if request.HasField("stackTrace"):
        positions.extend(frame.pc for frame in request.stackTrace.frames if frame.HasField("pc"))
    for pos in positions:
        path = _uri_path(pos.uri)
        if pos.line > 0 and _user_frame(path):
            return SourceLocation(path, int(pos.line))
    return None


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps every registration as the engine would see it."""

    def __init__(self, mocks: CloudMocks, project: str, stack: str):
        super().__init__(mocks)
        self.project = project
        self.stack = stack
        self.records: list[RecordedResource] = []
        self.by_urn: dict[str, RecordedResource] = {}
        self.secret_values: set[str] = set()
        self.stack_urn = self._urn(STACK_TYPE, f"{project}-{stack}")
        self._default_providers: dict[str, str] = {}
        # (type, name) -> declaring line, from construction until the registration arrives
        self.pending: dict[tuple[str, str], SourceLocation] = {}

    def _urn(self, qualified_type: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified_type}::{name}"

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root Stack out of a child's type chain.
        if type_ == STACK_TYPE:
            return self.stack_urn
        if parent and parent != self.stack_urn:
            parent_type = parent.split("::")[2]
            return self._urn(f"{parent_type}${type_}", name)
        return self._urn(type_, name)

    def _record(self, record: RecordedResource) -> None:
        self.records.append(record)
        self.by_urn[record.urn] = record

    def _default_provider_ref(self, type_: str, version: str) -> str:
        package = type_.split(":", 1)[0]
        ref = self._default_providers.get(package)
        if ref is None:
            suffix = version.replace(".", "_") if version else ""
            name = f"default_{suffix}" if suffix else "default"
            urn = self._urn(f"pulumi:providers:{package}", name)
            provider_id = f"{package}-provider-id"
            inputs: dict[str, Any] = {"version": version} if version else {}
            region = self.mocks.region if package == "aws" else None
            if region:
                inputs["region"] = region
            self._record(RecordedResource(urn=urn, type=f"pulumi:providers:{package}", name=name, custom=True,
                                          parent=self.stack_urn, inputs=inputs, outputs=dict(inputs), id=provider_id))
            ref = f"{urn}::{provider_id}"
            self._default_providers[package] = ref
        return ref

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self._record(RecordedResource(urn=urn, type=STACK_TYPE, name=request.name, custom=False))
            return resource_pb2.RegisterResourceResponse(urn=urn)

        self.pending.pop((request.type, request.name), None)
        wire = json_format.MessageToDict(request.object)
        inputs = unwrap_wire(wire, self.secret_values)
        provider = request.provider or None
        if request.custom and not provider and not request.type.startswith("pulumi:providers:"):
            provider = self._default_provider_ref(request.type, request.version)
        record = RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent or self.stack_urn,
            provider=provider,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            inputs=inputs,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            source=declaring_line(request),
        )
        self._record(record)

        response = super().RegisterResource(request)
        record.id = response.id
        record.outputs = unwrap_wire(json_format.MessageToDict(response.object), self.secret_values)
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - gRPC method name
        record = self.by_urn.get(request.urn)
        if record is not None:
            record.outputs = unwrap_wire(json_format.MessageToDict(request.outputs), self.secret_values)
        return super().RegisterResourceOutputs(request)


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        target = self.errors if record.levelno >= logging.ERROR else self.warnings
        target.append(record.getMessage())


def _config_strings(config: dict[str, Any]) -> dict[str, str]:
    """Pulumi hands structured config to programs as JSON strings."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def run_program(
    program: str | Path | Callable[[], Any],
    *,
    project: str,
    stack: str = "dev",
    config: dict[str, Any] | None = None,
    secret_config_keys: Iterable[str] = (),
    preview: bool,
    organization: str = "organization",
) -> ProgramRun:
    """Run a program (a directory holding `__main__.py`, or a callable) and record its resources.

    Raises ProgramError when the program raises or logs an error, as `pulumi up` would fail.
    """
    config = dict(config or {})
    mocks = CloudMocks(preview=preview, region=_config_region(config))
    monitor = RecordingMonitor(mocks, project, stack)
    collector = _ErrorCollector()
    logger = logging.getLogger(f"mlgov.program.{id(monitor)}")
    logger.propagate = False
    logger.addHandler(collector)

    pulumi_settings.reset_options(project=project, stack=stack, preview=preview, organization=organization)
    pulumi.runtime.set_all_config(_config_strings(config), list(secret_config_keys))
    previous_loop = _fresh_event_loop()
    pulumi_mocks.set_mocks(mocks, project, stack, preview, logger=logger, monitor=monitor, organization=organization)
    root = pulumi_settings.get_root_resource()
    stack_outputs: dict[str, Any] = {}

    def body() -> Any:
        if callable(program):
            program()
        else:
            # A bare program directory: its parent is taken as the project root (e.g. `infra/`).
            run_main(Path(program), Path(program).resolve().parent)
        return pulumi.Output.from_input(getattr(root, "outputs", {}))

    settings = pulumi_settings.SETTINGS
    settings.rpc_manager.clear()
    settings.outputs.clear()
    try:
        with _offline_stack_references(collector.warnings), _pending_registrations(monitor):
            _sync_await(pulumi_mocks.run_pulumi_func(lambda: _resolve_into(body(), stack_outputs)))
    except ProgramError:
        raise
    except BaseException as exc:  # the program itself failed: report it, never pass silently
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        location = _failure_location(exc)
        raise ProgramError(_describe(exc) + _involved(monitor.pending, location), location) from exc
    finally:
        pulumi_settings.reset_options()
        _restore_event_loop(previous_loop)
    if collector.errors:
        raise ProgramError("; ".join(collector.errors))

    stack_record = monitor.by_urn.get(monitor.stack_urn)
    exports = unwrap_wire(_plain_outputs(stack_outputs, preview), monitor.secret_values)
    if stack_record is not None:
        stack_record.outputs = exports
    return ProgramRun(project=project, stack=stack, preview=preview, resources=monitor.records, outputs=exports,
                      secret_values=monitor.secret_values, warnings=collector.warnings)


@contextlib.contextmanager
def _pending_registrations(monitor: RecordingMonitor) -> Iterator[None]:
    """Remember where each resource was declared from its construction until its registration reaches the
    monitor: when the program fails while the SDK resolves a resource's inputs, the error can name it."""
    module = pulumi.resource
    original = module.register_resource

    def register(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        frame = sys._getframe(1)  # a walk up the frames: cheap, unlike a full stack extraction
        while frame is not None and not _user_frame(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is not None:
            monitor.pending[(ty, name)] = SourceLocation(os.path.realpath(frame.f_code.co_filename), frame.f_lineno)
        return original(res, ty, name, *args, **kwargs)

    module.register_resource = register
    try:
        yield
    finally:
        module.register_resource = original


def _involved(pending: dict[tuple[str, str], SourceLocation], failure: SourceLocation | None) -> str:
    """The resource whose inputs the failing line was computing: one never registered, declared in the same
    statement (the nearest declaration at or a few lines above the failing line)."""
    if failure is None:
        return ""
    candidates = [(loc.line, ty, name) for (ty, name), loc in pending.items()
                  if loc.file == failure.file and failure.line - 10 <= loc.line <= failure.line]
    if not candidates:
        return ""
    _, ty, name = max(candidates)
    return f" (while computing the inputs of {ty} {name!r})"


@contextlib.contextmanager
def _offline_stack_references(warnings: list[str]) -> Iterator[None]:
    """Another stack's outputs live in a backend the gate does not read: while the program runs, every
    StackReference's outputs are unknown (in both modes), so rules that need them say "cannot be verified"
    instead of the program failing on a missing value."""
    cls = pulumi.StackReference
    original = cls.__init__

    def init(self: Any, name: str, stack_name: Any = None, opts: Any = None) -> None:
        original(self, name, stack_name, opts)
        self.outputs = pulumi.Output.from_input(pulumi.output.UNKNOWN)
        warnings.append(f"stack reference {name!r}: another stack's outputs are unknown offline")

    cls.__init__ = init
    try:
        yield
    finally:
        cls.__init__ = original


def _describe(exc: BaseException) -> str:
    # The SDK wraps a failed registration or apply; say what the program did, not how the SDK reports it.
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def _resolve_into(output: pulumi.Output, sink: dict[str, Any]) -> None:
    async def collect() -> None:
        known = await output.is_known()
        value = await output.future(with_unknowns=True)
        secret = await output.is_secret()
        sink["__value__"] = value if known or value is not None else None
        sink["__secret__"] = secret

    _sync_await(collect())


def _plain_outputs(sink: dict[str, Any], preview: bool) -> dict[str, Any]:
    value = sink.get("__value__") or {}
    return {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _plain(value: Any) -> Any:
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _config_region(config: dict[str, Any]) -> str:
    region = config.get("aws:region")
    return region if isinstance(region, str) and region else "us-east-1"


def run_project(project: Any, *, preview: bool) -> ProgramRun:
    """Run a `mlgov.project.Project`'s program as the language host does, with its stack config.

    Modules the program imported from its own tree are forgotten afterwards, so a later run in the same
    process (another mode, another test) runs them again instead of reusing their resources."""
    before = set(sys.modules)
    try:
        return run_program(lambda: run_main(project.program, project.dir), project=project.name,
                           stack=project.stack, config=project.config, secret_config_keys=project.secret_keys,
                           preview=preview)
    finally:
        _forget_modules(before, project.dir)


def _forget_modules(before: set[str], root: Path) -> None:
    prefix = str(root) + os.sep
    installed = tuple({str(Path(p).resolve()) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    for name in [n for n in sys.modules if n not in before]:
        module_file = getattr(sys.modules.get(name), "__file__", None) or ""
        # Keep installed packages (a project's .venv often lives inside the project).
        if (module_file.startswith(prefix) and not module_file.startswith(installed)
                and not any(part in _LIBRARY_PARTS for part in Path(module_file).parts)):
            del sys.modules[name]


def run_main(program: Path, root: Path) -> None:
    """Run a program as the language host does: `root` (the project) as cwd, the program's
    directory and the root first on sys.path. `program` is a directory holding `__main__.py`
    or a Python file."""
    main = program / "__main__.py" if program.is_dir() else program
    if not main.is_file():
        raise ProgramError(f"{program} has no __main__.py")
    added = [p for p in dict.fromkeys((str(main.parent), str(root))) if p not in sys.path]
    sys.path[:0] = added
    cwd = os.getcwd()
    try:
        os.chdir(root)
        runpy.run_path(str(main), run_name="__main__")
    finally:
        os.chdir(cwd)
        for p in added:
            if p in sys.path:
                sys.path.remove(p)


def _fresh_event_loop() -> asyncio.AbstractEventLoop | None:
    try:
        previous = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        previous = None
    asyncio.set_event_loop(asyncio.new_event_loop())
    return previous


def _restore_event_loop(previous: asyncio.AbstractEventLoop | None) -> None:
    loop = asyncio.get_event_loop_policy().get_event_loop()
    if loop is not previous and not loop.is_running():
        loop.close()
    asyncio.set_event_loop(previous)
