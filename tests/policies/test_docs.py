"""The generated rule reference: current, and saying what users need to configure each rule."""

from __future__ import annotations

from pathlib import Path

from ml_dataset_governance.policies import docs
from ml_dataset_governance.policies.catalog import all_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = all_rules()


def test_rule_reference_is_current():
    committed = (ROOT / "docs" / "rules.md").read_text()
    assert committed == docs.render(RULES), \
        "docs/rules.md is stale: run `python -m ml_dataset_governance.policies.docs > docs/rules.md`"


def test_every_rule_has_a_section_with_its_parameters_and_the_exemptions_convention():
    text = docs.render(RULES)
    for rule in RULES:
        section = text.split(f"\n## {rule.id}\n", 1)[1].split("\n## ", 1)[0]
        assert rule.title in section and rule.remediation in section
        assert all(f"- `{name}` (" in section for name in rule.params)
    assert "exempted: <reason> (expires YYYY-MM-DD)" in text
