"""`mlgov`: the offline compliance gate.

    mlgov check [PROJECT_DIR] [--stack dev] [--mode preview|update|both] [--config KEY=VALUE]... [options]
    mlgov audit STATE|- [options]
    mlgov rules [--policy-pack DIR] [--format text|json]
    mlgov explain RULE [--policy-pack DIR] [--format text|json]
    mlgov access [PROJECT_DIR] [--stack dev] [--export STATE] [--policy-config FILE] [--format text|json|markdown]

Exit codes: 0 no blocking violation; 1 at least one mandatory (or remediate) violation, or an
advisory one with `--fail-on advisory` (exempted findings and preview notes never fail); 2 the gate
could not decide (program raised, pack failed to start or raised, bad config, malformed export,
timeout); 130 / 143 interrupted by SIGINT / SIGTERM. Errors are one line on stderr, and every report
file asked for still holds the error.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlgov.findings import ADVISORY, GateFailure, Report

EXIT_PASS, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
DEFAULT_TIMEOUT = 600.0
FORMAT_CHOICES = ("text", "json", "sarif", "junit", "markdown")
TEXT_WIDTH = 120


class UsageError(Exception):
    """A problem with the command line or its inputs (exit 2)."""


# -- helpers ------------------------------------------------------------------------------------------

def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip()) or "unknown error"


def _error(message: str) -> int:
    sys.stderr.write(f"mlgov: error: {_one_line(message)}\n")
    sys.stderr.flush()
    return EXIT_ERROR


def _warn(message: str) -> None:
    sys.stderr.write(f"mlgov: warning: {_one_line(message)}\n")


def exit_code(report: Report, fail_on: str = "mandatory") -> int:
    if report.errors:
        return EXIT_ERROR
    if any(v.blocking() for v in report.violations):
        return EXIT_VIOLATIONS
    if fail_on == ADVISORY and any(v.enforcement == ADVISORY and not v.unverifiable for v in report.violations):
        return EXIT_VIOLATIONS
    return EXIT_PASS


def _use_color(choice: str, output: str | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _text_width(output: str | None) -> int:
    if output is None and (sys.stdout.isatty() or os.environ.get("COLUMNS")):
        return max(shutil.get_terminal_size((TEXT_WIDTH, 24)).columns, 60)
    return TEXT_WIDTH


def report_targets(formats: Sequence[str] | None, outputs: Sequence[str] | None) -> list[tuple[str, str | None]]:
    """Pair each --format with the --output after it, in order; a last format without one goes to stdout.

    `-o FILE` alone writes text; `--format F` alone writes F to stdout."""
    outputs = list(outputs or [])
    formats = list(formats or []) or ["text"] * max(len(outputs), 1)
    if len(outputs) > len(formats) or len(formats) - len(outputs) > 1:
        raise UsageError(f"{len(formats)} --format for {len(outputs)} --output: give one --output per --format "
                         "(the last format may go to stdout)")
    return [(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]


def _emit(report: Report, args: argparse.Namespace) -> int:
    from mlgov.reports import render

    for warning in report.warnings:
        _warn(warning)
    code = exit_code(report, args.fail_on)
    written = []
    for fmt, output in args.targets:
        if output is None and report.errors and fmt == "text":
            continue  # the error goes to stderr, once
        text = render(fmt, report, color=_use_color(args.color, output), width=_text_width(output))
        if not text.endswith("\n"):
            text += "\n"
        if output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            continue
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text)
        except OSError as exc:
            _error(f"cannot write report to {output}: {exc.strerror}")
            code = EXIT_ERROR
            continue
        written.append(f"{fmt} report written to {output}")
    for failure in report.errors:
        _error(failure.message)
    if written:
        s = report.summary()
        verdict = "ERROR" if report.errors else "FAIL" if code else "PASS"
        sys.stderr.write(f"mlgov: {verdict}: {s['blocking']} blocking, {s['advisory']} advisory, {s['exempted']} "
                         f"exempted, {s['unverifiable']} unverifiable; {'; '.join(written)}\n")
    return code


def _pack(args: argparse.Namespace):
    from mlgov.pack import PackError, bundled_pack, local_pack

    try:
        return local_pack(args.policy_pack) if args.policy_pack else bundled_pack()
    except PackError as exc:
        raise UsageError(str(exc)) from None


def _options(args: argparse.Namespace):
    from mlgov.gate import GateOptions
    from mlgov.policy_config import load_policy_config

    pack = _pack(args)
    config = load_policy_config(args.policy_config) if args.policy_config else None
    timeout = args.timeout if args.timeout and args.timeout > 0 else None
    bound = timeout or DEFAULT_TIMEOUT
    return GateOptions(pack=pack, policy_config=config, start_timeout=min(60.0, bound), call_timeout=bound,
                       timeout=timeout)


def _config_pairs(values: Sequence[str], flag: str) -> list[tuple[str, str, bool]]:
    pairs = []
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} takes KEY=VALUE, not {item!r}")
        secret = flag == "--config-secret" or value.startswith("secret:")
        pairs.append((key.strip(), value.removeprefix("secret:") if flag == "--config" else value, secret))
    return pairs


# -- commands -----------------------------------------------------------------------------------------

def cmd_check(args: argparse.Namespace) -> int:
    from mlgov import gate
    from mlgov.progress import Progress
    from mlgov.project import load_project

    if args.engine == "pulumi":
        from mlgov.engines import pulumi_cli

        _options(args)  # the same checks of --policy-pack and --policy-config as the emulation
        return _emit(pulumi_cli.check_command(args), args)
    options = _options(args)
    project = load_project(args.project_dir, args.stack)
    for key, value, secret in _config_pairs(args.config, "--config") + _config_pairs(args.config_secret,
                                                                                     "--config-secret"):
        project.set_config(key, value, secret=secret)
    modes = gate.MODES if args.mode == "both" else (args.mode,)
    report = gate.check(project, modes=modes, options=options, on_phase=Progress.for_terminal(args.quiet))
    return _emit(report, args)


def cmd_audit(args: argparse.Namespace) -> int:
    from mlgov import gate
    from mlgov.export import load_export
    from mlgov.progress import Progress

    if args.engine == "pulumi":
        from mlgov.engines import pulumi_cli

        _options(args)
        return _emit(pulumi_cli.audit_command(args), args)
    options = _options(args)
    state = load_export(args.state)
    report = gate.audit(state, options=options, where=args.state, on_phase=Progress.for_terminal(args.quiet))
    return _emit(report, args)


def _pack_info(args: argparse.Namespace):
    """The pack's policies, from GetAnalyzerInfo: the gate knows packs only through the protocol."""
    from mlgov.analyzer import PackProcess
    from mlgov.supervision import Supervisor, signals_end_children

    pack = _pack(args)
    with Supervisor() as supervisor, signals_end_children(supervisor):
        process = PackProcess(pack, project="mlgov", stack="rules", preview=True, supervisor=supervisor)
        try:
            return process.info(), pack
        finally:
            process.close()


