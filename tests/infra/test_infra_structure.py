"""Stack-wide properties: governance tags everywhere, one component per concern, a clean run, config errors fail."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import PROGRAM_DIR, PROJECT, STACK
from infra_stack_helpers import BUCKET, KMS_ALIAS, KMS_KEY, depends_on, one
from ml_dataset_governance.infra.catalog import CLASSIFICATIONS, StackSettings, bucket_name, max_classification
from ml_dataset_governance.infra.tags import REQUIRED_TAG_KEYS

from mlgov.program import ProgramError, ProgramRun, run_program

# Every AWS type the stack may use is classified here, so a new type forces a decision on tagging.
TAGGABLE = {
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/flowLog:FlowLog",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:iam/role:Role",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:cloudtrail/trail:Trail",
    "aws:sagemaker/domain:Domain",
    "aws:sagemaker/userProfile:UserProfile",
}
NOT_TAGGABLE = {
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:kms/alias:Alias",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
}
COMPONENTS = {
    "mlgov:infra:Network", "mlgov:infra:Keys", "mlgov:infra:Datasets", "mlgov:infra:GovernedBucket",
    "mlgov:infra:Audit", "mlgov:infra:StudioDomain", "mlgov:infra:TeamAccess", "mlgov:infra:StudioUserProfiles",
    "mlgov:infra:TeamRoles", "mlgov:infra:SageMakerLogs", "mlgov:infra:Personas",
}


def aws_resources(run: ProgramRun) -> list:
    return [r for r in run.resources if r.custom and r.type.startswith("aws:")]


def test_every_aws_type_is_classified_for_tagging(any_run: ProgramRun) -> None:
    unclassified = {r.type for r in aws_resources(any_run)} - TAGGABLE - NOT_TAGGABLE
    assert not unclassified


def test_every_taggable_resource_carries_the_governance_tags(any_run: ProgramRun, settings: StackSettings) -> None:
    teams = {t.name for t in settings.catalog.teams} | {"platform"}
    for resource in aws_resources(any_run):
        if resource.type not in TAGGABLE:
            continue
        tags = resource.inputs.get("tags") or {}
        missing = set(REQUIRED_TAG_KEYS) - set(tags)
        assert not missing, f"{resource.urn} lacks {sorted(missing)}"
        assert tags["classification"] in CLASSIFICATIONS, resource.urn
        assert tags["owner"] in teams, resource.urn
        assert tags["project"] == PROJECT and tags["managed-by"] == "pulumi", resource.urn


def test_dataset_resources_carry_the_dataset_classification(any_run: ProgramRun, settings: StackSettings) -> None:
    for dataset in settings.catalog.datasets:
        bucket = one([b for b in any_run.by_type(BUCKET)
                      if b.inputs["bucket"] == bucket_name(PROJECT, STACK, dataset.name)], dataset.name)
        alias = one([a for a in any_run.by_type(KMS_ALIAS) if a.inputs["name"] == f"alias/mlgov/{dataset.name}"], "")
        key = one([k for k in any_run.by_type(KMS_KEY) if depends_on(alias, "targetKeyId", k)], "key")
        for resource in (bucket, key):
            tags = resource.inputs["tags"]
            assert (tags["classification"], tags["owner"]) == (dataset.classification, dataset.owner), resource.urn
    shared = one(any_run.by_type("aws:sagemaker/domain:Domain"), "domain").inputs["tags"]
    assert shared["classification"] == max_classification(settings.catalog)


def test_every_resource_belongs_to_a_concern_component(any_run: ProgramRun) -> None:
    by_urn = any_run.by_urn()
    assert {r.type for r in any_run.resources if not r.custom and r.type != "pulumi:pulumi:Stack"} == COMPONENTS
    for resource in aws_resources(any_run):
        parent = by_urn[resource.parent]
        assert parent.type in COMPONENTS, f"{resource.urn} is parented by {parent.type}"
        assert resource.name.startswith(parent.name), f"{resource.name} not derived from {parent.name}"


def test_run_is_clean(any_run: ProgramRun) -> None:
    assert any_run.warnings == []


def _run_with_catalog(stack_config: dict[str, Any], mutate) -> None:
    config = copy.deepcopy(stack_config)
    catalog = config[f"{PROJECT}:catalog"]
    mutate(catalog)
    run_program(str(PROGRAM_DIR), project=PROJECT, stack=STACK, config=config, preview=True)


def test_program_refuses_an_invalid_catalog(stack_config: dict[str, Any]) -> None:
    with pytest.raises(ProgramError, match="owner names unknown team 'nobody'"):
        _run_with_catalog(stack_config, lambda c: c["datasets"][0].update(owner="nobody"))


def test_program_refuses_an_admin_wildcard(stack_config: dict[str, Any]) -> None:
    config = copy.deepcopy(stack_config)
    config[f"{PROJECT}:adminRoleArns"] = ["arn:aws:iam::*:role/admin"]
    with pytest.raises(ProgramError, match="adminRoleArns"):
        run_program(str(PROGRAM_DIR), project=PROJECT, stack=STACK, config=config, preview=True)


def test_variant_network_follows_vpc_cidr(variant_run: ProgramRun, variant_settings: StackSettings) -> None:
    vpc = one(variant_run.by_type("aws:ec2/vpc:Vpc"), "vpc")
    assert vpc.inputs["cidrBlock"] == variant_settings.vpc_cidr == "10.77.0.0/20"


# Resources whose deletion loses data or audit records: a careless `pulumi destroy` must stop at them.
DATA_BEARING = {
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:cloudtrail/trail:Trail",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:sagemaker/domain:Domain",  # its EFS holds every user's home directory
}


def test_every_data_bearing_resource_is_protected_and_retained(any_run: ProgramRun) -> None:
    data_bearing = [r for r in any_run.resources if r.type in DATA_BEARING]
    assert {r.type for r in data_bearing} == DATA_BEARING
    for resource in data_bearing:
        assert resource.protect and resource.retain_on_delete, resource.urn
        assert resource.inputs.get("forceDestroy") in (None, False), resource.urn
