"""Persona roles, by request: each person opens only their own profile, only through the Studio endpoints or from
the configured networks, and only in a session whose source identity is their name."""

from __future__ import annotations

import pytest
from infra_requests import ACCOUNT, Stack
from infra_stack_helpers import document
from ml_dataset_governance.infra.catalog import StackSettings
from ml_dataset_governance.policies.access import Request, evaluate

from mlgov.program import ProgramRun

PERSON, COLLEAGUE, OTHER_TEAM_PERSON = "sam", "noor", "dana"
OPEN = "sagemaker:CreatePresignedDomainUrl"


def as_person(stack: Stack, person: str, action: str, resource: str, **context: str):
    role = stack.persona_role(person)
    return evaluate(Request(principal=role.outputs["arn"], action=action, resource=resource, context=context),
                    identity_policies=stack.policies_of(role))


def endpoint_id(stack: Stack, service: str) -> str:
    return stack.endpoint(service).outputs["id"]


@pytest.mark.parametrize("service", ["com.amazonaws.us-east-1.sagemaker.api", "aws.sagemaker.us-east-1.studio"])
def test_a_person_opens_their_profile_through_the_studio_endpoints(stack: Stack, service: str) -> None:
    vpce = endpoint_id(stack, service)
    assert as_person(stack, PERSON, OPEN, stack.profile_arn(PERSON), **{"aws:SourceVpce": vpce}).allowed


def test_a_person_opens_their_profile_from_the_configured_networks_only(stack: Stack) -> None:
    own = stack.profile_arn(PERSON)
    assert as_person(stack, PERSON, OPEN, own, **{"aws:SourceIp": "198.51.100.23"}).allowed
    assert not as_person(stack, PERSON, OPEN, own, **{"aws:SourceIp": "203.0.113.9"}).allowed
    assert not as_person(stack, PERSON, OPEN, own).allowed  # from anywhere else
    other_vpce = endpoint_id(stack, "com.amazonaws.us-east-1.sts")
    assert not as_person(stack, PERSON, OPEN, own, **{"aws:SourceVpce": other_vpce}).allowed


def test_without_configured_networks_only_the_endpoints_open_studio(variant_stack: Stack) -> None:
    own = variant_stack.profile_arn(PERSON)
    assert not as_person(variant_stack, PERSON, OPEN, own, **{"aws:SourceIp": "198.51.100.23"}).allowed
    vpce = endpoint_id(variant_stack, "aws.sagemaker.us-east-1.studio")
    assert as_person(variant_stack, PERSON, OPEN, own, **{"aws:SourceVpce": vpce}).allowed


@pytest.mark.parametrize("other", [COLLEAGUE, OTHER_TEAM_PERSON])
def test_a_person_cannot_open_anyone_elses_profile(stack: Stack, other: str) -> None:
    vpce = endpoint_id(stack, "aws.sagemaker.us-east-1.studio")
    for context in ({"aws:SourceVpce": vpce}, {"aws:SourceIp": "198.51.100.23"}):
        assert not as_person(stack, PERSON, OPEN, stack.profile_arn(other), **context).allowed
    assert not as_person(stack, PERSON, "sagemaker:DescribeUserProfile", stack.profile_arn(other)).allowed


def test_personas_reach_no_data(stack: Stack, settings: StackSettings) -> None:
    role = stack.persona_role(PERSON)
    for dataset in settings.catalog.datasets:
        assert not stack.s3(role.outputs["arn"], "s3:GetObject", f"{stack.bucket_arn(dataset.name)}/k",
                            stack.through_endpoint(), identity=stack.policies_of(role)).allowed


MAY_ASSUME = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"], "Resource": "*"}]}


def assume(stack: Stack, person: str, action: str, caller: str = f"arn:aws:iam::{ACCOUNT}:role/sso-user-session",
           **context: str) -> bool:
    role = stack.persona_role(person)
    request = Request(principal=caller, action=action, resource=role.outputs["arn"], context=context)
    return evaluate(request, identity_policies=[MAY_ASSUME],
                    resource_policy=document(role.inputs["assumeRolePolicy"])).allowed


def test_a_persona_is_assumed_with_the_persons_source_identity(stack: Stack) -> None:
    assert assume(stack, PERSON, "sts:AssumeRole", **{"sts:SourceIdentity": PERSON})
    assert assume(stack, PERSON, "sts:SetSourceIdentity", **{"sts:SourceIdentity": PERSON})
    # another account's principal: the trust policy names this account only
    assert not assume(stack, PERSON, "sts:AssumeRole", "arn:aws:iam::210987654321:role/x",
                      **{"sts:SourceIdentity": PERSON})


def test_a_persona_is_not_assumed_under_another_source_identity(stack: Stack) -> None:
    assert not assume(stack, PERSON, "sts:AssumeRole", **{"sts:SourceIdentity": COLLEAGUE})
    assert not assume(stack, PERSON, "sts:AssumeRole")


def test_one_persona_role_per_person(any_run: ProgramRun, settings: StackSettings) -> None:
    stack = Stack(any_run, settings)
    roles = {p: stack.persona_role(p) for p in settings.catalog.members}
    assert len({r.urn for r in roles.values()}) == len(roles)
    for person, role in roles.items():
        assert role.inputs["tags"]["team"] == settings.catalog.members[person]
        assert role.inputs["maxSessionDuration"] == 3600
