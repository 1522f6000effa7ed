"""CloudTrail rules: secure trail settings, and S3 data events (read + write) on every dataset bucket."""

from __future__ import annotations

import pytest

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
SECURE = "cloudtrail-trail-secure"
DATA_EVENTS = "cloudtrail-dataset-data-events"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0000-1111"


def no_internal_errors(result) -> None:
    assert not [d for d in result.diagnostics if "internal error" in d.message], result.diagnostics


# --- cloudtrail-trail-secure -----------------------------------------------------------------------

GOLDEN_TRAIL = {
    "s3BucketName": "audit-logs",
    "isMultiRegionTrail": True,
    "enableLogFileValidation": True,
    "enableLogging": True,
    "kmsKeyId": KEY_ARN,
    "includeGlobalServiceEvents": True,
}


def test_secure_trail_golden_passes():
    result = evaluate([resource(TRAIL, "audit", GOLDEN_TRAIL)], stack=False)
    assert result.flagged(SECURE) == set()
    assert result.unverifiable(SECURE) == set()


@pytest.mark.parametrize(("change", "expected"), [
    ({"isMultiRegionTrail": False}, "isMultiRegionTrail"),
    ({"isMultiRegionTrail": None}, "isMultiRegionTrail"),
    ({"enableLogFileValidation": False}, "enableLogFileValidation"),
    ({"enableLogFileValidation": None}, "enableLogFileValidation"),
    ({"kmsKeyId": None}, "kmsKeyId"),
    ({"kmsKeyId": ""}, "kmsKeyId"),
    ({"enableLogging": False}, "enableLogging"),
])
def test_secure_trail_one_mutation_each(change, expected):
    inputs = {k: v for k, v in {**GOLDEN_TRAIL, **change}.items() if v is not None}
    result = evaluate([resource(TRAIL, "audit", inputs)], stack=False)
    assert result.flagged(SECURE) == {"audit"}
    (message,) = result.messages(SECURE)
    assert expected in message


def test_enable_logging_unset_is_fine():
    inputs = {k: v for k, v in GOLDEN_TRAIL.items() if k != "enableLogging"}
    assert evaluate([resource(TRAIL, "audit", inputs)], stack=False).flagged(SECURE) == set()


def test_unknown_validation_does_not_hide_a_known_single_region_trail():
    inputs = {**GOLDEN_TRAIL, "enableLogFileValidation": UNKNOWN, "isMultiRegionTrail": False}
    result = evaluate([resource(TRAIL, "audit", inputs)], stack=False)
    assert result.flagged(SECURE) == {"audit"}
    assert result.unverifiable(SECURE) == {"audit"}
    flagged = [m for m in result.messages(SECURE) if not m.startswith("can't run")]
    assert len(flagged) == 1 and "isMultiRegionTrail" in flagged[0]
    assert any("enableLogFileValidation" in m for m in result.messages(SECURE) if m.startswith("can't run"))


def test_a_key_created_in_the_same_deployment_counts_as_set_in_preview():
    result = evaluate([resource(TRAIL, "audit", {**GOLDEN_TRAIL, "kmsKeyId": UNKNOWN})], stack=False)
    assert result.flagged(SECURE) == set()
    assert result.unverifiable(SECURE) == set()


# --- cloudtrail-dataset-data-events: fixtures -----------------------------------------------------------

def dataset_bucket(name: str, physical: str | None = None, tags: dict | str | None = None, type_token: str = BUCKET):
    """Inputs as in a preview (physical name when given); outputs as after an update (name and ARN known)."""
    tags = {"dataset": name, "owner": "team"} if tags is None else tags
    inputs = {"tags": tags}
    if physical:
        inputs["bucket"] = physical
    physical = physical or f"{name}-abc123"
    outputs = {**inputs, "bucket": physical, "id": physical, "arn": f"arn:aws:s3:::{physical}"}
    return resource(type_token, name, inputs, outputs=outputs)


def selector(values, rw="All", kind="AWS::S3::Object"):
    return {"readWriteType": rw, "includeManagementEvents": True,
            "dataResources": [{"type": kind, "values": values}]}


