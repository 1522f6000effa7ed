"""One governed S3 bucket: the controls every bucket of the stack gets, dataset or audit alike.

Public access fully blocked, ACLs disabled, SSE-KMS with a customer-managed key and S3 Bucket Keys, versioning,
noncurrent-version retention, optional Object Lock, and a bucket policy that denies plaintext transport, uploads
asking for any encryption but SSE-KMS with the bucket's key, deleting objects or versions, and any access from outside
the S3 gateway endpoint except by the named administrative roles. Everything is protected and never force-destroyed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.context import policy_document

ABORT_INCOMPLETE_MULTIPART_DAYS = 7


@dataclass(frozen=True)
class ObjectLock:
    days: int
    mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"


@dataclass
class GovernedBucketArgs:
    bucket_name: str
    kms_key_arn: pulumi.Input[str]
    retention_days: int
    tags: Mapping[str, str]
    vpc_endpoint_id: pulumi.Input[str]
    """Every S3 action that does not arrive through this (gateway) endpoint is denied."""
    object_lock: ObjectLock | None = None
    admin_role_arns: Sequence[str] = ()
    """Roles exempt from the VPC-endpoint restriction (they still need an Allow somewhere)."""
    delivery_services: Sequence[str] = ()
    """AWS service principals that deliver objects (e.g. CloudTrail): exempt from the endpoint restriction and the
    encryption-header denials, since they write with their own settings; they still must use TLS."""
    extra_statements: Sequence[Mapping[str, Any]] = field(default_factory=list)
    """Further bucket policy statements (Outputs allowed), e.g. service delivery grants."""


class GovernedBucket(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, args: GovernedBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:GovernedBucket", name, None, opts)
        protected = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)

        self.bucket = aws.s3.Bucket(
            name,
            bucket=args.bucket_name,
            force_destroy=False,
            object_lock_enabled=args.object_lock is not None,
            tags=dict(args.tags),
            opts=protected,
        )
        bucket_id = self.bucket.id
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=protected,
        )
        self.ownership_controls = aws.s3.BucketOwnershipControls(
            f"{name}-ownership-controls",
            bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=protected,
        )
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[{
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": args.kms_key_arn,
                },
                "bucket_key_enabled": True,
            }],
            opts=protected,
        )
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled"},
            opts=protected,
        )
        self.lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=[
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "noncurrent_version_expiration": {"noncurrent_days": args.retention_days},
                },
                {
                    "id": "abort-incomplete-multipart-uploads",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_INCOMPLETE_MULTIPART_DAYS},
                },
            ],
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True,
                                        depends_on=[self.versioning]),
        )
        self.object_lock = None
        if args.object_lock is not None:
            self.object_lock = aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                bucket=bucket_id,
                object_lock_enabled="Enabled",
                rule={"default_retention": {"mode": args.object_lock.mode, "days": args.object_lock.days}},
                opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True,
                                            depends_on=[self.versioning]),
            )

        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=bucket_policy_document(self.bucket.arn, args),
            # A Deny-only policy is not public, but the block must exist first so nothing public can ever land.
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True,
                                        depends_on=[self.public_access_block, self.ownership_controls]),
        )
        self.register_outputs({"bucketName": self.bucket.bucket, "bucketArn": self.bucket.arn})


SSE_HEADER = "s3:x-amz-server-side-encryption"
SSE_KEY_HEADER = "s3:x-amz-server-side-encryption-aws-kms-key-id"


def _merge(condition: dict[str, Any], exempt: Mapping[str, Any]) -> dict[str, Any]:
    """A condition block plus the delivery-service exemption (each operator's keys merged, all ANDed)."""
    merged = {op: dict(keys) for op, keys in condition.items()}
    for op, keys in exempt.items():
        merged.setdefault(op, {}).update(keys)
    return merged


def encryption_statements(objects: pulumi.Input[str], kms_key_arn: pulumi.Input[str],
                          exempt: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Denials that make every stored object SSE-KMS with the bucket's own key.

    IAM semantics (IAM User Guide, "Condition operators": a negated operator or an ...IfExists operator is TRUE
    when the key is absent): a bare StringNotEquals on an encryption header would deny every upload without
    headers and every UploadPart (which never carries them). So each denial first tests that its header is present
    (Null = false). Uploads without headers get the bucket's default encryption, SSE-KMS with this key. S3 docs
    ("Specifying server-side encryption with AWS KMS"): aws:kms without a key id uses the AWS managed aws/s3 key,
    so that combination is denied too; SSE-S3 (AES256) and DSSE (aws:kms:dsse) are denied by the first statement.
    """
    def deny(sid: str, condition: dict[str, Any]) -> dict[str, Any]:
        return {"Sid": sid, "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects,
                "Condition": _merge(condition, exempt)}

    return [
        deny("DenyUploadsWithAnotherEncryption",
             {"Null": {SSE_HEADER: "false"}, "StringNotEquals": {SSE_HEADER: "aws:kms"}}),
        deny("DenyKmsUploadsWithoutTheBucketKey",
             {"StringEquals": {SSE_HEADER: "aws:kms"}, "Null": {SSE_KEY_HEADER: "true"}}),
        deny("DenyUploadsWithAnotherKmsKey",
             {"Null": {SSE_KEY_HEADER: "false"}, "StringNotEquals": {SSE_KEY_HEADER: kms_key_arn}}),
    ]


def bucket_policy_document(bucket_arn: pulumi.Input[str], args: GovernedBucketArgs) -> pulumi.Output[str]:
    objects = pulumi.Output.concat(bucket_arn, "/*")
    service_exempt: dict[str, Any] = {}
    if args.delivery_services:
        # Absent for every principal but a service, so ...IfExists keeps the denial for everyone else.
        service_exempt = {"StringNotEqualsIfExists": {"aws:PrincipalServiceName": list(args.delivery_services)}}

    statements: list[Mapping[str, Any]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        *encryption_statements(objects, args.kms_key_arn, service_exempt),
        {
            # Objects and their versions are the dataset's history: nobody deletes one while this policy stands,
            # administrators included (retiring a dataset replaces the policy first). Lifecycle expiry of
            # noncurrent versions is done by S3 itself, not by a request this policy sees.
            "Sid": "DenyDeletingObjects",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"],
            "Resource": objects,
        },
    ]
    # StringNotEquals is true when aws:SourceVpce is absent (any request from outside a VPC endpoint).
    condition: dict[str, Any] = {"StringNotEquals": {"aws:SourceVpce": args.vpc_endpoint_id}, **service_exempt}
    if args.admin_role_arns:
        condition["ArnNotLike"] = {"aws:PrincipalArn": list(args.admin_role_arns)}
    statements.append({
        "Sid": "DenyAccessOutsideVpcEndpoint",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, objects],
        "Condition": condition,
    })
    statements.extend(args.extra_statements)
    return policy_document(*statements)
