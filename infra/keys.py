"""Customer-managed KMS keys: one per dataset, one each for audit logs, the Studio domain and log groups.

Separated duties. The account (and so IAM policies in it) may only manage a key, never use it: the root statement
lists management actions only, which keeps every key manageable (AWS KMS Developer Guide, "Default key policy":
removing the account's access can make a key unmanageable). The named key administrators (the stack's admin roles)
also manage and cannot use. Use is granted in the key policy itself, by name, to exactly the principals that need
it: a dataset key to the dataset's catalog roles through S3 only; the Studio key to the team roles through
SageMaker, EFS and EC2 only; the logs key to CloudWatch Logs for this stack's log groups; the audit key to
CloudTrail for this trail. No statement grants use to `*` or to the account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.catalog import Access, Catalog
from ml_dataset_governance.infra.context import DeployContext, policy_document

KEY_DELETION_WINDOW_DAYS = 30
ALIAS_PREFIX = "alias/mlgov"

# Everything a key administrator does, and nothing that encrypts, decrypts or delegates use (no CreateGrant:
# a grant is use by proxy). From the KMS API reference's list of key-management operations.
MANAGEMENT_ACTIONS: tuple[str, ...] = (
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:GetPublicKey",
    "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags",
    "kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:UpdateAlias", "kms:CreateAlias", "kms:DeleteAlias",
    "kms:EnableKey", "kms:DisableKey", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand",
    "kms:TagResource", "kms:UntagResource", "kms:RevokeGrant", "kms:RetireGrant",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
)
# Cryptographic use of a dataset key through S3 (SSE-KMS with S3 Bucket Keys): reading decrypts, writing also
# generates data keys. S3 calls KMS with the caller's identity, so the caller is the principal named here.
DATASET_KEY_USE: dict[Access, tuple[str, ...]] = {
    "read": ("kms:Decrypt",),
    "write": ("kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"),
}
_USERS: dict[Access, str] = {"read": "Readers", "write": "Writers"}
# What Studio needs of the domain key when it creates home directories (EFS) and space volumes (EBS) for a user:
# grants for the AWS resource, data keys without plaintext, decrypt (SageMaker Developer Guide, "Protect data at
# rest using encryption" / Studio customer managed keys).
STUDIO_KEY_USE: tuple[str, ...] = (
    "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext",
)


def studio_key_services(region: str) -> list[str]:
    return [f"{svc}.{region}.amazonaws.com" for svc in ("sagemaker", "elasticfilesystem", "ec2")]


@dataclass
class KeysArgs:
    catalog: Catalog
    ctx: DeployContext
    trail_arn: pulumi.Input[str]
    """ARN of the CloudTrail trail allowed to encrypt with the audit key (known before the trail exists)."""
    log_group_arn_patterns: Sequence[pulumi.Input[str]]
    """ARN patterns of the log groups CloudWatch Logs may encrypt with the logs key."""
    team_role_arns: Mapping[str, pulumi.Input[str]]
    """team -> execution role ARN: the only principals that may use dataset keys and the Studio key."""
    key_admin_arns: Sequence[str]
    principals: Sequence[pulumi.Resource]
    """The roles named in key policies: created before any key."""
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
        self._after = list(args.principals)
        manage = management_statements(ctx, args.key_admin_arns)

        self.dataset_keys = {}
        for dataset in args.catalog.datasets:
            users: dict[Access, list[pulumi.Input[str]]] = {"read": [], "write": []}
            for team in args.catalog.teams:
                access = dataset.access_for(team.name)
                if access is not None:
                    users[access].append(args.team_role_arns[team.name])
            use = [dataset_use_statement(ctx, level, arns) for level, arns in users.items() if arns]
            self.dataset_keys[dataset.name] = self._key(
                f"{name}-{dataset.name}", f"{ALIAS_PREFIX}/{dataset.name}",
                f"Encrypts objects of dataset {dataset.name} ({dataset.classification})",
                [*manage, *use], args.dataset_tags[dataset.name],
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
        # Reading the logs: IAM policies of this account may grant decrypt of this trail's log files only
        # (CloudTrail's documented default "log decrypt" statement, with the account instead of `*`).
        log_readers = {
            "Sid": "AllowAccountToDecryptThisTrailsLogFiles",
            "Effect": "Allow",
            "Principal": {"AWS": ctx.account_root_arn},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": ctx.account_id},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": args.trail_arn},
            },
        }
        self.audit_key = self._key(f"{name}-audit", f"{ALIAS_PREFIX}/platform/audit",
                                   "Encrypts CloudTrail logs and the audit bucket",
                                   [*manage, cloudtrail_encrypt, cloudtrail_describe, log_readers],
                                   args.platform_tags)
        studio_use = {
            "Sid": "AllowTeamRolesToUseThroughStudio",
            "Effect": "Allow",
            "Principal": {"AWS": list(args.team_role_arns.values())},
            "Action": list(STUDIO_KEY_USE),
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": studio_key_services(ctx.region),
                                 "kms:CallerAccount": ctx.account_id},
            },
        }
        studio_statements = [*manage, studio_use]
        if args.key_admin_arns:
            # The deployer creates the domain (its EFS and volumes) with this key: grants for AWS resources only.
            studio_statements.append({
                "Sid": "AllowDeployersToCreateTheDomainsEncryptedStorage",
                "Effect": "Allow",
                "Principal": {"AWS": list(args.key_admin_arns)},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {
                    "Bool": {"kms:GrantIsForAWSResource": "true"},
                    "StringEquals": {"kms:ViaService": studio_key_services(ctx.region)},
                },
            })
        self.studio_key = self._key(f"{name}-studio", f"{ALIAS_PREFIX}/platform/studio",
                                    "Encrypts SageMaker Studio home directories and volumes", studio_statements,
                                    args.platform_tags)
        logs_service = {
            "Sid": "AllowCloudWatchLogsForThisStacksLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{ctx.region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": list(args.log_group_arn_patterns)}},
        }
        self.logs_key = self._key(f"{name}-logs", f"{ALIAS_PREFIX}/platform/logs",
                                  "Encrypts CloudWatch log groups (VPC flow logs, SageMaker)", [*manage, logs_service],
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
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True, depends_on=self._after),
        )
        aws.kms.Alias(f"{name}-alias", name=alias, target_key_id=key.key_id,
                      opts=pulumi.ResourceOptions(parent=self))
        return key


def management_statements(ctx: DeployContext, key_admin_arns: Sequence[str]) -> list[dict[str, Any]]:
    """The account and the named key administrators may manage the key; neither may use it."""
    statements: list[dict[str, Any]] = [{
        "Sid": "AllowAccountToManageNotUse",
        "Effect": "Allow",
        "Principal": {"AWS": ctx.account_root_arn},
        "Action": list(MANAGEMENT_ACTIONS),
        "Resource": "*",
    }]
    if key_admin_arns:
        statements.append({
            "Sid": "AllowKeyAdministratorsToManageNotUse",
            "Effect": "Allow",
            "Principal": {"AWS": list(key_admin_arns)},
            "Action": list(MANAGEMENT_ACTIONS),
            "Resource": "*",
        })
    return statements


def dataset_use_statement(ctx: DeployContext, access: Access, role_arns: list[pulumi.Input[str]]) -> dict[str, Any]:
    """Use of a dataset key by its catalog roles at one access level, only through S3 in this account."""
    return {
        "Sid": f"Allow{_USERS[access]}ThroughS3",
        "Effect": "Allow",
        "Principal": {"AWS": role_arns},
        "Action": list(DATASET_KEY_USE[access]),
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com", "kms:CallerAccount": ctx.account_id},
        },
    }
