"""Public access blocks, ACLs and ownership controls through the engine path."""

from __future__ import annotations

import pytest

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.s3.s3_helpers import (
    ACCOUNT_PAB,
    ACCOUNT_RULE,
    ACL,
    ACL_RULE,
    ACL_V2,
    ALL_USERS,
    AUTH_USERS,
    BUCKET,
    BUCKET_V2,
    FLAGS,
    LOG_DELIVERY,
    OWNERSHIP,
    OWNERSHIP_RULE,
    OWNERSHIP_STACK,
    PAB,
    PAB_RULE,
    PAB_STACK,
    bucket,
    setting,
)

# --- public access blocks --------------------------------------------------------------------------

@pytest.mark.parametrize("flag", sorted(FLAGS))
@pytest.mark.parametrize("value", [False, None])
def test_public_access_block_each_flag(flag, value):
    inputs = {"bucket": "b", **FLAGS}
    if value is None:
        del inputs[flag]
    else:
        inputs[flag] = value
    result = evaluate([resource(PAB, "pab", inputs)], stack=False)
    assert result.flagged(PAB_RULE) == {"pab"}
    (message,) = result.messages(PAB_RULE)
    assert f"{flag} is {'unset' if value is None else 'false'}" in message and message.endswith("expected true.")
    assert any(d.policy == PAB_RULE for d in result.mandatory())


def test_public_access_block_unknown_flag_does_not_hide_a_known_false():
    inputs = {"bucket": UNKNOWN, **FLAGS, "blockPublicPolicy": UNKNOWN, "ignorePublicAcls": False}
    result = evaluate([resource(PAB, "pab", inputs)], stack=False)
    assert result.flagged(PAB_RULE) == {"pab"}
    assert result.unverifiable(PAB_RULE) == {"pab"}
    flagged = [m for m in result.messages(PAB_RULE) if "expected true" in m]
    assert len(flagged) == 1 and "ignorePublicAcls" in flagged[0]


def test_every_bucket_has_a_complete_public_access_block():
    good = bucket("good")
    missing = bucket("missing", type_=BUCKET_V2)
    partial = bucket("partial")
    by_name = bucket("by-name", {"bucket": "by-name-phys"}, outputs={"bucket": "by-name-phys", "id": "by-name-phys"})
    undecided = bucket("undecided")
    resources = [
        good, missing, partial, by_name, undecided,
        setting(PAB, "good-pab", good, FLAGS),
        setting(PAB, "partial-pab", partial, {**FLAGS, "restrictPublicBuckets": False}),
        resource(PAB, "by-name-pab", {"bucket": "by-name-phys", **FLAGS}),
        setting(PAB, "undecided-pab", undecided, {**FLAGS, "blockPublicAcls": UNKNOWN}),
    ]
    result = evaluate(resources)
    assert result.flagged(PAB_STACK) == {"missing", "partial"}
    (note,) = [m for m in result.messages(PAB_STACK) if "can't run" in m]
    assert "undecided: undecided-pab.blockPublicAcls" in note
    assert {d.urn for d in result.mandatory() if d.policy == PAB_STACK} == {missing.urn, partial.urn}


def test_account_level_block_satisfies_buckets_only_when_configured():
    b = bucket("b")
    account = resource(ACCOUNT_PAB, "account", dict(FLAGS))
    assert evaluate([b, account]).flagged(PAB_STACK) == {"b"}
    assert evaluate([b, account], config={PAB_STACK: {"accountBlockSatisfies": True}}).flagged(PAB_STACK) == set()
    weak = resource(ACCOUNT_PAB, "account", {**FLAGS, "blockPublicPolicy": False})
    assert evaluate([b, weak], config={PAB_STACK: {"accountBlockSatisfies": True}}).flagged(PAB_STACK) == {"b"}


def test_account_public_access_block_golden():
    assert evaluate([resource(ACCOUNT_PAB, "acct", dict(FLAGS))], stack=False).flagged(ACCOUNT_RULE) == set()


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_account_public_access_block_each_flag(flag):
    inputs = {k: v for k, v in FLAGS.items() if k != flag}
    result = evaluate([resource(ACCOUNT_PAB, "acct", inputs)], stack=False)
    assert result.flagged(ACCOUNT_RULE) == {"acct"}
    (message,) = result.messages(ACCOUNT_RULE)
    assert f"{flag} is unset" in message
    assert any(d.policy == ACCOUNT_RULE for d in result.mandatory())


