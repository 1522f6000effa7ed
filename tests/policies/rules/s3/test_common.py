"""The S3 family as a whole: a golden governed bucket passes every S3 rule, and real programs in both modes."""

from __future__ import annotations

import json

import pytest

from mlgov.testing import evaluate, evaluate_program
from tests.policies.rules.s3.s3_helpers import (
    ACL_RULE,
    BUCKET_V2,
    DATASET_TAGS,
    DENY_TLS,
    DENY_VPCE,
    LIFECYCLE_RULE,
    OWNERSHIP_STACK,
    PAB_RULE,
    PAB_STACK,
    POLICY_RULE,
    SSE_RULE,
    SSE_STACK,
    TLS,
    VERSIONED,
    VPCE,
    allow_all,
    governed,
    s3_diagnostics,
)

# --- the golden stack ----------------------------------------------------------------------------

def test_golden_governed_buckets_pass_every_s3_rule():
    result = evaluate(governed("data") + governed("v2data", type_=BUCKET_V2))
    assert s3_diagnostics(result) == []


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
