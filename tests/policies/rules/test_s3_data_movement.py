"""S3 data-movement rules through the engine path: replication destinations, lifecycle retention, one
policy per bucket, directory-bucket encryption, access points and access grants; real programs."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies.rules import s3_data_movement as movement

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
GOVERNED = {"dataset": "clicks"}


def _buckets():
    return [resource(BUCKET, "clicks", {"bucket": "clicks", "tags": GOVERNED}),
            resource(BUCKET, "clicks-dr", {"bucket": "clicks-dr", "tags": GOVERNED}),
            resource(BUCKET, "scratch", {"bucket": "scratch"})]


def _replication(dest: str, account: str | None = None, **kw):
    destination = {"bucket": dest}
    if account:
        destination["account"] = account
    return resource(movement.REPLICATION, "replicate",
                    {"bucket": "clicks", "role": "arn:aws:iam::123456789012:role/r",
                     "rules": [{"id": "dr", "status": "Enabled", "destination": destination}]}, **kw)


RULE = "s3-replication-to-governed-buckets"


@pytest.mark.parametrize(("dest", "account", "config", "flagged"), [
    ("arn:aws:s3:::clicks-dr", None, None, set()),
    ("arn:aws:s3:::scratch", None, None, {"replicate"}),
    ("arn:aws:s3:::attacker-bucket", "999999999999", None, {"replicate"}),
    ("arn:aws:s3:::clicks-dr", "999999999999", {"allowedAccounts": ["123456789012"]}, {"replicate"}),
    ("arn:aws:s3:::clicks-dr", "123456789012", {"allowedAccounts": ["123456789012"]}, set()),
    ("arn:aws:s3:::lake-dr", None, {"allowedExternalBuckets": ["lake-dr"]}, set()),
])
def test_replication_destination(dest, account, config, flagged):
    result = evaluate([*_buckets(), _replication(dest, account)], config={RULE: config} if config else None)
    assert result.flagged(RULE) == flagged
    assert {d.enforcement for d in result.for_policy(RULE) if not d.unverifiable} <= {"mandatory"}


def test_disabled_replication_rule_moves_nothing():
    r = _replication("arn:aws:s3:::scratch")
    r.inputs["rules"][0]["status"] = "Disabled"
    r.outputs["rules"][0]["status"] = "Disabled"
    assert evaluate([*_buckets(), r]).flagged(RULE) == set()


def test_inline_replication_on_a_bucket_is_read_too():
    source = resource(BUCKET, "clicks", {"bucket": "clicks", "tags": GOVERNED, "replicationConfiguration": {
        "role": "r", "rules": [{"status": "Enabled", "destination": {"bucket": "arn:aws:s3:::scratch"}}]}})
    assert evaluate([source, *_buckets()[1:]]).flagged(RULE) == {"clicks"}


def test_first_preview_destination_decided_by_dependency():
    buckets = _buckets()
    for target, flagged in ((buckets[1], set()), (buckets[2], {"replicate"})):
        r = _replication(UNKNOWN, property_dependencies={"bucket": [buckets[0].urn], "rules": [target.urn]})
        result = evaluate([*buckets, r])
        assert result.flagged(RULE) == flagged
        assert result.unverifiable(RULE) == set()


# --- lifecycle -------------------------------------------------------------------------------------

LIFE = "s3-dataset-lifecycle-keeps-retention"


def _lifecycle(bucket: str, rule: dict):
    return resource(LIFECYCLE, "life", {"bucket": bucket, "rules": [{"id": "r", "status": "Enabled", **rule}]})


@pytest.mark.parametrize(("bucket", "rule", "flagged"), [
    ("clicks", {"noncurrentVersionExpiration": {"noncurrentDays": 90.0}}, set()),
    ("clicks", {"expiration": {"days": 7.0}}, {"life"}),
    ("clicks", {"expiration": {"date": "2027-01-01T00:00:00Z"}}, {"life"}),
    ("clicks", {"expiration": {"days": 400.0}}, set()),
    ("clicks", {"expiration": {"expiredObjectDeleteMarker": True}}, set()),
    ("scratch", {"expiration": {"days": 1.0}}, set()),
])
def test_lifecycle_expiry(bucket, rule, flagged):
    assert evaluate([*_buckets(), _lifecycle(bucket, rule)]).flagged(LIFE) == flagged


def test_catalog_retention_per_dataset_covers_noncurrent_versions():
    config = {LIFE: {"datasetRetention": [{"dataset": "clicks", "days": 180}]}}
    short = _lifecycle("clicks", {"noncurrentVersionExpiration": {"noncurrentDays": 90.0}})
    assert evaluate([*_buckets(), short], config=config).flagged(LIFE) == {"life"}
    enough = _lifecycle("clicks", {"noncurrentVersionExpiration": {"noncurrentDays": 180.0}})
    assert evaluate([*_buckets(), enough], config=config).flagged(LIFE) == set()


# --- one policy per bucket -------------------------------------------------------------------------

DOC = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                          "Resource": "*", "Condition": {"Bool": {
                                                              "aws:SecureTransport": "false"}}}]})


def test_second_bucket_policy_is_flagged_and_one_is_fine():
    one = [*_buckets(), resource(POLICY, "p1", {"bucket": "clicks", "policy": DOC})]
    assert evaluate(one).flagged("s3-bucket-single-policy") == set()
    two = [*one, resource(POLICY, "p2", {"bucket": "clicks", "policy": DOC})]
    assert evaluate(two).flagged("s3-bucket-single-policy") == {"clicks"}


# --- directory buckets ------------------------------------------------------------------------------

def test_directory_bucket_needs_sse_kms():
    directory = resource(movement.DIRECTORY_BUCKET, "express", {"bucket": "hot--use1-az4--x-s3",
                                                               "location": {"name": "use1-az4"}})
    assert evaluate([directory]).flagged("s3-directory-bucket-kms-encrypted") == {"express"}
    sse = resource(SSE, "express-sse", {"bucket": "hot--use1-az4--x-s3", "rules": [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}}]})
    assert evaluate([directory, sse]).flagged("s3-directory-bucket-kms-encrypted") == set()


# --- access points and grants -----------------------------------------------------------------------

AP = {"bucket": "clicks", "name": "clicks-ap", "vpcConfiguration": {"vpcId": "vpc-1"}}
AP_RULE = "s3-access-point-vpc-private"
PUBLIC_DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]})


@pytest.mark.parametrize(("inputs", "flagged"), [
    (AP, set()),
    ({**AP, "vpcConfiguration": {"vpcId": UNKNOWN}}, set()),
    ({k: v for k, v in AP.items() if k != "vpcConfiguration"}, {"r"}),
    ({**AP, "publicAccessBlockConfiguration": {"blockPublicPolicy": False, "blockPublicAcls": True,
                                               "ignorePublicAcls": True, "restrictPublicBuckets": True}}, {"r"}),
    ({**AP, "policy": PUBLIC_DOC}, {"r"}),
])
def test_access_points(inputs, flagged):
    assert evaluate([resource(movement.ACCESS_POINT, "r", inputs)]).flagged(AP_RULE) == flagged


def test_separate_access_point_policy_is_judged_alike():
    assert evaluate([resource(movement.ACCESS_POINT_POLICY, "r", {"accessPointArn": "arn:ap",
                                                                  "policy": PUBLIC_DOC})]).flagged(AP_RULE) == {"r"}
    assert evaluate([resource(movement.ACCESS_POINT_POLICY, "r", {"accessPointArn": "arn:ap",
                                                                  "policy": DOC})]).flagged(AP_RULE) == set()


GRANT = {"accessGrantsLocationId": "loc-1", "permission": "READ",
         "accessGrantsLocationConfiguration": {"s3SubPrefix": "clicks/*"},
         "grantee": {"granteeType": "IAM", "granteeIdentifier": "arn:aws:iam::123456789012:role/data-science"}}
GRANTS = "s3-access-grants-scoped"


@pytest.mark.parametrize(("type_token", "inputs", "config", "flagged"), [
    (movement.ACCESS_GRANT, GRANT, None, set()),
    (movement.ACCESS_GRANT, {**GRANT, "accessGrantsLocationConfiguration": {"s3SubPrefix": "*"}}, None, {"r"}),
    (movement.ACCESS_GRANT, {k: v for k, v in GRANT.items() if k != "accessGrantsLocationConfiguration"}, None,
     {"r"}),
    (movement.ACCESS_GRANT, {**GRANT, "grantee": {"granteeType": "IAM",
                                                  "granteeIdentifier": "arn:aws:iam::999999999999:root"}}, None, {"r"}),
    (movement.ACCESS_GRANT, GRANT, {"allowedGrantees": ["arn:aws:iam::123456789012:role/audit"]}, {"r"}),
    (movement.ACCESS_GRANTS_LOCATION, {"locationScope": "s3://clicks/", "iamRoleArn": "r"}, None, set()),
    (movement.ACCESS_GRANTS_LOCATION, {"locationScope": "s3://", "iamRoleArn": "r"}, None, {"r"}),
])
def test_access_grants(type_token, inputs, config, flagged):
    cfg = {GRANTS: config} if config else None
    assert evaluate([resource(type_token, "r", inputs)], config=cfg).flagged(GRANTS) == flagged


# --- real program ----------------------------------------------------------------------------------

def _program(weak: bool):
    def program() -> None:
        import pulumi_aws as aws

        source = aws.s3.Bucket("clicks", tags=GOVERNED)
        replica = aws.s3.Bucket("clicks-dr", tags=GOVERNED)
        scratch = aws.s3.Bucket("scratch")
        aws.s3.BucketReplicationConfig(
            "replicate", bucket=source.id, role="arn:aws:iam::123456789012:role/replication",
            rules=[{"id": "dr", "status": "Enabled", "filter": {},
                    "delete_marker_replication": {"status": "Disabled"},
                    "destination": {"bucket": (scratch if weak else replica).arn}}])
        aws.s3.BucketLifecycleConfiguration(
            "life", bucket=source.id,
            rules=[{"id": "r", "status": "Enabled", "filter": {},
                    **({"expiration": {"days": 3}} if weak else
                       {"noncurrent_version_expiration": {"noncurrent_days": 90}})}])
        aws.s3.BucketPolicy("policy", bucket=source.id, policy=DOC)
        if weak:
            aws.s3.BucketPolicy("policy-2", bucket=source.id, policy=DOC)

    return program


FAMILY = (RULE, LIFE, "s3-bucket-single-policy")


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_compliant_passes_in_both_modes(preview):
    result = evaluate_program(_program(False), preview=preview)
    for rule in FAMILY:
        assert result.flagged(rule) == set() and result.unverifiable(rule) == set(), rule


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_weakened_is_flagged_in_both_modes(preview):
    result = evaluate_program(_program(True), preview=preview)
    assert result.flagged(RULE) == {"replicate"}
    assert result.flagged(LIFE) == {"life"}
    assert result.flagged("s3-bucket-single-policy") == {"clicks"}


@pytest.mark.parametrize(("block", "flagged"), [
    (None, set()),
    ({"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True},
     set()),
    ({"blockPublicAcls": True, "blockPublicPolicy": False, "ignorePublicAcls": True, "restrictPublicBuckets": True},
     {"r"}),
])
def test_multi_region_access_point_public_access_block(block, flagged):
    details = {"name": "mrap", "regions": [{"bucket": "clicks"}]}
    if block is not None:
        details["publicAccessBlock"] = block
    result = evaluate([resource(movement.MULTI_REGION_ACCESS_POINT, "r", {"details": details})])
    assert result.flagged(AP_RULE) == flagged
