"""iam.admin_access through the engine path: every way admin access is attached, judged by effect, per
resource and in the stack."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.rules import iam

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.iam.iam_helpers import (
    ACCOUNT,
    ADMIN,
    ADMIN_ARN,
    ADMIN_ATTACHED,
    ADMIN_DOC,
    BUCKET_ARN,
    DATA,
    EXEC_TRUST,
    READ_ONLY_ARN,
    SAGEMAKER_TRUST,
    SCOPED,
    TRUST,
    allow,
    doc,
    role,
)

# --- iam-no-admin-access -------------------------------------------------------------------------

def test_golden_role_passes():
    result = evaluate([role("r", managed=[READ_ONLY_ARN], inline=[SCOPED])])
    for rule in (ADMIN, ADMIN_ATTACHED, TRUST, EXEC_TRUST, DATA):
        assert result.flagged(rule) == set(), rule
        assert result.unverifiable(rule) == set(), rule


@pytest.mark.parametrize("arn", [ADMIN_ARN, "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
                                 "arn:aws-cn:iam::aws:policy/AdministratorAccess"])
def test_role_managed_admin_is_flagged_in_any_partition(arn):
    result = evaluate([role("r", managed=[READ_ONLY_ARN, arn])])
    assert result.flagged(ADMIN) == {"r"}
    assert result.mandatory()


@pytest.mark.parametrize(("type_", "prop", "value"), [
    (iam.ROLE_POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.USER_POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.GROUP_POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.ROLE_ATTACHMENTS_EXCLUSIVE, "policyArns", [READ_ONLY_ARN, ADMIN_ARN]),
    (iam.USER_ATTACHMENTS_EXCLUSIVE, "policyArns", [ADMIN_ARN]),
    (iam.GROUP_ATTACHMENTS_EXCLUSIVE, "policyArns", [ADMIN_ARN]),
])
def test_attachments_of_administrator_access_are_flagged(type_, prop, value):
    bad = resource(type_, "bad", {prop: value})
    good = resource(type_, "good", {prop: [READ_ONLY_ARN] if isinstance(value, list) else READ_ONLY_ARN})
    assert evaluate([bad, good]).flagged(ADMIN) == {"bad"}


@pytest.mark.parametrize("type_", [iam.POLICY, iam.ROLE_POLICY, iam.USER_POLICY, iam.GROUP_POLICY])
def test_documents_allowing_everything_are_flagged(type_):
    result = evaluate([resource(type_, "bad", {"policy": ADMIN_DOC}), resource(type_, "good", {"policy": SCOPED})])
    assert result.flagged(ADMIN) == {"bad"}
    assert "Sid Everything" in result.messages(ADMIN)[0]


@pytest.mark.parametrize("statement", [allow("*"), allow("*:*"), allow(["s3:*", "*"]),
                                       {"Effect": "Allow", "Action": "*", "NotResource": BUCKET_ARN},
                                       # judged by effect: every action but IAM's, an ARN-shaped wildcard, escalation
                                       {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                                       allow("*", "arn:aws:*:*:*:*"),
                                       allow(["iam:AttachRolePolicy", "iam:CreatePolicyVersion"]),
                                       allow("iam:Put*Policy", "arn:aws:iam::123456789012:role/*")])
def test_admin_statement_forms(statement):
    assert evaluate([role("r", inline=[doc(statement)])]).flagged(ADMIN) == {"r"}


@pytest.mark.parametrize("statement", [allow("s3:*"), allow("*", BUCKET_ARN), {**allow("*"), "Effect": "Deny"},
                                       allow("iam:Get*"),
                                       allow("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/one")])
def test_non_admin_statements_pass(statement):
    assert evaluate([role("r", inline=[doc(statement)])]).flagged(ADMIN) == set()


def test_document_given_as_object_is_read():
    policy = {"Statement": [allow("*")]}
    assert evaluate([resource(iam.ROLE_POLICY, "rp", {"policy": policy})]).flagged(ADMIN) == {"rp"}


def test_malformed_document_is_a_violation():
    result = evaluate([resource(iam.POLICY, "p", {"policy": "{nope"})])
    assert result.flagged(ADMIN) == {"p"}
    assert result.flagged(DATA) == set()  # reported once, by iam-no-admin-access


def test_unknown_parts_are_unverifiable_and_known_admin_still_flagged():
    inline_unknown = role("a", managed=[ADMIN_ARN], inline=[UNKNOWN])
    managed_unknown = role("b", managed=[READ_ONLY_ARN, UNKNOWN], inline=[ADMIN_DOC])
    all_unknown = role("c", managed=UNKNOWN, inline=[SCOPED])
    clean_later = resource(iam.ROLE_POLICY_ATTACHMENT, "d", {"policyArn": UNKNOWN, "role": UNKNOWN})
    result = evaluate([inline_unknown, managed_unknown, all_unknown, clean_later])
    assert result.flagged(ADMIN) == {"a", "b"}
    assert result.unverifiable(ADMIN) == {"a", "b", "c", "d"}


def test_additional_forbidden_arns():
    # IAMFullAccess is admin by effect now (see below); the globs name policies the pack cannot read.
    config = {ADMIN: {"additionalForbiddenPolicyArns": [f"arn:*:iam::{ACCOUNT}:policy/legacy-*"]}}
    r = role("r", managed=[f"arn:aws:iam::{ACCOUNT}:policy/legacy-ops"])
    assert evaluate([r]).flagged(ADMIN) == set()
    assert evaluate([r], config=config).flagged(ADMIN) == {"r"}


def test_admin_role_can_be_exempted_with_a_reason():
    config = {ADMIN: {"exemptions": [{"resource": "break-glass", "reason": "break-glass role, approved by CISO"}]}}
    result = evaluate([role("break-glass", managed=[ADMIN_ARN])], config=config)
    assert result.flagged(ADMIN) == set()
    assert len(result.exempted()) == 1


# --- iam-no-admin-access-attached (stack) --------------------------------------------------------

def test_attachments_of_an_admin_customer_policy_are_flagged():
    admin_policy = resource(iam.POLICY, "admin", {"policy": ADMIN_DOC},
                            outputs={"policy": ADMIN_DOC, "arn": f"arn:aws:iam::{ACCOUNT}:policy/admin"})
    scoped_policy = resource(iam.POLICY, "scoped", {"policy": SCOPED},
                             outputs={"policy": SCOPED, "arn": f"arn:aws:iam::{ACCOUNT}:policy/scoped"})
    by_urn = resource(iam.ROLE_POLICY_ATTACHMENT, "by-urn", {"policyArn": UNKNOWN, "role": "r"},
                      property_dependencies={"policyArn": [admin_policy.urn]})
    by_arn = resource(iam.USER_POLICY_ATTACHMENT, "by-arn", {"policyArn": f"arn:aws:iam::{ACCOUNT}:policy/admin",
                                                             "user": "u"})
    exclusive = resource(iam.ROLE_ATTACHMENTS_EXCLUSIVE, "exclusive", {"policyArns": [UNKNOWN], "roleName": "r"},
                         property_dependencies={"policyArns": [admin_policy.urn]})
    via_role = resource(iam.ROLE, "via-role", {"assumeRolePolicy": SAGEMAKER_TRUST, "managedPolicyArns": [UNKNOWN]},
                        property_dependencies={"managedPolicyArns": [admin_policy.urn]})
    fine = resource(iam.POLICY_ATTACHMENT, "fine", {"policyArn": UNKNOWN},
                    property_dependencies={"policyArn": [scoped_policy.urn]})
    result = evaluate([admin_policy, scoped_policy, by_urn, by_arn, exclusive, via_role, fine])
    assert result.flagged(ADMIN_ATTACHED) == {"by-urn", "by-arn", "exclusive", "via-role"}
    assert result.flagged(ADMIN) == {"admin"}  # the policy itself is refused before creation


def test_attachment_of_a_policy_unknown_in_preview_is_unverifiable():
    later = resource(iam.POLICY, "later", {"policy": UNKNOWN}, outputs={"policy": UNKNOWN, "arn": UNKNOWN})
    attachment = resource(iam.ROLE_POLICY_ATTACHMENT, "att", {"policyArn": UNKNOWN},
                          property_dependencies={"policyArn": [later.urn]})
    result = evaluate([later, attachment])
    assert result.flagged(ADMIN_ATTACHED) == set()
    assert result.unverifiable(ADMIN_ATTACHED) == {""}  # a stack-level note
    assert "att.policyArn" in result.messages(ADMIN_ATTACHED)[0]


# --- admin judged by effect: AWS managed policies expanded from the snapshot ----------------------

@pytest.mark.parametrize("arn", ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/IAMFullAccess",
                                 "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"])
def test_aws_managed_policies_granting_admin_by_effect_are_flagged(arn):
    result = evaluate([role("r", managed=[arn]), resource(iam.ROLE_POLICY_ATTACHMENT, "a", {"role": "r",
                                                                                           "policyArn": arn})])
    assert result.flagged(ADMIN) == {"r", "a"}
    assert arn in result.messages(ADMIN)[0]


@pytest.mark.parametrize("arn", ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/SecurityAudit",
                                 "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
def test_aws_managed_policies_without_admin_pass(arn):
    assert evaluate([role("r", managed=[arn])]).flagged(ADMIN) == set()
