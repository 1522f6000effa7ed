"""Governance rules: required tags on taggable resources, and deletion protection of dataset buckets.

Which resources are taggable: every type in TAGGABLE_TYPES (checked against pulumi-aws by the tests, so the list
cannot name a type that has no `tags` argument), plus any other `aws:` resource whose inputs carry a `tags` key (the
SDK only sends arguments the type has). A taggable type outside the list that sets no tags at all is not seen: add
it to the list. Types in NOT_TAGGABLE_TYPES (policies, attachments, associations, bucket settings, aliases...) have
no tags in AWS and are never flagged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES, DATASET_PARAMS, is_dataset_bucket
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_bool, is_unknown

# Taggable types this stack (and ML platforms like it) commonly declare.
TAGGABLE_TYPES: tuple[str, ...] = (
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:kms/key:Key",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/user:User",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/defaultVpc:DefaultVpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/instance:Instance",
    "aws:ec2/networkInterface:NetworkInterface",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:sagemaker/domain:Domain",
    "aws:sagemaker/userProfile:UserProfile",
    "aws:sagemaker/space:Space",
    "aws:sagemaker/app:App",
    "aws:sagemaker/notebookInstance:NotebookInstance",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    "aws:sagemaker/endpoint:Endpoint",
    "aws:sagemaker/model:Model",
    "aws:sagemaker/featureGroup:FeatureGroup",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
    "aws:sagemaker/pipeline:Pipeline",
    "aws:sagemaker/image:Image",
    "aws:sagemaker/appImageConfig:AppImageConfig",
    "aws:sagemaker/codeRepository:CodeRepository",
    "aws:cloudtrail/trail:Trail",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:secretsmanager/secret:Secret",
    "aws:efs/fileSystem:FileSystem",
    "aws:ecr/repository:Repository",
    "aws:sns/topic:Topic",
    "aws:sqs/queue:Queue",
    "aws:dynamodb/table:Table",
    "aws:glue/catalogDatabase:CatalogDatabase",
    "aws:glue/crawler:Crawler",
    "aws:glue/job:Job",
    "aws:kinesis/stream:Stream",
    "aws:athena/workgroup:Workgroup",
    "aws:ssm/parameter:Parameter",
)

# Resources AWS cannot tag: settings of another resource, attachments, associations, aliases. Never flagged.
NOT_TAGGABLE_TYPES: frozenset[str] = frozenset({
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    "aws:s3/bucketAcl:BucketAcl",
    "aws:s3/bucketAclV2:BucketAclV2",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLoggingV2:BucketLoggingV2",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
    "aws:kms/alias:Alias",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:kms/grant:Grant",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
    "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
})

_TAGGABLE = frozenset(TAGGABLE_TYPES)


@dataclass(frozen=True)
class _TaggableRule(Rule):
    """Applies to the listed types and to any other `aws:` resource (the check decides by its `tags` input)."""

    def applies_to(self, type_token: str) -> bool:
        return type_token in _TAGGABLE or (type_token.startswith("aws:") and type_token not in NOT_TAGGABLE_TYPES)


def _is_taggable(r: Resource, params: Mapping[str, Any]) -> bool:
    if r.type in (params.get("excludedTypes") or []) or r.type in NOT_TAGGABLE_TYPES:
        return False
    return r.type in _TAGGABLE or (isinstance(r.props, Mapping) and "tags" in r.props)


def _tags(r: Resource) -> Mapping[str, Any]:
    """The resource's tags as a mapping; list-shaped tags ([{key, value}], e.g. autoscaling) are folded."""
    tags = r.get("tags")
    if isinstance(tags, Mapping):
        return tags
    if isinstance(tags, list):
        folded: dict[str, Any] = {}
        for entry in tags:
            if is_unknown(entry):
                raise NeedsValue("tags")
            if isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
                folded[entry["key"]] = entry.get("value")
        return folded
    return {}


