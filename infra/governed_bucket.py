"""One governed S3 bucket: the controls every bucket of the stack gets, dataset or audit alike.

Public access fully blocked, ACLs disabled, SSE-KMS with a customer-managed key and S3 Bucket Keys, versioning,
noncurrent-version retention, optional Object Lock, and a bucket policy that denies plaintext transport, uploads not
encrypted with the bucket's key, and any access from outside the S3 gateway endpoint except by the named
administrative roles. Everything is protected and never force-destroyed.
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


def _if_header_present(header: str, expected: pulumi.Input[str], service_exempt: Mapping[str, Any]) -> dict[str, Any]:
    """Deny a header that asks for anything but `expected`.

    IfExists: UploadPart requests carry no encryption headers, so a plain StringNotEquals would
    deny every multipart upload; uploads without headers get the bucket's default encryption,
    which is SSE-KMS with the dataset key, so no object can be written with another key.
    """
    operator = "StringNotEqualsIfExists"
    values = {header: expected, **service_exempt.get(operator, {})}
    return {**service_exempt, operator: values}


def bucket_policy_document(bucket_arn: pulumi.Input[str], args: GovernedBucketArgs) -> pulumi.Output[str]:
    objects = pulumi.Output.concat(bucket_arn, "/*")
    service_exempt: dict[str, Any] = {}
    if args.delivery_services:
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
        {
            "Sid": "DenyUploadsNotEncryptedWithKms",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": _if_header_present("s3:x-amz-server-side-encryption", "aws:kms", service_exempt),
        },
        {
            "Sid": "DenyUploadsWithAnotherKmsKey",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": _if_header_present("s3:x-amz-server-side-encryption-aws-kms-key-id", args.kms_key_arn,
                                            service_exempt),
        },
    ]
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
