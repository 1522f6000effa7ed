"""SageMaker Studio: a VPC-only, IAM-authenticated, KMS-encrypted domain, and one user profile per person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.catalog import Catalog
from ml_dataset_governance.infra.context import DeployContext, policy_document, service_trust_policy
from ml_dataset_governance.infra.guardrails import guardrail_statements
from ml_dataset_governance.infra.tags import TAG_PERSON

# Notebook sharing would copy notebook outputs (which may hold dataset rows) to a shared location: off.
SHARING_SETTINGS = {"notebook_output_option": "Disabled"}
# SageMaker API reference, DomainSettings: USER_PROFILE_NAME makes SageMaker set the user profile name as the source
# identity of the execution-role session, so CloudTrail names the person behind each dataset read. Docker access in
# Studio (DockerSettings.EnableDockerAccess) would let apps build and run arbitrary containers: off.
DOMAIN_SETTINGS_IDENTITY = "USER_PROFILE_NAME"
DOCKER_ACCESS = "DISABLED"


@dataclass
class StudioDomainArgs:
    ctx: DeployContext
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    """The domain's own group (no ingress): domain-level apps and the defaults; people run in their team's."""
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
        # No grants, but the same guardrails as every execution role: whatever is attached to it later.
        aws.iam.RolePolicy(
            f"{name}-default-guardrails",
            role=self.default_role.id,
            policy=policy_document(*guardrail_statements(list(args.subnet_ids), [args.security_group_id])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        security_groups = [args.security_group_id]
        self.domain = aws.sagemaker.Domain(
            name,
            domain_name=args.ctx.prefix,
            auth_mode="IAM",
            app_network_access_type="VpcOnly",
            vpc_id=args.vpc_id,
            subnet_ids=list(args.subnet_ids),
            kms_key_id=args.kms_key_arn,
            domain_settings={
                "execution_role_identity_config": DOMAIN_SETTINGS_IDENTITY,
                "docker_settings": {"enable_docker_access": DOCKER_ACCESS},
                "security_group_ids": security_groups,
            },
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
    catalog: Catalog
    domain_id: pulumi.Input[str]
    role_arns: Mapping[str, pulumi.Input[str]]
    team_security_group_ids: Mapping[str, pulumi.Input[str]]
    team_tags: Mapping[str, Mapping[str, str]]


class StudioUserProfiles(pulumi.ComponentResource):
    """One user profile per catalog member, running as the team's execution role inside the team's security group."""

    profiles: dict[str, aws.sagemaker.UserProfile]

    def __init__(self, name: str, args: StudioProfilesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:StudioUserProfiles", name, None, opts)
        self.profiles = {}
        for person, team in args.catalog.members.items():
            user_settings: dict[str, Any] = {
                "execution_role": args.role_arns[team],
                "security_groups": [args.team_security_group_ids[team]],
                "sharing_settings": SHARING_SETTINGS,
            }
            self.profiles[person] = aws.sagemaker.UserProfile(
                f"{name}-{person}",
                domain_id=args.domain_id,
                user_profile_name=person,
                user_settings=user_settings,
                tags={**args.team_tags[team], TAG_PERSON: person},
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"profileArns": {p: prof.arn for p, prof in self.profiles.items()}})
