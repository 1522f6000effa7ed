"""The IAM family as a whole: random documents never break its rules, and a real program in both modes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ml_dataset_governance.policies.rules import iam

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource
from tests.policies.rules.iam.iam_helpers import (
    ACCOUNT,
    ADMIN,
    ADMIN_ARN,
    ADMIN_ATTACHED,
    DATA,
    EC2_TRUST,
    EXEC_TRUST,
    SAGEMAKER,
    SAGEMAKER_TRUST,
    TRUST,
    allow,
    doc,
    trust,
)

# --- random documents never break the rules ------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
texts = st.one_of(st.text(max_size=8), st.sampled_from(["*", "*:*", "s3:*", "kms:Decrypt", "sagemaker.amazonaws.com",
                                                        "arn:aws:s3:::*", ADMIN_ARN]))
values = st.one_of(texts, finite, st.none(), st.lists(st.one_of(texts, finite), max_size=3))
statement = st.fixed_dictionaries({}, optional={
    "Effect": st.sampled_from(["Allow", "Deny", 0]), "Action": values, "NotAction": values, "Resource": values,
    "NotResource": values, "Principal": st.one_of(values, st.dictionaries(st.sampled_from(["AWS", "Service"]), values)),
    "Condition": st.dictionaries(texts, st.one_of(values, st.dictionaries(texts, values))), "Sid": values})
documents = st.one_of(
    st.fixed_dictionaries({"Statement": st.one_of(statement, st.lists(statement, max_size=3))}).map(json.dumps),
    st.fixed_dictionaries({"Statement": st.lists(statement, max_size=3)}), texts, st.just(UNKNOWN), finite)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents, arns=values, inline=st.one_of(values, st.lists(st.one_of(
    st.fixed_dictionaries({"name": values, "policy": documents}), values), max_size=2)))
def test_random_iam_documents_never_raise(document, arns, inline):
    resources = [
        resource(iam.ROLE, "r", {"assumeRolePolicy": document, "managedPolicyArns": arns, "inlinePolicies": inline},
                 outputs={"assumeRolePolicy": document, "arn": f"arn:aws:iam::{ACCOUNT}:role/r"}),
        resource(iam.POLICY, "p", {"policy": document}),
        resource(iam.ROLE_POLICY_ATTACHMENT, "a", {"policyArn": arns}),
        resource(iam.SAGEMAKER_DOMAIN, "d", {"defaultUserSettings": {"executionRole": arns}}),
    ]
    resources[2].property_dependencies = {"policyArn": [resources[1].urn]}
    resources[3].property_dependencies = {"defaultUserSettings": [resources[0].urn]}
    result = evaluate(resources)
    for d in result.diagnostics:
        assert "internal error" not in d.message, d.message


# --- a real program, preview and update ----------------------------------------------------------

def _program():
    import pulumi
    import pulumi_aws as aws

    key = aws.kms.Key("key", enable_key_rotation=True)
    good = aws.iam.Role("good", assume_role_policy=SAGEMAKER_TRUST)
    aws.iam.RolePolicy("good-data", role=good.id, policy=pulumi.Output.json_dumps({"Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key.arn}]}))
    aws.iam.Role("admin", assume_role_policy=trust(SAGEMAKER, {"Service": "ec2.amazonaws.com"}),
                 managed_policy_arns=[ADMIN_ARN],
                 inline_policies=[aws.iam.RoleInlinePolicyArgs(name="all", policy=doc(allow("*")))])
    ec2 = aws.iam.Role("ec2", assume_role_policy=EC2_TRUST)
    wide = aws.iam.Policy("wide", policy=doc(allow("*")))
    aws.iam.RolePolicyAttachment("wide-attachment", role=good.name, policy_arn=wide.arn)
    aws.iam.RolePolicy("wide-data", role=ec2.id, policy=pulumi.Output.json_dumps({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {
            "StringEquals": {"aws:SourceAccount": key.arn}}}]}))
    aws.sagemaker.Domain("domain", auth_mode="IAM", domain_name="d", subnet_ids=["subnet-1"], vpc_id="vpc-1",
                         default_user_settings=aws.sagemaker.DomainDefaultUserSettingsArgs(execution_role=good.arn))
    aws.sagemaker.NotebookInstance("notebook", instance_type="ml.t3.medium", role_arn=ec2.arn)


@pytest.mark.parametrize("preview", [True, False])
def test_program(preview):
    result = evaluate_program(_program, preview=preview)
    assert result.flagged(ADMIN) == {"admin", "wide"}
    assert result.flagged(TRUST) == {"admin"}
    assert result.flagged(EXEC_TRUST) == {"ec2"}
    assert result.flagged(ADMIN_ATTACHED) == {"wide-attachment"}
    # Documents built from outputs are unknown in preview and decided at update.
    assert result.unverifiable(ADMIN) == ({"good-data", "wide-attachment", "wide-data"} if preview else set())
    assert result.flagged(DATA) == (set() if preview else {"wide-data"})
    assert result.unverifiable(DATA) == ({"good-data", "wide-data"} if preview else set())