def _policy_summary(p: Any) -> dict[str, Any]:
    return {"id": p.name, "enforcement": p.enforcement, "severity": p.severity,
            "title": p.display_name or p.description, "type": p.policy_type}


def cmd_rules(args: argparse.Namespace) -> int:
    info, _ = _pack_info(args)
    if args.format == "json":
        sys.stdout.write(json.dumps([_policy_summary(p) for p in info.policies], indent=2) + "\n")
        return EXIT_PASS
    rows = [("RULE", "DEFAULT", "SEVERITY", "TITLE")] + [
        (p.name, p.enforcement, p.severity or "-", p.display_name or p.description) for p in info.policies]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows]
    lines.append(f"\n{len(info.policies)} rules in {info.name}. `mlgov explain RULE` for its description, "
                 "remediation and configuration.")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_PASS


def cmd_explain(args: argparse.Namespace) -> int:
    info, _ = _pack_info(args)
    policies = {p.name: p for p in info.policies}
    policy = policies.get(args.rule)
    if policy is None:
        close = difflib.get_close_matches(args.rule, list(policies), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `mlgov rules` lists them"
        raise UsageError(f"no rule named {args.rule!r} in {info.name}{hint}")
    params = dict(policy.config_schema.get("properties") or {})
    if args.format == "json":
        data = _policy_summary(policy) | {"description": policy.description, "remediation": policy.remediation,
                                          "framework": dict(policy.framework), "tags": list(policy.tags),
                                          "url": policy.url, "params": params,
                                          "required": list(policy.config_schema.get("required") or [])}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_PASS
    out = [f"{policy.name}: {policy.display_name or policy.description}", "",
           f"  default level: {policy.enforcement}    severity: {policy.severity or '-'}",
           f"  applies to:    {'the whole stack' if policy.policy_type == 'stack' else 'each resource'}", "",
           "Description", *_indent(policy.description), ""]
    if policy.remediation:
        out += ["Remediation", *_indent(policy.remediation), ""]
    if policy.framework:
        out += ["Frameworks", "  - " + " ".join(v for v in policy.framework.values() if v), ""]
    out.append("Configuration (--policy-config)")
    for name, schema in params.items():
        schema = schema if isinstance(schema, dict) else {}
        default = json.dumps(schema.get("default")) if "default" in schema else "none"
        out.append(f"  - {name} ({schema.get('type', 'any')}, default {default}): {schema.get('description', '')}")
    out += ["", f"  e.g. {{\"{policy.name}\": \"advisory\"}} or "
                f"{{\"{policy.name}\": {{\"enforcementLevel\": \"mandatory\"}}}}"]
    if policy.url:
        out += ["", f"More: {policy.url}"]
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_PASS


def cmd_access(args: argparse.Namespace) -> int:
    """Who can reach each dataset; exit 1 when a cell differs from the catalog (see mlgov.access_report)."""
    from mlgov.access_report import AccessError, compute_matrix, render

    project_dir = args.project_dir or (None if args.export else ".")
    try:
        matrix = compute_matrix(project_dir, stack=args.stack,
                                export=args.export, policy_config=args.policy_config)
    except AccessError as exc:
        return _error(str(exc))
    text = render(args.format, matrix)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_VIOLATIONS if matrix.differs() else EXIT_PASS


def _indent(text: str) -> list[str]:
    return [f"  {line}" if line.strip() else "" for line in text.strip("\n").splitlines()]


# -- argument parsing ---------------------------------------------------------------------------------

def _pack_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy-pack", metavar="DIR",
                   help="policy pack directory (holds PulumiPolicy.yaml); default: the pack installed with mlgov")


