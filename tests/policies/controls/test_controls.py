"""Framework catalogs as data: every control they list is covered or says why, every rule they name exists, and
every Security Hub / AWS Config reference on a rule is a control of its catalog (no typo goes unseen)."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies import controls
from ml_dataset_governance.policies.catalog import all_rules
from ml_dataset_governance.policies.controls import Catalog, Control, coverage
from ml_dataset_governance.policies.controls import securityhub_fsbp_1_0_0 as fsbp
from ml_dataset_governance.policies.model import Framework, Rule

RULES = all_rules()
IDS = {r.id for r in RULES}
CATALOGS = controls.catalogs()


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda c: c.title)
def test_every_named_rule_exists_and_every_uncovered_control_says_why(catalog):
    for row in coverage(catalog, RULES):
        assert set(row.control.rules) <= IDS, row.control.id
        assert row.covered or row.control.why, f"{row.control.id} has no rule and no reason"
    assert len({c.id for c in catalog.controls}) == len(catalog.controls)


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda c: c.title)
def test_every_reference_on_a_rule_is_a_control_of_its_catalog(catalog):
    known = set(catalog.by_id())
    for rule in RULES:
        for f in rule.frameworks:
            if f.name == catalog.framework:
                assert f.control in known, f"{rule.id} names {f.control}, which {catalog.title} does not list"


def test_sagemaker_controls_are_listed_in_full_and_mostly_covered():
    rows = {r.control.id: r for r in coverage(fsbp.CATALOG, RULES)}
    assert {f"SageMaker.{n}" for n in range(1, 26)} <= set(rows)
    covered = {i for i, r in rows.items() if i.startswith("SageMaker.") and r.covered}
    assert {f"SageMaker.{n}" for n in (1, 2, 3, 5, 8, 9, 11, 14, 16, 17, 18, 19, 21, 22)} <= covered


def test_coverage_joins_rule_references_and_catalog_lists():
    rule = Rule(id="x-y-z", title="t", severity="low", enforcement="advisory", frameworks=(Framework("F", "1", "A"),),
                rationale="r" * 40, remediation="x = 1", checks=(lambda r, p: iter(()),), resource_types=("a:b:C",))
    catalog = Catalog("F", "1", "F 1", "src", (Control("A", "a"), Control("B", "b", rules=("x-y-z",)),
                                               Control("C", "c", why="No pre-deployment check possible: runtime.")))
    rows = {r.control.id: r.rules for r in coverage(catalog, [rule])}
    assert rows == {"A": ("x-y-z",), "B": ("x-y-z",), "C": ()}


def test_config_catalog_follows_the_security_hub_one():
    config = {c.id: c for c in controls.catalogs()[1].controls}
    hub = {r.control.config_rule: r for r in coverage(fsbp.CATALOG, RULES) if r.control.config_rule}
    for rule_id, row in hub.items():
        assert set(row.rules) <= set(config[rule_id].rules)


def test_rendered_reference_carries_one_table_per_catalog_with_totals():
    lines = controls.render(RULES)
    assert sum(line.startswith("## Coverage:") for line in lines) == len(CATALOGS)
    assert any("controls:" in line and "covered by at least one rule" in line for line in lines)
