"""Keys, governed buckets and the audit trail, checked resource by resource."""

from __future__ import annotations

from infra_stack_helpers import (
    BUCKET,
    BUCKET_POLICY,
    KMS_ALIAS,
    KMS_KEY,
    LIFECYCLE,
    OBJECT_LOCK,
    OWNERSHIP,
    PUBLIC_ACCESS_BLOCK,
    SSE,
    TRAIL,
    VERSIONING,
    VPC_ENDPOINT,
    as_list,
    dependents,
    depends_on,
    one,
    statements,
)
from ml_dataset_governance.infra.catalog import AUDIT_BUCKET_SUFFIX, StackSettings, bucket_name

from mlgov.program import ProgramRun, RecordedResource

PROJECT, STACK = "ml-dataset-governance", "dev"


def dataset_bucket(run: ProgramRun, dataset: str) -> RecordedResource:
    name = bucket_name(PROJECT, STACK, dataset)
    return one([b for b in run.by_type(BUCKET) if b.inputs.get("bucket") == name], f"bucket {name}")


def audit_bucket(run: ProgramRun) -> RecordedResource:
    return dataset_bucket(run, AUDIT_BUCKET_SUFFIX)


def key_by_alias(run: ProgramRun, alias: str) -> RecordedResource:
    record = one([a for a in run.by_type(KMS_ALIAS) if a.inputs.get("name") == alias], f"alias {alias}")
    return one([k for k in run.by_type(KMS_KEY) if depends_on(record, "targetKeyId", k)], f"key of {alias}")


def setting(run: ProgramRun, type_token: str, bucket: RecordedResource) -> RecordedResource:
    return one(dependents(run, type_token, "bucket", bucket), f"{type_token} of {bucket.name}")


def gateway_endpoint(run: ProgramRun) -> RecordedResource:
    return one([e for e in run.by_type(VPC_ENDPOINT) if e.inputs.get("vpcEndpointType") == "Gateway"], "S3 gateway")


# -- keys ------------------------------------------------------------------------------------------------------------
def test_every_key_rotates_has_30_day_window_and_is_protected(any_run: ProgramRun) -> None:
    keys = any_run.by_type(KMS_KEY)
    assert keys
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True, key.urn
        assert key.inputs["deletionWindowInDays"] == 30, key.urn
        assert key.protect and key.retain_on_delete, key.urn


def test_one_aliased_key_per_dataset(any_run: ProgramRun, settings: StackSettings) -> None:
    dataset_keys = {d.name: key_by_alias(any_run, f"alias/mlgov/{d.name}") for d in settings.catalog.datasets}
    assert len({k.urn for k in dataset_keys.values()}) == len(dataset_keys), "datasets must not share a key"


def test_audit_key_lets_only_this_trail_encrypt(any_run: ProgramRun) -> None:
    trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/ml-dataset-governance-dev"
    key = key_by_alias(any_run, "alias/mlgov/platform/audit")
    service = [s for s in statements(key.inputs["policy"]) if s["Principal"].get("Service")]
    assert {s["Principal"]["Service"] for s in service} == {"cloudtrail.amazonaws.com"}
    for stmt in service:
        assert stmt["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn
    encrypt = one_stmt(service, "kms:GenerateDataKey*")
    assert encrypt["Condition"]["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"] == trail_arn


def one_stmt(stmts: list[dict], action: str) -> dict:
    matches = [s for s in stmts if action in as_list(s["Action"])]
    assert len(matches) == 1, f"expected one statement granting {action}"
    return matches[0]


# -- buckets (every bucket of the stack, the audit bucket included) --------------------------------------------------
def test_buckets_are_exactly_the_datasets_and_the_audit_bucket(any_run: ProgramRun, settings: StackSettings) -> None:
    expected = {bucket_name(PROJECT, STACK, d.name) for d in settings.catalog.datasets}
    expected.add(bucket_name(PROJECT, STACK, AUDIT_BUCKET_SUFFIX))
    assert {b.inputs["bucket"] for b in any_run.by_type(BUCKET)} == expected


def test_buckets_are_never_force_destroyed_and_protected(any_run: ProgramRun) -> None:
    for bucket in any_run.by_type(BUCKET):
        assert bucket.inputs["forceDestroy"] is False, bucket.urn
        assert bucket.protect and bucket.retain_on_delete, bucket.urn
        assert bucket.inputs["bucket"] == bucket.inputs["bucket"].lower()


def test_every_bucket_blocks_all_public_access(any_run: ProgramRun) -> None:
    for bucket in any_run.by_type(BUCKET):
        block = setting(any_run, PUBLIC_ACCESS_BLOCK, bucket)
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
            assert block.inputs[flag] is True, f"{block.urn}: {flag}"
        assert block.protect


def test_every_bucket_disables_acls(any_run: ProgramRun) -> None:
    for bucket in any_run.by_type(BUCKET):
        controls = setting(any_run, OWNERSHIP, bucket)
        assert controls.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}, controls.urn


