"""Users, groups and SSO permission sets judged by effect through the engine path (NotAction, service
wildcards, AWS managed policies by their documents), direct user policies and long-lived credentials."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies.rules import iam_identities as identities

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

RULE = "iam-identity-grants-least-privilege"
SCOPED = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                  "Resource": "arn:aws:iam::123456789012:role/persona-analyst"}]}


def _doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize("type_token,prop", [(identities.SSO_INLINE, "inlinePolicy"),
                                             (identities.GROUP_POLICY, "policy"),
                                             (identities.USER_POLICY, "policy")])
@pytest.mark.parametrize(("statement", "flagged"), [
    (SCOPED["Statement"][0], set()),
    ({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}, {"r"}),
    ({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, {"r"}),
    ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, {"r"}),
    ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"r"}),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::datasets-clicks/*"}, set()),
])
def test_documents_are_judged_by_effect(type_token, prop, statement, flagged):
    result = evaluate([resource(type_token, "r", {prop: _doc(statement), "user": "u", "group": "g"})])
    assert result.flagged(RULE) == flagged


@pytest.mark.parametrize(("arn", "flagged"), [
    ("arn:aws:iam::aws:policy/AdministratorAccess", {"r"}),
    ("arn:aws:iam::aws:policy/PowerUserAccess", {"r"}),
    ("arn:aws:iam::aws:policy/IAMFullAccess", {"r"}),
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", set()),
    ("arn:aws:iam::123456789012:policy/team-read", set()),
])
@pytest.mark.parametrize("type_token", [identities.SSO_MANAGED, identities.GROUP_POLICY_ATTACHMENT])
def test_managed_attachments_are_judged_by_their_documents(arn, flagged, type_token):
    inputs = {"managedPolicyArn": arn, "policyArn": arn, "group": "g", "permissionSetArn": "ps", "instanceArn": "i"}
    assert evaluate([resource(type_token, "r", inputs)]).flagged(RULE) == flagged


def test_policy_attachment_to_roles_only_is_left_to_the_role_rules():
    inputs = {"name": "a", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess", "roles": ["r1"]}
    assert evaluate([resource(identities.POLICY_ATTACHMENT, "r", inputs)]).flagged(RULE) == set()
    assert evaluate([resource(identities.POLICY_ATTACHMENT, "r", {**inputs, "users": ["u"]})]).flagged(RULE) == {"r"}


def test_unknown_documents_and_unsnapshotted_managed_policies_are_noted():
    result = evaluate([resource(identities.SSO_INLINE, "r", {"inlinePolicy": UNKNOWN})])
    assert result.flagged(RULE) == set() and result.unverifiable(RULE) == {"r"}
    result = evaluate([resource(identities.SSO_MANAGED, "r", {"managedPolicyArn":
                                                             "arn:aws:iam::aws:policy/SomeFuturePolicy"})])
    assert result.flagged(RULE) == set() and result.unverifiable(RULE) == {"r"}


def test_direct_user_policies_and_long_lived_credentials_are_advisory():
    result = evaluate([resource(identities.USER_POLICY_ATTACHMENT, "attach", {"user": "u", "policyArn":
                                                                              "arn:aws:iam::123456789012:policy/p"}),
                       resource(identities.ACCESS_KEY, "key", {"user": "u"}),
                       resource(identities.ACCESS_KEY, "old", {"user": "u", "status": "Inactive"}),
                       resource(identities.LOGIN_PROFILE, "console", {"user": "u"}),
                       resource(identities.GROUP_POLICY_ATTACHMENT, "group", {"group": "g", "policyArn":
                                                                              "arn:aws:iam::123456789012:policy/p"})])
    assert result.flagged("iam-user-no-direct-policies") == {"attach"}
    assert result.flagged("iam-user-no-long-lived-credentials") == {"key", "console"}
    assert {d.enforcement for d in result.for_policy("iam-user-no-long-lived-credentials")} == {"advisory"}


def _program(weak: bool):
    def program() -> None:
        import pulumi_aws as aws

        analyst = aws.ssoadmin.PermissionSet("analyst", instance_arn="arn:aws:sso:::instance/ssoins-1", name="a")
        aws.ssoadmin.PermissionSetInlinePolicy("analyst-policy", instance_arn="arn:aws:sso:::instance/ssoins-1",
                                               permission_set_arn=analyst.arn, inline_policy=json.dumps(SCOPED))
        aws.ssoadmin.ManagedPolicyAttachment(
            "analyst-managed", instance_arn="arn:aws:sso:::instance/ssoins-1", permission_set_arn=analyst.arn,
            managed_policy_arn="arn:aws:iam::aws:policy/" + ("PowerUserAccess" if weak else "ReadOnlyAccess"))

    return program


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_in_both_modes(preview):
    good = evaluate_program(_program(False), preview=preview)
    assert good.flagged(RULE) == set() and good.unverifiable(RULE) == set()
    assert evaluate_program(_program(True), preview=preview).flagged(RULE) == {"analyst-managed"}
