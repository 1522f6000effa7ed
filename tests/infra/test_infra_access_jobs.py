"""Job creation and the preventive guardrails of every execution role, by request.

A compliant CreateTrainingJob names the stack's subnets and the team's security group, volume and output keys,
network isolation and inter-container encryption; removing any of them, or turning one off, is denied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infra_requests import ACCOUNT, REGION, Stack
from infra_stack_helpers import DOMAIN, ROLE, SECURITY_GROUP, depends_on, one
from ml_dataset_governance.infra.access import BOOLEAN_GUARDRAIL_KEYS, GUARDRAIL_ACTIONS
from ml_dataset_governance.infra.catalog import StackSettings
from ml_dataset_governance.policies.access import Request, evaluate

TEAM = "data-science"  # runsJobs: true


def compliant(stack: Stack, team: str = TEAM) -> dict[str, object]:
    key = stack.dataset_key_arn("training-ledger")
    return {
        "sagemaker:VpcSubnets": stack.subnet_ids,
        "sagemaker:VpcSecurityGroupIds": [stack.team_security_group(team).outputs["id"]],
        "sagemaker:VolumeKmsKey": key,
        "sagemaker:OutputKmsKey": key,
        "sagemaker:NetworkIsolation": "true",
        "sagemaker:InterContainerTrafficEncryption": "true",
    }


def job(stack: Stack, kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


@pytest.mark.parametrize(("action", "kind"), [
    ("sagemaker:CreateTrainingJob", "training-job"),
    ("sagemaker:CreateProcessingJob", "processing-job"),
    ("sagemaker:CreateHyperParameterTuningJob", "hyper-parameter-tuning-job"),
])
def test_a_compliant_job_of_the_team_is_allowed(stack: Stack, action: str, kind: str) -> None:
    assert stack.as_team(TEAM, action, job(stack, kind, "data-science-churn-1"), compliant(stack)).allowed
    tagging = {"sagemaker:TaggingAction": action.split(":", 1)[1]}
    assert stack.as_team(TEAM, "sagemaker:AddTags", job(stack, kind, "data-science-churn-1"), tagging).allowed
    # named after another team: not its job
    assert not stack.as_team(TEAM, action, job(stack, kind, "data-engineering-x"), compliant(stack)).allowed
    assert not stack.as_team(TEAM, "sagemaker:AddTags", job(stack, kind, "data-engineering-x"), tagging).allowed


@pytest.mark.parametrize("missing", sorted(GUARDRAIL_ACTIONS))
def test_a_job_without_a_guarded_setting_is_denied(stack: Stack, missing: str) -> None:
    context = {k: v for k, v in compliant(stack).items() if k != missing}
    decision = stack.as_team(TEAM, "sagemaker:CreateTrainingJob", job(stack, "training-job", "data-science-a"),
                             context)
    assert not decision.allowed and decision.reason == "explicit deny", missing


@pytest.mark.parametrize("key", BOOLEAN_GUARDRAIL_KEYS)
def test_a_job_with_a_protection_turned_off_is_denied(stack: Stack, key: str) -> None:
    context = {**compliant(stack), key: "false"}
    decision = stack.as_team(TEAM, "sagemaker:CreateTrainingJob", job(stack, "training-job", "data-science-a"),
                             context)
    assert not decision.allowed and decision.reason == "explicit deny"


def test_a_job_outside_the_stacks_subnets_or_in_another_teams_group_is_denied(stack: Stack) -> None:
    resource = job(stack, "training-job", "data-science-a")
    other_subnet = {**compliant(stack), "sagemaker:VpcSubnets": [stack.subnet_ids[0], "subnet-0elsewhere000000"]}
    assert not stack.as_team(TEAM, "sagemaker:CreateTrainingJob", resource, other_subnet).allowed
    other_group = {**compliant(stack), "sagemaker:VpcSecurityGroupIds": [
        stack.team_security_group("data-engineering").outputs["id"]]}
    assert not stack.as_team(TEAM, "sagemaker:CreateTrainingJob", resource, other_group).allowed


def test_teams_that_do_not_run_jobs_cannot(stack: Stack, settings: StackSettings) -> None:
    for team in settings.catalog.teams:
        allowed = stack.as_team(team.name, "sagemaker:CreateTrainingJob",
                                job(stack, "training-job", f"{team.name}-a"), compliant(stack, team.name)).allowed
        assert allowed == team.runs_jobs, team.name


def test_guardrails_hold_on_every_execution_role_even_for_ungranted_actions(stack: Stack,
                                                                            settings: StackSettings) -> None:
    """Should a later grant (or a managed policy) allow them, the denials still apply: evaluated with an
    allow-everything policy added next to each role's own (the domain's default role included)."""
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    domain = one(stack.run.by_type(DOMAIN), "domain")
    default = one([r for r in stack.run.by_type(ROLE) if depends_on(domain, "defaultUserSettings", r)], "default")
    domain_sg = one([g for g in stack.run.by_type(SECURITY_GROUP) if g.name.endswith("studio-domain")], "domain SG")
    cases = [(t.name, stack.team_role(t.name), compliant(stack, t.name)) for t in settings.catalog.teams]
    cases.append(("domain default", default, {**compliant(stack),
                                              "sagemaker:VpcSecurityGroupIds": [domain_sg.outputs["id"]]}))
    for name, role, full in cases:
        policies = [*stack.policies_of(role), everything]
        assert evaluate(Request(principal=role.outputs["arn"], action="sagemaker:CreateTrainingJob", resource="*",
                                context=full), identity_policies=policies).allowed, f"{name}: compliant is allowed"
        for key, actions in GUARDRAIL_ACTIONS.items():
            context = {k: v for k, v in full.items() if k != key}
            for action in actions:
                decision = evaluate(Request(principal=role.outputs["arn"], action=action, resource="*",
                                            context=context), identity_policies=policies)
                assert not decision.allowed, (name, action, key)


def test_each_guardrail_key_is_one_the_action_carries() -> None:
    """A Deny on a key an action's request never carries would deny that action always (Null: true). Checked
    against policyuniverse's copy of the Service Authorization Reference."""
    import policyuniverse

    data = json.loads((Path(policyuniverse.__file__).parent / "data.json").read_text())
    sagemaker = next(v for v in data.values() if v.get("prefix") == "sagemaker")["actions"]
    for key, actions in GUARDRAIL_ACTIONS.items():
        for action in actions:
            assert key in sagemaker[action.split(":", 1)[1]]["condition_keys"], (action, key)


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
