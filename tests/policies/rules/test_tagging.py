"""Governance rules: required tags on taggable resources, deletion protection of dataset buckets."""

from __future__ import annotations

import importlib

import pytest
from ml_dataset_governance.policies.rules.tagging import NOT_TAGGABLE_TYPES, TAGGABLE_TYPES

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

TAGS_RULE = "governance-required-tags"
PROTECT_RULE = "governance-dataset-bucket-protected"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
GOOD_TAGS = {"classification": "confidential", "owner": "data-platform", "project": "mlgov", "Name": "x"}


def no_internal_errors(result) -> None:
    assert not [d for d in result.diagnostics if "internal error" in d.message], result.diagnostics


def tagged(type_token: str, name: str, tags, **inputs):
    return resource(type_token, name, {**inputs, "tags": tags})


# --- governance-required-tags ---------------------------------------------------------------------

@pytest.mark.parametrize("type_token", [BUCKET, "aws:kms/key:Key", "aws:iam/role:Role", "aws:ec2/vpc:Vpc",
                                        "aws:sagemaker/domain:Domain", "aws:cloudtrail/trail:Trail"])
def test_golden_tags_pass(type_token):
    result = evaluate([tagged(type_token, "r", GOOD_TAGS)], stack=False)
    assert result.flagged(TAGS_RULE) == set()
    assert result.unverifiable(TAGS_RULE) == set()


@pytest.mark.parametrize(("tags", "expected"), [
    ({k: v for k, v in GOOD_TAGS.items() if k != "owner"}, "missing tag(s) owner"),
    ({**GOOD_TAGS, "project": "  "}, "empty tag(s) project"),
    ({**GOOD_TAGS, "Owner": "x", "owner": ""}, "empty tag(s) owner"),    # keys are case-sensitive
    ({"Name": "x"}, "missing tag(s) classification, owner, project"),
    ({**GOOD_TAGS, "classification": "secret"}, "tag classification is 'secret'"),
])
def test_one_mutation_is_flagged(tags, expected):
    result = evaluate([tagged(BUCKET, "b", tags)], stack=False)
    assert result.flagged(TAGS_RULE) == {"b"}
    assert any(expected in m for m in result.messages(TAGS_RULE)), result.messages(TAGS_RULE)


def test_listed_taggable_type_without_tags_is_flagged():
    result = evaluate([resource("aws:ec2/subnet:Subnet", "s", {"vpcId": UNKNOWN})], stack=False)
    assert result.flagged(TAGS_RULE) == {"s"}


def test_unknown_tags_are_unverifiable():
    result = evaluate([tagged(BUCKET, "b", UNKNOWN)], stack=False)
    assert result.flagged(TAGS_RULE) == set()
    assert result.unverifiable(TAGS_RULE) == {"b"}


def test_unknown_tag_value_does_not_hide_other_problems():
    tags = {"classification": "top-secret", "owner": UNKNOWN}
    result = evaluate([tagged(BUCKET, "b", tags)], stack=False)
    assert result.flagged(TAGS_RULE) == {"b"}
    assert result.unverifiable(TAGS_RULE) == {"b"}
    messages = [m for m in result.messages(TAGS_RULE) if not m.startswith("can't run")]
    assert any("missing tag(s) project" in m and "owner" not in m.split(";")[0] for m in messages)
    assert any("top-secret" in m for m in messages)


@pytest.mark.parametrize("type_token", sorted(NOT_TAGGABLE_TYPES)[:8] + [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "pulumi:providers:aws", "mlgov:infra:Network",
])
def test_non_taggable_resources_are_never_flagged(type_token):
    result = evaluate([resource(type_token, "r", {"bucket": "b", "policy": "{}"})], stack=False)
    assert result.flagged(TAGS_RULE) == set()


def test_unlisted_aws_type_is_checked_when_it_sets_tags():
    unlisted = "aws:lambda/function:Function"
    assert unlisted not in TAGGABLE_TYPES
    result = evaluate([tagged(unlisted, "fn", {"owner": "x"}), resource(unlisted, "untagged", {"role": "r"})],
                      stack=False)
    assert result.flagged(TAGS_RULE) == {"fn"}


def test_list_shaped_tags_are_read():
    asg_tags = [{"key": k, "value": v, "propagateAtLaunch": True} for k, v in GOOD_TAGS.items()]
    missing = [t for t in asg_tags if t["key"] != "owner"]
    result = evaluate([tagged("aws:autoscaling/group:Group", "good", asg_tags),
                       tagged("aws:autoscaling/group:Group", "bad", missing)], stack=False)
    assert result.flagged(TAGS_RULE) == {"bad"}


