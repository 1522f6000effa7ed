"""S3 rules through the engine path: golden resources, one-mutation failures, preview unknowns, stack correlation."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies.rules import s3

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

BUCKET = s3.BUCKET
BUCKET_V2 = s3.BUCKET_V2
PAB = s3.PUBLIC_ACCESS_BLOCK
ACCOUNT_PAB = s3.ACCOUNT_PUBLIC_ACCESS_BLOCK
ACL, ACL_V2 = s3.ACL_TYPES
OWNERSHIP = s3.OWNERSHIP_CONTROLS
POLICY = s3.BUCKET_POLICY
SSE, SSE_V2 = s3.SSE_TYPES
VERSIONING, VERSIONING_V2 = s3.VERSIONING_TYPES
LIFECYCLE, LIFECYCLE_V2 = s3.LIFECYCLE_TYPES
OBJECT_LOCK = s3.OBJECT_LOCK_TYPES[0]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0d7f0b9e-1111-2222-3333-444455556666"
FLAGS = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}
DATASET_TAGS = {"dataset": "churn", "classification": "confidential", "owner": "data-team"}

PAB_RULE = "s3-public-access-block-all-enabled"
PAB_STACK = "s3-bucket-public-access-blocked"
ACCOUNT_RULE = "s3-account-public-access-block-all-enabled"
ACL_RULE = "s3-bucket-acl-not-public"
OWNERSHIP_RULE = "s3-bucket-ownership-enforced"
OWNERSHIP_STACK = "s3-bucket-ownership-controls-declared"
POLICY_RULE = "s3-bucket-policy-not-public"
SSE_RULE = "s3-encryption-configuration-kms"
SSE_STACK = "s3-bucket-kms-encrypted"
SUSPENDED_RULE = "s3-bucket-versioning-not-suspended"
VERSIONED = "s3-dataset-bucket-versioned"
LIFECYCLE_RULE = "s3-dataset-bucket-lifecycle-configured"
TLS = "s3-dataset-bucket-tls-only"
VPCE = "s3-dataset-bucket-vpce-only"
LOCKED = "s3-immutable-dataset-bucket-object-locked"


def bucket(name, inputs=None, *, type_=BUCKET, outputs=None):
    return resource(type_, name, inputs or {}, outputs=outputs)


def setting(type_, name, target, inputs, *, by_urn=True):
    """A bucket setting resource as a first preview sends it: `bucket` unknown, correlated by property dependency.

    With by_urn=False it is correlated by the bucket's known physical name only (as after an import)."""
    if by_urn:
        return resource(type_, name, {"bucket": UNKNOWN, **inputs}, property_dependencies={"bucket": [target.urn]})
    return resource(type_, name, {"bucket": target.inputs.get("bucket", target.name), **inputs})


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow_all(**extra):
    return {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*", **extra}


DENY_TLS = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
DENY_VPCE = {"Sid": "DenyOutsideVpce", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"},
                           "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/admin"]}}}


def kms_rules(key=KEY_ARN, **extra):
    return [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key}, **extra}]


def governed(name, tags=None, *, policy_statements=(DENY_TLS, DENY_VPCE), type_=BUCKET):
    """A bucket with every setting resource the pack asks for, all compliant."""
    b = bucket(name, {"bucket": f"{name}-phys", "tags": dict(tags or DATASET_TAGS)}, type_=type_)
    return [
        b,
        setting(PAB, f"{name}-pab", b, FLAGS),
        setting(OWNERSHIP, f"{name}-own", b, {"rule": {"objectOwnership": "BucketOwnerEnforced"}}),
        setting(SSE, f"{name}-sse", b, {"rules": kms_rules(bucketKeyEnabled=True)}),
        setting(VERSIONING, f"{name}-ver", b, {"versioningConfiguration": {"status": "Enabled"}}),
        setting(LIFECYCLE, f"{name}-lc", b, {"rules": [
            {"id": "nc", "status": "Enabled", "filter": {"prefix": ""},
             "noncurrentVersionExpiration": {"noncurrentDays": 30.0}}]}),
        setting(POLICY, f"{name}-policy", b, {"policy": doc(*policy_statements)}),
    ]


def s3_diagnostics(result):
    return [d for d in result.diagnostics if d.policy.startswith("s3-")]


# --- the golden stack ----------------------------------------------------------------------------

def test_golden_governed_buckets_pass_every_s3_rule():
    result = evaluate(governed("data") + governed("v2data", type_=BUCKET_V2))
    assert s3_diagnostics(result) == []


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


