"""Helpers to read a recorded stack: relations by propertyDependencies, documents by JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ml_dataset_governance.policies.values import as_list  # noqa: F401 - re-exported for the stack tests

from mlgov.program import UNKNOWN, ProgramRun, RecordedResource

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
KMS_KEY = "aws:kms/key:Key"
KMS_ALIAS = "aws:kms/alias:Alias"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TRAIL = "aws:cloudtrail/trail:Trail"
DOMAIN = "aws:sagemaker/domain:Domain"
USER_PROFILE = "aws:sagemaker/userProfile:UserProfile"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def depends_on(resource: RecordedResource, prop: str, target: RecordedResource | Iterable[RecordedResource]) -> bool:
    """True when the input `prop` of `resource` is derived from (every one of) `target`."""
    targets = [target] if isinstance(target, RecordedResource) else list(target)
    urns = set(resource.property_dependencies.get(prop, []))
    return bool(targets) and all(t.urn in urns for t in targets)


def dependents(run: ProgramRun, type_token: str, prop: str, target: RecordedResource) -> list[RecordedResource]:
    """Resources of a type whose `prop` input comes from `target`."""
    return [r for r in run.by_type(type_token) if target.urn in r.property_dependencies.get(prop, [])]


def one(items: list[RecordedResource], what: str) -> RecordedResource:
    assert len(items) == 1, f"expected exactly one {what}, found {[r.urn for r in items]}"
    return items[0]


def document(value: Any) -> dict[str, Any]:
    """A policy document input as a dict (JSON string or object); fails on unknown."""
    assert value != UNKNOWN, "policy document is unknown"
    return json.loads(value) if isinstance(value, str) else value


def statements(value: Any) -> list[dict[str, Any]]:
    stmts = document(value)["Statement"]
    return stmts if isinstance(stmts, list) else [stmts]


def named(run: ProgramRun, type_token: str, name: str) -> RecordedResource:
    return run.get(name, type_token)
