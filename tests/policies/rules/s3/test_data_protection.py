"""Dataset versioning, noncurrent-version lifecycle and Object Lock."""

from __future__ import annotations

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.s3.s3_helpers import (
    BUCKET_V2,
    DATASET_TAGS,
    LIFECYCLE,
    LIFECYCLE_RULE,
    LIFECYCLE_V2,
    LOCKED,
    OBJECT_LOCK,
    SUSPENDED_RULE,
    VERSIONED,
    VERSIONING,
    VERSIONING_V2,
    bucket,
    setting,
)

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


