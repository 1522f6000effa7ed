"""policies.iam_documents: reading IAM documents the way AWS evaluates them, never raising."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ml_dataset_governance.policies import iam_documents as docs

ACCOUNT = "123456789012"


def allow(**fields):
    return {"Effect": "Allow", **fields}


# --- statements and principals -------------------------------------------------------------------

@pytest.mark.parametrize(("doc", "count"), [
    ({"Statement": {"Effect": "Allow"}}, 1),
    ({"Statement": [{"Effect": "Allow"}, {"Effect": "Deny"}]}, 2),
    ({"Statement": [{"Effect": "Allow"}, "junk", 5, None, ["x"]]}, 1),
    (json.dumps({"Statement": [{"Effect": "Allow"}]}), 1),
    ("{not json", 0),
    ({"Statement": "nope"}, 0),
    ({}, 0),
    (None, 0),
    ([{"Effect": "Allow"}], 0),
])
def test_statements_accept_object_list_or_text(doc, count):
    assert len(docs.statements(doc)) == count


def test_as_list():
    assert docs.as_list(None) == []
    assert docs.as_list("a") == ["a"]
    assert docs.as_list(["a", "b"]) == ["a", "b"]
    assert docs.as_list(("a",)) == ["a"]


@pytest.mark.parametrize(("principal", "expected"), [
    ("*", ["*"]),
    ({"AWS": "*"}, ["*"]),
    ({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}, [f"arn:aws:iam::{ACCOUNT}:root", "*"]),
    ({"Service": "sagemaker.amazonaws.com"}, ["sagemaker.amazonaws.com"]),
    ({"Service": ["a.amazonaws.com", "b.amazonaws.com"], "AWS": ACCOUNT}, ["a.amazonaws.com", "b.amazonaws.com",
                                                                           ACCOUNT]),
    ({"AWS": 123456789012.0}, [ACCOUNT]),  # a number that arrived as a float on the wire
    ({"AWS": [{"nested": 1}, None]}, []),
    (None, []),
])
def test_principals_are_flattened(principal, expected):
    assert sorted(docs.principals({"Principal": principal})) == sorted(expected)


@pytest.mark.parametrize(("stmt", "expected"), [
    ({"Principal": "*"}, True),
    ({"Principal": {"AWS": "*"}}, True),
    ({"Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}}, True),
    ({"Principal": {"AWS": "arn:aws:iam::*:root"}}, True),
    ({"Principal": {"AWS": "arn:aws:sts::*:assumed-role/r/s"}}, True),
    ({"NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}, True),
    ({"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}, False),
    ({"Principal": {"Service": "sagemaker.amazonaws.com"}}, False),
    ({}, False),
    ("not a statement", False),
])
def test_has_wildcard_principal(stmt, expected):
    assert docs.has_wildcard_principal(stmt) is expected


# --- conditions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value"), [
    ("aws:SourceVpce", "vpce-0123"),
    ("aws:SourceVpc", "vpc-0123"),
    ("aws:SourceAccount", ACCOUNT),
    ("aws:SourceOwner", ACCOUNT),
    ("aws:SourceArn", "arn:aws:cloudtrail:us-east-1:123456789012:trail/t"),
    ("aws:SourceArn", "arn:aws:s3:::my-bucket"),
    ("aws:PrincipalOrgID", "o-abc123"),
    ("aws:PrincipalAccount", ACCOUNT),
    ("aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:role/*"),
    ("aws:userid", "AROAEXAMPLE:*"),
    ("kms:CallerAccount", ACCOUNT),
    ("kms:CallerAccount", 123456789012.0),
    ("aws:SourceIp", "10.0.0.0/16"),
    ("AWS:SOURCEVPCE", "vpce-0123"),  # condition keys are case-insensitive
])
def test_restricting_conditions(key, value):
    assert docs.is_restricted_by_condition({"Condition": {"StringEquals": {key: value}}})


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:SourceAccount": "*"}},
    {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
    {"StringEquals": {"kms:CallerAccount": [ACCOUNT, "*"]}},  # values are ORed
    {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-0123"}},  # passes when the key is absent
    {"ForAllValues:StringEquals": {"aws:SourceVpce": "vpce-0123"}},
    {"StringNotEquals": {"aws:SourceVpce": "vpce-0123"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    {"IpAddress": {"aws:SourceIp": "::/0"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}},
    {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},  # any account can call through S3
    {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}},
    {"StringEquals": {"aws:SourceAccount": {"nested": 1}}},
    {"StringEquals": "junk"},
    {"Bool": {"aws:SecureTransport": "true"}},
    {},
])
def test_non_restricting_conditions(condition):
    assert not docs.is_restricted_by_condition({"Condition": condition})


# --- public, admin, actions ----------------------------------------------------------------------

def test_public_statements():
    public = allow(Sid="Open", Principal="*", Action="kms:*", Resource="*")
    restricted = allow(Principal="*", Action="kms:*", Resource="*",
                       Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}})
    deny = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
    named = allow(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Action="kms:*", Resource="*")
    doc = {"Statement": [public, restricted, deny, named]}
    assert docs.public_statements(doc) == [public]
    assert docs.public_statements(json.dumps(doc)) == [public]


def test_a_partial_wildcard_principal_is_read_as_the_widest():
    stmt = allow(Principal={"AWS": "12345678*"}, Action="s3:GetObject", Resource="*")
    assert docs.has_wildcard_principal(stmt)
    assert docs.is_public_statement(stmt)


@pytest.mark.parametrize("condition", [
    # Keys AWS itself accepts as making a grant non-public (S3 "The meaning of public", IAM Access Analyzer):
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    {"StringEquals": {"s3:DataAccessPointAccount": ACCOUNT}},
    {"ArnEquals": {"s3:DataAccessPointArn": f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/ap"}},
    {"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:1:key/k"}},
    {"StringEquals": {"aws:SourceOrgID": "o-abc123"}},
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/*"}},
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}},
])
def test_keys_aws_accepts_are_restricting(condition):
    stmt = allow(Principal="*", Action="s3:GetObject", Resource="*", Condition=condition)
    assert not docs.is_public_statement(stmt)


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}},  # a policy variable is not fixed
    {"StringEquals": {"aws:SourceVpce": "${aws:SourceVpce}"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}},
    # CIDRs are one union: two halves of the internet are the internet.
    {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}},
    {"IpAddress": {"aws:SourceIp": [f"{i}.0.0.0/8" for i in range(1, 40)]}},
])
def test_not_restricting_however_written(condition):
    stmt = allow(Principal="*", Action="s3:GetObject", Resource="*", Condition=condition)
    assert docs.is_public_statement(stmt)


@pytest.mark.parametrize(("stmt", "expected"), [
    (allow(Action="*", Resource="*"), True),
    (allow(Action="*:*", Resource="*"), True),
    (allow(Action=["s3:GetObject", "*"], Resource=["arn:aws:s3:::b", "*"]), True),
    (allow(Action="*", NotResource="arn:aws:s3:::b"), True),
    ({"Effect": "allow", "Action": "*", "Resource": "*"}, True),  # fail closed on odd casing
    (allow(Action="s3:*", Resource="*"), False),
    (allow(Action="*", Resource="arn:aws:s3:::b"), False),
    (allow(NotAction="iam:*", Resource="*"), True),  # every action but IAM's, judged by effect
    (allow(NotAction="s3:GetObject", NotResource="arn:aws:s3:::b"), True),
    (allow(Action="*", Resource="arn:*"), True),  # a resource wildcard written as an ARN
    (allow(Action="*", Resource="arn:aws:*:*:*:*"), True),
    (allow(Action=["iam:PutRolePolicy", "iam:AttachRolePolicy"], Resource="*"), True),  # grants itself anything
    (allow(Action="iam:*", Resource="arn:aws:iam::123456789012:role/*"), True),
    (allow(Action="iam:PassRole", Resource="*"), True),
    (allow(Action="iam:PutRolePolicy", Resource="arn:aws:iam::123456789012:role/one"), False),
    (allow(Action="iam:Get*", Resource="*"), False),
    ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
])
def test_admin_statements(stmt, expected):
    assert (docs.admin_statements({"Statement": [stmt]}) == [stmt]) is expected


@pytest.mark.parametrize(("stmt", "action", "expected"), [
    (allow(Action="s3:Get*"), "s3:GetObject", True),
    (allow(Action="S3:GETOBJECT"), "s3:GetObject", True),
    (allow(Action="s3:*Object"), "s3:PutObject", True),
    (allow(Action="s3:List*"), "s3:GetObject", False),
    (allow(NotAction="iam:*"), "s3:GetObject", True),
    (allow(NotAction=["s3:*"]), "s3:GetObject", False),
    ({"Effect": "Deny", "Action": "*"}, "s3:GetObject", False),
])
def test_statement_allows(stmt, action, expected):
    assert docs.statement_allows(stmt, action) is expected


def test_allows_actions_reports_granted_subset():
    doc = {"Statement": [allow(Action="kms:De*", Resource="*"), allow(Action="s3:ListBucket", Resource="*")]}
    assert docs.allows_actions(doc, ["kms:Decrypt", "s3:GetObject"]) == [(doc["Statement"][0], ["kms:Decrypt"])]


@pytest.mark.parametrize(("resource", "expected"), [
    ("*", True),
    ("arn:aws:s3:::*", True),
    ("arn:aws:s3:::*/*", True),
    ("arn:aws:kms:us-east-1:123456789012:key/*", True),
    ("arn:aws:kms:*:*:*", True),
    ("arn:aws:s3:::bucket/*", False),
    ("arn:aws:s3:::bucket", False),
    ("arn:aws:s3:::bucket-*", False),
    ("arn:aws:kms:us-east-1:123456789012:key/abcd", False),
    ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/*", False),
    ("not-an-arn", False),
])
def test_is_wildcard_resource(resource, expected):
    assert docs.is_wildcard_resource(resource) is expected


def test_resource_scoping_conditions():
    stmt = allow(Condition={"StringEquals": {"aws:ResourceTag/dataset": "reviews"}})
    assert docs.conditions_on(stmt, ["aws:ResourceTag/"]) == ["aws:resourcetag/dataset"]
    negated = allow(Condition={"StringNotEquals": {"aws:ResourceTag/dataset": "reviews"}})
    assert docs.conditions_on(negated, ["aws:ResourceTag/"]) == []


def test_module_import_does_not_load_the_action_database():
    # The database is loaded on first use: the pack must not pay that at start.
    code = ("from ml_dataset_governance.policies import iam_documents; "
            "from ml_dataset_governance.policies.access import actions; print(actions.database.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


# --- never raises --------------------------------------------------------------------------------

json_trees = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.integers(), st.text(max_size=10),
              st.sampled_from(["*", "Allow", "Deny", "*:*", "arn:aws:iam::*:root", "0.0.0.0/0"])),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["Statement", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                                         "Resource", "NotResource", "Condition", "AWS", "Service", "StringEquals",
                                         "IpAddress", "aws:SourceIp", "aws:SourceVpce", "Sid"]) | st.text(max_size=6),
                        children, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.one_of(json_trees, json_trees.map(lambda t: json.dumps(t))))
def test_never_raises_on_arbitrary_json(doc):
    for stmt in docs.statements(doc) + [doc]:
        docs.principals(stmt)
        docs.has_wildcard_principal(stmt)
        docs.is_restricted_by_condition(stmt)
        docs.is_public_statement(stmt)
        docs.is_admin_statement(stmt)
        docs.statement_allows(stmt, "s3:GetObject")
        docs.wildcard_resources(stmt)
        docs.conditions_on(stmt, ["aws:ResourceTag/"])
    docs.public_statements(doc)
    docs.admin_statements(doc)
    docs.allows_actions(doc, ["kms:Decrypt"])