def test_dataset_buckets_default_to_their_own_key(any_run: ProgramRun, settings: StackSettings) -> None:
    pairs = [(dataset_bucket(any_run, d.name), f"alias/mlgov/{d.name}") for d in settings.catalog.datasets]
    pairs.append((audit_bucket(any_run), "alias/mlgov/platform/audit"))
    for bucket, alias in pairs:
        sse = setting(any_run, SSE, bucket)
        (rule,) = sse.inputs["rules"]
        assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms", sse.urn
        assert rule["bucketKeyEnabled"] is True, sse.urn
        assert sse.property_dependencies["rules"] == [key_by_alias(any_run, alias).urn], sse.urn
        assert sse.protect


def test_every_bucket_is_versioned_with_noncurrent_retention(any_run: ProgramRun, settings: StackSettings) -> None:
    retention = {bucket_name(PROJECT, STACK, d.name): d.retention_days for d in settings.catalog.datasets}
    for bucket in any_run.by_type(BUCKET):
        assert setting(any_run, VERSIONING, bucket).inputs["versioningConfiguration"]["status"] == "Enabled"
        rules = [r for r in setting(any_run, LIFECYCLE, bucket).inputs["rules"] if r["status"] == "Enabled"]
        noncurrent = [r["noncurrentVersionExpiration"]["noncurrentDays"] for r in rules
                      if "noncurrentVersionExpiration" in r]
        assert noncurrent, f"{bucket.urn}: no noncurrent version retention"
        if bucket.inputs["bucket"] in retention:
            assert noncurrent == [retention[bucket.inputs["bucket"]]], bucket.urn
        assert any("abortIncompleteMultipartUpload" in r for r in rules), bucket.urn


def test_object_lock_exactly_on_immutable_datasets_and_audit(any_run: ProgramRun, settings: StackSettings) -> None:
    locked = {bucket_name(PROJECT, STACK, d.name) for d in settings.catalog.datasets if d.immutable}
    locked.add(bucket_name(PROJECT, STACK, AUDIT_BUCKET_SUFFIX))
    for bucket in any_run.by_type(BUCKET):
        configs = dependents(any_run, OBJECT_LOCK, "bucket", bucket)
        if bucket.inputs["bucket"] in locked:
            assert bucket.inputs["objectLockEnabled"] is True, bucket.urn
            (config,) = configs
            retention = config.inputs["rule"]["defaultRetention"]
            expected_mode = settings.audit_object_lock_mode if bucket is audit_bucket(any_run) else "GOVERNANCE"
            assert retention["mode"] == expected_mode and retention["days"] >= 1
            assert config.protect
        else:
            assert not configs and not bucket.inputs.get("objectLockEnabled"), bucket.urn


def test_dataset_buckets_carry_the_tags_the_pack_recognises(any_run: ProgramRun, settings: StackSettings) -> None:
    by_name = {bucket_name(PROJECT, STACK, d.name): d for d in settings.catalog.datasets}
    for bucket in any_run.by_type(BUCKET):
        tags = bucket.inputs["tags"]
        dataset = by_name.get(bucket.inputs["bucket"])
        if dataset is None:  # the audit bucket is governed like a dataset bucket but holds no dataset
            assert "dataset" not in tags and "immutable" not in tags, bucket.urn
            continue
        assert tags["dataset"] == dataset.name, bucket.urn
        assert tags.get("immutable") == ("true" if dataset.immutable else None), bucket.urn


