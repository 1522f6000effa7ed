"""Customer-managed KMS keys: one per dataset, one each for audit logs, the Studio domain and log groups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.catalog import Catalog
from ml_dataset_governance.infra.context import DeployContext, policy_document

KEY_DELETION_WINDOW_DAYS = 30
ALIAS_PREFIX = "alias/mlgov"


@dataclass
class KeysArgs:
    catalog: Catalog
    ctx: DeployContext
    trail_arn: pulumi.Input[str]
    """ARN of the CloudTrail trail allowed to encrypt with the audit key (known before the trail exists)."""
    log_group_arn_pattern: pulumi.Input[str]
    """ARN pattern of the log groups CloudWatch Logs may encrypt with the logs key."""
    dataset_tags: Mapping[str, Mapping[str, str]]
    platform_tags: Mapping[str, str]


class Keys(pulumi.ComponentResource):
    dataset_keys: dict[str, aws.kms.Key]
    audit_key: aws.kms.Key
    studio_key: aws.kms.Key
    logs_key: aws.kms.Key

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:Keys", name, None, opts)
        ctx = args.ctx
        root = {
            "Sid": "EnableIamPoliciesOfThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": ctx.account_root_arn},
            "Action": "kms:*",
            "Resource": "*",
        }

        self.dataset_keys = {}
        for dataset in args.catalog.datasets:
            self.dataset_keys[dataset.name] = self._key(
                f"{name}-{dataset.name}", f"{ALIAS_PREFIX}/{dataset.name}",
                f"Encrypts objects of dataset {dataset.name} ({dataset.classification})",
                [root], args.dataset_tags[dataset.name],
            )

        cloudtrail_encrypt = {
            "Sid": "AllowCloudTrailToEncryptLogsOfThisTrail",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": args.trail_arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": args.trail_arn},
            },
        }
        cloudtrail_describe = {
            "Sid": "AllowCloudTrailToDescribeKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": args.trail_arn}},
        }
        self.audit_key = self._key(f"{name}-audit", f"{ALIAS_PREFIX}/platform/audit",
                                   "Encrypts CloudTrail logs and the audit bucket",
                                   [root, cloudtrail_encrypt, cloudtrail_describe], args.platform_tags)
        self.studio_key = self._key(f"{name}-studio", f"{ALIAS_PREFIX}/platform/studio",
                                    "Encrypts SageMaker Studio home directories and volumes", [root],
                                    args.platform_tags)
        logs_service = {
            "Sid": "AllowCloudWatchLogsForThisStacksLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{ctx.region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": args.log_group_arn_pattern}},
        }
        self.logs_key = self._key(f"{name}-logs", f"{ALIAS_PREFIX}/platform/logs",
                                  "Encrypts CloudWatch log groups (VPC flow logs)", [root, logs_service],
                                  args.platform_tags)

        self.register_outputs({
            "datasetKeyArns": {k: v.arn for k, v in self.dataset_keys.items()},
            "auditKeyArn": self.audit_key.arn,
            "studioKeyArn": self.studio_key.arn,
            "logsKeyArn": self.logs_key.arn,
        })

    def _key(self, name: str, alias: str, description: str, statements: list[dict[str, Any]],
             tags: Mapping[str, str]) -> aws.kms.Key:
        key = aws.kms.Key(
            name,
            description=description,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=policy_document(*statements),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        aws.kms.Alias(f"{name}-alias", name=alias, target_key_id=key.key_id,
                      opts=pulumi.ResourceOptions(parent=self))
        return key