def _required_tags(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if not _is_taggable(r, params):
        return
    tags = _tags(r)
    missing, empty, unknown = [], [], []
    for key in params.get("requiredTags") or []:
        value = tags.get(key)
        if is_unknown(value):
            unknown.append(f"tags.{key}")
        elif key not in tags or value is None:
            missing.append(key)
        elif not isinstance(value, str) or not value.strip():
            empty.append(key)
    parts = []
    if missing:
        parts.append(f"missing tag(s) {', '.join(missing)}")
    if empty:
        parts.append(f"empty tag(s) {', '.join(empty)}")
    if parts:
        yield f"{'; '.join(parts)}; expected non-empty values for {', '.join(params.get('requiredTags') or [])}."
    yield from (Unverifiable(path) for path in dict.fromkeys(unknown))


def _classification(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    allowed = params.get("allowedClassifications") or []
    key = params.get("classificationTagKey") or "classification"
    if not allowed or not _is_taggable(r, params):
        return
    value = _tags(r).get(key)
    if is_unknown(value):
        yield Unverifiable(f"tags.{key}")
        return
    if isinstance(value, str) and value.strip() and value not in allowed:
        shown = value if len(value) <= 40 else value[:40] + "..."
        yield f"tag {key} is {shown!r}; expected one of {', '.join(allowed)}."


def _bucket_protected(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if is_dataset_bucket(r, params) and not r.protect:
        yield "the dataset bucket is not protected; expected the `protect=True` resource option."


def _bucket_not_force_destroy(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("forceDestroy")) is True and is_dataset_bucket(r, params):
        yield "forceDestroy is true, which deletes every object with the bucket; expected false for a dataset."


RULES = (
    _TaggableRule(
        id="governance-required-tags",
        title="Taggable resources carry the governance tags (classification, owner, project)",
        severity="low",
        enforcement="advisory",
        frameworks=(NIST("CM-8"), AWS_CONFIG("required-tags")),
        rationale=(
            "Tags are how cost, ownership and data classification follow a resource into access reviews, "
            "attribute-based access control and incident response; a resource without an owner has nobody to ask. "
            "Taggable resources are the types in TAGGABLE_TYPES plus any other aws: resource that sets `tags`; "
            "policies, attachments, associations, aliases and bucket settings (NOT_TAGGABLE_TYPES) cannot be "
            "tagged and are never flagged. Tags set only through the provider's default_tags are not seen by "
            "this resource check: set them on the resource, or exempt it. Tag keys are case-sensitive."
        ),
        remediation=(
            "Tag every resource from one place:\n\n"
            "    tags = {\"classification\": \"confidential\", \"owner\": \"data-platform\", \"project\": \"mlgov\"}\n"
            "    aws.s3.Bucket(\"dataset\", tags=tags)"
        ),
        checks=(_required_tags, _classification),
        resource_types=TAGGABLE_TYPES,
        params={
            "requiredTags": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["classification", "owner", "project"],
                "description": "Tag keys every taggable resource must carry with a non-empty value.",
            },
            "classificationTagKey": {
                "type": "string",
                "default": "classification",
                "description": "Tag key holding the data classification.",
            },
            "allowedClassifications": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["public", "internal", "confidential", "restricted"],
                "description": "Accepted values of the classification tag (empty: any value).",
            },
            "excludedTypes": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Type tokens never checked (e.g. aws:s3/bucketObjectv2:BucketObjectv2).",
            },
        },
        tags=("governance", "tagging"),
    ),
    Rule(
        id="governance-dataset-bucket-protected",
        title="Dataset buckets are protected from deletion and never force-destroyed",
        severity="medium",
        enforcement="advisory",
        frameworks=(NIST("CP-9"), NIST("SI-12")),
        rationale=(
            "A dataset bucket deleted by a refactor or a `pulumi destroy` loses the data and its version history. "
            "The `protect` resource option makes Pulumi refuse to delete it; `force_destroy=True` would empty it "
            "on deletion and is flagged even when protect is set, since protect is one flag away from removal. "
            "Dataset buckets are those `is_dataset_bucket` selects (dataset tag or name pattern). KMS key "
            "protection belongs to the KMS rules."
        ),
        remediation=(
            "    aws.s3.Bucket(\"dataset\", force_destroy=False,\n"
            "        opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True))"
        ),
        checks=(_bucket_protected, _bucket_not_force_destroy),
        resource_types=BUCKET_TYPES,
        params=dict(DATASET_PARAMS),
        tags=("governance", "s3", "data-protection"),
    ),
)
