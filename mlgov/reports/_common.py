"""What every format shares: the finding order, the categories a finding falls in, rule metadata and text hygiene."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from mlgov.findings import ADVISORY, DISABLED, EXEMPTED, MANDATORY, REMEDIATE, Report, Violation

# Categories a finding is rendered under; every format groups or maps by these, in this order.
BLOCKING, ADVISORY_CAT, EXEMPTED_CAT, UNVERIFIABLE, OTHER = "blocking", "advisory", "exempted", "unverifiable", "other"
CATEGORIES = (BLOCKING, ADVISORY_CAT, EXEMPTED_CAT, UNVERIFIABLE, OTHER)

ENFORCEMENT_RANK = {MANDATORY: 0, REMEDIATE: 1, ADVISORY: 2, EXEMPTED: 3, DISABLED: 4}
MODE_RANK = {"preview": 0, "update": 1, "audit": 2}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}

UNVERIFIABLE_LABEL = "cannot be verified in preview"
STATE_UNVERIFIABLE_LABEL = "cannot be verified from the state"  # an audit: encrypted or unknown values


def state_only(report: Report) -> bool:
    """An audit of deployed state: no preview, so nothing is "checked again on update"."""
    return bool(report.modes) and all(m == "audit" for m in report.modes)


def unverifiable_label(report: Report) -> str:
    return STATE_UNVERIFIABLE_LABEL if state_only(report) else UNVERIFIABLE_LABEL


def recheck_note(report: Report) -> str:
    return "" if state_only(report) else "checked again on update"


def mode_label(mode: str) -> str:
    """What a report calls a mode: an audit evaluates deployed state."""
    return "state" if mode == "audit" else str(mode)


def modes_label(v: Violation) -> str:
    return ", ".join(mode_label(m) for m in (v.modes or [v.mode]))


def location(v: Violation) -> str:
    """`file:line` of the statement that declared the resource, or "" when unknown."""
    return f"{v.file}:{v.line}" if v.file and v.line else (v.file or "")


def errors_of(report: Report) -> list[str]:
    """Why the gate could not decide (empty when it decided)."""
    return [f"{mode_label(e.mode)}: {e.message}" if e.mode and e.mode not in e.message else e.message
            for e in (report.errors or [])]


def category(v: Violation) -> str:
    if v.unverifiable:
        return UNVERIFIABLE
    if v.blocking():
        return BLOCKING
    if v.enforcement == ADVISORY:
        return ADVISORY_CAT
    if v.enforcement == EXEMPTED:
        return EXEMPTED_CAT
    return OTHER  # disabled, or an enforcement level this version does not know


def mode_order(report: Report) -> list[str]:
    """The report's modes in the order they ran, then any mode only a finding names (alphabetically)."""
    modes = list(dict.fromkeys(str(m) for m in report.modes))
    extra = sorted({str(v.mode) for v in report.violations} - set(modes), key=lambda m: (MODE_RANK.get(m, 99), m))
    return modes + extra


def sort_key(v: Violation, modes: list[str]) -> tuple[Any, ...]:
    """Mode, then unverifiable notes after real findings, enforcement rank, policy, urn (then the rest, for ties)."""
    mode = str(v.mode)
    return (
        modes.index(mode) if mode in modes else len(modes),
        bool(v.unverifiable),
        ENFORCEMENT_RANK.get(v.enforcement, len(ENFORCEMENT_RANK)),
        str(v.enforcement),
        str(v.policy),
        str(v.urn),
        str(v.name),
        str(v.type),
        str(v.message),
    )


def ordered(report: Report) -> list[Violation]:
    modes = mode_order(report)
    return sorted(report.violations, key=lambda v: sort_key(v, modes))


def rule_meta(report: Report, policy: str) -> dict[str, Any]:
    meta = (report.rules or {}).get(policy)
    return meta if isinstance(meta, dict) else {}