def _evaluation_options(p: argparse.ArgumentParser) -> None:
    _pack_option(p)
    p.add_argument("--policy-config", metavar="FILE",
                   help="policy config JSON, as `pulumi preview --policy-pack-config` takes it")
    p.add_argument("--format", choices=FORMAT_CHOICES, action="append", metavar="FORMAT",
                   help=f"report format, one of {', '.join(FORMAT_CHOICES)} (default: text); repeat it with one "
                        "--output each to write several reports in one run")
    p.add_argument("--output", "-o", metavar="FILE", action="append",
                   help="write the report of the matching --format to FILE (a format without one goes to stdout)")
    p.add_argument("--fail-on", choices=("mandatory", "advisory"), default="mandatory",
                   help="lowest enforcement level that fails the gate (default: mandatory)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"give up (exit 2) after this long; 0 disables (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="color in the text report (default: auto, on a terminal without NO_COLOR)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr (shown on a terminal)")
    p.add_argument("--engine", choices=("mlgov", "pulumi"), default="mlgov",
                   help="mlgov (default): the built-in emulation, no CLI needed; pulumi: the real pulumi CLI, "
                        "offline, with a stand-in AWS provider (see README)")
    p.add_argument("--pulumi", metavar="PATH", help="pulumi CLI for --engine pulumi (default: $MLGOV_PULUMI, "
                                                    "then PATH)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlgov",
        description="Offline compliance gate: evaluates a CrossGuard policy pack on a Pulumi program or a stack "
                    "export exactly as the Pulumi engine would, without cloud credentials.",
        epilog="Exit codes: 0 pass; 1 blocking violations; 2 the gate could not decide; 130/143 interrupted.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    check = sub.add_parser("check", help="run a Pulumi program under mocks and evaluate the pack",
                           description="Run the program in preview and/or update mode under mocks and evaluate the "
                                       "policy pack in the engine's order.")
    check.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                       help="directory holding Pulumi.yaml (default: current directory)")
    check.add_argument("--stack", "-s", default="dev", help="stack whose Pulumi.<stack>.yaml config to use "
                                                            "(default: dev)")
    check.add_argument("--mode", choices=("preview", "update", "both"), default="both",
                       help="preview: computed values unknown, as in a first `pulumi preview`; update: as in "
                            "`pulumi up`; both (default)")
    check.add_argument("--config", "-c", metavar="KEY=VALUE", action="append", default=[],
                       help="stack config over Pulumi.<stack>.yaml, as `pulumi config set` (repeatable; a "
                            "`secret:` value prefix marks it secret)")
    check.add_argument("--config-secret", metavar="KEY=VALUE", action="append", default=[],
                       help="secret stack config (e.g. for a `secure:` value that cannot be decrypted offline); "
                            "redacted from reports")
    _evaluation_options(check)
    check.set_defaults(func=cmd_check)

    audit = sub.add_parser("audit", help="evaluate the pack on a `pulumi stack export` file",
                           description="Evaluate deployed state: inputs to Analyze, outputs to AnalyzeStack.")
    audit.add_argument("state", metavar="STATE", help="`pulumi stack export` JSON file, or - for stdin")
    _evaluation_options(audit)
    audit.set_defaults(func=cmd_audit)

    rules = sub.add_parser("rules", help="list a pack's policies (from the pack itself)")
    _pack_option(rules)
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=cmd_rules)

    explain = sub.add_parser("explain", help="description, remediation, frameworks and configuration of a rule")
    explain.add_argument("rule", metavar="RULE")
    _pack_option(explain)
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.set_defaults(func=cmd_explain)

    access = sub.add_parser("access", help="who can read, write, delete or manage each dataset, against the catalog",
                            description=cmd_access.__doc__)
    access.add_argument("project_dir", nargs="?", default=None, metavar="PROJECT_DIR",
                        help="Pulumi project whose program runs under mocks (default: ., unless --export); with "
                             "--export, only its stack config is read (for the catalog)")
    access.add_argument("--stack", "-s", default="dev", help="stack whose Pulumi.<stack>.yaml config to use")
    access.add_argument("--export", metavar="STATE", help="`pulumi stack export` JSON file instead of the program")
    access.add_argument("--policy-config", metavar="FILE",
                        help="policy config holding the catalog (s3-dataset-access-matches-catalog.datasets)")
    access.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    access.add_argument("--output", "-o", metavar="FILE", help="write the matrix to FILE instead of stdout")
    access.set_defaults(func=cmd_access)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ml-dataset-governance")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "unknown"


