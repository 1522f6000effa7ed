"""Condition operators with AWS's semantics (each row names the documentation it comes from)."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.access import Context, evaluate_condition
from ml_dataset_governance.policies.access.document import parse_statement

OPS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
MULTI = ("https://docs.aws.amazon.com/IAM/latest/UserGuide/"
         "reference_policies_condition-single-vs-multi-valued-context-keys.html")
VARS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"


def cond(operator, key, values):
    stmt = parse_statement(0, {"Effect": "Allow", "Action": "*", "Resource": "*",
                               "Condition": {operator: {key: values}}})
    assert stmt.malformed is None
    return stmt.conditions[0]


ROWS = [
    # (source, operator, key, policy values, request context, expected)
    (OPS, "StringEquals", "aws:PrincipalTag/team", "a", {"aws:PrincipalTag/team": "a"}, True),
    (OPS, "StringEquals", "aws:PrincipalTag/team", "a", {"aws:PrincipalTag/team": "A"}, False),
    (OPS, "StringEqualsIgnoreCase", "aws:PrincipalTag/team", "a", {"aws:PrincipalTag/team": "A"}, True),
    (OPS, "StringEquals", "aws:PrincipalTag/team", "a", {}, False),  # missing key: false
    (OPS, "StringNotEquals", "aws:SourceVpce", "vpce-1", {}, True),  # negated, missing key: true
    (OPS, "StringNotEquals", "aws:SourceVpce", "vpce-1", {"aws:SourceVpce": "vpce-1"}, False),
    (OPS, "StringNotEquals", "aws:SourceVpce", ["vpce-1", "vpce-2"], {"aws:SourceVpce": "vpce-2"}, False),
    (OPS, "StringLike", "s3:prefix", "home/*", {"s3:prefix": "home/carlos/"}, True),
    (OPS, "StringLike", "s3:prefix", "home/?", {"s3:prefix": "home/ab"}, False),
    (OPS, "StringLike", "s3:prefix", "[ab]", {"s3:prefix": "a"}, False),  # no character classes in IAM
    (OPS, "StringNotLike", "s3:prefix", "home/*", {"s3:prefix": "etc/"}, True),
    (OPS, "StringEqualsIfExists", "ec2:InstanceType", "t2.micro", {}, True),
    (OPS, "StringEqualsIfExists", "ec2:InstanceType", "t2.micro", {"ec2:InstanceType": "m5.large"}, False),
    (OPS, "NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": "10"}, True),
    (OPS, "NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "10"}, False),
    (OPS, "NumericGreaterThan", "aws:MultiFactorAuthAge", 3600.0, {"aws:MultiFactorAuthAge": "7200"}, True),
    (OPS, "NumericNotEquals", "s3:max-keys", "10", {"s3:max-keys": "11"}, True),
    (OPS, "DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z", {"aws:CurrentTime": "2025-06-01T12:00:00Z"},
     True),
    (OPS, "DateGreaterThan", "aws:CurrentTime", "2026-01-01T00:00:00Z", {"aws:CurrentTime": "1700000000"}, False),
    (OPS, "Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": "false"}, True),
    (OPS, "Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": True}, False),
    (OPS, "Bool", "aws:SecureTransport", "false", {}, False),
    (OPS, "BoolIfExists", "aws:MultiFactorAuthPresent", "false", {}, True),
    (OPS, "IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.7"}, True),
    (OPS, "IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.7"}, False),
    (OPS, "IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"], {"aws:SourceIp": "2001:db8::1"}, True),
    (OPS, "NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.7"}, True),
    (OPS, "NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {}, True),
    (OPS, "ArnLike", "aws:SourceArn", "arn:aws:cloudtrail:*:111122223333:trail/*",
     {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}, True),
    (OPS, "ArnLike", "aws:SourceArn", "arn:aws:cloudtrail:*:111122223333:trail/*",
     {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:444455556666:trail/main"}, False),
    (OPS, "ArnEquals", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/*",
     {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/x"}, True),
    (OPS, "ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/admin",
     {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/x"}, True),
    (OPS, "Null", "aws:TokenIssueTime", "true", {}, True),
    (OPS, "Null", "aws:TokenIssueTime", "true", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, False),
    (OPS, "Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, True),
    (MULTI, "ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["c", "b"]}, True),
    (MULTI, "ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], {}, False),
    (MULTI, "ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a", "c"]}, False),
    (MULTI, "ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a"]}, True),
    (MULTI, "ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {}, True),  # no values: vacuously true
    (MULTI, "ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": ["a", "z"]}, True),
    (MULTI, "ForAllValues:StringNotLike", "aws:TagKeys", ["a*"], {"aws:TagKeys": ["b", "c"]}, True),
    (VARS, "StringEquals", "s3:prefix", "home/${aws:username}/", {"s3:prefix": "home/carlos/",
                                                                  "aws:username": "carlos"}, True),
    (VARS, "StringEquals", "s3:prefix", "home/${aws:username}/", {"s3:prefix": "home/carlos/"}, False),
    (VARS, "StringEquals", "s3:prefix", "home/${aws:username, 'anyone'}/", {"s3:prefix": "home/anyone/"}, True),
    (VARS, "StringLike", "s3:prefix", "${*}", {"s3:prefix": "*"}, True),
    (VARS, "StringLike", "s3:prefix", "${*}", {"s3:prefix": "anything"}, False),
    (OPS, "StringEqualsMaybe", "s3:prefix", "x", {"s3:prefix": "x"}, False),  # unknown operator never matches
]


@pytest.mark.parametrize(("source", "operator", "key", "values", "context", "expected"), ROWS,
                         ids=[f"{r[1]}-{r[2]}-{i}" for i, r in enumerate(ROWS)])
def test_operator(source, operator, key, values, context, expected):
    assert source.startswith("https://docs.aws.amazon.com/")
    assert evaluate_condition(cond(operator, key, values), Context(context)) is expected


@pytest.mark.parametrize("operator", ["StringEquals", "StringNotEquals", "IpAddress", "Null", "ForAnyValue:ArnLike"])
def test_open_context_leaves_a_missing_key_undecided(operator):
    assert evaluate_condition(cond(operator, "aws:SourceVpce", "vpce-1"), Context({}, open=True)) is None


def test_open_context_decides_keys_it_holds():
    condition = cond("StringEquals", "aws:PrincipalAccount", "111122223333")
    assert evaluate_condition(condition, Context({"aws:PrincipalAccount": "444455556666"}, open=True)) is False


def test_unresolved_variable_in_open_context_is_undecided():
    condition = cond("StringEquals", "aws:PrincipalAccount", "${aws:ResourceAccount}")
    assert evaluate_condition(condition, Context({"aws:PrincipalAccount": "1"}, open=True)) is None
