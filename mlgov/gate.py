"""The gate: run a program (or read an export), evaluate a pack in the engine's order, build the report.

Per mode (preview, update) the gate does what `pulumi preview|up --policy-pack DIR` does, offline:

1. run the program under mocks with a recording monitor (`mlgov.program.run_program`);
2. start the pack as the Python language host starts it (`mlgov.engine.PackProcess`: its own process,
   `-u -m pulumi.policy`, PULUMI_* environment, PULUMI_DRY_RUN per mode) -- started in the background
   while the program runs, since they are independent;
3. GetAnalyzerInfo, reconcile the policy config (schema defaults, initialConfig, the user's file), Configure;
4. Analyze every registered resource's inputs in registration order (Stack, providers, components
   included), then one AnalyzeStack with outputs, parents, dependencies and property dependencies;
5. turn diagnostics into `Violation`s: resource name and type from the URN, exempted findings under
   the exempted rule's id, preview notes marked unverifiable, secret plaintext redacted.

Anything that keeps the gate from deciding raises `GateError` (exit code 2).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgov.diagnostics import exemption
from mlgov.engine import Analyzer, AnalyzerError, AnalyzerInfo, Diagnostic, PackProcess
from mlgov.findings import EXEMPTED, Report, Violation
from mlgov.policy_config import PolicyConfigError, reconcile
from mlgov.program import STACK_TYPE, ProgramError, RecordedResource, run_main, run_program
from mlgov.project import Project

__all__ = [
    "MODES",
    "GateError",
    "GateOptions",
    "Watchdog",
    "audit",
    "check",
    "default_pack_dir",
    "engine_analyze",
    "engine_configure",
    "engine_evaluate",
    "redact",
    "to_violations",
]

MODES = ("preview", "update")
SECRET_MASK = "[secret]"


class GateError(Exception):
    """The gate could not decide: the caller must exit 2, never 0."""


def default_pack_dir() -> Path:
    """This project's pack root: the directory holding the installed `policies` package."""
    import ml_dataset_governance.policies as policies

    root = Path(policies.__file__).resolve().parent.parent
    if not (root / "PulumiPolicy.yaml").is_file():
        raise GateError(f"the bundled policy pack was not found next to {root / 'policies'} "
                        "(installed without the repository?); pass --policy-pack DIR")
    return root


@dataclass
class GateOptions:
    pack_dir: Path
    policy_config: Mapping[str, Any] | None = None
    organization: str = "organization"
    start_timeout: float = 60.0
    call_timeout: float = 300.0


# -- the engine's order, shared with mlgov.testing.evaluate -------------------------------------------

def engine_configure(analyzer: Analyzer, user_config: Mapping[str, Any] | None = None, *,
                     info: AnalyzerInfo | None = None) -> tuple[AnalyzerInfo, dict[str, dict[str, Any]]]:
    """GetAnalyzerInfo, reconcile (schema defaults, initialConfig, user file; validated), Configure.

    The engine does this when it loads the pack, before the program runs: a bad config aborts
    the run before any resource is registered (PolicyConfigError)."""
    info = info or analyzer.info()
    reconciled = reconcile(info, user_config)
    analyzer.configure(reconciled)
    return info, reconciled


def engine_analyze(analyzer: Analyzer, resources: Sequence[RecordedResource], *,
                   stack: bool = True) -> list[Diagnostic]:
    """Analyze per resource (inputs) in registration order, then one AnalyzeStack (outputs and graph)."""
    analyzer.remember_providers(resources)
    diagnostics: list[Diagnostic] = []
    for r in resources:
        diagnostics.extend(analyzer.analyze(r))
    if stack:
        diagnostics.extend(analyzer.analyze_stack(resources))
    return diagnostics


def engine_evaluate(analyzer: Analyzer, resources: Sequence[RecordedResource],
                    user_config: Mapping[str, Any] | None = None, *, stack: bool = True,
                    info: AnalyzerInfo | None = None) -> tuple[AnalyzerInfo, dict[str, dict[str, Any]],
                                                               list[Diagnostic]]:
    """The whole engine order on recorded resources: configure, then analyze.

    Returns the pack info, the reconciled config and every diagnostic in the order the engine
    receives them. Raises AnalyzerError / PolicyConfigError where the engine aborts.
    """
    info, reconciled = engine_configure(analyzer, user_config, info=info)
    return info, reconciled, engine_analyze(analyzer, resources, stack=stack)


