"""The dataset catalog: from the rule's parameters and from the stack's own config (PULUMI_CONFIG)."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies.access.catalog import (
    CatalogError,
    parse_policy_catalog,
    parse_stack_catalog,
    stack_catalog_from_env,
)

DATASETS = [{"name": "claims", "classification": "restricted", "buckets": ["claims-*"], "readers": ["analysts"],
             "writers": ["ingest"], "deleters": ["ops"], "managers": ["arn:aws:iam::111122223333:role/admin"]}]
PRINCIPALS = [{"name": "analysts", "match": {"tag": {"team": "analysts"}}},
              {"name": "ingest", "match": [{"name": "ingest-*"}, {"arnPattern": "arn:aws:iam::*:role/etl-*"}]},
              {"name": "ops"}]


def test_levels_per_principal_and_matching():
    catalog = parse_policy_catalog(DATASETS, PRINCIPALS)
    claims = catalog.datasets[0]
    assert claims.levels_for("analysts") == {"read"}
    assert claims.levels_for("ingest") == {"read", "write"}
    assert claims.levels_for("ops") == {"delete"}
    assert claims.levels_for("arn:aws:iam::111122223333:role/admin") == {"manage"}
    assert claims.sensitive
    assert catalog.principals_matching("role-x", None, {"team": "analysts"}) == ["analysts"]
    assert catalog.principals_matching("ingest-job", None, {}) == ["ingest"]
    assert catalog.principals_matching("x", "arn:aws:iam::1:role/etl-nightly", {}) == ["ingest"]
    assert catalog.principals_matching("ops", None, {}) == ["ops"]  # no match given: by name
    assert catalog.principals_matching("nobody", "arn:aws:iam::1:role/nobody", {}) == []
    assert claims.matches_bucket(["claims-raw"], {}) and not claims.matches_bucket(["other"], {})


@pytest.mark.parametrize(("datasets", "principals", "needle"), [
    ([{"buckets": ["x"]}], [], "needs a name"),
    ([{"name": "d"}], [], "needs buckets patterns or a tag"),
    ([{"name": "d", "buckets": "x"}], [], "must be a list of strings"),
    ([{"name": "d", "buckets": ["x"], "readers": ["ghost"]}], [{"name": "real"}], "unknown principal 'ghost'"),
    ([{"name": "d", "tag": {"k": 1}}], [], "string values"),
    ([{"name": "d", "buckets": ["x"]}], [{"name": "p", "match": {"nope": 1}}], "match takes"),
])
def test_invalid_catalogs_name_the_entry(datasets, principals, needle):
    with pytest.raises(CatalogError, match=needle):
        parse_policy_catalog(datasets, principals)


def test_no_datasets_means_no_catalog():
    assert parse_policy_catalog([], PRINCIPALS) is None


STACK = {"teams": [{"name": "science"}, {"name": "eng"}],
         "datasets": [{"name": "features", "classification": "confidential", "owner": "eng", "readers": ["science"],
                       "writers": []}]}


def test_the_stack_catalog_shape():
    catalog = parse_stack_catalog(json.dumps(STACK), admin_role_arns=json.dumps(["arn:aws:iam::1:role/admin"]))
    features = catalog.datasets[0]
    assert features.tag == {"dataset": "features"}
    assert features.levels_for("eng") == {"read", "write"}  # the owner writes
    assert features.levels_for("science") == {"read"}
    assert features.levels_for("arn:aws:iam::1:role/admin") == {"manage"}
    assert catalog.principals_matching("r", None, {"team": "science"}) == ["science"]


def test_the_stack_catalog_from_pulumi_config():
    env = {"PULUMI_PROJECT": "proj", "PULUMI_CONFIG": json.dumps({"proj:catalog": json.dumps(STACK),
                                                                  "aws:region": "us-east-1"})}
    assert stack_catalog_from_env(env).datasets[0].name == "features"
    assert stack_catalog_from_env({"PULUMI_CONFIG": "{}"}) is None
    assert stack_catalog_from_env({}) is None
    with pytest.raises(CatalogError):
        stack_catalog_from_env({"PULUMI_PROJECT": "proj", "PULUMI_CONFIG": "{not json"})
    with pytest.raises(CatalogError):
        stack_catalog_from_env({"PULUMI_PROJECT": "proj", "PULUMI_CONFIG": json.dumps({"proj:catalog": "[1"})})


def test_policy_and_stack_catalogs_merge_policy_first():
    policy = parse_policy_catalog([{"name": "features", "tag": {"dataset": "features"}, "readers": []}], [])
    merged = policy.merged(parse_stack_catalog(STACK))
    assert [d.name for d in merged.datasets] == ["features"]
    assert merged.datasets[0].levels_for("science") == frozenset()  # the policy group's entry wins
    assert {p.name for p in merged.principals} == {"science", "eng"}
