"""Bucket policies: not public; dataset buckets TLS-only and VPC-endpoint-only."""

from __future__ import annotations

import json

import pytest

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.s3.s3_helpers import (
    DATASET_TAGS,
    DENY_TLS,
    DENY_VPCE,
    POLICY,
    POLICY_RULE,
    TLS,
    VPCE,
    allow_all,
    bucket,
    doc,
    setting,
)

# --- bucket policies -----------------------------------------------------------------------------

@pytest.mark.parametrize(("policy", "bad"), [
    (doc(allow_all()), True),
    (doc(allow_all(Principal={"AWS": "*"})), True),
    (doc(allow_all(Principal={"AWS": ["arn:aws:iam::111122223333:root", "*"]})), True),
    (doc(allow_all(Principal={"AWS": "arn:aws:iam::*:root"})), True),
    (json.dumps({"Statement": allow_all()}), True),  # Statement as a single object
    ({"Version": "2012-10-17", "Statement": [allow_all()]}, True),  # document given as an object
    (doc(allow_all(Condition={"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}})), False),
    (doc(allow_all(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})), False),
    (doc(allow_all(Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}})), True),
    (doc(allow_all(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})), True),
    (doc(allow_all(Condition={"Bool": {"aws:SecureTransport": "true"}})), True),
    (doc(allow_all(Principal={"AWS": "arn:aws:iam::111122223333:role/reader"})), False),
    (doc(DENY_TLS, DENY_VPCE), False),
    (doc({"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}), False),
])
def test_bucket_policy_not_public(policy, bad):
    result = evaluate([resource(POLICY, "pol", {"bucket": "b", "policy": policy})], stack=False)
    assert result.flagged(POLICY_RULE) == ({"pol"} if bad else set())


def test_bucket_policy_message_names_the_statement_but_not_its_content():
    policy = doc(DENY_TLS, allow_all(Sid="OpenRead", Resource="arn:aws:s3:::secret-bucket-name-42/*"))
    (message,) = evaluate([resource(POLICY, "pol", {"bucket": "b", "policy": policy})],
                          stack=False).messages(POLICY_RULE)
    assert "'OpenRead'" in message and "secret-bucket-name-42" not in message and message.endswith(".")


@pytest.mark.parametrize("policy", ['{"Statement": [', "[1, 2]", "not json"])
def test_malformed_bucket_policy_is_a_violation(policy):
    result = evaluate([resource(POLICY, "pol", {"bucket": "b", "policy": policy})], stack=False)
    assert result.flagged(POLICY_RULE) == {"pol"}
    assert "cannot be parsed" in result.messages(POLICY_RULE)[0]


def test_unknown_bucket_policy_is_unverifiable_only():
    result = evaluate([resource(POLICY, "pol", {"bucket": UNKNOWN, "policy": UNKNOWN})], stack=False)
    assert result.flagged(POLICY_RULE) == set() and result.unverifiable(POLICY_RULE) == {"pol"}


def test_inline_bucket_policy_is_checked():
    result = evaluate([bucket("open", {"policy": doc(allow_all())}), bucket("closed", {"policy": doc(DENY_TLS)})],
                      stack=False)
    assert result.flagged(POLICY_RULE) == {"open"}


def _policy_bucket(name, policy, *, dataset=True, inline=False):
    b = bucket(name, {"tags": DATASET_TAGS if dataset else {}, **({"policy": policy} if inline else {})})
    return [b] if inline else [b, setting(POLICY, f"{name}-policy", b, {"policy": policy})]


def test_dataset_buckets_deny_plaintext_transport():
    resources = (
        _policy_bucket("good", doc(DENY_TLS))
        + _policy_bucket("bool", doc({**DENY_TLS, "Action": "*",
                                      "Condition": {"Bool": {"aws:SecureTransport": False}}}))
        + _policy_bucket("inline", doc(DENY_TLS), inline=True)
        + _policy_bucket("allow-only", doc(allow_all(Principal={"AWS": "arn:aws:iam::111122223333:root"})))
        + _policy_bucket("narrow", doc({**DENY_TLS, "Action": "s3:GetObject"}))
        + _policy_bucket("true", doc({**DENY_TLS, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))
        + _policy_bucket("not-dataset", doc(), dataset=False)
        + [bucket("no-policy", {"tags": DATASET_TAGS})]
        + _policy_bucket("preview", UNKNOWN)
        # Judged by effect: other spellings of the same denial count; a denial that depends on more than TLS does not.
        + _policy_bucket("if-exists", doc({**DENY_TLS, "Condition": {
            "BoolIfExists": {"aws:SecureTransport": "false"}}}))
        + _policy_bucket("not-action", doc({**DENY_TLS, "Action": None, "NotAction": "s3:GetBucketLocation"}))
        + _policy_bucket("outside-only", doc({**DENY_TLS, "Condition": {
            "Bool": {"aws:SecureTransport": "false"}, "StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}))
        + _policy_bucket("one-account", doc({**DENY_TLS, "Principal": {"AWS": "arn:aws:iam::444455556666:root"}}))
    )
    result = evaluate(resources)
    assert result.flagged(TLS) == {"allow-only", "narrow", "true", "no-policy", "outside-only", "one-account"}
    assert any("preview: policy" in m for m in result.messages(TLS) if "can't run" in m)


def test_dataset_buckets_deny_access_outside_the_vpc_endpoint():
    resources = (
        _policy_bucket("good", doc(DENY_TLS, DENY_VPCE))
        + _policy_bucket("vpc", doc({**DENY_VPCE, "Condition": {
            "StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-0123456789abcdef0"}}}))
        + _policy_bucket("allow-vpce", doc(allow_all(Condition={
            "StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}})))
        + _policy_bucket("tls-only", doc(DENY_TLS))
        + _policy_bucket("wildcard", doc({**DENY_VPCE, "Condition": {"StringNotEquals": {"aws:SourceVpce": "*"}}}))
        + _policy_bucket("malformed", "{not json")
        # Exemptions for named roles stay accepted; a Deny that also needs another condition does not keep
        # ordinary callers out.
        + _policy_bucket("admins-exempt", doc({**DENY_VPCE, "Condition": {
            "StringNotEquals": {"aws:SourceVpce": "vpce-1"},
            "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::1:role/a"}}}))
        + _policy_bucket("only-with-tag", doc({**DENY_VPCE, "Condition": {
            "StringNotEquals": {"aws:SourceVpce": "vpce-1"}, "StringEquals": {"aws:PrincipalTag/team": "x"}}}))
    )
    result = evaluate(resources)
    assert result.flagged(VPCE) == {"allow-vpce", "tls-only", "wildcard", "malformed", "only-with-tag"}
    assert result.flagged(POLICY_RULE) == {"malformed-policy"}


