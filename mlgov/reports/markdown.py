"""GitHub-flavoured Markdown for a PR comment or a job summary ($GITHUB_STEP_SUMMARY).

A heading with the ✅/❌ verdict, a table of counts, a table of blocking findings, then <details> sections for
advisory, exempted and cannot-be-verified findings. Cell text is escaped: `|` as \\|, newlines as <br>, HTML and
Markdown punctuation neutralised, and `@` followed by a zero-width space so a message cannot mention anyone.
Tables are capped at MAX_ROWS rows (a PR comment holds 65,536 characters); the JSON/SARIF reports have them all.
"""

from __future__ import annotations

import re

from mlgov.findings import Report, Violation
from mlgov.reports._common import (
    ADVISORY_CAT,
    BLOCKING,
    EXEMPTED_CAT,
    OTHER,
    UNVERIFIABLE,
    category,
    counts_phrase,
    errors_of,
    location,
    meta_str,
    mode_label,
    mode_order,
    modes_label,
    ordered,
    printable,
    recheck_note,
    resource_label,
    rule_meta,
    severity_of,
    unverifiable_label,
    verdict,
    warnings_of,
)

MAX_ROWS = 100
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_URL_OK = re.compile(r"^https?://[^\s<>()|\\`\"']+$")


def cell(value: object) -> str:
    """Text safe in a table cell (and in a paragraph): escaped, one line, newlines as <br>."""
    text = printable(value).replace("&", "&amp;")
    text = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)), text)
    text = text.replace("@", "@\u200b")
    return "<br>".join(line.strip() for line in text.split("\n")).strip() or " "


def code(value: object) -> str:
    """An inline code span when the text allows one (no backtick or newline), else escaped text."""
    text = printable(value)
    if not text or "`" in text or "\n" in text:
        return cell(text)
    return "`" + text.replace("|", "\\|") + "`"


def _policy(report: Report, v: Violation) -> str:
    url = meta_str(rule_meta(report, v.policy), "url")
    label = code(v.policy)
    return f"[{label}]({url})" if _URL_OK.match(url) else label


def _resource(v: Violation) -> str:
    name = code(resource_label(v))
    text = f"{name}<br>{code(v.type)}" if v.type else name
    return f"{text}<br>{code(location(v))}" if location(v) else text


def _table(report: Report, violations: list[Violation], multi_mode: bool, *, message: bool = True) -> list[str]:
    headers = (["Mode"] if multi_mode else []) + ["Policy", "Enforcement", "Severity", "Resource"]
    headers += ["Message"] if message else []
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for v in violations[:MAX_ROWS]:
        row = ([cell(modes_label(v))] if multi_mode else []) + [
            _policy(report, v), cell(v.enforcement), cell(severity_of(report, v)), _resource(v)]
        row += [cell(v.message)] if message else []
        lines.append("| " + " | ".join(row) + " |")
    if len(violations) > MAX_ROWS:
        lines += ["", f"…and {len(violations) - MAX_ROWS} more: see the JSON or SARIF report."]
    return lines


def _details(summary_text: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary_text}</summary>", "", *body, "", "</details>", ""]


def render(report: Report) -> str:
    summary = report.summary()
    passed = summary["passed"]
    modes = mode_order(report)
    multi_mode = len(modes) > 1
    icon = "✅" if passed else "❌"
    lines = [f"## {icon} mlgov {verdict(summary, report)}: {cell(report.project)}/{cell(report.stack)}", ""]
    errors = errors_of(report)
    if errors:
        lines += ["**The gate could not decide:**", "", *(f"- {cell(e)}" for e in errors), ""]
    about = [f"policy pack {code(report.pack)} {cell(report.pack_version)}".rstrip()] if report.pack else []
    if modes:
        about.append("modes: " + ", ".join(cell(mode_label(m)) for m in modes))
    if about:
        lines += [" · ".join(about), ""]
    lines += [f"**{counts_phrase(summary, unverifiable_label(report))} — {verdict(summary, report)}**", ""]

    resources = report.resources_evaluated or {}
    lines += ["| Mandatory | Advisory | Exempted | Cannot verify in preview | Resources evaluated |",
              "|---:|---:|---:|---:|---|"]
    evaluated = ", ".join(f"{cell(mode_label(m))}: {resources[m]}" for m in modes if m in resources) or "–"
    counts = [summary.get(k, 0) for k in ("mandatory", "advisory", "exempted", "unverifiable")]
    if summary.get("remediate"):
        counts[0] = f"{counts[0]} (+{summary['remediate']} remediate)"
    lines += ["| " + " | ".join(str(c) for c in counts) + f" | {evaluated} |", ""]

    by_cat: dict[str, list[Violation]] = {}
    for v in ordered(report):
        by_cat.setdefault(category(v), []).append(v)

    if by_cat.get(BLOCKING):
        lines += [f"### Blocking findings ({len(by_cat[BLOCKING])})", "", *_table(report, by_cat[BLOCKING], multi_mode),
                  ""]
    elif not report.violations:
        lines += ["No policy violations.", ""]
    else:
        lines += ["No blocking findings.", ""]

    sections = ((ADVISORY_CAT, "Advisory findings"), (EXEMPTED_CAT, "Exempted findings"),
                (OTHER, "Other findings"))
    for cat, label in sections:
        if by_cat.get(cat):
            lines += _details(f"{label} ({len(by_cat[cat])})", _table(report, by_cat[cat], multi_mode))
    if by_cat.get(UNVERIFIABLE):
        notes = by_cat[UNVERIFIABLE]
        recheck = [f"{recheck_note(report).capitalize()}.", ""] if recheck_note(report) else []
        lines += _details(f"{unverifiable_label(report).capitalize()} ({len(notes)})",
                          [*recheck, *_table(report, notes, multi_mode, message=False)])
    warnings = warnings_of(report)
    if warnings:
        lines += _details(f"Warnings ({len(warnings)})", [f"- {cell(w)}" for w in warnings])
    return "\n".join(lines).rstrip("\n") + "\n"