def _failed_report(args: argparse.Namespace, message: str) -> int:
    """The gate could not even start: every report file asked for still says why."""
    report = Report(project="", stack=getattr(args, "stack", "") or "", pack="", pack_version="",
                    modes=[], violations=[], source=getattr(args, "project_dir", "") or getattr(args, "state", ""),
                    errors=[GateFailure(_one_line(message))])
    return _emit(report, args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from mlgov.analyzer import AnalyzerError
    from mlgov.engines.pulumi_cli import EngineError
    from mlgov.export import ExportError
    from mlgov.gate import GateError
    from mlgov.policy_config import PolicyConfigError
    from mlgov.program import ProgramError
    from mlgov.project import ProjectError
    from mlgov.supervision import Interrupted, Supervisor, exit_code_for, signals_end_children

    try:
        if hasattr(args, "format") and args.command in ("check", "audit"):
            args.targets = report_targets(args.format, args.output)
        try:
            # Until a phase starts children (and installs its own handler), a signal only needs a clean exit.
            with signals_end_children(Supervisor()):
                return args.func(args)
        except (UsageError, GateError, ProjectError, ProgramError, AnalyzerError, PolicyConfigError,
                ExportError, EngineError) as exc:
            if getattr(args, "targets", None):
                return _failed_report(args, str(exc))
            return _error(str(exc))
    except UsageError as exc:
        return _error(str(exc))
    except Interrupted as exc:
        sys.stderr.write(f"mlgov: interrupted by {exc}; every child process was ended\n")
        return exit_code_for(exc.signum)
    except KeyboardInterrupt:
        sys.stderr.write("mlgov: interrupted by SIGINT\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - never exit 0 when the gate could not decide
        if os.environ.get("MLGOV_DEBUG"):
            raise
        return _error(f"internal error: {type(exc).__name__}: {exc} (set MLGOV_DEBUG=1 for a traceback)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
