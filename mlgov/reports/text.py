"""The human-readable report: a table per mode, the preview notes listed briefly, and the summary line.

ANSI colour only when asked (the CLI passes isatty). Control characters in messages are shown as \\xNN, so a
message cannot drive the terminal, with or without colour.
"""

from __future__ import annotations

import textwrap

from mlgov.findings import ADVISORY, EXEMPTED, MANDATORY, REMEDIATE, Report, Violation
from mlgov.reports._common import (
    UNVERIFIABLE,
    UNVERIFIABLE_LABEL,
    category,
    counts_phrase,
    display_width,
    mode_order,
    ordered,
    printable,
    resource_label,
    severity_of,
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


def _row_cells(report: Report, v: Violation) -> list[str]:
    resource = resource_label(v) + (f"\n{v.type}" if v.type else "")
    return [v.policy, v.enforcement, severity_of(report, v), resource, v.message]


def _table(report: Report, violations: list[Violation], paint: _Painter, width: int) -> list[str]:
    rows = [_row_cells(report, v) for v in violations]
    widths = []
    for i, cap in enumerate(_MAX):
        longest = max([display_width(HEADERS[i])] + [display_width(line) for r in rows
                                                      for line in printable(r[i]).split("\n")])
        widths.append(min(longest, cap))
    message_width = max(width - 2 - sum(widths) - len(_GAP) * len(widths), _MIN_MESSAGE)
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
    pack = f" — policy pack {printable(report.pack)} {printable(report.pack_version)}".rstrip() if report.pack else ""
    lines = [paint(f"mlgov: {printable(report.project)}/{printable(report.stack)}", "bold") + pack]
    by_mode: dict[str, list[Violation]] = {m: [] for m in mode_order(report)}
    for v in ordered(report):
        by_mode[str(v.mode)].append(v)
    for mode, violations in by_mode.items():
        evaluated = (report.resources_evaluated or {}).get(mode)
        findings = [v for v in violations if category(v) != UNVERIFIABLE]
        notes = [v for v in violations if category(v) == UNVERIFIABLE]
        heading = f"{printable(mode).upper()}"
        detail = [f"{evaluated} resources evaluated"] if evaluated is not None else []
        detail.append(f"{len(findings)} finding{'' if len(findings) == 1 else 's'}")
        lines += ["", paint(heading, "bold") + f" ({', '.join(detail)})"]
        if findings:
            lines += _table(report, findings, paint, width)
        else:
            lines.append("  " + paint("no policy violations", "green"))
        if notes:
            lines.append(f"  {len(notes)} {UNVERIFIABLE_LABEL} (checked again on update):")
            for v in notes:
                where = resource_label(v) + (f" ({v.type})" if v.type else "")
                lines.append(paint(f"    - {printable(v.policy)}: {printable(where)}", "dim"))
    warnings = warnings_of(report)
    if warnings:
        lines += ["", paint("Warnings:", "bold", "yellow")]
        for w in warnings:
            wrapped = _wrap(w, width - 6)
            lines.append(f"  - {wrapped[0]}")
            lines.extend(f"    {line}" for line in wrapped[1:])
    result = verdict(summary)
    lines += ["", f"{counts_phrase(summary)} — " + paint(result, "bold", "green" if summary["passed"] else "red")]
    return "\n".join(lines) + "\n"
