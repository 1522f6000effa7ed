"""Meta-tests over the whole catalog: duplicates rejected, house-style ids, complete metadata."""

from __future__ import annotations

import re

import pytest
from ml_dataset_governance.policies.catalog import all_rules
from ml_dataset_governance.policies.model import ENFORCEMENTS, SEVERITIES

RULES = all_rules()
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+){2,}$")


def test_the_catalog_rejects_a_duplicate_id():
    from types import SimpleNamespace

    from ml_dataset_governance.policies.catalog import collect

    first = SimpleNamespace(__name__="first", RULES=RULES[:2])
    copy = SimpleNamespace(__name__="copy", RULES=RULES[1:2])
    with pytest.raises(ValueError, match=f"duplicate rule id '{RULES[1].id}' in copy"):
        collect([first, copy])


def test_ids_are_in_house_style():
    for rule_id in (r.id for r in RULES):
        assert ID_PATTERN.match(rule_id), rule_id
        assert rule_id != "all"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_metadata_is_complete(rule):
    assert rule.title and not rule.title.lower().startswith("ensure"), "titles state the compliant condition"
    assert rule.severity in SEVERITIES
    assert rule.enforcement in ENFORCEMENTS[:2]
    assert rule.frameworks, "every rule maps to at least one framework control"
    assert len(rule.rationale) > 30
    assert rule.remediation and ("aws." in rule.remediation or "=" in rule.remediation), "remediation has a snippet"
    assert rule.checks
    if rule.stack:
        assert not rule.resource_types
    else:
        assert rule.resource_types and all(t.count(":") == 2 for t in rule.resource_types)
    for name, schema in rule.params.items():
        assert name != "exemptions" and name != "enforcementLevel"
        assert "type" in schema and "description" in schema and "default" in schema, name


def test_there_are_mandatory_and_advisory_rules():
    levels = {r.enforcement for r in RULES}
    assert levels == {"mandatory", "advisory"}
