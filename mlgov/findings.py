"""The gate's verdict: violations in the JSON contract's shape, and the summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# enforcement values in reports
MANDATORY, ADVISORY, REMEDIATE, DISABLED, EXEMPTED = "mandatory", "advisory", "remediate", "disabled", "exempted"


@dataclass
class Violation:
    policy: str  # the rule id (for exempted findings: the exempted rule, not the reporter)
    enforcement: str  # mandatory | advisory | remediate | disabled | exempted
    severity: str
    urn: str
    type: str
    name: str  # the resource's logical name
    message: str
    mode: str  # preview | update | audit
    unverifiable: bool = False  # a "cannot be verified until update" note from preview
    title: str = ""

    def blocking(self) -> bool:
        return self.enforcement in (MANDATORY, REMEDIATE) and not self.unverifiable

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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
            "passed": not any(v.blocking() for v in self.violations),
        }
