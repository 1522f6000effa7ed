"""iam.execution_roles through the engine path: SageMaker role trust, per role and for every role SageMaker runs as."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.rules import iam

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.iam.iam_helpers import (
    ACCOUNT,
    ADMIN,
    ADMIN_ARN,
    EC2_TRUST,
    EXEC_TRUST,
    SAGEMAKER,
    SAGEMAKER_TRUST,
    TRUST,
    doc,
    role,
    trust,
)

# --- iam-sagemaker-role-trusts-sagemaker-only ----------------------------------------------------

@pytest.mark.parametrize("extra", [{"Service": "ec2.amazonaws.com"}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                   "*", {"AWS": "*"}, {"Federated": "cognito-identity.amazonaws.com"}])
def test_sagemaker_role_trusting_another_principal_is_flagged(extra):
    result = evaluate([role("r", assume=trust(SAGEMAKER, extra))])
    assert result.flagged(TRUST) == {"r"}
    assert result.mandatory()


def test_other_principal_in_the_same_statement_is_flagged():
    both = trust({"Service": ["sagemaker.amazonaws.com", "lambda.amazonaws.com"]})
    assert evaluate([role("r", assume=both)]).flagged(TRUST) == {"r"}


def test_not_principal_is_flagged():
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:*"}
    assert evaluate([role("r", assume=doc(trust_statement(), statement))]).flagged(TRUST) == {"r"}


def trust_statement():
    return {"Effect": "Allow", "Principal": SAGEMAKER, "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}


def test_roles_not_trusting_sagemaker_and_sagemaker_only_roles_pass():
    lambda_role = role("lambda", assume=trust({"Service": "lambda.amazonaws.com"}, {"Service": "ec2.amazonaws.com"}))
    deny_other = doc(trust_statement(), {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"})
    as_object = role("obj", assume={"Statement": [trust_statement()]})
    result = evaluate([lambda_role, role("sm"), role("deny", assume=deny_other), as_object])
    assert result.flagged(TRUST) == set()


def test_trust_unknown_is_unverifiable():
    result = evaluate([role("r", assume=UNKNOWN, managed=[ADMIN_ARN])])
    assert result.unverifiable(TRUST) == {"r"}
    assert result.flagged(ADMIN) == {"r"}


# --- iam-sagemaker-execution-role-trust (stack) --------------------------------------------------


def role_with_arn(name, assume):
    return role(name, assume=assume, outputs={"arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"})


def users_of(roles, *, known_arns=False):
    """One SageMaker resource per reference kind, each pointing at the matching role of `roles`."""
    kinds = [
        (iam.SAGEMAKER_DOMAIN, "domain", "defaultUserSettings", "executionRole"),
        (iam.SAGEMAKER_DOMAIN, "domain-space", "defaultSpaceSettings", "executionRole"),
        (iam.SAGEMAKER_USER_PROFILE, "profile", "userSettings", "executionRole"),
        (iam.SAGEMAKER_NOTEBOOK, "notebook", "roleArn", None),
        (iam.SAGEMAKER_MODEL, "model", "executionRoleArn", None),
    ]
    out = []
    for (type_, name, top, nested), target in zip(kinds, roles, strict=True):
        value = target.outputs["arn"] if known_arns else UNKNOWN
        props = {top: {nested: value, "securityGroups": ["sg-1"]}} if nested else {top: value}
        deps = {} if known_arns else {top: [target.urn]}
        out.append(resource(type_, name, props, property_dependencies=deps))
    return out


@pytest.mark.parametrize("known_arns", [False, True], ids=["by-dependency", "by-arn"])
def test_execution_roles_must_trust_only_sagemaker(known_arns):
    roles = [role_with_arn(f"role-{i}", EC2_TRUST if i % 2 == 0 else SAGEMAKER_TRUST) for i in range(5)]
    result = evaluate(roles + users_of(roles, known_arns=known_arns))
    assert result.flagged(EXEC_TRUST) == {"role-0", "role-2", "role-4"}
    assert result.unverifiable(EXEC_TRUST) == set()


def test_execution_role_trusting_sagemaker_and_more_is_flagged_per_user():
    mixed = role_with_arn("mixed", trust(SAGEMAKER, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    good = role_with_arn("good", SAGEMAKER_TRUST)
    result = evaluate([mixed, good] + users_of([mixed, good, good, good, mixed]))
    assert result.flagged(EXEC_TRUST) == {"mixed"}
    messages = [m for m in result.messages(EXEC_TRUST) if "can't run" not in m]
    assert len(messages) == 2  # one per referencing resource (domain and model)


def test_domain_with_two_role_dependencies_uses_the_known_arn():
    execution = role_with_arn("exec", EC2_TRUST)
    other = role_with_arn("other", SAGEMAKER_TRUST)
    domain = resource(iam.SAGEMAKER_DOMAIN, "d",
                      {"defaultUserSettings": {"executionRole": execution.outputs["arn"]}},
                      property_dependencies={"defaultUserSettings": [execution.urn, other.urn]})
    assert evaluate([execution, other, domain]).flagged(EXEC_TRUST) == {"exec"}


def test_ambiguous_or_unknown_references_are_unverifiable():
    a = role_with_arn("a", EC2_TRUST)
    b = role_with_arn("b", SAGEMAKER_TRUST)
    ambiguous = resource(iam.SAGEMAKER_DOMAIN, "d", {"defaultUserSettings": {"executionRole": UNKNOWN}},
                         property_dependencies={"defaultUserSettings": [a.urn, b.urn]})
    result = evaluate([a, b, ambiguous])
    assert result.flagged(EXEC_TRUST) == set()
    assert "d.defaultUserSettings.executionRole" in result.messages(EXEC_TRUST)[0]

    unknown_trust = role("later", assume=UNKNOWN, outputs={"arn": UNKNOWN})
    notebook = resource(iam.SAGEMAKER_NOTEBOOK, "nb", {"roleArn": UNKNOWN},
                        property_dependencies={"roleArn": [unknown_trust.urn]})
    result = evaluate([unknown_trust, notebook, role_with_arn("bad", EC2_TRUST),
                       resource(iam.SAGEMAKER_MODEL, "m", {"executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/bad"})])
    assert result.flagged(EXEC_TRUST) == {"bad"}  # the known problem is reported alongside the unknown one
    assert any("later.assumeRolePolicy" in m for m in result.messages(EXEC_TRUST) if m.startswith("can't run"))


def test_roles_outside_the_stack_and_unset_roles_are_not_flagged():
    external = resource(iam.SAGEMAKER_MODEL, "m", {"executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/elsewhere"})
    unset = resource(iam.SAGEMAKER_DOMAIN, "d", {"authMode": "IAM"})
    result = evaluate([external, unset, role_with_arn("unused", EC2_TRUST)])
    assert result.flagged(EXEC_TRUST) == set()
    assert result.unverifiable(EXEC_TRUST) == set()
