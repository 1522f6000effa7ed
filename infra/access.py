"""Least-privilege SageMaker execution roles, one per team, derived from the catalog's access matrix.

A reader may list the dataset's bucket, read objects and their versions, and decrypt with the dataset key (through S3
only). A writer (the owner and the listed writers) may also put objects and abort its multipart uploads, and
generate data keys. Nobody is granted deletion of objects or versions, bucket configuration, or any other dataset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.catalog import Access, Catalog, access_matrix
from ml_dataset_governance.infra.context import DeployContext, policy_document, service_trust_policy

SAGEMAKER = "sagemaker.amazonaws.com"

OBJECT_ACTIONS: dict[Access, tuple[str, ...]] = {
    "read": ("s3:GetObject", "s3:GetObjectVersion"),
    "write": ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload"),
}
BUCKET_ACTIONS: tuple[str, ...] = ("s3:ListBucket", "s3:GetBucketLocation")
KEY_ACTIONS: dict[Access, tuple[str, ...]] = {
    "read": ("kms:Decrypt",),
    "write": ("kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"),
}


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def dataset_statements(dataset: str, access: Access, bucket_arn: pulumi.Input[str], key_arn: pulumi.Input[str],
                       region: str) -> list[dict[str, Any]]:
    """The grants of one access level on one dataset: objects, the bucket listing, and its key through S3."""
    ds = _pascal(dataset)
    level = access.capitalize()
    return [
        {
            "Sid": f"{level}Objects{ds}",
            "Effect": "Allow",
            "Action": list(OBJECT_ACTIONS[access]),
            "Resource": pulumi.Output.concat(bucket_arn, "/*"),
        },
        {
            "Sid": f"ListBucket{ds}",
            "Effect": "Allow",
            "Action": list(BUCKET_ACTIONS),
            "Resource": bucket_arn,
        },
        {
            "Sid": f"{level}Key{ds}",
            "Effect": "Allow",
            "Action": list(KEY_ACTIONS[access]),
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    ]


def studio_statements(ctx: DeployContext, domain_id: pulumi.Input[str], profile_name: str) -> list[dict[str, Any]]:
    """What a team's Studio user profile needs, scoped to its own profile, apps and SageMaker log groups."""
    return [
        {
            "Sid": "StudioOwnUserProfile",
            "Effect": "Allow",
            "Action": ["sagemaker:CreatePresignedDomainUrl", "sagemaker:DescribeUserProfile"],
            "Resource": ctx.arn("sagemaker", pulumi.Output.concat("user-profile/", domain_id, "/", profile_name)),
        },
        {
            "Sid": "StudioDescribeDomain",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeDomain",
            "Resource": ctx.arn("sagemaker", pulumi.Output.concat("domain/", domain_id)),
        },
        {
            "Sid": "StudioOwnApps",
            "Effect": "Allow",
            "Action": ["sagemaker:CreateApp", "sagemaker:DeleteApp", "sagemaker:DescribeApp"],
            "Resource": ctx.arn("sagemaker", pulumi.Output.concat("app/", domain_id, "/", profile_name, "/*")),
        },
        {
            "Sid": "SageMakerLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": ctx.arn("logs", "log-group:/aws/sagemaker/*"),
        },
    ]


@dataclass
class AccessArgs:
    catalog: Catalog
    ctx: DeployContext
    domain_id: pulumi.Input[str]
    bucket_arns: Mapping[str, pulumi.Input[str]]
    key_arns: Mapping[str, pulumi.Input[str]]
    team_tags: Mapping[str, Mapping[str, str]]
    permissions_boundary_arn: str | None = None


class TeamAccess(pulumi.ComponentResource):
    roles: dict[str, aws.iam.Role]
    matrix: dict[str, dict[str, Access | None]]

    def __init__(self, name: str, args: AccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:TeamAccess", name, None, opts)
        ctx = args.ctx
        self.matrix = access_matrix(args.catalog)
        self.roles = {}
        for team in args.catalog.teams:
            role = aws.iam.Role(
                f"{name}-{team.name}",
                description=f"SageMaker Studio execution role of team {team.name}",
                assume_role_policy=service_trust_policy(SAGEMAKER, ctx.account_id,
                                                        actions=("sts:AssumeRole", "sts:SetSourceIdentity")),
                permissions_boundary=args.permissions_boundary_arn,
                max_session_duration=3600,
                tags=dict(args.team_tags[team.name]),
                opts=pulumi.ResourceOptions(parent=self),
            )
            statements: list[dict[str, Any]] = []
            for dataset, access in self.matrix[team.name].items():
                if access is not None:
                    statements += dataset_statements(dataset, access, args.bucket_arns[dataset],
                                                     args.key_arns[dataset], ctx.region)
            statements += studio_statements(ctx, args.domain_id, team.name)
            aws.iam.RolePolicy(
                f"{name}-{team.name}",
                role=role.id,
                policy=policy_document(*statements),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.roles[team.name] = role
        self.register_outputs({"roleArns": self.role_arns})

    @property
    def role_arns(self) -> dict[str, pulumi.Output[str]]:
        return {team: role.arn for team, role in self.roles.items()}
