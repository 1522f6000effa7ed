"""S3 data protection for datasets: versioning, lifecycle of noncurrent versions, Object Lock."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.datasets import DATASET_PARAMS
from ml_dataset_governance.policies.frameworks import FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack, describe
from ml_dataset_governance.policies.rules.s3.common import (
    BUCKET,
    DATASET_NOTE,
    LIFECYCLE_TYPES,
    OBJECT_LOCK_TYPES,
    VERSIONING_TYPES,
    bucket_label,
    child,
    each_bucket,
    first_compliant,
    inline_setting,
)
from ml_dataset_governance.policies.values import (
    NeedsValue,
    as_bool,
    as_list,
    as_number,
    get,
    is_unknown,
)


def _versioning_not_suspended(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    status = r.get("versioningConfiguration.status")
    if status != "Enabled":
        yield (f"versioningConfiguration.status is {describe(status, 'unset')}{bucket_label(r)}; expected "
               "'Enabled' so earlier dataset versions can be recovered.")


VERSIONING_NOT_SUSPENDED = Rule(
    id="s3-bucket-versioning-not-suspended",
    title="S3 bucket versioning configurations keep versioning Enabled",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("S3.14"), NIST("CP-9")),
    rationale="Suspending versioning makes overwrites and deletes of dataset objects permanent.",
    remediation='Set `versioning_configuration={"status": "Enabled"}` on `aws.s3.BucketVersioning`.',
    checks=(_versioning_not_suspended,),
    resource_types=VERSIONING_TYPES,
    tags=("s3", "data-protection"),
)


def _versioning_enabled(config: Resource) -> bool:
    return config.get("versioningConfiguration.status") == "Enabled"


def _inline_versioning_enabled(bucket: Resource) -> bool:
    entries = as_list(inline_setting(bucket, "versioning" if bucket.type == BUCKET else "versionings"))
    return any(isinstance(e, Mapping) and as_bool(e.get("enabled")) is True for e in entries)


def _dataset_versioned(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    if _inline_versioning_enabled(bucket):
        return None
    if first_compliant(stack.referencing(bucket, VERSIONING_TYPES, "bucket"), _versioning_enabled):
        return None
    return "no BucketVersioning with status 'Enabled' refers to it; expected versioning enabled on dataset buckets."


def _datasets_versioned(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from each_bucket(stack, params, _dataset_versioned, datasets_only=True)


DATASET_VERSIONED = Rule(
    id="s3-dataset-bucket-versioned",
    title="Dataset buckets have versioning enabled",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("S3.14"), NIST("CP-9")),
    rationale="Versioning is how a dataset's earlier state is recovered after a bad write and how a training "
              "run can be traced to the exact objects it read. " + DATASET_NOTE,
    remediation="    aws.s3.BucketVersioning(f\"{name}-versioning\", bucket=bucket.id,\n"
                "        versioning_configuration={\"status\": \"Enabled\"})",
    checks=(_datasets_versioned,),
    stack=True,
    params=DATASET_PARAMS,
    tags=("s3", "datasets", "data-protection"),
)


def _manages_noncurrent(rule: Any) -> bool:
    if get(rule, "status") != "Enabled":
        return False
    if isinstance(child(rule, "noncurrentVersionExpiration"), Mapping):
        return True
    return bool(as_list(get(rule, "noncurrentVersionTransitions")))


def _lifecycle_manages_noncurrent(config: Resource) -> bool:
    unknown = None
    for index, rule in enumerate(as_list(config.get("rules"))):
        try:
            if _manages_noncurrent(rule):
                return True
        except NeedsValue as exc:
            unknown = f"rules[{index}].{exc.path}"
    if unknown:
        raise NeedsValue(unknown)
    return False


def _inline_lifecycle_manages_noncurrent(bucket: Resource) -> bool:
    for rule in as_list(inline_setting(bucket, "lifecycleRules")):
        if not isinstance(rule, Mapping) or as_bool(rule.get("enabled")) is not True:
            continue
        if any(rule.get(k) for k in ("noncurrentVersionExpiration", "noncurrentVersionExpirations",
                                     "noncurrentVersionTransitions")):
            return True
    return False


def _dataset_lifecycle(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    if _inline_lifecycle_manages_noncurrent(bucket):
        return None
    if first_compliant(stack.referencing(bucket, LIFECYCLE_TYPES, "bucket"), _lifecycle_manages_noncurrent):
        return None
    return ("no BucketLifecycleConfiguration with an Enabled rule for noncurrent versions refers to it; expected "
            "noncurrentVersionExpiration (or noncurrentVersionTransitions) so old dataset versions do not pile up.")


def _datasets_lifecycle(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from each_bucket(stack, params, _dataset_lifecycle, datasets_only=True)


DATASET_LIFECYCLE = Rule(
    id="s3-dataset-bucket-lifecycle-configured",
    title="Dataset buckets expire or transition noncurrent object versions",
    severity="low",
    enforcement="advisory",
    frameworks=(FSBP("S3.13"), NIST("SI-12")),
    rationale="With versioning on, deleted and overwritten dataset objects are kept forever unless a lifecycle "
              "rule retires noncurrent versions: data outlives its retention period. " + DATASET_NOTE,
    remediation="    aws.s3.BucketLifecycleConfiguration(f\"{name}-lifecycle\", bucket=bucket.id, rules=[{\n"
                "        \"id\": \"expire-noncurrent-versions\", \"status\": \"Enabled\", \"filter\": {},\n"
                "        \"noncurrent_version_expiration\": {\"noncurrent_days\": retention_days}}])",
    checks=(_datasets_lifecycle,),
    stack=True,
    params=DATASET_PARAMS,
    tags=("s3", "datasets", "retention"),
)


def _object_lock_retains(config: Resource) -> bool:
    retention = config.get("rule.defaultRetention")
    if not isinstance(retention, Mapping):
        return False
    periods = [as_number(get(retention, k)) for k in ("days", "years")]
    return get(retention, "mode") in ("GOVERNANCE", "COMPLIANCE") and any(p is not None and p > 0 for p in periods)


def _immutable_dataset_locked(stack: Stack, bucket: Resource, params: Mapping[str, Any]) -> str | None:
    tag_key = params.get("immutableTagKey") or "immutable"
    tags = bucket.get("tags")
    value = tags.get(tag_key) if isinstance(tags, Mapping) else None
    if is_unknown(value):
        raise NeedsValue(f"tags.{tag_key}")
    if as_bool(value) is not True:
        return None
    if as_bool(bucket.get("objectLockEnabled")) is not True:
        return f"it is tagged {tag_key}=true but objectLockEnabled is not true; expected Object Lock enabled."
    if first_compliant(stack.referencing(bucket, OBJECT_LOCK_TYPES, "bucket"), _object_lock_retains):
        return None
    return (f"it is tagged {tag_key}=true but no BucketObjectLockConfiguration with a default retention (mode and "
            "days or years) refers to it; expected one.")


def _immutable_datasets_locked(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from each_bucket(stack, params, _immutable_dataset_locked, datasets_only=True)


IMMUTABLE_DATASET_LOCKED = Rule(
    id="s3-immutable-dataset-bucket-object-locked",
    title="Dataset buckets marked immutable have Object Lock with a default retention",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("S3.15"), NIST("SI-7")),
    rationale="A dataset snapshot that must not change (audit, regulated training data) needs Object Lock: "
              "versioning alone lets anyone with delete rights remove versions. Applies to dataset buckets "
              "tagged `immutableTagKey`=true (default `immutable`).",
    remediation="    aws.s3.Bucket(name, object_lock_enabled=True, ...)\n"
                "    aws.s3.BucketObjectLockConfiguration(f\"{name}-object-lock\", bucket=bucket.id,\n"
                "        rule={\"default_retention\": {\"mode\": \"GOVERNANCE\", \"days\": retention_days}})",
    checks=(_immutable_datasets_locked,),
    stack=True,
    params={
        **DATASET_PARAMS,
        "immutableTagKey": {
            "type": "string",
            "default": "immutable",
            "description": "Tag key whose value 'true' marks a dataset bucket as requiring Object Lock.",
        },
    },
    tags=("s3", "datasets", "data-protection"),
)


RULES = (VERSIONING_NOT_SUSPENDED, DATASET_VERSIONED, DATASET_LIFECYCLE, IMMUTABLE_DATASET_LOCKED)
