"""Job creation by request: only teams that run jobs, only jobs named after the team, passing only the team's own
role, network interfaces only in the stack's VPC (the guardrails: test_infra_guardrails.py)."""

from __future__ import annotations

import pytest
from infra_requests import ACCOUNT, REGION, Stack, compliant_job, job_arn
from ml_dataset_governance.infra.catalog import StackSettings

TEAM = "data-science"  # runsJobs: true


@pytest.mark.parametrize(("action", "kind"), [
    ("sagemaker:CreateTrainingJob", "training-job"),
    ("sagemaker:CreateProcessingJob", "processing-job"),
    ("sagemaker:CreateHyperParameterTuningJob", "hyper-parameter-tuning-job"),
])
def test_a_compliant_job_of_the_team_is_allowed(stack: Stack, action: str, kind: str) -> None:
    assert stack.as_team(TEAM, action, job_arn(kind, "data-science-churn-1"), compliant_job(stack, TEAM)).allowed
    tagging = {"sagemaker:TaggingAction": action.split(":", 1)[1]}
    assert stack.as_team(TEAM, "sagemaker:AddTags", job_arn(kind, "data-science-churn-1"), tagging).allowed
    # named after another team: not its job
    assert not stack.as_team(TEAM, action, job_arn(kind, "data-engineering-x"), compliant_job(stack, TEAM)).allowed
    assert not stack.as_team(TEAM, "sagemaker:AddTags", job_arn(kind, "data-engineering-x"), tagging).allowed


def test_teams_that_do_not_run_jobs_cannot(stack: Stack, settings: StackSettings) -> None:
    for team in settings.catalog.teams:
        allowed = stack.as_team(team.name, "sagemaker:CreateTrainingJob",
                                job_arn("training-job", f"{team.name}-a"), compliant_job(stack, team.name)).allowed
        assert allowed == team.runs_jobs, team.name


def test_pass_role_only_own_role_only_to_sagemaker(stack: Stack) -> None:
    own, other = stack.role_arn(TEAM), stack.role_arn("data-engineering")
    to_sagemaker = {"iam:PassedToService": "sagemaker.amazonaws.com"}
    assert stack.as_team(TEAM, "iam:PassRole", own, to_sagemaker).allowed
    assert not stack.as_team(TEAM, "iam:PassRole", own, {"iam:PassedToService": "ec2.amazonaws.com"}).allowed
    assert not stack.as_team(TEAM, "iam:PassRole", other, to_sagemaker).allowed


def test_job_network_interfaces_only_in_the_stacks_vpc(stack: Stack) -> None:
    vpc = stack.run.by_type("aws:ec2/vpc:Vpc")[0].outputs["arn"]
    eni = f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/*"
    assert stack.as_team(TEAM, "ec2:CreateNetworkInterface", eni, {"ec2:Vpc": vpc}).allowed
    assert not stack.as_team(TEAM, "ec2:CreateNetworkInterface", eni,
                             {"ec2:Vpc": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-other"}).allowed
