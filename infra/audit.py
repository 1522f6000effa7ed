"""A multi-region CloudTrail trail with S3 data events on every dataset, delivered to a governed audit bucket."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.catalog import AUDIT_BUCKET_SUFFIX, bucket_name
from ml_dataset_governance.infra.context import DeployContext
from ml_dataset_governance.infra.governed_bucket import GovernedBucket, GovernedBucketArgs, ObjectLock

CLOUDTRAIL = "cloudtrail.amazonaws.com"
AUDIT_RETENTION_DAYS = 365


def trail_name(ctx: DeployContext) -> str:
    return ctx.prefix


def trail_arn(ctx: DeployContext) -> pulumi.Output[str]:
    """The trail's ARN, known before the trail exists (the audit key policy needs it)."""
    return ctx.arn("cloudtrail", f"trail/{trail_name(ctx)}")


@dataclass
class AuditArgs:
    ctx: DeployContext
    audit_key_arn: pulumi.Input[str]
    dataset_bucket_arns: Mapping[str, pulumi.Input[str]]
    s3_endpoint_id: pulumi.Input[str]
    admin_role_arns: Sequence[str]
    tags: Mapping[str, str]
    retention_days: int = AUDIT_RETENTION_DAYS
    object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    """COMPLIANCE: no principal, the root user included, can delete or shorten a locked log file's retention."""


class Audit(pulumi.ComponentResource):
    bucket: GovernedBucket
    trail: aws.cloudtrail.Trail

    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:Audit", name, None, opts)
        ctx = args.ctx
        this_trail = trail_arn(ctx)
        bucket_arn = f"arn:{ctx.partition}:s3:::{bucket_name(ctx.project, ctx.stack, AUDIT_BUCKET_SUFFIX)}"
        delivery = [
            {
                "Sid": "AllowCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": {"StringEquals": {"aws:SourceArn": this_trail}},
            },
            {
                "Sid": "AllowCloudTrailDelivery",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "s3:PutObject",
                "Resource": pulumi.Output.concat(bucket_arn, "/AWSLogs/", ctx.account_id, "/*"),
                "Condition": {
                    "StringEquals": {"aws:SourceArn": this_trail, "s3:x-amz-acl": "bucket-owner-full-control"},
                },
            },
        ]
        self.bucket = GovernedBucket(
            f"{name}-logs",
            GovernedBucketArgs(
                bucket_name=bucket_name(ctx.project, ctx.stack, AUDIT_BUCKET_SUFFIX),
                kms_key_arn=args.audit_key_arn,
                retention_days=args.retention_days,
                tags=args.tags,
                # Log files cannot be altered or deleted during the retention period.
                object_lock=ObjectLock(days=args.retention_days, mode=args.object_lock_mode),
                vpc_endpoint_id=args.s3_endpoint_id,
                admin_role_arns=args.admin_role_arns,
                delivery_services=[CLOUDTRAIL],
                extra_statements=delivery,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.trail = aws.cloudtrail.Trail(
            name,
            name=trail_name(ctx),
            s3_bucket_name=self.bucket.bucket.id,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=args.audit_key_arn,
            event_selectors=[{
                "read_write_type": "All",
                "include_management_events": True,
                "data_resources": [{
                    "type": "AWS::S3::Object",
                    "values": [pulumi.Output.concat(arn, "/") for arn in args.dataset_bucket_arns.values()],
                }],
            }],
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True,
                                        depends_on=[self.bucket.policy]),
        )
        self.register_outputs({"trailArn": self.trail.arn, "bucketName": self.bucket.bucket.bucket})
