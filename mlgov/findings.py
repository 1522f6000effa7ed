"""The gate's verdict: findings in the JSON contract's shape, and the summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

# enforcement values in reports
MANDATORY, ADVISORY, REMEDIATE, DISABLED, EXEMPTED = "mandatory", "advisory", "remediate", "disabled", "exempted"


@dataclass
class Violation:
    policy: str  # the rule id (for exempted findings: the exempted rule)
    enforcement: str  # mandatory | advisory | remediate | disabled | exempted
    severity: str
    urn: str
    type: str
    name: str  # the resource's logical name
    message: str
    mode: str  # the first mode it was seen in: preview | update | audit
    unverifiable: bool = False  # a "cannot be verified until update" note from preview
    title: str = ""
    file: str = ""  # the program file that declared the resource (relative to the repository root when known)
    line: int = 0  # its line, 1-based; 0 when unknown
    exemption: str = ""  # for exempted findings: "<reason> (expires YYYY-MM-DD)" or "<reason> (no expiry)"
    modes: list[str] = field(default_factory=list)  # every mode it was seen in

    def __post_init__(self) -> None:
        if not self.modes:
            self.modes = [self.mode]

    def blocking(self) -> bool:
        return self.enforcement in (MANDATORY, REMEDIATE) and not self.unverifiable

    def issue_key(self) -> tuple[Any, ...]:
        """What makes two findings the same issue, whichever mode saw it."""
        return (self.policy, self.urn, self.enforcement, self.unverifiable, self.message)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def merge_modes(violations: Iterable[Violation]) -> list[Violation]:
    """One finding per issue, in first-seen order, carrying every mode it was seen in."""
    merged: dict[tuple[Any, ...], Violation] = {}
    for v in violations:
        seen = merged.get(v.issue_key())
        if seen is None:
            merged[v.issue_key()] = replace(v, modes=list(v.modes))
        else:
            seen.modes.extend(m for m in v.modes if m not in seen.modes)
            if not seen.file and v.file:
                seen.file, seen.line = v.file, v.line
    return list(merged.values())


@dataclass
class GateFailure:
    """Why the gate could not decide (exit 2), kept in the report so report files still say so."""

    message: str
    mode: str = ""  # the mode that failed ("" when it was not one mode's failure)


@dataclass
class Report:
    """Everything a formatter needs."""

    project: str
    stack: str
    pack: str
    pack_version: str
    modes: list[str]
    violations: list[Violation]
    resources_evaluated: dict[str, int] = field(default_factory=dict)  # mode -> count
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule id -> metadata (title, url, ...)
    timings: dict[str, float] = field(default_factory=dict)
    source: str = ""  # project dir or export file
    warnings: list[str] = field(default_factory=list)  # e.g. secure config unavailable offline, encrypted secrets
    errors: list[GateFailure] = field(default_factory=list)  # non-empty: the gate could not decide

    def summary(self) -> dict[str, Any]:
        counts = {k: 0 for k in (MANDATORY, ADVISORY, REMEDIATE, DISABLED, EXEMPTED)}
        unverifiable = 0
        for v in self.violations:
            if v.unverifiable:
                unverifiable += 1
            else:
                counts[v.enforcement] = counts.get(v.enforcement, 0) + 1
        return {
            **counts,
            "unverifiable": unverifiable,
            "total": len(self.violations),
            "blocking": sum(1 for v in self.violations if v.blocking()),
            "resources": self.resources_evaluated,
            "passed": not self.errors and not any(v.blocking() for v in self.violations),
        }
