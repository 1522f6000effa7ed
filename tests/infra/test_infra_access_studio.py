"""What the team roles may do in Studio, by request: what AWS documents for spaces and apps, scoped to the team's
own members' profiles and private spaces."""

from __future__ import annotations

import pytest
from infra_requests import ACCOUNT, REGION, Stack

TEAM, MEMBER, OTHER_TEAM, OTHER_MEMBER = "data-science", "sam", "data-engineering", "dana"


def arn(stack: Stack, kind: str, rest: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{stack.domain_id}/{rest}"


def space_request(stack: Stack, owner: str, sharing: str = "Private") -> dict[str, str]:
    return {"sagemaker:OwnerUserProfileArn": stack.profile_arn(owner), "sagemaker:SpaceSharingType": sharing}


@pytest.mark.parametrize("action", ["sagemaker:ListApps", "sagemaker:ListDomains", "sagemaker:ListSpaces",
                                    "sagemaker:ListUserProfiles"])
def test_listing_is_allowed(stack: Stack, action: str) -> None:
    assert stack.as_team(TEAM, action, "*").allowed


def test_describe_own_domain_and_own_teams_profiles_only(stack: Stack) -> None:
    domain = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/{stack.domain_id}"
    assert stack.as_team(TEAM, "sagemaker:DescribeDomain", domain).allowed
    assert not stack.as_team(TEAM, "sagemaker:DescribeDomain", domain.replace(stack.domain_id, "d-other")).allowed
    for person in ("sam", "noor"):
        assert stack.as_team(TEAM, "sagemaker:DescribeUserProfile", stack.profile_arn(person)).allowed
    assert not stack.as_team(TEAM, "sagemaker:DescribeUserProfile", stack.profile_arn(OTHER_MEMBER)).allowed


@pytest.mark.parametrize("action", ["sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:DeleteSpace"])
def test_private_spaces_of_own_members_only(stack: Stack, action: str) -> None:
    space = arn(stack, "space", "sams-space")
    assert stack.as_team(TEAM, action, space, space_request(stack, MEMBER)).allowed
    assert stack.as_team(TEAM, action, space, space_request(stack, "noor")).allowed
    assert not stack.as_team(TEAM, action, space, space_request(stack, OTHER_MEMBER)).allowed
    assert not stack.as_team(TEAM, action, space, space_request(stack, MEMBER, "Shared")).allowed
    assert not stack.as_team(TEAM, action, space, {}).allowed  # a space without an owner: a shared space


@pytest.mark.parametrize("action", ["sagemaker:CreateApp", "sagemaker:DeleteApp"])
def test_apps_in_own_private_spaces_only(stack: Stack, action: str) -> None:
    app = arn(stack, "app", "sams-space/jupyterlab/default")
    assert stack.as_team(TEAM, action, app, space_request(stack, MEMBER)).allowed
    assert not stack.as_team(TEAM, action, app, space_request(stack, OTHER_MEMBER)).allowed
    assert not stack.as_team(TEAM, action, app, space_request(stack, MEMBER, "Shared")).allowed
    assert not stack.as_team(TEAM, action, arn(stack, "app", "x/jupyterlab/default").replace(
        stack.domain_id, "d-other"), space_request(stack, MEMBER)).allowed


def test_studio_tags_what_it_creates_and_nothing_else(stack: Stack) -> None:
    space = arn(stack, "space", "sams-space")
    assert stack.as_team(TEAM, "sagemaker:AddTags", space, {"sagemaker:TaggingAction": "CreateSpace"}).allowed
    assert not stack.as_team(TEAM, "sagemaker:AddTags", space, {}).allowed  # re-tagging an existing resource


def test_team_roles_cannot_open_studio_for_anyone(stack: Stack) -> None:
    """Opening Studio is the persona roles' business (test_infra_personas)."""
    for person in ("sam", "dana"):
        assert not stack.as_team(TEAM, "sagemaker:CreatePresignedDomainUrl", stack.profile_arn(person)).allowed


def test_team_roles_write_logs_to_the_stacks_sagemaker_groups_only(stack: Stack) -> None:
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs"
    assert stack.as_team(TEAM, "logs:PutLogEvents", f"{group}:log-stream:data-science-job/algo-1").allowed
    assert stack.as_team(TEAM, "logs:CreateLogStream", f"{group}:log-stream:x").allowed
    assert not stack.as_team(TEAM, "logs:CreateLogGroup",
                             f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/Unencrypted").allowed
    assert not stack.as_team(TEAM, "logs:PutLogEvents",
                             f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vpc/flow-logs/x:log-stream:y").allowed