def meta_str(meta: dict[str, Any], *keys: str) -> str:
    """The first non-empty string among `keys` (rule metadata is free-form: any key may be missing or odd)."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def title_of(report: Report, v: Violation) -> str:
    return (v.title or "").strip() or meta_str(rule_meta(report, v.policy), "title") or str(v.policy)


def severity_of(report: Report, v: Violation) -> str:
    return (v.severity or "").strip() or meta_str(rule_meta(report, v.policy), "severity") or "unknown"


def frameworks(meta: dict[str, Any]) -> list[str]:
    """Framework references as display strings, from `frameworks` (str or dicts), `framework` and `framework:` tags."""
    out: list[str] = []

    def add(item: Any) -> None:
        if isinstance(item, dict):
            text = " ".join(str(item[k]) for k in ("name", "version", "reference") if item.get(k))
        else:
            text = str(item) if item is not None else ""
        text = text.strip()
        if text and text not in out:
            out.append(text)

    fws = meta.get("frameworks")
    if isinstance(fws, (list, tuple)):
        for item in fws:
            add(item)
    elif fws:
        add(fws)
    if meta.get("framework"):
        add(meta["framework"])
    for tag in tags(meta, include_frameworks=True):
        if tag.startswith("framework:"):
            add(tag.removeprefix("framework:"))
    return out


def tags(meta: dict[str, Any], *, include_frameworks: bool = False) -> list[str]:
    raw = meta.get("tags")
    if not isinstance(raw, (list, tuple)):
        return []
    out = [str(t) for t in raw if t is not None and str(t).strip()]
    if not include_frameworks:
        out = [t for t in out if not t.startswith("framework:")]
    return list(dict.fromkeys(out))


def all_rule_ids(report: Report) -> list[str]:
    """Every rule the report knows of: its metadata's and any a finding names, sorted."""
    return sorted({str(k) for k in (report.rules or {})} | {str(v.policy) for v in report.violations})


def warnings_of(report: Report) -> list[str]:
    """Gate warnings (e.g. secure config unavailable offline), if the report carries them."""
    raw = getattr(report, "warnings", None) or []
    return [str(w) for w in raw if str(w).strip()]


def counts_phrase(summary: dict[str, Any], label: str = UNVERIFIABLE_LABEL) -> str:
    """'2 mandatory, 3 advisory, 1 exempted, 4 cannot be verified in preview' (+ remediate/disabled when present)."""
    parts = [f"{summary.get(MANDATORY, 0)} mandatory"]
    if summary.get(REMEDIATE):
        parts.append(f"{summary[REMEDIATE]} remediate")
    parts.append(f"{summary.get(ADVISORY, 0)} advisory")
    parts.append(f"{summary.get(EXEMPTED, 0)} exempted")
    if summary.get(DISABLED):
        parts.append(f"{summary[DISABLED]} disabled")
    parts.append(f"{summary.get('unverifiable', 0)} {label}")
    return ", ".join(parts)


def verdict(summary: dict[str, Any], report: Report | None = None) -> str:
    if report is not None and report.errors:
        return "ERROR"
    return "PASSED" if summary.get("passed", True) else "FAILED"


def resource_label(v: Violation) -> str:
    """The resource's logical name, or a stand-in for stack-level findings without one."""
    return str(v.name or "").strip() or ("(stack)" if not v.urn else str(v.urn))


_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
# C0/C1 controls (bar tab and newline) and DEL: printing them would let a message drive the terminal.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What XML 1.0 cannot carry at all, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    return "\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def clean(value: Any) -> str:
    """Any value as a string safe to encode as UTF-8: lone surrogates (which cannot be) become U+FFFD."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return _SURROGATES.sub("\ufffd", text)


def printable(value: Any) -> str:
    """For terminals and Markdown: `clean`, CRLF/CR/U+2028/U+2029 as newlines, other controls shown as \\xNN."""
    text = _LINE_BREAKS.sub("\n", clean(value))
    return _CONTROLS.sub(_escape_char, text)


def xml_text(value: Any) -> str:
    """For XML: characters XML 1.0 cannot represent shown as \\xNN / \\uNNNN (ElementTree escapes the rest)."""
    return _XML_INVALID.sub(_escape_char, clean(value).replace("\r\n", "\n"))


def json_safe(value: Any) -> Any:
    """Recursively: strings cleaned, non-finite floats as None (JSON has no NaN), mappings with string keys."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {clean(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return clean(value)


def sorted_map(value: Any) -> Any:
    """A mapping with its keys sorted (recursively), for free-form maps whose key order is not part of the contract."""
    if isinstance(value, dict):
        return {k: sorted_map(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [sorted_map(v) for v in value]
    return value


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide/full-width characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def mode_timing(report: Report, mode: str) -> float | None:
    """Seconds spent on `mode`: its own timing, or the sum of '<mode>.<phase>' timings; None if none is recorded."""
    timings = report.timings or {}
    values: Iterable[Any] = [timings[mode]] if mode in timings else [
        t for k, t in timings.items() if str(k).startswith(f"{mode}.")]
    numbers = [float(t) for t in values if isinstance(t, (int, float)) and math.isfinite(float(t))]
    return sum(numbers) if numbers else None