def trail(name: str, selectors=None, advanced=None, depends=(), **extra):
    inputs = {**GOLDEN_TRAIL, **extra}
    deps = {}
    if selectors is not None:
        inputs["eventSelectors"] = selectors
        deps["eventSelectors"] = [b.urn for b in depends]
    if advanced is not None:
        inputs["advancedEventSelectors"] = advanced
        deps["advancedEventSelectors"] = [b.urn for b in depends]
    return resource(TRAIL, name, inputs, property_dependencies=deps)


def advanced(*extra_fields, category="Data", kind="AWS::S3::Object"):
    return {"name": "s3", "fieldSelectors": [
        {"field": "eventCategory", "equals": [category]},
        {"field": "resources.type", "equals": [kind]},
        *extra_fields,
    ]}


def flagged(resources, config=None) -> set[str]:
    result = evaluate(resources, config=config)
    no_internal_errors(result)
    return result.flagged(DATA_EVENTS)


# --- classic event selectors ---------------------------------------------------------------------------

DS = "ds-bucket"


@pytest.mark.parametrize("values", [
    [f"arn:aws:s3:::{DS}/"],
    [f"arn:aws:s3:::{DS}"],
    ["arn:aws:s3:::"],
    ["arn:aws:s3"],
    ["arn:aws:s3:::other/", f"arn:aws:s3:::{DS}/"],
])
def test_classic_selector_covering_the_bucket_passes(values):
    bucket = dataset_bucket("ds", DS)
    assert flagged([bucket, trail("audit", [selector(values)])]) == set()


@pytest.mark.parametrize("values", [
    [f"arn:aws:s3:::{DS}/raw/"],     # a prefix only
    ["arn:aws:s3:::other/"],
    [f"arn:aws:s3:::{DS}-2/"],
    [],
])
def test_classic_selector_not_covering_the_bucket_is_flagged(values):
    bucket = dataset_bucket("ds", DS)
    assert flagged([bucket, trail("audit", [selector(values)])]) == {"ds"}


def test_classic_selector_for_another_resource_type_is_flagged():
    bucket = dataset_bucket("ds", DS)
    assert flagged([bucket, trail("audit", [selector(["arn:aws:s3:::"], kind="AWS::Lambda::Function")])]) == {"ds"}


def test_read_only_selector_misses_writes_and_two_selectors_cover_both():
    bucket = dataset_bucket("ds", DS)
    values = [f"arn:aws:s3:::{DS}/"]
    result = evaluate([bucket, trail("audit", [selector(values, "ReadOnly")])])
    assert result.flagged(DATA_EVENTS) == {"ds"}
    assert "(write)" in result.messages(DATA_EVENTS)[0]
    assert flagged([bucket, trail("audit", [selector(values, "WriteOnly")])]) == {"ds"}
    # one ReadOnly and one WriteOnly selector, in two different trails
    both = [bucket, trail("reads", [selector(values, "ReadOnly")]), trail("writes", [selector(values, "WriteOnly")])]
    assert flagged(both) == set()


def test_no_trail_or_stopped_trail_flags_every_dataset_bucket_only():
    a, b = dataset_bucket("a", "a-bucket"), dataset_bucket("b", "b-bucket")
    plain = dataset_bucket("scratch", "scratch-bucket", tags={"owner": "x"})
    assert flagged([a, b, plain]) == {"a", "b"}
    stopped = trail("audit", [selector(["arn:aws:s3:::"])], enableLogging=False)
    assert flagged([a, b, plain, stopped]) == {"a", "b"}


def test_exact_set_with_several_buckets_and_bucket_v2():
    a, b = dataset_bucket("a", "a-bucket"), dataset_bucket("b", "b-bucket", type_token=BUCKET_V2)
    c = dataset_bucket("c", "c-bucket")
    audit = trail("audit", [selector(["arn:aws:s3:::a-bucket/"]), selector(["arn:aws:s3:::b-bucket/"], "ReadOnly")])
    assert flagged([a, b, c, audit]) == {"b", "c"}


