"""Property-based: no input, however malformed, makes a validator raise or fail closed by accident.

Arbitrary property trees (wrong types, floats, unknown sentinels, malformed JSON documents, deep
nesting) go through the engine path for every rule's resource types and through AnalyzeStack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ml_dataset_governance.policies.catalog import all_rules
from ml_dataset_governance.policies.values import UNKNOWN_SENTINELS

from mlgov.testing import evaluate, resource

RULES_DIR = Path(__file__).resolve().parents[2] / "policies"
# Property names the rules read, so generated trees reach deep into the checks.
KEYS = sorted({m for path in RULES_DIR.rglob("*.py")
               for m in re.findall(r'"([a-z][A-Za-z0-9]{2,})"', path.read_text())} | {"Statement", "Effect",
              "Principal", "Action", "Resource", "Condition", "AWS", "Service", "NotAction"})
TYPES = sorted({t for r in all_rules() for t in r.resource_types} | {
    "aws:s3/bucket:Bucket", "aws:ec2/vpc:Vpc", "aws:iam/role:Role", "aws:cloudtrail/trail:Trail"})

scalars = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False), st.integers(-5, 10**6),
    st.sampled_from(sorted(UNKNOWN_SENTINELS)), st.text(max_size=12),
    st.sampled_from(["*", "Disabled", "Enabled", "VpcOnly", "IAM", "aws:kms", "0.0.0.0/0", "::/0", "Allow", "Deny",
                     "ingress", "true", "false", "arn:aws:s3:::b", "{", '{"Statement": 5}', "[]"]),
)


def _documents():
    statement = st.fixed_dictionaries({}, optional={
        "Effect": st.sampled_from(["Allow", "Deny", 3, None]),
        "Principal": st.one_of(st.just("*"), st.dictionaries(st.sampled_from(["AWS", "Service", "Federated"]),
                                                             st.one_of(st.just("*"), st.lists(st.text(max_size=5))))),
        "Action": st.one_of(st.just("*"), st.lists(st.sampled_from(["s3:*", "*", "kms:*", "s3:GetObject", 7]))),
        "Resource": st.one_of(st.just("*"), st.lists(st.text(max_size=8))),
        "Condition": st.dictionaries(st.text(max_size=12), st.dictionaries(st.text(max_size=12), scalars)),
    })
    doc = st.fixed_dictionaries({"Statement": st.one_of(statement, st.lists(statement, max_size=3), scalars)})
    return st.one_of(doc, doc.map(json.dumps))


trees = st.recursive(
    st.one_of(scalars, _documents()),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6)),
    max_leaves=30,
)
props = st.dictionaries(st.sampled_from(KEYS), trees, max_size=10)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_no_internal_errors(result):
    for d in result.diagnostics:
        assert "internal error" not in d.message, d.message
        assert "nested too deeply" not in d.message, d.message


@SETTINGS
@given(type_token=st.sampled_from(TYPES), inputs=props, protect=st.booleans())
def test_resource_validators_never_raise(type_token, inputs, protect):
    result = evaluate([resource(type_token, "r", inputs, protect=protect)], stack=False)
    _assert_no_internal_errors(result)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(TYPES), props, st.lists(st.sampled_from(KEYS), max_size=3)),
                min_size=1, max_size=6))
def test_stack_validators_never_raise(entries):
    resources = [resource(t, f"r{i}", p) for i, (t, p, _) in enumerate(entries)]
    urns = [r.urn for r in resources]
    for r, (_, _, dep_keys) in zip(resources, entries, strict=True):
        r.property_dependencies = {k: urns[: 1 + len(k) % len(urns)] for k in dep_keys}
    result = evaluate(resources)
    _assert_no_internal_errors(result)


def test_huge_and_deep_documents_do_not_raise():
    huge = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::1:role/r{i}"},
                                      "Action": "s3:GetObject", "Resource": "*"} for i in range(5000)]})
    deep: object = "x"
    for _ in range(20):  # as deep as the protobuf wire allows (100 nested messages)
        deep = {"a": [deep]}
    resources = [resource(t, f"r{i}", {"policy": huge, "assumeRolePolicy": huge, "tags": deep, "ingress": deep,
                                        "defaultUserSettings": deep})
                 for i, t in enumerate(TYPES)]
    result = evaluate(resources)
    _assert_no_internal_errors(result)
