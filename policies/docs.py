"""Generates docs/rules.md from the registry: `python -m ml_dataset_governance.policies.docs > docs/rules.md`.

A test fails when the committed file is stale, so the reference never drifts from the code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

from ml_dataset_governance.policies import controls
from ml_dataset_governance.policies.catalog import all_rules
from ml_dataset_governance.policies.model import Rule


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _params(rule: Rule) -> list[str]:
    lines = []
    for name, schema in rule.params.items():
        default = json.dumps(schema.get("default")) if "default" in schema else "—"
        lines.append(f"- `{name}` ({schema.get('type', 'any')}, default `{default}`): {schema.get('description', '')}")
    lines.append("- `exemptions` (array): resources this rule does not block, each with a `reason` and optional "
                 "`expires` (see [Exemptions](#exemptions)).")
    return lines


def _applies_to(rule: Rule) -> str:
    if rule.resource_types:
        return f"Applies to: {', '.join(f'`{t}`' for t in rule.resource_types)}."
    if rule.reads:
        return f"Applies to: the whole stack, reading {', '.join(f'`{t}`' for t in rule.reads)}."
    return "Applies to: the whole stack."


def render(rules: Iterable[Rule]) -> str:
    rules = list(rules)
    out = [
        "# Rule reference",
        "",
        "Generated from `policies/` by `python -m ml_dataset_governance.policies.docs > docs/rules.md`; do not edit "
        "by hand.",
        "",
        f"{len(rules)} rules: {sum(r.enforcement == 'mandatory' for r in rules)} mandatory and "
        f"{sum(r.enforcement == 'advisory' for r in rules)} advisory by default.",
        "",
        "Default levels: a rule is mandatory when the weakness it stops exposes data (a public or foreign path to a "
        "dataset, data leaving its governed bucket or key, an unisolated job, an embedded secret, an admin grant); "
        "advisory when it is hygiene a team tightens with config (tags, deletion windows, platforms, retirable "
        "grants, flow logs...). Each advisory rule's rationale says why.",
        "",
        "| id | kind | default | severity | title |",
        "|---|---|---|---|---|",
    ]
    for r in rules:
        kind = "stack" if r.stack else "resource"
        out.append(f"| [`{r.id}`](#{r.id}) | {kind} | {r.enforcement} | {r.severity} | {_cell(r.title)} |")
    out += ["", "## Framework mapping", "", "| framework | control | rules |", "|---|---|---|"]
    mapping: dict[tuple[str, str], list[str]] = {}
    for r in rules:
        for f in r.frameworks:
            mapping.setdefault((f"{f.name} {f.version}", f.control), []).append(r.id)
    for (framework, control), ids in sorted(mapping.items()):
        out.append(f"| {framework} | {control} | {', '.join(f'`{i}`' for i in ids)} |")
    out += controls.render(rules)
    for r in rules:
        out += [
            "",
            f"## {r.id}",
            "",
            f"**{r.title}** — {'stack' if r.stack else 'resource'} rule, {r.enforcement} by default, "
            f"severity {r.severity}.",
            "",
            _applies_to(r),
            "",
            f"Frameworks: {', '.join(str(f) for f in r.frameworks) or '—'}.",
            "",
            f"Why: {r.rationale}",
            "",
            "Fix:",
            "",
            r.remediation,
            "",
            "Configuration:",
            "",
            *_params(r),
        ]
    out += [
        "",
        "## Exemptions",
        "",
        "Every rule takes an `exemptions` list in its configuration: `resource` (an exact URN, or a glob",
        "matched against the URN or the logical name), `reason` (at least 10 characters), optional `expires`",
        "(YYYY-MM-DD, UTC) and `approvedBy`. An exempted finding is still reported, under the exempted rule's",
        "own name at advisory, its message ending `exempted: <reason> (expires YYYY-MM-DD)` or `(no expiry)`;",
        "an expired exemption stops exempting and the finding says so. `pack-stack-exemptions-reported`",
        "(advisory) reports exemption hygiene once per stack: exemptions that have expired and ones that match",
        "no resource. `pack-exemptions-reported` reports nothing; it stays declared because configs name it.",
        "",
    ]
    return "\n".join(out)


def main() -> None:
    sys.stdout.write(render(all_rules()))


if __name__ == "__main__":
    main()
