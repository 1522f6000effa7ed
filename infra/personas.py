"""Human persona roles: one per catalog member, which can open only that member's Studio user profile.

In IAM auth mode a person reaches Studio by calling CreatePresignedDomainUrl for a profile (SageMaker Developer
Guide, "Give your users access to spaces" grants it per profile). Here each person's role may call it for their own
profile only, and only through the stack's SageMaker API / Studio VPC endpoints (aws:SourceVpce) or from the
configured networks (aws:SourceIp) — so a leaked URL cannot be minted from an arbitrary browser. Two statements,
because a request that matches either is allowed (conditions within one statement are ANDed).

Who may assume a persona role is the account's identity setup (IAM Identity Center, an IdP, or IAM policies); the
trust policy requires the session's source identity to be the person's name (sts:SetSourceIdentity, IAM User
Guide "Monitor and control actions taken with assumed roles"), which CloudTrail records on every call made in the
session and in any role chained from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.access import profile_arn
from ml_dataset_governance.infra.catalog import Catalog
from ml_dataset_governance.infra.context import DeployContext, policy_document
from ml_dataset_governance.infra.tags import TAG_PERSON

PERSONA_SESSION_SECONDS = 3600


def persona_trust_policy(ctx: DeployContext, person: str) -> pulumi.Output[str]:
    return policy_document({
        "Sid": "AssumeAsThisPersonOnly",
        "Effect": "Allow",
        "Principal": {"AWS": ctx.account_root_arn},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
        "Condition": {"StringEquals": {"sts:SourceIdentity": person}},
    })


def persona_statements(ctx: DeployContext, domain_id: pulumi.Input[str], person: str,
                       studio_endpoint_ids: Sequence[pulumi.Input[str]],
                       access_cidrs: Sequence[str]) -> list[dict[str, Any]]:
    own_profile = profile_arn(ctx, domain_id, person)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OpenOwnProfileThroughTheStudioEndpoints",
            "Effect": "Allow",
            "Action": "sagemaker:CreatePresignedDomainUrl",
            "Resource": own_profile,
            "Condition": {"StringEquals": {"aws:SourceVpce": list(studio_endpoint_ids)}},
        },
    ]
    if access_cidrs:
        statements.append({
            "Sid": "OpenOwnProfileFromAllowedNetworks",
            "Effect": "Allow",
            "Action": "sagemaker:CreatePresignedDomainUrl",
            "Resource": own_profile,
            "Condition": {"IpAddress": {"aws:SourceIp": list(access_cidrs)}},
        })
    statements += [
        {
            "Sid": "DescribeOwnProfileAndDomain",
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeUserProfile", "sagemaker:DescribeDomain"],
            "Resource": [own_profile, ctx.arn("sagemaker", pulumi.Output.concat("domain/", domain_id))],
        },
        {
            # The console's Studio landing page lists domains and profiles; List actions take no resource ARN.
            "Sid": "ListDomainsAndProfiles",
            "Effect": "Allow",
            "Action": ["sagemaker:ListDomains", "sagemaker:ListUserProfiles"],
            "Resource": "*",
        },
    ]
    return statements


@dataclass
class PersonasArgs:
    catalog: Catalog
    ctx: DeployContext
    domain_id: pulumi.Input[str]
    studio_endpoint_ids: Sequence[pulumi.Input[str]]
    access_cidrs: Sequence[str]
    team_tags: Mapping[str, Mapping[str, str]]
    permissions_boundary_arn: str | None = None


class Personas(pulumi.ComponentResource):
    roles: dict[str, aws.iam.Role]

    def __init__(self, name: str, args: PersonasArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:Personas", name, None, opts)
        self.roles = {}
        for person, team in args.catalog.members.items():
            role = aws.iam.Role(
                f"{name}-{person}",
                description=f"Persona of {person} (team {team}): opens only their own Studio profile",
                assume_role_policy=persona_trust_policy(args.ctx, person),
                permissions_boundary=args.permissions_boundary_arn,
                max_session_duration=PERSONA_SESSION_SECONDS,
                tags={**args.team_tags[team], TAG_PERSON: person},
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicy(
                f"{name}-{person}",
                role=role.id,
                policy=policy_document(*persona_statements(args.ctx, args.domain_id, person,
                                                           args.studio_endpoint_ids, args.access_cidrs)),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.roles[person] = role
        self.register_outputs({"personaRoleArns": {p: r.arn for p, r in self.roles.items()}})
