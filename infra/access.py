"""Least-privilege SageMaker execution roles, one per team, derived from the catalog's access matrix.

A reader may list the dataset's bucket, read objects and their versions, and decrypt with the dataset key (through S3
only). A writer (the owner and the listed writers) may also put objects and abort its multipart uploads, and
generate data keys. No role is granted deletion of objects or versions, bucket configuration, or any other dataset.

Each role also gets what Studio needs for its members' private spaces and apps, and (teams that run jobs) job
creation passing only itself. A second policy on every role holds the preventive guardrails (infra/guardrails.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.catalog import Access, Catalog, Team, access_matrix
from ml_dataset_governance.infra.context import DeployContext, policy_document, service_trust_policy
from ml_dataset_governance.infra.guardrails import guardrail_statements
from ml_dataset_governance.infra.keys import DATASET_KEY_USE, STUDIO_KEY_USE, studio_key_services
from ml_dataset_governance.infra.logs import SAGEMAKER_LOG_GROUPS, SAGEMAKER_LOG_PREFIX

SAGEMAKER = "sagemaker.amazonaws.com"

OBJECT_ACTIONS: dict[Access, tuple[str, ...]] = {
    "read": ("s3:GetObject", "s3:GetObjectVersion"),
    "write": ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload"),
}
BUCKET_ACTIONS: tuple[str, ...] = ("s3:ListBucket", "s3:GetBucketLocation")
KEY_ACTIONS: dict[Access, tuple[str, ...]] = DATASET_KEY_USE

# SageMaker Developer Guide, "Give your users access to spaces" (studio-updated-jl-admin-guide-permissions): the
# List actions support no resource-level permissions; spaces and their apps are limited to the owner's profile with
# sagemaker:OwnerUserProfileArn and sagemaker:SpaceSharingType; Studio tags what it creates, so AddTags is needed
# on create (sagemaker:TaggingAction present). Shared spaces are not granted: every profile of the domain could
# open them, which would join teams.
STUDIO_LIST_ACTIONS: tuple[str, ...] = (
    "sagemaker:ListApps", "sagemaker:ListDomains", "sagemaker:ListSpaces", "sagemaker:ListUserProfiles",
)
SPACE_ACTIONS: tuple[str, ...] = ("sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:DeleteSpace")
APP_ACTIONS: tuple[str, ...] = ("sagemaker:CreateApp", "sagemaker:DeleteApp")

# Jobs a team that runs jobs may start, as resource kinds of their ARNs (name prefix: the team's name).
JOB_KINDS: dict[str, tuple[str, ...]] = {
    "training-job": ("sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"),
    "processing-job": ("sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob",
                       "sagemaker:StopProcessingJob"),
    "hyper-parameter-tuning-job": ("sagemaker:CreateHyperParameterTuningJob",
                                   "sagemaker:DescribeHyperParameterTuningJob",
                                   "sagemaker:StopHyperParameterTuningJob"),
}
# SageMaker Developer Guide, "Give SageMaker AI access to resources in your Amazon VPC": jobs in a VPC need the
# execution role to manage their network interfaces.
VPC_JOB_ENI_ACTIONS: tuple[str, ...] = (
    "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
VPC_JOB_DESCRIBE_ACTIONS: tuple[str, ...] = (
    "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
ECR_PULL_ACTIONS: tuple[str, ...] = (
    "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
)
LOG_ACTIONS: tuple[str, ...] = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                "logs:DescribeLogStreams")

def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace(":", "-").split("-"))


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


def profile_arn(ctx: DeployContext, domain_id: pulumi.Input[str], profile: str) -> pulumi.Output[str]:
    return ctx.arn("sagemaker", pulumi.Output.concat("user-profile/", domain_id, "/", profile))


def studio_statements(ctx: DeployContext, domain_id: pulumi.Input[str], team: Team,
                      studio_key_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """What the team's members need in Studio: their own profiles, private spaces and apps, the Studio key."""
    if not team.members:
        return []
    profiles = [profile_arn(ctx, domain_id, m) for m in team.members]
    own_private = {
        "ArnLike": {"sagemaker:OwnerUserProfileArn": profiles},
        "StringEquals": {"sagemaker:SpaceSharingType": "Private"},
    }
    spaces = ctx.arn("sagemaker", pulumi.Output.concat("space/", domain_id, "/*"))
    apps = ctx.arn("sagemaker", pulumi.Output.concat("app/", domain_id, "/*"))
    return [
        {"Sid": "StudioList", "Effect": "Allow", "Action": list(STUDIO_LIST_ACTIONS), "Resource": "*"},
        {
            "Sid": "StudioDescribeDomain",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeDomain",
            "Resource": ctx.arn("sagemaker", pulumi.Output.concat("domain/", domain_id)),
        },
        {
            "Sid": "StudioDescribeOwnProfiles",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeUserProfile",
            "Resource": profiles,
        },
        {
            "Sid": "StudioDescribeSpacesAndApps",
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeSpace", "sagemaker:DescribeApp"],
            "Resource": [spaces, apps],
        },
        {
            "Sid": "StudioOwnPrivateSpaces",
            "Effect": "Allow",
            "Action": list(SPACE_ACTIONS),
            "Resource": spaces,
            "Condition": own_private,
        },
        {
            "Sid": "StudioAppsInOwnPrivateSpaces",
            "Effect": "Allow",
            "Action": list(APP_ACTIONS),
            "Resource": apps,
            "Condition": own_private,
        },
        {
            "Sid": "StudioTagOnCreate",
            "Effect": "Allow",
            "Action": "sagemaker:AddTags",
            "Resource": [spaces, apps],
            "Condition": {"Null": {"sagemaker:TaggingAction": "false"}},
        },
        {
            "Sid": "StudioKeyForHomesAndVolumes",
            "Effect": "Allow",
            "Action": list(STUDIO_KEY_USE),
            "Resource": studio_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": studio_key_services(ctx.region)}},
        },
    ]


