"""Grants judged by effect: administrator access, permissions management, service-wide grants."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.access.document import parse_statement
from ml_dataset_governance.policies.access.grants import covers_every_resource, is_wildcard_resource, judge
from ml_dataset_governance.policies.access.managed import managed_policy


def stmt(**fields):
    return parse_statement(0, {"Effect": "Allow", "Resource": "*", **fields})


@pytest.mark.parametrize(("fields", "admin"), [
    ({"Action": "*"}, True),
    ({"Action": "*:*"}, True),
    ({"NotAction": ["iam:*", "organizations:*"]}, True),
    ({"NotAction": "s3:*", "Resource": "arn:aws:s3:::*"}, False),  # only S3 resources
    ({"Action": "*", "Resource": "arn:aws:s3:::b/*"}, False),
    ({"Action": ["s3:*", "kms:*"]}, False),
])
def test_administrator_access(fields, admin):
    assert (judge(stmt(**fields)).admin is not None) is admin


def test_permissions_management_comes_from_the_database_access_level():
    j = judge(stmt(Action=["iam:Put*Policy", "iam:Attach*", "iam:CreatePolicyVersion", "iam:PassRole"]))
    assert {"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreatePolicyVersion", "iam:PassRole"} <= set(
        j.permissions_management)
    assert judge(stmt(Action="iam:Get*")).permissions_management == ()
    scoped = judge(stmt(Action="iam:PutRolePolicy", Resource="arn:aws:iam::111122223333:role/one"))
    assert scoped.permissions_management == ()


def test_service_wide_grants():
    assert judge(stmt(Action="s3:*")).service_wide == ("s3",)
    assert judge(stmt(Action="s3:*", Resource="arn:aws:s3:::b/*")).service_wide == ()


@pytest.mark.parametrize(("name", "admin"), [("AdministratorAccess", True), ("PowerUserAccess", True),
                                              ("IAMFullAccess", True), ("ReadOnlyAccess", False),
                                              ("AmazonS3ReadOnlyAccess", False)])
def test_managed_policies_are_judged_by_their_documents(name, admin):
    policy = managed_policy(f"arn:aws:iam::aws:policy/{name}")
    judgements = [judge(s) for s in policy.statements]
    found = any(j and (j.admin or j.permissions_management) for j in judgements)
    assert found is admin


@pytest.mark.parametrize(("resource", "every", "wildcard"), [
    ("*", True, True), ("arn:*", True, True), ("arn:aws:*:*:*:*", True, True),
    ("arn:aws:s3:::*", False, True), ("arn:aws:kms:*:*:key/*", False, True),
    ("arn:aws:s3:::bucket/*", False, False),
])
def test_resource_wildcards(resource, every, wildcard):
    assert covers_every_resource(stmt(Action="*", Resource=resource)) is every
    assert is_wildcard_resource(resource) is wildcard