# --- default encryption --------------------------------------------------------------------------

@pytest.mark.parametrize(("type_", "inputs", "bad"), [
    (SSE, {"rules": kms_rules()}, False),
    (SSE_V2, {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms:dsse",
                                                                 "kmsMasterKeyId": KEY_ARN}}]}, False),
    (SSE, {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}, True),
    (SSE_V2, {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}, True),
    (SSE, {"rules": kms_rules() + [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}, True),
    (SSE, {"rules": [{"bucketKeyEnabled": True}]}, True),
    (SSE, {"rules": []}, True),
    (SSE, {}, True),
    (BUCKET, {}, False),
    (BUCKET, {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "AES256"}}}}, True),
    (BUCKET, {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}}}}, False),
    (BUCKET_V2, {"serverSideEncryptionConfigurations": [{"rules": [{"applyServerSideEncryptionByDefaults": [
        {"sseAlgorithm": "AES256"}]}]}]}, True),
])
def test_encryption_configuration_kms(type_, inputs, bad):
    result = evaluate([resource(type_, "x", {"bucket": "b", **inputs})], stack=False)
    assert result.flagged(SSE_RULE) == ({"x"} if bad else set())
    if bad:
        assert any(d.policy == SSE_RULE for d in result.mandatory())


def test_encryption_key_computed_in_preview_is_accepted_unless_keys_are_approved():
    inputs = {"bucket": UNKNOWN, "rules": kms_rules(key=UNKNOWN)}
    result = evaluate([resource(SSE, "sse", inputs)], stack=False)
    assert result.flagged(SSE_RULE) == set() and result.unverifiable(SSE_RULE) == set()
    result = evaluate([resource(SSE, "sse", inputs)], stack=False, config={SSE_RULE: {"approvedKmsKeys": [KEY_ARN]}})
    assert result.flagged(SSE_RULE) == set() and result.unverifiable(SSE_RULE) == {"sse"}


