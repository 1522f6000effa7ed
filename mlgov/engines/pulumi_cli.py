"""`--engine pulumi`: the verdict of the real `pulumi` CLI, offline.

`mlgov check DIR --engine pulumi` runs `pulumi preview --policy-pack P` (preview mode) and
`pulumi up --yes --skip-preview --policy-pack P` (update mode) on the program, and `mlgov audit FILE
--engine pulumi` runs `pulumi policy analyze --file FILE --policy-pack P`, each against a throwaway
`file://` backend with a temporary PULUMI_HOME. Findings come from the engine's own event stream
(`--event-log` for preview/up, `--json` for analyze): its policy events, their enforcement level and
severity; the exit code comes from the engine. The pack's GetAnalyzerInfo only adds rule titles.

AWS is stood in for: the offline provider `mlgov.plugins.aws_provider` is put first on PATH as
`pulumi-resource-aws` (the engine takes ambient plugins whatever their version) and never calls AWS.
When the CLI has no Python language host beside it (a CLI built by scripts/build-engine), the small
host `mlgov.plugins.python_language` is put on PATH too. Nothing is installed: the wrapper scripts live
in the throwaway directory.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlgov.analyzer import AnalyzerInfo, Diagnostic
from mlgov.findings import Report, Violation

PASSPHRASE = "mlgov-offline"  # the throwaway stacks hold no secret worth protecting
EXECUTOR = "pulumi-language-python-exec"
# The engine's event names for enforcement levels ("warning" is what the SDK's advisory becomes).
ENGINE_ENFORCEMENT = {"warning": "advisory", "advisory": "advisory", "mandatory": "mandatory",
                      "remediate": "remediate", "disabled": "disabled", "none": "disabled"}


class EngineError(Exception):
    """The real engine could not decide (it failed for a reason other than policy violations): exit 2."""


def find_pulumi(explicit: str | None = None) -> Path:
    """--pulumi PATH, else $MLGOV_PULUMI, else `pulumi` on PATH."""
    candidate = explicit or os.environ.get("MLGOV_PULUMI") or shutil.which("pulumi")
    if not candidate:
        raise EngineError("no pulumi CLI found: pass --pulumi PATH, set MLGOV_PULUMI, put pulumi on PATH, "
                          "or build one with scripts/build-engine")
    path = Path(candidate).expanduser()
    if path.is_dir():
        path = path / "pulumi"
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise EngineError(f"{candidate} is not an executable pulumi CLI")
    return path.resolve()


def _wrapper(path: Path, argv: Sequence[str]) -> None:
    path.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in argv) + ' "$@"\n')
    path.chmod(0o755)


def needs_language_host(pulumi: Path) -> bool:
    """A CLI from get.pulumi.com ships pulumi-language-python beside itself; ours does not."""
    return not (pulumi.parent / "pulumi-language-python").exists()


def write_plugins(directory: Path, pulumi: Path, python: str = sys.executable) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    _wrapper(directory / "pulumi-resource-aws", [python, "-m", "mlgov.plugins.aws_provider"])
    if needs_language_host(pulumi):
        executor = pulumi.parent / EXECUTOR
        if not executor.is_file():
            raise EngineError(f"{pulumi} has no Python language host beside it and no {EXECUTOR} either; "
                              "use a CLI from scripts/build-engine or an official pulumi release")
        _wrapper(directory / "pulumi-language-python",
                 [python, "-m", "mlgov.plugins.python_language", "--use-executor", str(executor)])
    return directory


@dataclass
class EngineRun:
    mode: str  # preview | update | audit
    returncode: int
    events: list[dict[str, Any]]
    output: str
    seconds: float
    export: dict[str, Any] | None = None

    def policy_events(self) -> list[dict[str, Any]]:
        return [e["policyEvent"] for e in self.events if "policyEvent" in e]

    def analyzed_resources(self) -> int:
        if self.mode == "audit":  # `policy analyze --json` reports no per-resource summaries
            return len((self.export or {}).get("deployment", {}).get("resources") or [])
        return sum(1 for e in self.events if "policyAnalyzeSummaryEvent" in e)

    def error_lines(self) -> list[str]:
        lines = [ln.strip() for ln in self.output.splitlines()]
        errors = [ln for ln in lines if ln.startswith("error:")]
        for event in self.events:
            diag = event.get("diagnosticEvent")
            if diag and diag.get("severity") == "error":
                errors.append(diag.get("message", "").strip())
        return [e for e in dict.fromkeys(errors) if e] or [ln for ln in lines if ln][-3:]


@dataclass
class Workspace:
    """A throwaway PULUMI_HOME, plugin directory and file:// backends, reusable across runs."""

    pulumi: Path
    root: Path
    owned: bool = True
    timeout: float | None = 600.0
    _backends: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(cls, pulumi: Path, root: Path | None = None, timeout: float | None = 600.0) -> Workspace:
        owned = root is None
        root = Path(tempfile.mkdtemp(prefix="mlgov-engine-")) if root is None else root
        (root / "home").mkdir(parents=True, exist_ok=True)
        write_plugins(root / "plugins", pulumi)
        return cls(pulumi=pulumi, root=root, owned=owned, timeout=timeout)

    def close(self) -> None:
        if self.owned:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def new_backend(self) -> Path:
        with self._lock:  # runs may share a workspace from several threads
            self._backends += 1
            backend = self.root / f"backend-{os.getpid()}-{self._backends}"
        backend.mkdir(parents=True, exist_ok=True)
        return backend

    def env(self, backend: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PULUMI_HOME": str(self.root / "home"),
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE),
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DEBUG_COMMANDS": "true",  # enables --event-log, the engine's event stream
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PATH": os.pathsep.join([str(self.root / "plugins"), str(self.pulumi.parent), env.get("PATH", "")]),
        })
        env.pop("PULUMI_ACCESS_TOKEN", None)  # never talk to Pulumi Cloud
        return env

    def pulumi_cmd(self, args: Sequence[str], *, cwd: Path, backend: Path) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([str(self.pulumi), *args, "--non-interactive"], cwd=cwd, env=self.env(backend),
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise EngineError(f"pulumi {args[0]} did not finish within {self.timeout:.0f}s") from None

    # -- stacks -----------------------------------------------------------------------------------------
    def init_stack(self, project_dir: Path, stack: str, backend: Path) -> Path:
        """`pulumi stack init` from a scratch copy of the project files, so the passphrase salt it writes
        lands in a copy of Pulumi.<stack>.yaml, never in the user's project. Returns that copy."""
        scratch = Path(tempfile.mkdtemp(prefix="stack-", dir=self.root))
        shutil.copy(project_dir / "Pulumi.yaml", scratch / "Pulumi.yaml")
        stack_file = project_dir / f"Pulumi.{stack}.yaml"
        if stack_file.is_file():
            shutil.copy(stack_file, scratch / stack_file.name)
        else:
            (scratch / stack_file.name).write_text("config: {}\n")
        result = self.pulumi_cmd(["stack", "init", stack], cwd=scratch, backend=backend)
        if result.returncode != 0:
            raise EngineError(f"pulumi stack init {stack} failed: {_last_line(result.stderr or result.stdout)}")
        return scratch / stack_file.name

    def run_stack(self, project_dir: str | Path, *, stack: str = "dev", mode: str, pack_dir: str | Path,
                  policy_config: str | Path | None = None, export: bool = False) -> EngineRun:
        """`pulumi preview` (mode preview) or `pulumi up --yes --skip-preview` (mode update) on a new stack."""
        project_dir = Path(project_dir).resolve()
        if not (project_dir / "Pulumi.yaml").is_file():
            raise EngineError(f"{project_dir} has no Pulumi.yaml; not a Pulumi project")
        backend = self.new_backend()
        config_file = self.init_stack(project_dir, stack, backend)
        event_log = backend / f"{mode}-events.json"
        verb = ["preview"] if mode == "preview" else ["up", "--yes", "--skip-preview"]
        args = [*verb, "--stack", stack, "--config-file", str(config_file), "--event-log", str(event_log),
                *policy_args(pack_dir, policy_config)]
        started = time.perf_counter()
        result = self.pulumi_cmd(args, cwd=project_dir, backend=backend)
        run = EngineRun(mode=mode, returncode=result.returncode, events=read_events(event_log),
                        output=result.stdout + result.stderr, seconds=time.perf_counter() - started)
        if export and mode == "update":
            exported = self.pulumi_cmd(["stack", "export", "--stack", stack], cwd=project_dir, backend=backend)
            run.export = json.loads(exported.stdout) if exported.returncode == 0 else None
        return run

    def analyze_file(self, export_file: str | Path, *, pack_dir: str | Path,
                     policy_config: str | Path | None = None) -> EngineRun:
        """`pulumi policy analyze --file EXPORT --json`: no program, no provider."""
        backend = self.new_backend()
        args = ["policy", "analyze", "--file", str(Path(export_file).resolve()), "--json",
                *policy_args(pack_dir, policy_config)]
        started = time.perf_counter()
        result = self.pulumi_cmd(args, cwd=backend, backend=backend)
        events = []
        for line in result.stdout.splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return EngineRun(mode="audit", returncode=result.returncode, events=events,
                         output=result.stdout + result.stderr, seconds=time.perf_counter() - started,
                         export=json.loads(Path(export_file).read_text()))


def policy_args(pack_dir: str | Path, policy_config: str | Path | None) -> list[str]:
    args = ["--policy-pack", str(Path(pack_dir).resolve())]
    if policy_config:
        args += ["--policy-pack-config", str(Path(policy_config).resolve())]
    return args


def read_events(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    events = []
    for line in path.read_text().splitlines():
        if line.strip():
            events.append(json.loads(line))
    return events


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "no output"


# -- engine events -> the gate's report ----------------------------------------------------------------

def diagnostics(run: EngineRun, info: AnalyzerInfo | None) -> list[Diagnostic]:
    descriptions = {p.name: p.description for p in info.policies} if info else {}
    out = []
    for event in run.policy_events():
        policy = event.get("policyName", "")
        message = event.get("message", "").rstrip("\n")
        description = descriptions.get(policy, "")
        # The SDK sends "description\nmessage", the engine passes it on: keep what the rule reported.
        if description and message.startswith(description + "\n"):
            message = message[len(description) + 1:]
        out.append(Diagnostic(policy=policy, pack=event.get("policyPackName", ""), message=message,
                              description=description, urn=event.get("resourceUrn", ""),
                              enforcement=ENGINE_ENFORCEMENT.get(event.get("enforcementLevel", ""), "advisory"),
                              severity=event.get("severity", ""),
                              phase="analyze" if event.get("resourceUrn") else "analyzeStack"))
    return out


def stack_urn(run: EngineRun, project: str, stack: str) -> str:
    for event in run.events:
        urn = (event.get("resourcePreEvent") or {}).get("metadata", {}).get("urn", "")
        if "::pulumi:pulumi:Stack::" in urn:
            return urn
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


def violations(run: EngineRun, info: AnalyzerInfo | None, *, project: str, stack: str) -> list[Violation]:
    from mlgov.diagnostics import to_violations

    empty = AnalyzerInfo(name="", version="", policies=[], initial_config={})
    return to_violations(diagnostics(run, info), mode=run.mode, info=info or empty,
                         stack_urn=stack_urn(run, project, stack))


def ensure_decided(run: EngineRun, found: list[Violation]) -> None:
    """A non-zero exit without a blocking policy event is the engine failing, not a verdict."""
    if run.returncode != 0 and not any(v.blocking() for v in found):
        raise EngineError(f"pulumi ({run.mode}) failed: " + "; ".join(run.error_lines()))


def pack_info(pack_dir: Path, *, project: str, stack: str) -> AnalyzerInfo | None:
    """The pack's GetAnalyzerInfo, for rule titles and severities in the reports (the findings are the
    engine's). None if the pack cannot start: the engine already reported why."""
    from mlgov.analyzer import AnalyzerError, PackProcess

    try:
        with PackProcess(pack_dir, project=project, stack=stack, preview=False) as pack:
            return pack.info()
    except AnalyzerError:
        return None


def project_name(project_dir: Path) -> str:
    try:
        spec = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EngineError(f"cannot read {project_dir / 'Pulumi.yaml'}: {exc}") from None
    return str(spec.get("name", "")) if isinstance(spec, dict) else ""


def _rules(info: AnalyzerInfo | None, policy_config: str | Path | None) -> dict[str, dict[str, Any]]:
    from mlgov.gate import rules_metadata
    from mlgov.policy_config import PolicyConfigError, load_policy_config, reconcile

    if info is None:
        return {}
    try:
        reconciled = reconcile(info, load_policy_config(policy_config) if policy_config else None)
    except PolicyConfigError:
        reconciled = {}
    return rules_metadata(info, reconciled)


def _report(runs: Iterable[EngineRun], *, project: str, stack: str, pack_dir: Path, source: str,
            policy_config: str | Path | None) -> Report:
    from mlgov.findings import merge_modes
    from mlgov.pack import local_pack

    runs = list(runs)
    info = pack_info(pack_dir, project=project, stack=stack)
    found: list[Violation] = []
    for run in runs:
        mode_found = violations(run, info, project=project, stack=stack)
        ensure_decided(run, mode_found)
        found += mode_found
    name = info.name if info else next((e.get("policyPackName", "") for r in runs for e in r.policy_events()), "")
    return Report(
        project=project, stack=stack, pack=name,
        pack_version=(local_pack(pack_dir).version or info.version) if info else "",
        modes=[r.mode for r in runs], violations=merge_modes(found),
        resources_evaluated={r.mode: r.analyzed_resources() for r in runs},
        rules=_rules(info, policy_config),
        timings={f"{r.mode}.engine": r.seconds for r in runs},
        source=source,
        warnings=["engine: pulumi CLI with the offline AWS provider (a stand-in for AWS; nothing was deployed)"],
    )


def check(project_dir: str | Path, *, stack: str = "dev", modes: Sequence[str] = ("preview", "update"),
          pack_dir: str | Path, policy_config: str | Path | None = None, pulumi: str | None = None,
          timeout: float | None = 600.0) -> Report:
    project_dir = Path(project_dir).resolve()
    pack_dir = Path(pack_dir).resolve()
    with Workspace.create(find_pulumi(pulumi), timeout=timeout) as ws:
        runs = [ws.run_stack(project_dir, stack=stack, mode=mode, pack_dir=pack_dir, policy_config=policy_config)
                for mode in modes]
        return _report(runs, project=project_name(project_dir), stack=stack, pack_dir=pack_dir,
                       source=str(project_dir), policy_config=policy_config)


def audit(export_file: str | Path, *, pack_dir: str | Path, policy_config: str | Path | None = None,
          pulumi: str | None = None, timeout: float | None = 600.0) -> Report:
    pack_dir = Path(pack_dir).resolve()
    data = json.loads(Path(export_file).read_text())
    urns = [r.get("urn", "") for r in (data.get("deployment") or {}).get("resources") or []]
    stack_urn_ = next((u for u in urns if "::pulumi:pulumi:Stack::" in u), urns[0] if urns else "")
    parts = stack_urn_.split("::")
    stack = parts[0].removeprefix("urn:pulumi:") if parts else ""
    project = parts[1] if len(parts) > 1 else ""
    with Workspace.create(find_pulumi(pulumi), timeout=timeout) as ws:
        run = ws.analyze_file(export_file, pack_dir=pack_dir, policy_config=policy_config)
        return _report([run], project=project, stack=stack, pack_dir=pack_dir, source=str(export_file),
                       policy_config=policy_config)


# -- the command line (`mlgov check|audit --engine pulumi`) -------------------------------------------

def _pack_dir(args: Any) -> Path:
    from mlgov.pack import bundled_pack

    return Path(args.policy_pack).expanduser().resolve() if args.policy_pack else bundled_pack().dir


def _timeout(args: Any) -> float | None:
    return args.timeout if args.timeout and args.timeout > 0 else None


def check_command(args: Any) -> Report:
    if getattr(args, "config", None) or getattr(args, "config_secret", None):
        raise EngineError("--config/--config-secret are not passed to the real engine: put the values in "
                          f"Pulumi.{args.stack}.yaml, or use the default engine")
    modes = ("preview", "update") if args.mode == "both" else (args.mode,)
    return check(args.project_dir, stack=args.stack, modes=modes, pack_dir=_pack_dir(args),
                 policy_config=args.policy_config, pulumi=args.pulumi, timeout=_timeout(args))


def audit_command(args: Any) -> Report:
    if args.state == "-":
        raise EngineError("--engine pulumi reads the export from a file: `pulumi policy analyze --file` has no stdin")
    return audit(args.state, pack_dir=_pack_dir(args), policy_config=args.policy_config, pulumi=args.pulumi,
                 timeout=_timeout(args))
