"""SageMaker Studio: a VPC-only, IAM-authenticated, KMS-encrypted domain, and one user profile per team."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.context import DeployContext, service_trust_policy

# Notebook sharing would copy notebook outputs (which may hold dataset rows) to a shared location: off.
SHARING_SETTINGS = {"notebook_output_option": "Disabled"}


@dataclass
class StudioDomainArgs:
    ctx: DeployContext
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]


class StudioDomain(pulumi.ComponentResource):
    """The domain. Its default execution role has no permissions: data access comes only from a team's profile."""

    domain: aws.sagemaker.Domain
    default_role: aws.iam.Role

    def __init__(self, name: str, args: StudioDomainArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:StudioDomain", name, None, opts)
        tags = dict(args.tags)
        self.default_role = aws.iam.Role(
            f"{name}-default",
            description="Default Studio execution role: no data access",
            assume_role_policy=service_trust_policy("sagemaker.amazonaws.com", args.ctx.account_id,
                                                    actions=("sts:AssumeRole", "sts:SetSourceIdentity")),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        security_groups = list(args.security_group_ids)
        self.domain = aws.sagemaker.Domain(
            name,
            domain_name=args.ctx.prefix,
            auth_mode="IAM",
            app_network_access_type="VpcOnly",
            vpc_id=args.vpc_id,
            subnet_ids=list(args.subnet_ids),
            kms_key_id=args.kms_key_arn,
            default_user_settings={
                "execution_role": self.default_role.arn,
                "security_groups": security_groups,
                "sharing_settings": SHARING_SETTINGS,
            },
            default_space_settings={
                "execution_role": self.default_role.arn,
                "security_groups": security_groups,
            },
            retention_policy={"home_efs_file_system": "Retain"},
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        self.register_outputs({"domainId": self.domain.id, "url": self.domain.url})


@dataclass
class StudioProfilesArgs:
    domain_id: pulumi.Input[str]
    role_arns: Mapping[str, pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    team_tags: Mapping[str, Mapping[str, str]]


class StudioUserProfiles(pulumi.ComponentResource):
    """One user profile per team, running as that team's execution role, with the domain's sharing rules."""

    profiles: dict[str, aws.sagemaker.UserProfile]

    def __init__(self, name: str, args: StudioProfilesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:StudioUserProfiles", name, None, opts)
        self.profiles = {}
        for team, role_arn in args.role_arns.items():
            user_settings: dict[str, Any] = {
                "execution_role": role_arn,
                "security_groups": list(args.security_group_ids),
                "sharing_settings": SHARING_SETTINGS,
            }
            self.profiles[team] = aws.sagemaker.UserProfile(
                f"{name}-{team}",
                domain_id=args.domain_id,
                user_profile_name=team,
                user_settings=user_settings,
                tags=dict(args.team_tags[team]),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"profileArns": {t: p.arn for t, p in self.profiles.items()}})