def test_dataset_patterns_select_untagged_buckets():
    raw = dataset_bucket("raw-clicks", "raw-clicks-bucket", tags={"owner": "x"})
    config = {DATA_EVENTS: {"datasetBucketPatterns": ["raw-*"]}}
    assert flagged([raw], config=config) == {"raw-clicks"}
    assert flagged([raw]) == set()


# --- preview: unknown ARNs, correlation by property dependencies -----------------------------------------

def preview_bucket(name: str, tags: dict | str | None = None):
    """An auto-named bucket in a first preview: name, id and ARN unknown."""
    tags = {"dataset": name} if tags is None else tags
    return resource(BUCKET, name, {"tags": tags}, outputs={"tags": tags, "bucket": UNKNOWN, "arn": UNKNOWN})


def test_preview_selector_depending_on_the_bucket_covers_it():
    bucket = preview_bucket("ds")
    result = evaluate([bucket, trail("audit", [selector([UNKNOWN])], depends=[bucket])])
    assert result.flagged(DATA_EVENTS) == set()
    assert result.unverifiable(DATA_EVENTS) == set()


def test_preview_read_only_selector_depending_on_the_bucket_is_flagged_for_writes():
    bucket = preview_bucket("ds")
    result = evaluate([bucket, trail("audit", [selector([UNKNOWN], "ReadOnly")], depends=[bucket])])
    assert result.flagged(DATA_EVENTS) == {"ds"}
    assert "(write)" in result.messages(DATA_EVENTS)[0]


def test_preview_unknown_values_without_dependency_do_not_cover():
    bucket, other = preview_bucket("ds"), preview_bucket("other", tags={"owner": "x"})
    assert flagged([bucket, other, trail("audit", [selector([UNKNOWN])], depends=[other])]) == {"ds"}


def test_preview_ambiguous_selectors_are_unverifiable_not_flagged():
    bucket = preview_bucket("ds")
    selectors = [selector([UNKNOWN], "All"), selector([UNKNOWN], "ReadOnly")]
    result = evaluate([bucket, trail("audit", selectors, depends=[bucket])])
    assert result.flagged(DATA_EVENTS) == set()
    assert result.unverifiable(DATA_EVENTS) == {""}


def test_preview_unknown_dataset_tags_are_unverifiable_and_others_still_decided():
    unknown_tags, uncovered = preview_bucket("maybe", tags=UNKNOWN), preview_bucket("ds")
    result = evaluate([unknown_tags, uncovered])
    assert result.flagged(DATA_EVENTS) == {"ds"}
    assert result.unverifiable(DATA_EVENTS) == {""}


def test_preview_unknown_selector_list_with_dependency_is_unverifiable():
    bucket = preview_bucket("ds")
    result = evaluate([bucket, trail("audit", UNKNOWN, depends=[bucket])])
    assert result.flagged(DATA_EVENTS) == set()
    assert result.unverifiable(DATA_EVENTS) == {""}


# --- advanced event selectors --------------------------------------------------------------------------

def arn_field(**ops):
    return {"field": "resources.ARN", **ops}


@pytest.mark.parametrize("fields", [
    (),
    (arn_field(startsWiths=[f"arn:aws:s3:::{DS}/"]),),
    (arn_field(startsWiths=["arn:aws:s3:::"]),),
    (arn_field(notStartsWiths=["arn:aws:s3:::logs-bucket/"]),),
    ({"field": "eventSource", "equals": ["s3.amazonaws.com"]},),
])
def test_advanced_selector_covering_the_bucket_passes(fields):
    bucket = dataset_bucket("ds", DS)
    assert flagged([bucket, trail("audit", advanced=[advanced(*fields)])]) == set()


