"""The human-readable report: one table of findings (each once, with the modes that saw it and the line that
declared the resource), the preview notes listed briefly, errors, the summary line and an `mlgov explain` hint.
The table fits `width` (the CLI passes the terminal's).

ANSI colour only when asked (the CLI passes isatty). Control characters in messages are shown as \\xNN, so a
message cannot drive the terminal, with or without colour.
"""

from __future__ import annotations

import textwrap

from mlgov.findings import ADVISORY, EXEMPTED, MANDATORY, REMEDIATE, Report, Violation
from mlgov.reports._common import (
    UNVERIFIABLE,
    category,
    counts_phrase,
    display_width,
    errors_of,
    location,
    mode_label,
    mode_order,
    modes_label,
    ordered,
    printable,
    recheck_note,
    resource_label,
    severity_of,
    unverifiable_label,
    verdict,
    warnings_of,
)

WIDTH = 120
HEADERS = ("POLICY", "ENFORCEMENT", "SEVERITY", "RESOURCE", "MESSAGE")
_MAX = (40, 11, 8, 40)  # widest policy / enforcement / severity / resource column; the message takes the rest
_MIN_MESSAGE = 30
_GAP = "  "

_RESET = "\x1b[0m"
_STYLES = {
    "bold": "\x1b[1m", "dim": "\x1b[2m", "red": "\x1b[31m", "green": "\x1b[32m", "yellow": "\x1b[33m",
    "magenta": "\x1b[35m", "cyan": "\x1b[36m",
}
_ENFORCEMENT_STYLE = {MANDATORY: ("bold", "red"), REMEDIATE: ("bold", "magenta"), ADVISORY: ("yellow",),
                      EXEMPTED: ("cyan",)}


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        return "".join(_STYLES[s] for s in styles) + text + _RESET


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in printable(text).split("\n"):
        wrapped = textwrap.wrap(paragraph, width=max(width, 1), break_long_words=True, break_on_hyphens=True,
                                replace_whitespace=True, drop_whitespace=True, tabsize=4)
        lines.extend(wrapped or [""])
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines or [""]


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _row_cells(report: Report, v: Violation, modes: list[str]) -> list[str]:
    resource = resource_label(v) + (f"\n{v.type}" if v.type else "") + (f"\n{location(v)}" if location(v) else "")
    # Most findings are seen in every mode; mark the others.
    only = f"({modes_label(v)} only) " if len(modes) > 1 and set(v.modes) != set(modes) else ""
    return [v.policy, v.enforcement, severity_of(report, v), resource, only + v.message]


def _table(report: Report, violations: list[Violation], paint: _Painter, width: int, modes: list[str]) -> list[str]:
    rows = [_row_cells(report, v, modes) for v in violations]
    widths = []
    for i, cap in enumerate(_MAX):
        longest = max([display_width(HEADERS[i])] + [display_width(line) for r in rows
                                                      for line in printable(r[i]).split("\n")])
        widths.append(min(longest, cap))
    # A narrow terminal: the policy and resource columns give way so the message keeps _MIN_MESSAGE columns.
    overflow = 2 + sum(widths) + len(_GAP) * len(widths) + _MIN_MESSAGE - width
    for i in (3, 0):
        give = min(max(overflow, 0), max(widths[i] - 12, 0))
        widths[i] -= give
        overflow -= give
    message_width = max(width - 2 - sum(widths) - len(_GAP) * len(widths), 10)
    widths.append(message_width)
    out = ["  " + paint(_GAP.join(_pad(h, w) for h, w in zip(HEADERS, widths, strict=True)).rstrip(), "bold")]
    for v, cells in zip(violations, rows, strict=True):
        wrapped = [_wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
        style = _ENFORCEMENT_STYLE.get(v.enforcement, ())
        for n in range(max(len(c) for c in wrapped)):
            parts = []
            for i, column in enumerate(wrapped):
                part = _pad(column[n] if n < len(column) else "", widths[i])
                if i == 1 and n == 0:
                    part = paint(column[0], *style) + part[len(column[0]):]
                parts.append(part)
            out.append(("  " + _GAP.join(parts)).rstrip())
    return out


def render(report: Report, *, color: bool = False, width: int = WIDTH) -> str:
    paint = _Painter(color)
    summary = report.summary()
    modes = mode_order(report)
    pack = f" — policy pack {printable(report.pack)} {printable(report.pack_version)}".rstrip() if report.pack else ""
    lines = [paint(f"mlgov: {printable(report.project)}/{printable(report.stack)}", "bold") + pack]
    evaluated = report.resources_evaluated or {}
    if evaluated:
        lines.append("  " + "; ".join(f"{mode_label(m)}: {evaluated[m]} resources evaluated"
                                      for m in modes if m in evaluated))
    violations = ordered(report)
    findings = [v for v in violations if category(v) != UNVERIFIABLE]
    notes = [v for v in violations if category(v) == UNVERIFIABLE]
    lines += ["", paint("FINDINGS", "bold") + f" ({len(findings)})"]
    if findings:
        lines += _table(report, findings, paint, width, modes)
    elif not report.errors:
        lines.append("  " + paint("no policy violations", "green"))
    if notes:
        recheck = f" ({recheck_note(report)})" if recheck_note(report) else ""
        lines.append(f"  {len(notes)} {unverifiable_label(report)}{recheck}:")
        for v in notes:
            where = resource_label(v) + (f" ({v.type})" if v.type else "") + (f" {location(v)}" if location(v) else "")
            lines.extend(paint(line, "dim") for line in _wrap(f"    - {printable(v.policy)}: {where}", width))
    for title, items, style in (("Errors (the gate could not decide):", errors_of(report), ("bold", "red")),
                                ("Warnings:", warnings_of(report), ("bold", "yellow"))):
        if items:
            lines += ["", paint(title, *style)]
            for item in items:
                wrapped = _wrap(item, width - 4)
                lines.append(f"  - {wrapped[0]}")
                lines.extend(f"    {line}" for line in wrapped[1:])
    result = verdict(summary, report)
    counts = counts_phrase(summary, unverifiable_label(report))
    lines += ["", f"{counts} — " + paint(result, "bold", "green" if summary["passed"] else "red")]
    if findings or notes:
        example = (findings or notes)[0].policy
        lines += _wrap(f"`mlgov explain {printable(example)}` shows a rule's rationale, remediation and configuration.",
                       width)
    return "\n".join(lines) + "\n"
