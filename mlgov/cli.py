"""`mlgov`: the offline compliance gate.

    mlgov check [PROJECT_DIR] [--stack dev] [--mode preview|update|both] [evaluation options]
    mlgov audit STATE|- [evaluation options]
    mlgov rules [--format text|json]
    mlgov explain RULE [--format text|json]
    mlgov access [PROJECT_DIR] [--stack dev] [--export STATE] [--policy-config FILE] [--format text|json|markdown]

Exit codes: 0 no blocking violation; 1 at least one mandatory (or remediate) violation, or an
advisory one with `--fail-on advisory` (exempted findings and preview notes never fail); 2 the gate
could not decide (program raised, pack failed to start or raised, bad config, malformed export,
timeout). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlgov.findings import ADVISORY, Report

EXIT_PASS, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
DEFAULT_TIMEOUT = 600.0
FORMAT_CHOICES = ("text", "json", "sarif", "junit", "markdown")


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


def _render(fmt: str, report: Report, color: bool) -> str:
    from mlgov.reports import render

    return render(fmt, report, color=color)


def _emit(report: Report, args: argparse.Namespace) -> int:
    for warning in report.warnings:
        _warn(warning)
    text = _render(args.format, report, _use_color(args.color, args.output))
    if not text.endswith("\n"):
        text += "\n"
    code = exit_code(report, args.fail_on)
    if args.output:
        try:
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            Path(args.output).write_text(text)
        except OSError as exc:
            raise UsageError(f"cannot write report to {args.output}: {exc.strerror}") from None
        s = report.summary()
        verdict = "FAIL" if code else "PASS"
        sys.stderr.write(f"mlgov: {verdict}: {s['blocking']} blocking, {s['advisory']} advisory, {s['exempted']} "
                         f"exempted, {s['unverifiable']} unverifiable; {args.format} report written to "
                         f"{args.output}\n")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return code


def _options(args: argparse.Namespace):
    from mlgov.gate import GateOptions, default_pack_dir
    from mlgov.policy_config import load_policy_config

    if args.policy_pack:
        pack_dir = Path(args.policy_pack).expanduser().resolve()
        if not pack_dir.is_dir():
            raise UsageError(f"policy pack directory {args.policy_pack} does not exist")
        if not (pack_dir / "PulumiPolicy.yaml").is_file():
            raise UsageError(f"{args.policy_pack} has no PulumiPolicy.yaml; not a policy pack")
    else:
        pack_dir = default_pack_dir()
    config = load_policy_config(args.policy_config) if args.policy_config else None
    timeout = args.timeout if args.timeout and args.timeout > 0 else None
    bound = timeout or 600.0
    return GateOptions(pack_dir=pack_dir, policy_config=config, start_timeout=min(60.0, bound),
                       call_timeout=bound)


# -- commands -----------------------------------------------------------------------------------------

def cmd_check(args: argparse.Namespace) -> int:
    from mlgov import gate
    from mlgov.project import load_project

    if args.engine == "pulumi":
        from mlgov.engines import pulumi_cli

        _options(args)  # the same checks of --policy-pack and --policy-config as the emulation
        return _emit(pulumi_cli.check_command(args), args)
    options = _options(args)
    project = load_project(args.project_dir, args.stack)
    modes = gate.MODES if args.mode == "both" else (args.mode,)
    with gate.Watchdog(args.timeout) as watchdog:
        report = gate.check(project, modes=modes, options=options, watchdog=watchdog)
    return _emit(report, args)


def cmd_audit(args: argparse.Namespace) -> int:
    from mlgov import gate
    from mlgov.export import load_export

    if args.engine == "pulumi":
        from mlgov.engines import pulumi_cli

        _options(args)
        return _emit(pulumi_cli.audit_command(args), args)
    options = _options(args)
    state = load_export(args.state)
    with gate.Watchdog(args.timeout) as watchdog:
        report = gate.audit(state.resources, project=state.project, stack=state.stack, options=options,
                            secrets=state.secret_values, source=args.state, warnings=state.warnings,
                            watchdog=watchdog)
    return _emit(report, args)


def _rule_summary(rule: Any) -> dict[str, Any]:
    return {"id": rule.id, "enforcement": rule.enforcement, "severity": rule.severity, "title": rule.title,
            "stack": rule.stack, "resource_types": list(rule.resource_types)}


def cmd_rules(args: argparse.Namespace) -> int:
    from ml_dataset_governance.policies.catalog import all_rules

    rules = all_rules()
    if args.format == "json":
        sys.stdout.write(json.dumps([_rule_summary(r) for r in rules], indent=2) + "\n")
        return EXIT_PASS
    rows = [("RULE", "DEFAULT", "SEVERITY", "TITLE")] + [(r.id, r.enforcement, r.severity, r.title) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows]
    lines.append(f"\n{len(rules)} rules. `mlgov explain RULE` for rationale, remediation and configuration.")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_PASS


def cmd_explain(args: argparse.Namespace) -> int:
    from ml_dataset_governance.policies.adapter import RULES_DOC_URL
    from ml_dataset_governance.policies.catalog import all_rules

    rules = {r.id: r for r in all_rules()}
    rule = rules.get(args.rule)
    if rule is None:
        close = difflib.get_close_matches(args.rule, list(rules), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `mlgov rules` lists them"
        raise UsageError(f"no rule named {args.rule!r}{hint}")
    if args.format == "json":
        data = _rule_summary(rule) | {
            "rationale": rule.rationale,
            "remediation": rule.remediation,
            "frameworks": [{"name": f.name, "version": f.version, "control": f.control} for f in rule.frameworks],
            "params": {k: dict(v) for k, v in rule.params.items()},
            "url": f"{RULES_DOC_URL}#{rule.id}",
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_PASS
    out = [f"{rule.id}: {rule.title}", "",
           f"  default level: {rule.enforcement}    severity: {rule.severity}",
           f"  applies to:    {'the whole stack' if rule.stack else ', '.join(rule.resource_types)}", "",
           "Rationale", *_indent(rule.rationale), "", "Remediation", *_indent(rule.remediation), ""]
    if rule.frameworks:
        out += ["Frameworks", *(f"  - {f}" for f in rule.frameworks), ""]
    out.append("Configuration (--policy-config)")
    for name, schema in rule.params.items():
        default = json.dumps(schema.get("default")) if "default" in schema else "none"
        out.append(f"  - {name} ({schema.get('type', 'any')}, default {default}): {schema.get('description', '')}")
    out.append("  - exemptions (array): [{\"resource\": URN or glob, \"reason\": ..., \"expires\": \"YYYY-MM-DD\"}]")
    out += ["", f"  e.g. {{\"{rule.id}\": \"advisory\"}} or {{\"{rule.id}\": {{\"enforcementLevel\": \"mandatory\"}}}}",
            "", f"More: {RULES_DOC_URL}#{rule.id}"]
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

def _evaluation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy-pack", metavar="DIR",
                   help="policy pack directory (holds PulumiPolicy.yaml); default: this project's pack")
    p.add_argument("--policy-config", metavar="FILE",
                   help="policy config JSON, as `pulumi preview --policy-pack-config` takes it")
    p.add_argument("--format", choices=FORMAT_CHOICES, default="text", help="report format (default: text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--fail-on", choices=("mandatory", "advisory"), default="mandatory",
                   help="lowest enforcement level that fails the gate (default: mandatory)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"give up (exit 2) after this long; 0 disables (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="color in the text report (default: auto, on a terminal without NO_COLOR)")
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
        epilog="Exit codes: 0 pass; 1 blocking violations; 2 the gate could not decide.")
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
    _evaluation_options(check)
    check.set_defaults(func=cmd_check)

    audit = sub.add_parser("audit", help="evaluate the pack on a `pulumi stack export` file",
                           description="Evaluate deployed state: inputs to Analyze, outputs to AnalyzeStack.")
    audit.add_argument("state", metavar="STATE", help="`pulumi stack export` JSON file, or - for stdin")
    _evaluation_options(audit)
    audit.set_defaults(func=cmd_audit)

    rules = sub.add_parser("rules", help="list the rule catalog")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=cmd_rules)

    explain = sub.add_parser("explain", help="rationale, remediation, frameworks and configuration of a rule")
    explain.add_argument("rule", metavar="RULE")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from mlgov.engine import AnalyzerError
    from mlgov.engines.pulumi_cli import EngineError
    from mlgov.export import ExportError
    from mlgov.gate import GateError
    from mlgov.policy_config import PolicyConfigError
    from mlgov.program import ProgramError
    from mlgov.project import ProjectError

    try:
        return args.func(args)
    except (UsageError, GateError, ProjectError, ProgramError, AnalyzerError, PolicyConfigError, ExportError,
            EngineError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        return _error("interrupted")
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - never exit 0 when the gate could not decide
        if os.environ.get("MLGOV_DEBUG"):
            raise
        return _error(f"internal error: {type(exc).__name__}: {exc} (set MLGOV_DEBUG=1 for a traceback)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
