"""The execution-role guardrail rule, proved by request through the access model: the guardrails in a role
policy or a permissions boundary pass; removing any one Deny, or keeping only a subnet-list Deny, is found;
preview documents are noted; a real program in both modes."""

from __future__ import annotations

import copy
import json

import pytest
from ml_dataset_governance.policies.rules import sagemaker_guardrails as guardrails
from ml_dataset_governance.policies.server import PackServicer

from mlgov.engine import InProcessAnalyzer
from mlgov.program import run_program
from mlgov.testing import UNKNOWN, evaluate, resource

RULE = "sagemaker-execution-role-guardrails"
# The guardrail rule alone (it joins the catalog once the bundled stack carries the guardrails).
ANALYZER = InProcessAnalyzer(servicer=PackServicer((guardrails.GUARDRAILS,), name="guardrails", version="0.0.1"))
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                            "Principal": {"Service": "sagemaker.amazonaws.com"}}]})


def _statements() -> list[dict]:
    out = []
    for key, actions in guardrails.GUARDED.items():
        name = key.split(":", 1)[1]
        out.append({"Sid": f"DenyWithout{name}", "Effect": "Deny", "Action": list(actions), "Resource": "*",
                    "Condition": {"Null": {key: "true"}}})
        if key in guardrails.BOOLEAN_KEYS:
            out.append({"Sid": f"DenyWith{name}Off", "Effect": "Deny", "Action": list(actions), "Resource": "*",
                        "Condition": {"Bool": {key: "false"}}})
    out.append({"Sid": "DenyOtherSubnets", "Effect": "Deny", "Action": list(guardrails.GUARDED["sagemaker:VpcSubnets"]),
                "Resource": "*", "Condition": {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": ["subnet-1"]}}})
    return out


def _doc(statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _stack(statements, *, via="rolePolicy"):
    role = resource(guardrails.ROLE, "team", {"assumeRolePolicy": TRUST, "id": "team",
                                             "arn": "arn:aws:iam::123456789012:role/team"})
    if via == "rolePolicy":
        return [role, resource(guardrails.ROLE_POLICY, "team-guardrails", {"role": "team",
                                                                            "policy": _doc(statements)})]
    boundary = resource(guardrails.POLICY, "boundary", {"policy": _doc(statements),
                                                        "arn": "arn:aws:iam::123456789012:policy/boundary"})
    role = resource(guardrails.ROLE, "team", {**role.inputs, "permissionsBoundary": boundary.inputs["arn"]})
    return [role, boundary]


@pytest.mark.parametrize("via", ["rolePolicy", "boundary"])
def test_complete_guardrails_pass(via):
    result = evaluate(_stack(_statements(), via=via), analyzer=ANALYZER)
    assert result.flagged(RULE) == set() and result.unverifiable(RULE) == set()


@pytest.mark.parametrize("sid", [s["Sid"] for s in _statements() if s["Sid"] != "DenyOtherSubnets"])
def test_each_missing_deny_is_found(sid):
    statements = [s for s in _statements() if s["Sid"] != sid]
    result = evaluate(_stack(statements), analyzer=ANALYZER)
    assert result.flagged(RULE) == {"team"}
    key = sid.removeprefix("DenyWithout").removeprefix("DenyWith").removesuffix("Off")
    message = " ".join(result.messages(RULE))
    assert f"without {key}:" in message and "CreateTrainingJob" in message
    if sid.endswith("Off"):
        assert "(false)" in message  # only the explicit false is left open


def test_a_subnet_list_deny_alone_is_not_a_guardrail_for_absent_subnets():
    statements = [s for s in _statements() if s["Sid"] != "DenyWithoutVpcSubnets"]
    assert any(s["Sid"] == "DenyOtherSubnets" for s in statements)
    result = evaluate(_stack(statements), analyzer=ANALYZER)
    assert "without VpcSubnets:" in " ".join(result.messages(RULE))


def test_a_deny_limited_to_one_action_leaves_the_others_open():
    statements = copy.deepcopy(_statements())
    for s in statements:
        if s["Sid"] == "DenyWithoutOutputKmsKey":
            s["Action"] = ["sagemaker:CreateTrainingJob"]
    message = " ".join(evaluate(_stack(statements), analyzer=ANALYZER).messages(RULE))
    assert "without OutputKmsKey: CreateProcessingJob" in message
    assert "CreateTrainingJob" not in message.split("without OutputKmsKey:")[1].split(";")[0]


def test_required_keys_can_be_narrowed():
    statements = [s for s in _statements() if s["Sid"] != "DenyWithoutVolumeKmsKey"]
    config = {RULE: {"requiredKeys": ["sagemaker:VpcSubnets", "sagemaker:OutputKmsKey", "sagemaker:NetworkIsolation",
                                      "sagemaker:InterContainerTrafficEncryption"]}}
    assert evaluate(_stack(statements), analyzer=ANALYZER, config=config).flagged(RULE) == set()


def test_roles_that_sagemaker_cannot_assume_are_not_execution_roles():
    lambda_trust = TRUST.replace("sagemaker.amazonaws.com", "lambda.amazonaws.com")
    role = resource(guardrails.ROLE, "fn", {"assumeRolePolicy": lambda_trust})
    assert evaluate([role], analyzer=ANALYZER).flagged(RULE) == set()


def test_preview_policy_is_noted_not_passed():
    role, policy = _stack(_statements())
    policy = resource(guardrails.ROLE_POLICY, "team-guardrails", {"role": "team", "policy": UNKNOWN})
    result = evaluate([role, policy], analyzer=ANALYZER)
    assert result.flagged(RULE) == set() and result.unverifiable(RULE) == {""}


def _program(complete: bool):
    def program() -> None:
        import pulumi_aws as aws

        role = aws.iam.Role("team", assume_role_policy=TRUST)
        statements = _statements() if complete else _statements()[:3]
        aws.iam.RolePolicy("team-guardrails", role=role.id, policy=_doc(statements))

    return program


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_in_both_modes(preview):
    for complete, flagged in ((True, set()), (False, {"team"})):
        run = run_program(_program(complete), project="test", stack="test", config={}, preview=preview)
        result = evaluate(run.resources, analyzer=ANALYZER)
        assert result.flagged(RULE) == flagged and result.unverifiable(RULE) == set()
