"""Report formatters: one module per output format, all pure functions of a `Report`.

Every format orders findings the same way (mode, enforcement rank, policy, urn), renders an empty report as a
passing run, and shows only what the report holds: messages are redacted by the gate before they get here.
"""

from __future__ import annotations

from collections.abc import Callable

from mlgov.findings import Report
from mlgov.reports import json, junit, markdown, sarif, text

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "sarif", "junit", "markdown")

_RENDERERS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
}


def render(fmt: str, report: Report, *, color: bool = False, width: int = 120) -> str:
    """`report` in format `fmt` (one of FORMATS). `color` and `width` shape the text format; others ignore them."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}") from None
    if fmt == "text":
        return renderer(report, color=color, width=width)
    return renderer(report)