# --- ACLs and ownership --------------------------------------------------------------------------

def _grants(*uris):
    return {"accessControlPolicy": {"owner": {"id": "abc"}, "grants": [
        {"grantee": {"type": "Group", "uri": uri}, "permission": "READ"} for uri in uris]}}


@pytest.mark.parametrize(("type_", "inputs", "bad"), [
    (ACL, {"acl": "private"}, False),
    (ACL, {"acl": "log-delivery-write"}, False),
    (ACL, {"acl": "public-read"}, True),
    (ACL_V2, {"acl": "public-read-write"}, True),
    (ACL, {"acl": "authenticated-read"}, True),
    (ACL, _grants(LOG_DELIVERY), False),
    (ACL, _grants(LOG_DELIVERY, ALL_USERS), True),
    (ACL_V2, _grants(AUTH_USERS), True),
    (BUCKET, {}, False),
    (BUCKET, {"acl": "public-read"}, True),
    (BUCKET_V2, {"grants": [{"type": "Group", "permissions": ["READ"], "uri": ALL_USERS}]}, True),
    (BUCKET_V2, {"grants": [{"type": "CanonicalUser", "permissions": ["READ"], "id": "abc"}]}, False),
])
def test_acl_not_public(type_, inputs, bad):
    result = evaluate([resource(type_, "x", {"bucket": "b", **inputs})], stack=False)
    assert result.flagged(ACL_RULE) == ({"x"} if bad else set())


def test_acl_unknown_grant_still_reports_known_public_parts():
    inputs = {"bucket": UNKNOWN, "acl": "public-read", "accessControlPolicy": {"grants": [
        {"grantee": {"type": "Group", "uri": UNKNOWN}}, {"grantee": {"type": "Group", "uri": AUTH_USERS}}]}}
    result = evaluate([resource(ACL, "acl", inputs)], stack=False)
    assert result.flagged(ACL_RULE) == {"acl"}
    assert result.unverifiable(ACL_RULE) == {"acl"}
    messages = [m for m in result.messages(ACL_RULE) if "can't run" not in m]
    assert len(messages) == 2 and any("AuthenticatedUsers" in m for m in messages)


@pytest.mark.parametrize(("ownership", "bad"), [
    ("BucketOwnerEnforced", False), ("BucketOwnerPreferred", True), ("ObjectWriter", True), (None, True)])
def test_ownership_enforced(ownership, bad):
    rule = {"objectOwnership": ownership} if ownership else {}
    result = evaluate([resource(OWNERSHIP, "own", {"bucket": "b", "rule": rule})], stack=False)
    assert result.flagged(OWNERSHIP_RULE) == ({"own"} if bad else set())


def test_ownership_unknown_is_unverifiable():
    result = evaluate([resource(OWNERSHIP, "own", {"bucket": "b", "rule": {"objectOwnership": UNKNOWN}})],
                      stack=False)
    assert result.flagged(OWNERSHIP_RULE) == set() and result.unverifiable(OWNERSHIP_RULE) == {"own"}


def test_every_bucket_declares_ownership_controls_advisory():
    a, b = bucket("a"), bucket("b", type_=BUCKET_V2)
    result = evaluate([a, b, setting(OWNERSHIP, "a-own", a, {"rule": {"objectOwnership": "BucketOwnerEnforced"}})])
    assert result.flagged(OWNERSHIP_STACK) == {"b"}
    assert all(d.enforcement == "advisory" for d in result.for_policy(OWNERSHIP_STACK))




def test_a_block_linked_to_one_bucket_but_naming_another_counts_for_the_named_one():
    # Value over structure: the block's `bucket` depends on `a` but its known value is `b`'s name.
    a = bucket("a", {"bucket": "a-phys"})
    b = bucket("b", {"bucket": "b-phys"})
    block = resource(PAB, "pab", {"bucket": "b-phys", **FLAGS}, property_dependencies={"bucket": [a.urn]})
    assert evaluate([a, b, block]).flagged(PAB_STACK) == {"a"}
