"""The records' data model: Resource, the Stack's correlation indexes (value over structure), ValueCheck."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.model import Resource, Stack, ValueCheck, describe
from ml_dataset_governance.policies.values import UNKNOWN, NeedsValue

BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ROLE = "aws:iam/role:Role"


def _r(type_, name, props=None, deps=None) -> Resource:
    return Resource(type_, name, f"urn:{type_}::{name}", dict(props or {}),
                    property_dependencies={k: tuple(v) for k, v in (deps or {}).items()})


def test_identifiers_are_the_known_names_only():
    r = _r(BUCKET, "b", {"id": "phys", "bucket": "phys", "arn": UNKNOWN, "name": "", "tags": {"id": "x"}})
    assert r.identifiers() == frozenset({"phys"})


def test_known_strings_of_a_reference():
    r = _r(ROLE, "r", {"a": "x", "b": ["x", UNKNOWN, 3.0], "c": UNKNOWN})
    assert r.known_strings("a") == (frozenset({"x"}), False)
    assert r.known_strings("b") == (frozenset({"x"}), True)
    assert r.known_strings("c") == (frozenset(), True) and r.known_strings("missing") == (frozenset(), False)


def test_referencing_links_by_property_dependency_in_a_first_preview():
    bucket = _r(BUCKET, "b", {"bucket": UNKNOWN})
    block = _r(PAB, "pab", {"bucket": UNKNOWN}, {"bucket": [bucket.urn]})
    other = _r(PAB, "other", {"bucket": UNKNOWN})
    assert Stack([bucket, block, other]).referencing(bucket, (PAB,), "bucket") == [block]


def test_referencing_links_by_known_value_without_a_dependency():
    bucket = _r(BUCKET, "b", {"bucket": "phys"})
    block = _r(PAB, "pab", {"bucket": "phys"})
    assert Stack([bucket, block, _r(PAB, "x", {"bucket": "else"})]).referencing(bucket, (PAB,), "bucket") == [block]


def test_a_known_value_naming_another_bucket_wins_over_the_dependency():
    # The block depends on `a` (e.g. bucket=pulumi.Output.all(a.id, b.id).apply(lambda v: v[1])) but names `b`.
    a, b = _r(BUCKET, "a", {"bucket": "a-phys"}), _r(BUCKET, "b", {"bucket": "b-phys"})
    block = _r(PAB, "pab", {"bucket": "b-phys"}, {"bucket": [a.urn]})
    stack = Stack([a, b, block])
    assert stack.referencing(a, (PAB,), "bucket") == []
    assert stack.referencing(b, (PAB,), "bucket") == [block]


def test_a_known_value_naming_another_resource_wins_even_when_the_target_is_unnamed_yet():
    a, b = _r(BUCKET, "a", {"bucket": UNKNOWN}), _r(BUCKET, "b", {"bucket": "b-phys"})
    block = _r(PAB, "pab", {"bucket": "b-phys"}, {"bucket": [a.urn]})
    assert Stack([a, b, block]).referencing(a, (PAB,), "bucket") == []


def test_a_known_value_that_names_nothing_known_keeps_the_dependency():
    a = _r(BUCKET, "a", {"bucket": UNKNOWN})
    block = _r(PAB, "pab", {"bucket": "literal"}, {"bucket": [a.urn]})
    assert Stack([a, block]).referencing(a, (PAB,), "bucket") == [block]


def test_referenced_by_follows_dependencies_then_known_values_and_respects_value_over_structure():
    r1, r2 = _r(ROLE, "r1", {"arn": "arn:r1"}), _r(ROLE, "r2", {"arn": "arn:r2"})
    by_dep = _r("aws:x/y:Y", "u1", {"role": UNKNOWN}, {"role": [r1.urn]})
    by_value = _r("aws:x/y:Y", "u2", {"role": "arn:r2"})
    contradicted = _r("aws:x/y:Y", "u3", {"role": "arn:r2"}, {"role": [r1.urn]})
    stack = Stack([r1, r2, by_dep, by_value, contradicted])
    assert stack.referenced_by(by_dep, "role", (ROLE,)) == [r1]
    assert stack.referenced_by(by_value, "role", (ROLE,)) == [r2]
    assert stack.referenced_by(contradicted, "role", (ROLE,)) == [r2]


def test_results_keep_stack_order_without_duplicates():
    bucket = _r(BUCKET, "b", {"bucket": "phys"})
    blocks = [_r(PAB, f"p{i}", {"bucket": "phys"}, {"bucket": [bucket.urn, bucket.urn]}) for i in range(3)]
    assert Stack([blocks[2], bucket, blocks[0], blocks[1]]).referencing(bucket, (PAB,), "bucket") == \
        [blocks[2], blocks[0], blocks[1]]


def test_value_index_is_built_once_per_property():
    bucket = _r(BUCKET, "b", {"bucket": "phys"})
    stack = Stack([bucket, _r(PAB, "p", {"bucket": "phys"})])
    stack.referencing(bucket, (PAB,), "bucket")
    index = stack._by_value["bucket"]
    stack.referencing(bucket, (PAB,), "bucket")
    assert stack._by_value["bucket"] is index


@pytest.mark.parametrize(("props", "messages"), [
    ({"appNetworkAccessType": "VpcOnly"}, []),
    ({}, ["appNetworkAccessType is unset (AWS defaults to PublicInternetOnly); expected 'VpcOnly' so it stays in."]),
    ({"appNetworkAccessType": "PublicInternetOnly"},
     ["appNetworkAccessType is 'PublicInternetOnly'; expected 'VpcOnly' so it stays in."]),
])
def test_value_check_says_what_was_found_and_what_is_expected(props, messages):
    check = ValueCheck("appNetworkAccessType", "VpcOnly", unset="unset (AWS defaults to PublicInternetOnly)",
                       why=" so it stays in")
    assert list(check(_r("t:a:A", "x", props), {})) == messages


@pytest.mark.parametrize(("value", "fails"), [(True, False), ("true", False), (False, True), ("yes", True),
                                              (None, True), (1.0, True)])
def test_boolean_value_checks_accept_booleans_given_as_strings(value, fails):
    props = {} if value is None else {"flag": value}
    assert bool(list(ValueCheck("flag", True)(_r("t:a:A", "x", props), {}))) is fails


def test_value_check_on_an_unknown_raises_needs_value_and_has_a_name():
    check = ValueCheck("a.b", "x")
    with pytest.raises(NeedsValue, match="a.b"):
        list(check(_r("t:a:A", "x", {"a": UNKNOWN}), {}))
    assert check.__name__ == "value_check(a.b)"


def test_describe():
    assert (describe(None, "unset"), describe(True), describe("x"), describe(2.0)) == ("unset", "true", "'x'", "2.0")


def test_memo_computes_once_per_stack():
    stack, calls = Stack([]), []
    assert stack.memo("k", lambda: calls.append(1) or 42) == stack.memo("k", lambda: calls.append(1) or 0) == 42
    assert calls == [1] and Stack([]).memo("k", lambda: 7) == 7