# -- diagnostics -> violations ------------------------------------------------------------------------

def parse_urn(urn: str) -> tuple[str, str]:
    """(type, logical name) of an engine URN `urn:pulumi:stack::project::parent$type::name`."""
    parts = urn.split("::", 3)
    if len(parts) == 4 and parts[0].startswith("urn:pulumi:"):
        return parts[2].rsplit("$", 1)[-1], parts[3]
    return "", urn


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every plaintext secret (longest first, so overlaps cannot leak a tail) with a mask."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, SECRET_MASK)
    return text


def to_violations(diagnostics: Iterable[Diagnostic], *, mode: str, info: AnalyzerInfo, stack_urn: str,
                  secrets: Iterable[str] = ()) -> list[Violation]:
    secrets = set(secrets)
    policies = {p.name: p for p in info.policies}
    out: list[Violation] = []
    for d in diagnostics:
        policy, enforcement, message = d.policy, d.enforcement, d.message
        severity = d.severity or (policies[policy].severity if policy in policies else "")
        if exemption(message, enforcement) is not None:
            enforcement = EXEMPTED
        urn = d.urn or stack_urn
        type_, name = parse_urn(urn)
        meta = policies.get(policy)
        out.append(Violation(
            policy=policy,
            enforcement=enforcement,
            severity=severity,
            urn=urn,
            type=type_,
            name=name,
            message=redact(message, secrets),
            mode=mode,
            unverifiable=d.unverifiable,
            title=(meta.display_name or meta.description) if meta else "",
        ))
    return out