def _policy(run: ProgramRun, bucket: RecordedResource) -> list[dict]:
    return statements(setting(run, BUCKET_POLICY, bucket).inputs["policy"])


def _deny(stmts: list[dict], sid: str) -> dict:
    (stmt,) = [s for s in stmts if s.get("Sid") == sid]
    assert stmt["Effect"] == "Deny" and stmt["Principal"] == "*"
    return stmt


def test_dataset_bucket_policies_grant_nothing(update_run: ProgramRun, settings: StackSettings) -> None:
    for dataset in settings.catalog.datasets:
        for stmt in _policy(update_run, dataset_bucket(update_run, dataset.name)):
            assert stmt["Effect"] == "Deny", f"{dataset.name}: {stmt.get('Sid')}"


def test_bucket_policy_waits_for_the_public_access_block(any_run: ProgramRun) -> None:
    for bucket in any_run.by_type(BUCKET):
        policy = setting(any_run, BUCKET_POLICY, bucket)
        assert setting(any_run, PUBLIC_ACCESS_BLOCK, bucket).urn in policy.dependencies
        assert policy.protect


# -- audit -----------------------------------------------------------------------------------------------------------
def test_trail_is_multi_region_validated_and_encrypted(any_run: ProgramRun) -> None:
    trail = one(any_run.by_type(TRAIL), "trail")
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["includeGlobalServiceEvents"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    assert trail.inputs.get("enableLogging", True) is True
    assert trail.property_dependencies["kmsKeyId"] == [key_by_alias(any_run, "alias/mlgov/platform/audit").urn]
    assert trail.property_dependencies["s3BucketName"] == [audit_bucket(any_run).urn]
    assert trail.protect and trail.retain_on_delete


def test_trail_records_read_and_write_data_events_on_every_dataset(
        update_run: ProgramRun, settings: StackSettings) -> None:
    trail = one(update_run.by_type(TRAIL), "trail")
    covered: set[str] = set()
    for selector in trail.inputs["eventSelectors"]:
        assert selector["readWriteType"] == "All"
        for resource in selector.get("dataResources", []):
            if resource["type"] == "AWS::S3::Object":
                covered.update(resource["values"])
    expected = {f"{dataset_bucket(update_run, d.name).outputs['arn']}/" for d in settings.catalog.datasets}
    assert expected <= covered
    assert expected == {"arn:aws:s3:::" + bucket_name(PROJECT, STACK, d.name) + "/" for d in settings.catalog.datasets}


def test_trail_data_events_depend_on_every_dataset_bucket(preview_run: ProgramRun, settings: StackSettings) -> None:
    trail = one(preview_run.by_type(TRAIL), "trail")
    buckets = [dataset_bucket(preview_run, d.name) for d in settings.catalog.datasets]
    assert depends_on(trail, "eventSelectors", buckets)


def test_audit_bucket_admits_cloudtrail_for_this_trail_only(update_run: ProgramRun) -> None:
    trail = one(update_run.by_type(TRAIL), "trail")
    bucket = audit_bucket(update_run)
    allows = [s for s in _policy(update_run, bucket) if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in allows} == {"cloudtrail.amazonaws.com"}
    for stmt in allows:
        assert stmt["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"]
    put = one_stmt(allows, "s3:PutObject")
    assert put["Resource"] == f"{bucket.outputs['arn']}/AWSLogs/123456789012/*"
    assert one_stmt(allows, "s3:GetBucketAcl")["Resource"] == bucket.outputs["arn"]


def test_audit_lock_mode_follows_stack_config(variant_run: ProgramRun) -> None:
    config = setting(variant_run, OBJECT_LOCK, audit_bucket(variant_run))
    assert config.inputs["rule"]["defaultRetention"]["mode"] == "COMPLIANCE"
