"""iam.data_actions through the engine path: dataset data actions only on named buckets and keys."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.rules import iam

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.iam.iam_helpers import (
    ACCOUNT,
    ADMIN,
    BUCKET_ARN,
    DATA,
    KEY_ARN,
    SCOPED,
    allow,
    doc,
    role,
)

# --- iam-policy-no-wildcard-resource-data-actions ------------------------------------------------

@pytest.mark.parametrize("statement", [
    allow("s3:*"),
    allow("s3:Get*"),
    allow(["s3:GetObject"], "arn:aws:s3:::*/*"),
    allow("s3:PutObject", ["arn:aws:s3:::*"]),
    allow("kms:Decrypt"),
    allow("kms:*", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"),
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::*/*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET_ARN}/*"},
    allow("kms:Decrypt", Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}),
    allow("s3:GetObject", Condition={"StringNotEquals": {"aws:ResourceTag/dataset": "x"}}),
])
def test_data_actions_on_every_resource_are_flagged(statement):
    result = evaluate([role("r", inline=[doc(statement)])])
    assert result.flagged(DATA) == {"r"}
    assert {d.enforcement for d in result.for_policy(DATA)} == {"advisory"}
    assert result.flagged(ADMIN) == set()


@pytest.mark.parametrize("statement", [
    allow("sagemaker:*"),
    allow(["logs:*", "ec2:Describe*", "s3:ListAllMyBuckets", "kms:ListKeys"]),
    allow("s3:GetObject", f"{BUCKET_ARN}/*"),
    allow("kms:Decrypt", KEY_ARN),
    allow("s3:GetObject", Condition={"StringEquals": {"aws:ResourceTag/dataset": "reviews"}}),
    {**allow("s3:*"), "Effect": "Deny"},
    allow("*"),  # reported by iam-no-admin-access instead
])
def test_scoped_or_non_data_grants_pass(statement):
    assert evaluate([role("r", inline=[doc(statement)])]).flagged(DATA) == set()


@pytest.mark.parametrize("type_", [iam.POLICY, iam.ROLE_POLICY, iam.USER_POLICY, iam.GROUP_POLICY])
def test_data_rule_covers_every_document_type(type_):
    result = evaluate([resource(type_, "bad", {"policy": doc(allow("s3:*"))}), resource(type_, "ok",
                                                                                        {"policy": SCOPED})])
    assert result.flagged(DATA) == {"bad"}


def test_data_actions_are_configurable():
    r = role("r", inline=[doc(allow("secretsmanager:GetSecretValue"))])
    assert evaluate([r]).flagged(DATA) == set()
    assert evaluate([r], config={DATA: {"dataActions": ["secretsmanager:GetSecretValue"]}}).flagged(DATA) == {"r"}


def test_data_rule_unknown_document_is_unverifiable_and_others_still_decide():
    result = evaluate([role("r", inline=[UNKNOWN, doc(allow("s3:*"))])])
    assert result.flagged(DATA) == {"r"}
    assert result.unverifiable(DATA) == {"r"}
