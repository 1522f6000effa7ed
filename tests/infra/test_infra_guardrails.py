"""The preventive guardrails of every execution role, by request: a compliant CreateTrainingJob names the stack's
subnets and the role's security group, volume and output keys, network isolation and inter-container encryption;
without any of them, or with a protection turned off, creating SageMaker compute is denied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infra_requests import Stack, compliant_job, job_arn
from infra_stack_helpers import DOMAIN, ROLE, SECURITY_GROUP, depends_on, one
from ml_dataset_governance.infra.catalog import StackSettings
from ml_dataset_governance.infra.guardrails import BOOLEAN_GUARDRAIL_KEYS, GUARDRAIL_ACTIONS
from ml_dataset_governance.policies.access import Request, evaluate

TEAM = "data-science"  # runsJobs: true


@pytest.mark.parametrize("missing", sorted(GUARDRAIL_ACTIONS))
def test_a_job_without_a_guarded_setting_is_denied(stack: Stack, missing: str) -> None:
    context = {k: v for k, v in compliant_job(stack, TEAM).items() if k != missing}
    decision = stack.as_team(TEAM, "sagemaker:CreateTrainingJob", job_arn("training-job", "data-science-a"),
                             context)
    assert not decision.allowed and decision.reason == "explicit deny", missing


@pytest.mark.parametrize("key", BOOLEAN_GUARDRAIL_KEYS)
def test_a_job_with_a_protection_turned_off_is_denied(stack: Stack, key: str) -> None:
    context = {**compliant_job(stack, TEAM), key: "false"}
    decision = stack.as_team(TEAM, "sagemaker:CreateTrainingJob", job_arn("training-job", "data-science-a"),
                             context)
    assert not decision.allowed and decision.reason == "explicit deny"


def test_a_job_outside_the_stacks_subnets_or_in_another_teams_group_is_denied(stack: Stack) -> None:
    resource = job_arn("training-job", "data-science-a")
    other_subnet = {**compliant_job(stack, TEAM),
                    "sagemaker:VpcSubnets": [stack.subnet_ids[0], "subnet-0elsewhere000000"]}
    assert not stack.as_team(TEAM, "sagemaker:CreateTrainingJob", resource, other_subnet).allowed
    other_group = {**compliant_job(stack, TEAM), "sagemaker:VpcSecurityGroupIds": [
        stack.team_security_group("data-engineering").outputs["id"]]}
    assert not stack.as_team(TEAM, "sagemaker:CreateTrainingJob", resource, other_group).allowed


def test_guardrails_hold_on_every_execution_role_even_for_ungranted_actions(stack: Stack,
                                                                            settings: StackSettings) -> None:
    """Should a later grant (or a managed policy) allow them, the denials still apply: evaluated with an
    allow-everything policy added next to each role's own (the domain's default role included)."""
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    domain = one(stack.run.by_type(DOMAIN), "domain")
    default = one([r for r in stack.run.by_type(ROLE) if depends_on(domain, "defaultUserSettings", r)], "default")
    domain_sg = one([g for g in stack.run.by_type(SECURITY_GROUP) if g.name.endswith("studio-domain")], "domain SG")
    cases = [(t.name, stack.team_role(t.name), compliant_job(stack, t.name)) for t in settings.catalog.teams]
    cases.append(("domain default", default, {**compliant_job(stack, TEAM),
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
