"""Compliance frameworks as data: one module per framework version, each a list of controls, so coverage of a
whole control list can be computed (prowler keeps one file per framework the same way).

A control is covered by the rules that name it in their `frameworks` (the SDK's one `framework` field comes
from there) plus the rules its catalog entry lists; a control no rule covers says why (no pre-deployment
check is possible, or not covered yet). `coverage()` joins both and `render()` writes one table per catalog
for docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ml_dataset_governance.policies.model import Rule


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    rules: tuple[str, ...] = ()  # rules covering it beyond those that name it in their frameworks
    config_rule: str | None = None  # the AWS Config managed rule behind a Security Hub control
    why: str | None = None  # for a control without a rule: why (pre-deployment impossible, out of scope...)
    note: str | None = None  # how a covering rule covers it, when only partly or indirectly


@dataclass(frozen=True)
class Catalog:
    framework: str  # Framework.name on rules, e.g. "AWS FSBP"
    version: str
    title: str
    source: str
    controls: tuple[Control, ...]
    scope: str = ""  # which part of the standard is listed

    def by_id(self) -> dict[str, Control]:
        return {c.id: c for c in self.controls}


@dataclass(frozen=True)
class Coverage:
    control: Control
    rules: tuple[str, ...] = field(default_factory=tuple)

    @property
    def covered(self) -> bool:
        return bool(self.rules)


def coverage(catalog: Catalog, rules: Iterable[Rule]) -> list[Coverage]:
    named: dict[str, list[str]] = {}
    for rule in rules:
        for f in rule.frameworks:
            if f.name == catalog.framework:
                named.setdefault(f.control, []).append(rule.id)
    return [Coverage(c, tuple(dict.fromkeys([*named.get(c.id, ()), *c.rules]))) for c in catalog.controls]


def catalogs() -> tuple[Catalog, ...]:
    from ml_dataset_governance.policies.controls import aws_config_managed_rules, securityhub_fsbp_1_0_0

    return (securityhub_fsbp_1_0_0.CATALOG, aws_config_managed_rules.catalog())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(rules: Iterable[Rule]) -> list[str]:
    """Markdown lines: one coverage table per catalog, then its controls without a rule."""
    rules = list(rules)
    out: list[str] = []
    for catalog in catalogs():
        rows = coverage(catalog, rules)
        covered = [r for r in rows if r.covered]
        missing = [r for r in rows if not r.covered]
        impossible = [r for r in missing if r.control.why and r.control.why.startswith("No pre-deployment")]
        out += [
            "",
            f"## Coverage: {catalog.title}",
            "",
            f"Source: {catalog.source}. {catalog.scope}".rstrip(),
            "",
            f"{len(rows)} controls: {len(covered)} covered by at least one rule, {len(impossible)} with no "
            f"pre-deployment check possible, {len(missing) - len(impossible)} not covered.",
            "",
            "| control | title | rules |",
            "|---|---|---|",
        ]
        for row in covered:
            note = f" ({row.control.note})" if row.control.note else ""
            links = ", ".join(f"[`{r}`](#{r})" for r in row.rules)
            out.append(f"| {row.control.id} | {_cell(row.control.title)} | {links}{_cell(note)} |")
        if missing:
            out += ["", "Controls with no rule:", ""]
            for row in missing:
                out.append(f"- **{row.control.id}** {row.control.title}: {row.control.why or 'not covered yet.'}")
    return out