def test_encryption_unknown_algorithm_does_not_hide_a_known_aes_rule():
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": UNKNOWN, "kmsMasterKeyId": KEY_ARN}},
             {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    result = evaluate([resource(SSE, "sse", {"bucket": "b", "rules": rules})], stack=False)
    assert result.flagged(SSE_RULE) == {"sse"} and result.unverifiable(SSE_RULE) == {"sse"}
    found = [m for m in result.messages(SSE_RULE) if "can't run" not in m]
    assert len(found) == 1 and "rules[1]" in found[0] and "AES256" in found[0]


def test_encryption_params_approved_keys_and_bucket_key():
    sse = resource(SSE, "sse", {"bucket": "b", "rules": kms_rules()})
    assert evaluate([sse], stack=False, config={SSE_RULE: {"approvedKmsKeys": ["arn:aws:kms:other"]}}).flagged(
        SSE_RULE) == {"sse"}
    assert evaluate([sse], stack=False, config={SSE_RULE: {"approvedKmsKeys": [KEY_ARN]}}).flagged(SSE_RULE) == set()
    assert evaluate([sse], stack=False, config={SSE_RULE: {"requireBucketKey": True}}).flagged(SSE_RULE) == {"sse"}
    keyed = resource(SSE, "sse", {"bucket": "b", "rules": kms_rules(bucketKeyEnabled=True)})
    assert evaluate([keyed], stack=False, config={SSE_RULE: {"requireBucketKey": True}}).flagged(SSE_RULE) == set()


AES = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_every_bucket_is_kms_encrypted():
    good, none, aes, inline, logs = (bucket("good"), bucket("none", type_=BUCKET_V2), bucket("aes"),
                                     bucket("inline", {"serverSideEncryptionConfiguration": {"rule": {
                                         "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                                "kmsMasterKeyId": KEY_ARN}}}}),
                                     bucket("access-logs"))
    resources = [
        good, none, aes, inline, logs,
        setting(SSE, "good-sse", good, {"rules": kms_rules(key=UNKNOWN)}),
        setting(SSE_V2, "aes-sse", aes, {"rules": AES}),
        setting(SSE, "logs-sse", logs, {"rules": AES}),
    ]
    assert evaluate(resources).flagged(SSE_STACK) == {"none", "aes", "access-logs"}


def test_log_delivery_bucket_is_exempted_visibly_not_silently():
    logs = bucket("access-logs")
    resources = [logs, setting(SSE, "access-logs-sse", logs, {
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]})]
    reason = "S3 server access logs are delivered with SSE-S3"
    config = {SSE_STACK: {"exemptions": [{"resource": "access-logs", "reason": reason}]},
              SSE_RULE: {"exemptions": [{"resource": "access-logs-*", "reason": reason}]}}
    result = evaluate(resources, config=config)
    assert result.flagged(SSE_STACK) == set() and result.flagged(SSE_RULE) == set()
    exempted = result.exempted()
    assert {d.policy for d in exempted} == {SSE_STACK, SSE_RULE}
    assert all(d.message.endswith(f"exempted: {reason} (no expiry)") for d in exempted)
    assert not [d for d in result.mandatory() if d.policy in (SSE_STACK, SSE_RULE)]


# --- dataset buckets: versioning, lifecycle, TLS, VPC endpoint, object lock -------------------------

def test_versioning_configuration_not_suspended():
    for status, bad in (("Enabled", False), ("Suspended", True), ("Disabled", True)):
        inputs = {"bucket": "b", "versioningConfiguration": {"status": status}}
        result = evaluate([resource(VERSIONING_V2, "v", inputs)], stack=False)
        assert result.flagged(SUSPENDED_RULE) == ({"v"} if bad else set())
        assert all(d.enforcement == "advisory" for d in result.for_policy(SUSPENDED_RULE))


def test_dataset_buckets_are_versioned():
    good, none, suspended, inline, plain, v2 = (
        bucket("good", {"tags": DATASET_TAGS}), bucket("none", {"tags": DATASET_TAGS}),
        bucket("suspended", {"tags": DATASET_TAGS}), bucket("inline", {"tags": DATASET_TAGS,
                                                                        "versioning": {"enabled": True}}),
        bucket("plain"), bucket("v2", {"tags": DATASET_TAGS}, type_=BUCKET_V2))
    resources = [
        good, none, suspended, inline, plain, v2,
        setting(VERSIONING, "good-ver", good, {"versioningConfiguration": {"status": "Enabled"}}),
        setting(VERSIONING, "suspended-ver", suspended, {"versioningConfiguration": {"status": "Suspended"}}),
        setting(VERSIONING_V2, "v2-ver", v2, {"versioningConfiguration": {"status": "Enabled"}}),
    ]
    result = evaluate(resources)
    assert result.flagged(VERSIONED) == {"none", "suspended"}
    assert all(d.enforcement == "advisory" for d in result.for_policy(VERSIONED))
    # A name pattern marks "plain" as a dataset bucket too.
    patterned = evaluate(resources, config={VERSIONED: {"datasetBucketPatterns": ["pl*"]}})
    assert patterned.flagged(VERSIONED) == {"none", "suspended", "plain"}


def test_dataset_detection_with_unknown_tags_is_unverifiable():
    result = evaluate([bucket("b", {"tags": UNKNOWN}), bucket("d", {"tags": DATASET_TAGS})])
    assert result.flagged(VERSIONED) == {"d"}
    assert any("b: tags" in m for m in result.messages(VERSIONED) if "can't run" in m)


def test_dataset_buckets_manage_noncurrent_versions():
    names = ("good", "v2", "disabled", "current-only", "none", "inline")
    b = {n: bucket(n, {"tags": DATASET_TAGS}) for n in names}
    b["inline"] = bucket("inline", {"tags": DATASET_TAGS, "lifecycleRules": [
        {"enabled": True, "noncurrentVersionExpiration": {"days": 30.0}}]})
    resources = list(b.values()) + [
        setting(LIFECYCLE, "good-lc", b["good"], {"rules": [
            {"id": "mpu", "status": "Enabled", "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7.0}},
            {"id": "nc", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 30.0}}]}),
        setting(LIFECYCLE_V2, "v2-lc", b["v2"], {"rules": [
            {"id": "nc", "status": "Enabled",
             "noncurrentVersionTransitions": [{"noncurrentDays": 10.0, "storageClass": "GLACIER"}]}]}),
        setting(LIFECYCLE, "disabled-lc", b["disabled"], {"rules": [
            {"id": "nc", "status": "Disabled", "noncurrentVersionExpiration": {"noncurrentDays": 30.0}}]}),
        setting(LIFECYCLE, "current-only-lc", b["current-only"], {"rules": [
            {"id": "exp", "status": "Enabled", "expiration": {"days": 365.0}}]}),
    ]
    assert evaluate(resources).flagged(LIFECYCLE_RULE) == {"disabled", "current-only", "none"}


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
    )
    result = evaluate(resources)
    assert result.flagged(TLS) == {"allow-only", "narrow", "true", "no-policy"}
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
    )
    result = evaluate(resources)
    assert result.flagged(VPCE) == {"allow-vpce", "tls-only", "wildcard", "malformed"}
    assert result.flagged(POLICY_RULE) == {"malformed-policy"}


def test_immutable_dataset_buckets_are_object_locked():
    immutable = {**DATASET_TAGS, "immutable": "true"}
    locked = bucket("locked", {"tags": immutable, "objectLockEnabled": True})
    unlocked = bucket("unlocked", {"tags": immutable})
    no_retention = bucket("no-retention", {"tags": immutable, "objectLockEnabled": True})
    mutable = bucket("mutable", {"tags": DATASET_TAGS})
    resources = [
        locked, unlocked, no_retention, mutable,
        setting(OBJECT_LOCK, "locked-lock", locked, {"rule": {"defaultRetention": {"mode": "COMPLIANCE",
                                                                                   "days": 30.0}}}),
        setting(OBJECT_LOCK, "no-retention-lock", no_retention, {}),
    ]
    assert evaluate(resources).flagged(LOCKED) == {"unlocked", "no-retention"}


# --- real programs, preview and update ------------------------------------------------------------

def _program():
    import pulumi
    import pulumi_aws as aws

    key = aws.kms.Key("key", enable_key_rotation=True)
    good = aws.s3.Bucket("good", tags=DATASET_TAGS)
    aws.s3.BucketPublicAccessBlock("good-pab", bucket=good.id, block_public_acls=True, block_public_policy=True,
                                   ignore_public_acls=True, restrict_public_buckets=True)
    aws.s3.BucketOwnershipControls("good-own", bucket=good.id, rule={"object_ownership": "BucketOwnerEnforced"})
    aws.s3.BucketServerSideEncryptionConfiguration("good-sse", bucket=good.id, rules=[{
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
        "bucket_key_enabled": True}])
    aws.s3.BucketVersioning("good-ver", bucket=good.id, versioning_configuration={"status": "Enabled"})
    aws.s3.BucketLifecycleConfiguration("good-lc", bucket=good.id, rules=[{
        "id": "nc", "status": "Enabled", "filter": {"prefix": ""},
        "noncurrent_version_expiration": {"noncurrent_days": 30}}])
    aws.s3.BucketPolicy("good-policy", bucket=good.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{**DENY_TLS, "Resource": [good.arn, pulumi.Output.concat(good.arn, "/*")]},
                      {**DENY_VPCE, "Resource": [good.arn, pulumi.Output.concat(good.arn, "/*")]}]}))

    bad = aws.s3.BucketV2("bad", tags=DATASET_TAGS)
    aws.s3.BucketPublicAccessBlock("bad-pab", bucket=bad.id, block_public_acls=True, block_public_policy=False)
    aws.s3.BucketAclV2("bad-acl", bucket=bad.id, acl="public-read")
    aws.s3.BucketServerSideEncryptionConfigurationV2("bad-sse", bucket=bad.id, rules=[{
        "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])
    aws.s3.BucketPolicy("bad-policy", bucket=bad.id, policy=json.dumps({
        "Version": "2012-10-17", "Statement": [allow_all()]}))


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_program_preview_and_update(preview):
    result = evaluate_program(_program, preview=preview)
    assert result.flagged(PAB_RULE) == {"bad-pab"}
    assert result.flagged(PAB_STACK) == {"bad"}
    assert result.flagged(ACL_RULE) == {"bad-acl"}
    assert result.flagged(OWNERSHIP_STACK) == {"bad"}
    assert result.flagged(POLICY_RULE) == {"bad-policy"}
    assert result.flagged(SSE_RULE) == {"bad-sse"}
    assert result.flagged(SSE_STACK) == {"bad"}
    assert result.flagged(VERSIONED) == {"bad"}
    assert result.flagged(LIFECYCLE_RULE) == {"bad"}
    assert result.flagged(TLS) == {"bad"}
    assert result.flagged(VPCE) == {"bad"}
    # The good bucket's policy embeds its ARN: unknown in preview, decided in update.
    assert bool(result.unverifiable(POLICY_RULE)) == preview
    assert ("good" in "".join(m for m in result.messages(TLS) if "can't run" in m)) == preview
    assert result.unverifiable(SSE_RULE) == set()  # a computed key ARN is a key