def rules_metadata(info: AnalyzerInfo, reconciled: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    rules = {}
    for p in info.policies:
        rules[p.name] = {
            "title": p.display_name or p.description,
            "description": p.description,
            "severity": p.severity,
            "enforcement": (reconciled.get(p.name) or {}).get("enforcementLevel", p.enforcement),
            "default_enforcement": p.enforcement,
            "url": p.url,
            "remediation": p.remediation,
            "framework": dict(p.framework),
            "tags": list(p.tags),
            "type": p.policy_type,
        }
    return rules


def pack_version(pack_dir: Path, info: AnalyzerInfo) -> str:
    """The engine reports PulumiPolicy.yaml's version, not the SDK's placeholder."""
    import yaml

    try:
        spec = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        spec = {}
    version = spec.get("version") if isinstance(spec, dict) else None
    return str(version) if version else info.version


# -- the watchdog -------------------------------------------------------------------------------------

_LIVE_PACKS: set[PackProcess] = set()
_LIVE_LOCK = threading.Lock()


def _track(pack: PackProcess) -> None:
    with _LIVE_LOCK:
        _LIVE_PACKS.add(pack)


def _untrack(pack: PackProcess) -> None:
    with _LIVE_LOCK:
        _LIVE_PACKS.discard(pack)


class Watchdog:
    """Bounds the whole run: the program runs inside this process, so on timeout the watchdog kills
    the pack processes, prints one line on stderr and ends the process with exit code 2."""

    def __init__(self, seconds: float | None, exit_code: int = 2):
        self.seconds = seconds
        self.phase = "starting"
        self.exit_code = exit_code
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Watchdog:
        if self.seconds and self.seconds > 0:
            self._timer = threading.Timer(self.seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _expire(self) -> None:
        with _LIVE_LOCK:
            packs = list(_LIVE_PACKS)
        for pack in packs:
            with contextlib.suppress(Exception):
                pack._proc.kill()
        with contextlib.suppress(Exception):
            sys.stderr.write(f"mlgov: error: timed out after {self.seconds:g}s while {self.phase}; "
                             "the gate could not decide\n")
            sys.stderr.flush()
        os._exit(self.exit_code)


_NO_WATCHDOG = Watchdog(None)


# -- running a project's program ----------------------------------------------------------------------

def _program_callable(project: Project) -> Callable[[], None]:
    return functools.partial(run_main, project.program, project.dir)


def _purge_modules(before: set[str], root: Path) -> None:
    """Forget modules the program imported from its own tree, so the next mode re-runs them."""
    prefix = str(root) + os.sep
    installed = tuple({str(Path(p).resolve()) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    for name in [n for n in sys.modules if n not in before]:
        module_file = getattr(sys.modules.get(name), "__file__", None) or ""
        # Keep installed packages (a project's .venv often lives inside the project).
        if (module_file.startswith(prefix) and not module_file.startswith(installed)
                and "site-packages" not in Path(module_file).parts):
            del sys.modules[name]


def run_project(project: Project, *, preview: bool):
    before = set(sys.modules)
    try:
        # A program's print() would corrupt a report written to stdout: send it to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            return run_program(_program_callable(project), project=project.name, stack=project.stack,
                               config=project.config, preview=preview)
    except ProgramError as exc:
        raise GateError(f"the program failed in {'preview' if preview else 'update'} mode: {exc}") from None
    finally:
        _purge_modules(before, project.dir)


# -- evaluation ---------------------------------------------------------------------------------------

@dataclass
class _ModeResult:
    mode: str
    violations: list[Violation]
    resources: int
    info: AnalyzerInfo
    reconciled: dict[str, dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)


def _start_pack(options: GateOptions, *, project: str, stack: str, preview: bool,
                config: Mapping[str, Any]) -> PackProcess:
    pack = PackProcess(options.pack_dir, project=project, stack=stack, preview=preview,
                       organization=options.organization, config=config,
                       start_timeout=options.start_timeout, call_timeout=options.call_timeout)
    _track(pack)
    return pack


def _close(pack_future: Future) -> None:
    try:
        pack = pack_future.result()
    except Exception:  # noqa: BLE001 - it failed to start: nothing to close
        return
    _untrack(pack)
    pack.close()


def summarize_traceback(message: str) -> str:
    """Keep a pack's error readable on one line: the exception and where it was raised, not the traceback."""
    if "Traceback (most recent call last)" not in message:
        return message
    head, _, trace = message.partition("Traceback (most recent call last)")
    lines = [line.strip() for line in trace.splitlines() if line.strip()]
    frames = [line for line in lines if line.startswith('File "')]
    last = next((line for line in reversed(lines) if not line.startswith(("File ", "^", "~"))), "")
    where = ""
    if frames:
        m = re.match(r'File "(?P<file>[^"]+)", line (?P<line>\d+)', frames[-1])
        where = f" (at {m['file']}:{m['line']})" if m else ""
    head = head.rstrip(": \n")
    return f"{head}: {last}{where}"


def _failure(exc: Exception, pack: PackProcess, secrets: Iterable[str]) -> GateError:
    if isinstance(exc, PolicyConfigError):
        return GateError(str(exc).replace("\n  ", "; "))
    tail = pack.stderr_tail(5)
    last = tail.splitlines()[-1] if tail else ""
    detail = f" ({redact(last, secrets)})" if last and last not in str(exc) else ""
    return GateError(summarize_traceback(f"{redact(str(exc), secrets)}{detail}"))


def _configure_mode(pack: PackProcess, options: GateOptions) -> tuple[AnalyzerInfo, dict[str, dict[str, Any]]]:
    try:
        return engine_configure(pack, options.policy_config)
    except (PolicyConfigError, AnalyzerError) as exc:
        raise _failure(exc, pack, ()) from None


def _analyze_mode(pack: PackProcess, resources: list[RecordedResource], *, mode: str, info: AnalyzerInfo,
                  reconciled: dict[str, dict[str, Any]], secrets: set[str], stack_urn: str) -> _ModeResult:
    started = time.perf_counter()
    try:
        diagnostics = engine_analyze(pack, resources)
    except AnalyzerError as exc:
        raise _failure(exc, pack, secrets) from None
    violations = to_violations(diagnostics, mode=mode, info=info, stack_urn=stack_urn, secrets=secrets)
    return _ModeResult(mode, violations, len(resources), info, reconciled,
                       {f"{mode}.policy": time.perf_counter() - started})


def _build_report(results: list[_ModeResult], *, project: str, stack: str, options: GateOptions, source: str,
                  timings: dict[str, float], warnings: list[str]) -> Report:
    info = results[0].info
    report = Report(
        project=project,
        stack=stack,
        pack=info.name,
        pack_version=pack_version(options.pack_dir, info),
        modes=[r.mode for r in results],
        violations=[v for r in results for v in r.violations],
        resources_evaluated={r.mode: r.resources for r in results},
        rules=rules_metadata(info, results[0].reconciled),
        timings=timings,
        source=source,
        warnings=list(dict.fromkeys(warnings)),
    )
    return report


def check(project: Project, *, modes: Sequence[str] = MODES, options: GateOptions,
          watchdog: Watchdog = _NO_WATCHDOG) -> Report:
    """Run the program in each mode and evaluate the pack on it, as `pulumi preview` / `pulumi up` would."""
    pack_config = project.pulumi_config()
    timings: dict[str, float] = {}
    results: list[_ModeResult] = []
    warnings = list(project.warnings)
    with ThreadPoolExecutor(max_workers=len(modes) or 1, thread_name_prefix="mlgov-pack") as pool:
        starting = {}
        for mode in modes:
            def start(mode: str = mode) -> PackProcess:
                t0 = time.perf_counter()
                pack = _start_pack(options, project=project.name, stack=project.stack, preview=mode == "preview",
                                   config=pack_config)
                timings[f"{mode}.pack_start"] = time.perf_counter() - t0
                return pack
            starting[mode] = pool.submit(start)
        try:
            for mode in modes:
                # As the engine: load and configure the pack first (a bad config stops here), then run
                # the program, then analyze what it registered.
                watchdog.phase = f"starting the policy pack for {mode} mode"
                try:
                    pack = starting[mode].result()
                except AnalyzerError as exc:
                    raise GateError(summarize_traceback(str(exc))) from None
                info, reconciled = _configure_mode(pack, options)
                watchdog.phase = f"running the program in {mode} mode"
                t0 = time.perf_counter()
                run = run_project(project, preview=mode == "preview")
                timings[f"{mode}.program"] = time.perf_counter() - t0
                warnings.extend(f"program ({mode}): {w}" for w in run.warnings)
                watchdog.phase = f"evaluating the policy pack in {mode} mode"
                stack_urn = next((r.urn for r in run.resources if r.type == STACK_TYPE), "")
                result = _analyze_mode(pack, run.resources, mode=mode, info=info, reconciled=reconciled,
                                       secrets=run.secret_values, stack_urn=stack_urn)
                timings.update(result.timings)
                results.append(result)
        finally:
            for future in starting.values():
                _close(future)
    return _build_report(results, project=project.name, stack=project.stack, options=options,
                         source=str(project.dir), timings=timings, warnings=warnings)


def audit(resources: list[RecordedResource], *, project: str, stack: str, options: GateOptions,
          secrets: Iterable[str] = (), source: str = "", warnings: Sequence[str] = (),
          watchdog: Watchdog = _NO_WATCHDOG) -> Report:
    """Evaluate deployed state (a `pulumi stack export`): inputs to Analyze, outputs to AnalyzeStack."""
    timings: dict[str, float] = {}
    watchdog.phase = "starting the policy pack"
    t0 = time.perf_counter()
    try:
        pack = _start_pack(options, project=project, stack=stack, preview=False, config={})
    except AnalyzerError as exc:
        raise GateError(summarize_traceback(str(exc))) from None
    timings["audit.pack_start"] = time.perf_counter() - t0
    try:
        info, reconciled = _configure_mode(pack, options)
        watchdog.phase = "evaluating the policy pack"
        stack_urn = next((r.urn for r in resources if r.type == STACK_TYPE), "")
        result = _analyze_mode(pack, resources, mode="audit", info=info, reconciled=reconciled,
                               secrets=set(secrets), stack_urn=stack_urn)
        timings.update(result.timings)
    finally:
        _untrack(pack)
        pack.close()
    return _build_report([result], project=project, stack=stack, options=options, source=source,
                         timings=timings, warnings=list(warnings))