def log_statements(ctx: DeployContext) -> list[dict[str, Any]]:
    """Write to the stack's (encrypted) SageMaker log groups only; creating any other group is not granted."""
    groups = [ctx.arn("logs", f"log-group:{SAGEMAKER_LOG_PREFIX}{g}") for g in SAGEMAKER_LOG_GROUPS]
    streams = [ctx.arn("logs", f"log-group:{SAGEMAKER_LOG_PREFIX}{g}:log-stream:*") for g in SAGEMAKER_LOG_GROUPS]
    return [{"Sid": "SageMakerLogs", "Effect": "Allow", "Action": list(LOG_ACTIONS), "Resource": [*groups, *streams]}]


def job_statements(ctx: DeployContext, team: str, role_arn: pulumi.Input[str],
                   vpc_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """Jobs named after the team, run as the team's own role inside the stack's VPC (guardrails apply)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": f"Jobs{_pascal(kind)}",
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": ctx.arn("sagemaker", f"{kind}/{team}-*"),
        }
        for kind, actions in JOB_KINDS.items()
    ]
    statements += [
        {
            # Jobs created with tags (the SageMaker Python SDK tags what it creates) need AddTags on create.
            "Sid": "JobsTagOnCreate",
            "Effect": "Allow",
            "Action": "sagemaker:AddTags",
            "Resource": [ctx.arn("sagemaker", f"{kind}/{team}-*") for kind in JOB_KINDS],
            "Condition": {"Null": {"sagemaker:TaggingAction": "false"}},
        },
        {
            "Sid": "PassOwnRoleToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": SAGEMAKER}},
        },
        {
            "Sid": "JobNetworkInterfacesInThisVpc",
            "Effect": "Allow",
            "Action": list(VPC_JOB_ENI_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnEquals": {"ec2:Vpc": vpc_arn}},
        },
        {"Sid": "JobNetworkDescribe", "Effect": "Allow", "Action": list(VPC_JOB_DESCRIBE_ACTIONS), "Resource": "*"},
        {"Sid": "PullImagesAuth", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "PullImages",
            "Effect": "Allow",
            "Action": list(ECR_PULL_ACTIONS),
            "Resource": f"arn:{ctx.partition}:ecr:{ctx.region}:*:repository/*",
        },
    ]
    return statements


@dataclass
class TeamRolesArgs:
    catalog: Catalog
    ctx: DeployContext
    team_tags: Mapping[str, Mapping[str, str]]
    permissions_boundary_arn: str | None = None


def team_role_name(ctx: DeployContext, team: str) -> str:
    return f"{ctx.prefix}-{team}"


def team_role_arn(ctx: DeployContext, team: str) -> pulumi.Output[str]:
    """Known before the role exists (even in a first preview), so key policies that name it can be checked then."""
    return pulumi.Output.concat(f"arn:{ctx.partition}:iam::", ctx.account_id, f":role/{team_role_name(ctx, team)}")


class TeamRoles(pulumi.ComponentResource):
    """The execution roles alone, first: key policies name them, and their grants need the keys."""

    roles: dict[str, aws.iam.Role]

    def __init__(self, name: str, args: TeamRolesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:TeamRoles", name, None, opts)
        self.ctx = args.ctx
        self.roles = {}
        for team in args.catalog.teams:
            self.roles[team.name] = aws.iam.Role(
                f"{name}-{team.name}",
                name=team_role_name(args.ctx, team.name),
                description=f"SageMaker execution role of team {team.name}",
                # SetSourceIdentity: SageMaker passes the user profile name (ExecutionRoleIdentityConfig).
                assume_role_policy=service_trust_policy(SAGEMAKER, args.ctx.account_id,
                                                        actions=("sts:AssumeRole", "sts:SetSourceIdentity")),
                permissions_boundary=args.permissions_boundary_arn,
                max_session_duration=3600,
                tags=dict(args.team_tags[team.name]),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"roleArns": self.role_arns})

    @property
    def role_arns(self) -> dict[str, pulumi.Output[str]]:
        return {team: role.arn for team, role in self.roles.items()}

    @property
    def known_role_arns(self) -> dict[str, pulumi.Output[str]]:
        """The same ARNs built from the names: for key policies, which must then depend on `roles` explicitly
        (KMS rejects a policy naming a principal that does not exist yet)."""
        return {team: team_role_arn(self.ctx, team) for team in self.roles}


@dataclass
class AccessArgs:
    catalog: Catalog
    ctx: DeployContext
    roles: Mapping[str, aws.iam.Role]
    domain_id: pulumi.Input[str]
    bucket_arns: Mapping[str, pulumi.Input[str]]
    key_arns: Mapping[str, pulumi.Input[str]]
    studio_key_arn: pulumi.Input[str]
    vpc_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    team_security_group_ids: Mapping[str, pulumi.Input[str]]


class TeamAccess(pulumi.ComponentResource):
    """The grants (one policy) and the guardrails (another) of every team's execution role."""

    matrix: dict[str, dict[str, Access | None]]

    def __init__(self, name: str, args: AccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:TeamAccess", name, None, opts)
        ctx = args.ctx
        self.matrix = access_matrix(args.catalog)
        for team in args.catalog.teams:
            role = args.roles[team.name]
            statements: list[dict[str, Any]] = []
            for dataset, access in self.matrix[team.name].items():
                if access is not None:
                    statements += dataset_statements(dataset, access, args.bucket_arns[dataset],
                                                     args.key_arns[dataset], ctx.region)
            statements += studio_statements(ctx, args.domain_id, team, args.studio_key_arn)
            statements += log_statements(ctx)
            if team.runs_jobs:
                statements += job_statements(ctx, team.name, role.arn, args.vpc_arn)
            aws.iam.RolePolicy(
                f"{name}-{team.name}",
                role=role.id,
                policy=policy_document(*statements),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicy(
                f"{name}-{team.name}-guardrails",
                role=role.id,
                policy=policy_document(*guardrail_statements(args.subnet_ids,
                                                             [args.team_security_group_ids[team.name]])),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})
