"""Orchestration: evaluate each source with its own pack process, merge what they decided, build the report.

`check` runs the program once per mode (preview, update), each mode in its own worker process
(`mlgov.worker`), so the two use both cores; `audit` evaluates a state export here. Per source,
`evaluate_source` does what `pulumi preview|up --policy-pack DIR` does, offline: start the pack as the
language host starts it, load the resources (the pack starts meanwhile), then the engine's order
(`mlgov.engine`) and the diagnostics turned into findings (`mlgov.diagnostics`).

A mode that cannot decide (the program raised, the pack failed, a bad config) is reported as an error
next to whatever the other mode decided; any error makes the run exit 2.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlgov import engine
from mlgov.analyzer import AnalyzerError, AnalyzerInfo, PackProcess
from mlgov.diagnostics import redact, to_violations
from mlgov.findings import GateFailure, Report, Violation, merge_modes
from mlgov.pack import PackLocation
from mlgov.policy_config import PolicyConfigError
from mlgov.program import ProgramError
from mlgov.resources import SourceLocation
from mlgov.sources import ExportSource, Loaded, ProgramSource, Source
from mlgov.supervision import Supervisor, signals_end_children

__all__ = ["MODES", "GateError", "GateOptions", "ModeResult", "audit", "build_report", "check", "evaluate_source"]

MODES = ("preview", "update")
Phase = Callable[..., None]  # (mode, phase, **counts)


class GateError(Exception):
    """The gate could not decide: the caller must exit 2, never 0."""


@dataclass
class GateOptions:
    pack: PackLocation
    policy_config: Mapping[str, Any] | None = None
    organization: str = "organization"
    start_timeout: float = 60.0
    call_timeout: float = 300.0
    timeout: float | None = 600.0  # the whole run

    def to_json(self) -> dict[str, Any]:
        return {"pack": {"dir": str(self.pack.dir), "python": self.pack.python},
                "policy_config": self.policy_config, "organization": self.organization,
                "start_timeout": self.start_timeout, "call_timeout": self.call_timeout, "timeout": self.timeout}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GateOptions:
        pack = PackLocation(Path(data["pack"]["dir"]), data["pack"]["python"])
        return cls(pack=pack, policy_config=data["policy_config"], organization=data["organization"],
                   start_timeout=data["start_timeout"], call_timeout=data["call_timeout"], timeout=data["timeout"])


@dataclass
class ModeResult:
    """What one source decided (or why it could not)."""

    mode: str
    violations: list[Violation] = field(default_factory=list)
    resources: int = 0
    pack: str = ""
    pack_version: str = ""
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModeResult:
        fields = dict(data)
        fields["violations"] = [Violation(**v) for v in data.get("violations", [])]
        return cls(**fields)


# -- one source ---------------------------------------------------------------------------------------

def repository_root(path: Path) -> Path:
    """The git work tree holding `path`, else `path` itself: report paths are relative to it."""
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return candidate
    return path


def relative(location: SourceLocation | None, root: Path | None) -> SourceLocation | None:
    if location is None or root is None:
        return location
    try:
        return SourceLocation(Path(location.file).resolve().relative_to(root).as_posix(), location.line)
    except ValueError:  # outside the repository: keep it absolute
        return location


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
    return f"{head.rstrip(': ' + chr(10))}: {last}{where}"


def rules_metadata(info: AnalyzerInfo, config: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    return {p.name: {
        "title": p.display_name or p.description,
        "description": p.description,
        "severity": p.severity,
        "enforcement": (config.get(p.name) or {}).get("enforcementLevel", p.enforcement),
        "default_enforcement": p.enforcement,
        "url": p.url,
        "remediation": p.remediation,
        "framework": dict(p.framework),
        "tags": list(p.tags),
        "type": p.policy_type,
    } for p in info.policies}


def _no_phase(mode: str, phase: str, **counts: Any) -> None:
    pass


def evaluate_source(source: Source, options: GateOptions, supervisor: Supervisor,
                    on_phase: Phase = _no_phase) -> ModeResult:
    """Load the source's resources while its pack starts, then evaluate them in the engine's order."""
    mode = source.mode
    result = ModeResult(mode=mode)
    root = repository_root(source.project_spec.dir) if isinstance(source, ProgramSource) else None
    pack = PackProcess(options.pack, project=source.project, stack=source.stack, preview=source.preview,
                       organization=options.organization, config=source.pack_config(),
                       start_timeout=options.start_timeout, call_timeout=options.call_timeout,
                       supervisor=supervisor)
    loaded = Loaded([])
    try:
        on_phase(mode, "running the program" if isinstance(source, ProgramSource) else "reading the state")
        t0 = time.perf_counter()
        try:
            loaded = source.load()
        except ProgramError as exc:
            where = relative(exc.location, root)
            at = f" at {where.file}:{where.line}" if where else ""
            result.error = f"the program failed in {mode} mode{at}: {exc.message}"
            return result
        result.timings[f"{mode}.program"] = time.perf_counter() - t0
        result.warnings = list(loaded.warnings)
        result.resources = len(loaded.resources)
        on_phase(mode, "evaluating the policy pack", resources=len(loaded.resources))
        t0 = time.perf_counter()
        try:
            configured = engine.configure(pack, options.policy_config)
            diagnostics = engine.analyze(pack, loaded.resources)
        except PolicyConfigError as exc:
            result.error = str(exc)
            return result
        except AnalyzerError as exc:
            tail = pack.stderr_tail(5)
            last = tail.splitlines()[-1] if tail else ""
            detail = f" ({last})" if last and last not in str(exc) else ""
            result.error = summarize_traceback(redact(f"{exc}{detail}", loaded.secrets))
            return result
        result.timings[f"{mode}.pack_start"] = pack.startup_seconds or 0.0
        by_urn = {r.urn: r for r in loaded.resources}
        for r in loaded.resources:
            r.source = relative(r.source, root)
        result.violations = to_violations(diagnostics, mode=mode, info=configured.info, stack_urn=loaded.stack_urn,
                                          secrets=loaded.secrets, resources=by_urn)
        result.timings[f"{mode}.policy"] = time.perf_counter() - t0
        result.pack = configured.info.name
        result.pack_version = options.pack.version or configured.info.version
        result.rules = rules_metadata(configured.info, configured.config)
        on_phase(mode, "done", resources=len(loaded.resources), findings=len(result.violations))
        return result
    finally:
        pack.close()


# -- the runs -----------------------------------------------------------------------------------------

def build_report(results: Sequence[ModeResult], *, project: str, stack: str, source: str,
                 warnings: Sequence[str] = (), timings: Mapping[str, float] | None = None) -> Report:
    decided = next((r for r in results if r.pack), None)
    all_timings: dict[str, float] = dict(timings or {})
    for r in results:
        all_timings.update(r.timings)
    return Report(
        project=project,
        stack=stack,
        pack=decided.pack if decided else "",
        pack_version=decided.pack_version if decided else "",
        modes=[r.mode for r in results],
        violations=merge_modes(v for r in results for v in r.violations),
        resources_evaluated={r.mode: r.resources for r in results if not r.error},
        rules=decided.rules if decided else {},
        timings=all_timings,
        source=source,
        warnings=list(dict.fromkeys([*warnings, *(w for r in results for w in r.warnings)])),
        errors=_errors(results),
    )


def _errors(results: Sequence[ModeResult]) -> list[GateFailure]:
    """One error per distinct reason (a bad config fails both modes the same way)."""
    errors: dict[str, GateFailure] = {}
    for r in results:
        if r.error:
            key = r.error.replace(f" in {r.mode} mode", "")
            if key not in errors:
                errors[key] = GateFailure(r.error, r.mode)
    return list(errors.values())


def check(project: Any, *, modes: Sequence[str] = MODES, options: GateOptions, on_phase: Phase = _no_phase) -> Report:
    """Run the program in each mode (each in its own process) and evaluate the pack on it."""
    from mlgov.worker import run_in_workers

    started = time.perf_counter()
    results = run_in_workers([ProgramSource(project, m) for m in modes], options, on_phase)
    return build_report(results, project=project.name, stack=project.stack, source=str(project.dir),
                        warnings=project.warnings, timings={"total": time.perf_counter() - started})


def audit(export: Any, *, options: GateOptions, where: str = "", on_phase: Phase = _no_phase) -> Report:
    """Evaluate deployed state (a `pulumi stack export`): inputs to Analyze, outputs to AnalyzeStack."""
    started = time.perf_counter()
    with Supervisor() as supervisor, signals_end_children(supervisor):
        result = evaluate_source(ExportSource(export, where), options, supervisor, on_phase)
    return build_report([result], project=export.project, stack=export.stack, source=where,
                        timings={"total": time.perf_counter() - started})
