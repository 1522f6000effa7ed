"""Shared fixtures of the S3 rule tests: resource builders as the engine sends them, rule ids, documents."""

from __future__ import annotations

import json

from ml_dataset_governance.policies.rules import s3

from mlgov.testing import UNKNOWN, resource

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