@pytest.mark.parametrize("fields", [
    (arn_field(startsWiths=["arn:aws:s3:::other/"]),),
    (arn_field(notStartsWiths=[f"arn:aws:s3:::{DS}/"]),),
    (arn_field(notStartsWiths=[f"arn:aws:s3:::{DS}/tmp/"]),),
    (arn_field(equals=[f"arn:aws:s3:::{DS}/one.csv"]),),
    (arn_field(endsWiths=[".csv"]),),
    ({"field": "eventName", "equals": ["PutObject"]},),
    ({"field": "readOnly", "equals": ["true"]},),
])
def test_advanced_selector_restricted_or_elsewhere_is_flagged(fields):
    bucket = dataset_bucket("ds", DS)
    assert flagged([bucket, trail("audit", advanced=[advanced(*fields)])]) == {"ds"}


def test_advanced_selector_for_management_events_is_flagged():
    bucket = dataset_bucket("ds", DS)
    assert flagged([bucket, trail("audit", advanced=[advanced(category="Management")])]) == {"ds"}


def test_advanced_read_and_write_selectors_together_pass():
    bucket = dataset_bucket("ds", DS)
    selectors = [advanced({"field": "readOnly", "equals": ["true"]}),
                 advanced({"field": "readOnly", "equals": ["false"]})]
    assert flagged([bucket, trail("audit", advanced=selectors)]) == set()


def test_advanced_preview_starts_with_depending_on_the_bucket_covers_it():
    bucket = preview_bucket("ds")
    audit = trail("audit", advanced=[advanced(arn_field(startsWiths=[UNKNOWN]))], depends=[bucket])
    result = evaluate([bucket, audit])
    assert result.flagged(DATA_EVENTS) == set()
    assert result.unverifiable(DATA_EVENTS) == set()


@pytest.mark.parametrize("trail_inputs", [
    {"eventSelectors": "junk", "advancedEventSelectors": 5.0},
    {"eventSelectors": [1, None, {"dataResources": "x", "readWriteType": ["All"]}, {"dataResources": [None, 3]}]},
    {"eventSelectors": [{"dataResources": [{"type": "AWS::S3::Object", "values": "arn:aws:s3:::"}]}]},
    {"advancedEventSelectors": [{"fieldSelectors": [None, {"field": 3}, {"field": "resources.ARN",
                                                                         "startsWiths": [None, 7]}]}]},
    {"advancedEventSelectors": [{"fieldSelectors": "x"}, None, "y"]},
])
def test_malformed_selectors_never_crash(trail_inputs):
    bucket = dataset_bucket("ds", DS)
    result = evaluate([bucket, resource(TRAIL, "audit", {**GOLDEN_TRAIL, **trail_inputs})])
    no_internal_errors(result)


# --- Real pulumi_aws program, preview and update ------------------------------------------------------

def audit_program():
    import pulumi
    import pulumi_aws as aws

    covered = aws.s3.Bucket("covered", tags={"dataset": "covered"})
    aws.s3.Bucket("uncovered", tags={"dataset": "uncovered"})
    aws.s3.Bucket("scratch", tags={"owner": "x"})
    key = aws.kms.Key("audit-key")
    aws.cloudtrail.Trail(
        "audit",
        s3_bucket_name="audit-logs",
        is_multi_region_trail=True,
        enable_log_file_validation=True,
        kms_key_id=key.arn,
        event_selectors=[aws.cloudtrail.TrailEventSelectorArgs(
            read_write_type="All",
            include_management_events=True,
            data_resources=[aws.cloudtrail.TrailEventSelectorDataResourceArgs(
                type="AWS::S3::Object", values=[pulumi.Output.concat(covered.arn, "/")])],
        )],
    )
    aws.cloudtrail.Trail("local", s3_bucket_name="audit-logs", enable_log_file_validation=True, kms_key_id=key.arn)


@pytest.mark.parametrize("preview", [True, False])
def test_program_preview_and_update(preview):
    result = evaluate_program(audit_program, preview=preview)
    no_internal_errors(result)
    assert result.flagged(DATA_EVENTS) == {"uncovered"}
    assert result.unverifiable(DATA_EVENTS) == set()
    assert result.flagged(SECURE) == {"local"}
    assert result.unverifiable(SECURE) == set()  # the trail's key is created in the same deployment