def test_parameters_change_what_is_required():
    bucket = tagged(BUCKET, "b", {"owner": "x", "classification": "secret"})
    config = {TAGS_RULE: {"requiredTags": ["owner"], "allowedClassifications": ["secret"]}}
    assert evaluate([bucket], config=config, stack=False).flagged(TAGS_RULE) == set()
    config = {TAGS_RULE: {"requiredTags": ["owner", "cost-center"], "allowedClassifications": []}}
    result = evaluate([bucket], config=config, stack=False)
    assert result.flagged(TAGS_RULE) == {"b"}
    assert "cost-center" in result.messages(TAGS_RULE)[0]
    config = {TAGS_RULE: {"excludedTypes": [BUCKET]}}
    assert evaluate([bucket], config=config, stack=False).flagged(TAGS_RULE) == set()


@pytest.mark.parametrize("tags", ["junk", 5.0, [1, None, {"key": 3}], {"owner": ["x"], "project": {"a": 1}}])
def test_malformed_tags_never_crash(tags):
    result = evaluate([tagged(BUCKET, "b", tags)], stack=False)
    no_internal_errors(result)
    assert result.flagged(TAGS_RULE) == {"b"}


def _has_tags_argument(type_token: str) -> bool:
    _, module_path, class_name = type_token.split(":")
    module = module_path.split("/")[0]
    module = {"lambda": "lambda_"}.get(module, module)
    args = getattr(importlib.import_module(f"pulumi_aws.{module}"), f"{class_name}Args")
    return hasattr(args, "tags")


def test_taggable_list_matches_pulumi_aws():
    """The documented lists stay true: every listed type has (or lacks) a `tags` argument in pulumi-aws."""
    assert [t for t in TAGGABLE_TYPES if not _has_tags_argument(t)] == []
    assert [t for t in sorted(NOT_TAGGABLE_TYPES) if _has_tags_argument(t)] == []


# --- governance-dataset-bucket-protected ---------------------------------------------------------------

def bucket(name: str, *, protect: bool, tags=None, type_token: str = BUCKET, **inputs):
    tags = {**GOOD_TAGS, "dataset": name} if tags is None else tags
    return resource(type_token, name, {"tags": tags, **inputs}, protect=protect)


def test_protected_dataset_bucket_passes():
    result = evaluate([bucket("ds", protect=True, forceDestroy=False)], stack=False)
    assert result.flagged(PROTECT_RULE) == set()
    assert result.unverifiable(PROTECT_RULE) == set()


def test_unprotected_and_force_destroyed_dataset_buckets():
    result = evaluate([
        bucket("unprotected", protect=False),
        bucket("force", protect=True, forceDestroy=True),
        bucket("v2", protect=False, type_token=BUCKET_V2),
        bucket("scratch", protect=False, forceDestroy=True, tags=GOOD_TAGS),   # not a dataset bucket
    ], stack=False)
    assert result.flagged(PROTECT_RULE) == {"unprotected", "force", "v2"}
    force = [m for m in result.messages(PROTECT_RULE) if "'force'" in m]
    assert len(force) == 1 and "forceDestroy" in force[0]


def test_unknown_dataset_tags_are_unverifiable_but_pattern_decides():
    unknown = bucket("raw-clicks", protect=False, tags=UNKNOWN)
    result = evaluate([unknown], stack=False)
    assert result.flagged(PROTECT_RULE) == set()
    assert result.unverifiable(PROTECT_RULE) == {"raw-clicks"}
    config = {PROTECT_RULE: {"datasetBucketPatterns": ["raw-*"]}}
    assert evaluate([unknown], config=config, stack=False).flagged(PROTECT_RULE) == {"raw-clicks"}


# --- Real pulumi_aws program, preview and update --------------------------------------------------------

def governed_program():
    import pulumi
    import pulumi_aws as aws

    tags = {"classification": "restricted", "owner": "data-platform", "project": "mlgov"}
    key = aws.kms.Key("datasets-key", tags=tags)
    aws.s3.Bucket("clickstream", tags={**tags, "dataset": "clickstream"}, force_destroy=False,
                  opts=pulumi.ResourceOptions(protect=True))
    loose = aws.s3.Bucket("features", tags={**tags, "dataset": "features", "owner": ""}, force_destroy=True)
    aws.s3.BucketPublicAccessBlock("features-pab", bucket=loose.id, block_public_acls=True)
    aws.kms.Alias("datasets-key-alias", name="alias/datasets", target_key_id=key.key_id)
    aws.iam.Role("reader", assume_role_policy="{}")


@pytest.mark.parametrize("preview", [True, False])
def test_program_preview_and_update(preview):
    result = evaluate_program(governed_program, preview=preview)
    no_internal_errors(result)
    assert result.flagged(TAGS_RULE) == {"features", "reader"}
    assert result.flagged(PROTECT_RULE) == {"features"}
    assert len(result.messages(PROTECT_RULE)) == 2
    assert result.unverifiable(TAGS_RULE) == set()
    assert result.unverifiable(PROTECT_RULE) == set()
