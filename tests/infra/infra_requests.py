"""The stack's generated policies, read from a recorded update run, and concrete requests evaluated against them.

Everything here comes from what the program registered (role policies by their `role` dependency, bucket policies
by their `bucket`, key policies by alias, endpoint ids by service name), never from the functions that wrote the
documents; the verdict comes from the access model's evaluator (`policies.access.evaluate`), AWS's evaluation logic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infra_stack_helpers import (
    BUCKET,
    BUCKET_POLICY,
    DOMAIN,
    KMS_ALIAS,
    KMS_KEY,
    ROLE,
    ROLE_POLICY,
    SECURITY_GROUP,
    SUBNET,
    USER_PROFILE,
    VPC_ENDPOINT,
    dependents,
    depends_on,
    document,
    one,
)
from ml_dataset_governance.infra.catalog import AUDIT_BUCKET_SUFFIX, StackSettings, bucket_name
from ml_dataset_governance.policies.access import Decision, Principal, Request, evaluate

from mlgov.program import ProgramRun, RecordedResource

PROJECT, STACK, ACCOUNT, REGION = "ml-dataset-governance", "dev", "123456789012", "us-east-1"
S3_VIA = f"s3.{REGION}.amazonaws.com"
# What an administrator's own account grants it (outside this stack): everything. The stack must still hold.
ADMIN_IDENTITY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
FOREIGN_KEY = f"arn:aws:kms:{REGION}:210987654321:key/11111111-2222-3333-4444-555555555555"


@dataclass
class Stack:
    """Lookups over one recorded run of the stack."""

    run: ProgramRun
    settings: StackSettings
    _roles: dict[str, RecordedResource] = field(default_factory=dict)

    # -- principals ------------------------------------------------------------------------------------------------
    def profile(self, person: str) -> RecordedResource:
        return one([p for p in self.run.by_type(USER_PROFILE) if p.inputs["userProfileName"] == person],
                   f"profile {person}")

    def team_role(self, team: str) -> RecordedResource:
        """A team's execution role, found through a member's profile (the profile runs as the role)."""
        if team not in self._roles:
            members = self.settings.catalog.team(team).members
            profile = self.profile(members[0])
            self._roles[team] = one([r for r in self.run.by_type(ROLE) if depends_on(profile, "userSettings", r)],
                                    f"role of {team}")
        return self._roles[team]

    def role_arn(self, team: str) -> str:
        return self.team_role(team).outputs["arn"]

    def persona_role(self, person: str) -> RecordedResource:
        return one([r for r in self.run.by_type(ROLE) if r.inputs.get("tags", {}).get("person") == person],
                   f"persona role of {person}")

    def policies_of(self, role: RecordedResource) -> list[dict[str, Any]]:
        return [document(p.inputs["policy"]) for p in dependents(self.run, ROLE_POLICY, "role", role)]

    # -- resources -------------------------------------------------------------------------------------------------
    def bucket(self, suffix: str) -> RecordedResource:
        name = bucket_name(PROJECT, STACK, suffix)
        return one([b for b in self.run.by_type(BUCKET) if b.inputs["bucket"] == name], f"bucket {name}")

    def bucket_arn(self, suffix: str) -> str:
        return self.bucket(suffix).outputs["arn"]

    def bucket_policy(self, suffix: str) -> dict[str, Any]:
        policy = one(dependents(self.run, BUCKET_POLICY, "bucket", self.bucket(suffix)), f"policy of {suffix}")
        return document(policy.inputs["policy"])

    @property
    def audit_suffix(self) -> str:
        return AUDIT_BUCKET_SUFFIX

    def key(self, alias: str) -> RecordedResource:
        record = one([a for a in self.run.by_type(KMS_ALIAS) if a.inputs["name"] == alias], f"alias {alias}")
        return one([k for k in self.run.by_type(KMS_KEY) if depends_on(record, "targetKeyId", k)], f"key {alias}")

    def dataset_key_arn(self, dataset: str) -> str:
        return self.key(f"alias/mlgov/{dataset}").outputs["arn"]

    def endpoint(self, service: str) -> RecordedResource:
        return one([e for e in self.run.by_type(VPC_ENDPOINT) if e.inputs["serviceName"] == service], service)

    @property
    def s3_endpoint(self) -> RecordedResource:
        return self.endpoint(f"com.amazonaws.{REGION}.s3")

    @property
    def domain_id(self) -> str:
        return one(self.run.by_type(DOMAIN), "domain").outputs["id"]

    def profile_arn(self, person: str) -> str:
        return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{self.domain_id}/{person}"

    @property
    def subnet_ids(self) -> list[str]:
        return [s.outputs["id"] for s in self.run.by_type(SUBNET)]

    def team_security_group(self, team: str) -> RecordedResource:
        profile = self.profile(self.settings.catalog.team(team).members[0])
        return one([g for g in self.run.by_type(SECURITY_GROUP) if depends_on(profile, "userSettings", g)],
                   f"security group of {team}")

    # -- requests --------------------------------------------------------------------------------------------------
    def through_endpoint(self, **extra: Any) -> dict[str, Any]:
        """The context of a TLS request through the stack's S3 gateway endpoint."""
        return {"aws:SecureTransport": "true", "aws:SourceVpce": self.s3_endpoint.outputs["id"], **extra}

    def s3(self, principal: str | Principal, action: str, resource: str, context: Mapping[str, Any],
           identity: list[Any] | None = None, bucket: str | None = None) -> Decision:
        """A request to one of the stack's buckets: the principal's policies, then the bucket policy; through the
        gateway endpoint, the endpoint policy must allow it too."""
        suffix = bucket or _bucket_suffix(resource)
        request = Request(principal=principal, action=action, resource=resource, context=dict(context),
                          resource_account=ACCOUNT)
        decision = evaluate(request, identity_policies=identity or [], resource_policy=self.bucket_policy(suffix))
        if decision.allowed and "aws:SourceVpce" in context:
            via = self.endpoint_decision(request)
            if not via.allowed:
                return via
        return decision

    def endpoint_decision(self, request: Request) -> Decision:
        return evaluate(request, resource_policy=document(self.s3_endpoint.inputs["policy"]))

    def as_team(self, team: str, action: str, resource: str, context: Mapping[str, Any] | None = None) -> Decision:
        """A request made with the team's execution role credentials, judged by its own policies alone."""
        role = self.team_role(team)
        return evaluate(Request(principal=role.outputs["arn"], action=action, resource=resource,
                                context=dict(context or {})),
                        identity_policies=self.policies_of(role))

    def kms(self, principal: str, alias: str, action: str, context: Mapping[str, Any],
            identity: list[Any] | None = None) -> Decision:
        key = self.key(alias)
        return evaluate(Request(principal=principal, action=action, resource=key.outputs["arn"],
                                context=dict(context)),
                        identity_policies=identity or [], resource_policy=document(key.inputs["policy"]))


def _bucket_suffix(resource: str) -> str:
    name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return name.removeprefix(f"{PROJECT}-{STACK}-")


def compliant_job(stack: Stack, team: str) -> dict[str, object]:
    """The condition keys of a CreateTrainingJob that meets every guardrail, run in the team's security group."""
    key = stack.dataset_key_arn("training-ledger")
    return {
        "sagemaker:VpcSubnets": stack.subnet_ids,
        "sagemaker:VpcSecurityGroupIds": [stack.team_security_group(team).outputs["id"]],
        "sagemaker:VolumeKmsKey": key,
        "sagemaker:OutputKmsKey": key,
        "sagemaker:NetworkIsolation": "true",
        "sagemaker:InterContainerTrafficEncryption": "true",
    }


def job_arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"
