"""AWS's meaning of "public" for S3 bucket policies and KMS key policies, and trust policies (each row cites)."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.access.document import parse_policy
from ml_dataset_governance.policies.access.public import public_statements, trust_issues

S3_PUBLIC = ("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
             "#access-control-block-public-access-policy-status")
ANALYZER = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html"
KMS_KEYS = "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account"
CONFUSED = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
OPS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
VARS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
ACCOUNT = "111122223333"


def grant(condition=None, principal="*", action="s3:GetObject"):
    stmt = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "arn:aws:s3:::b/*"}
    if condition is not None:
        stmt["Condition"] = condition
    return {"Statement": [stmt]}


PUBLIC_ROWS = [
    # (source, what, document, public?)
    (S3_PUBLIC, "Principal * without a condition", grant(), True),
    (S3_PUBLIC, "{AWS: *} without a condition", grant(principal={"AWS": "*"}), True),
    (S3_PUBLIC, "a fixed AWS principal", grant(principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/r"}), False),
    (S3_PUBLIC, "a service principal", grant(principal={"Service": "cloudtrail.amazonaws.com"}), False),
    (S3_PUBLIC, "a set of CIDRs", grant({"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}),
     False),
    (S3_PUBLIC, "the whole IPv4 internet as one CIDR", grant({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), True),
    (S3_PUBLIC, "the whole internet as a union of CIDRs",
     grant({"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}), True),
    (S3_PUBLIC, "a fixed aws:SourceArn", grant({"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:t"}}),
     False),
    (S3_PUBLIC, "a fixed aws:SourceVpc", grant({"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}), False),
    (S3_PUBLIC, "a fixed aws:SourceVpce", grant({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), False),
    (S3_PUBLIC, "a fixed aws:SourceOwner", grant({"StringEquals": {"aws:SourceOwner": ACCOUNT}}), False),
    (S3_PUBLIC, "a fixed aws:SourceAccount", grant({"StringEquals": {"aws:SourceAccount": ACCOUNT}}), False),
    (S3_PUBLIC, "a fixed s3:x-amz-server-side-encryption-aws-kms-key-id",
     grant({"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id":
                             f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k"}}), False),
    (S3_PUBLIC, "aws:userid outside the AROLEID:* pattern", grant({"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}),
     False),
    (S3_PUBLIC, "aws:userid as a wildcard", grant({"StringLike": {"aws:userid": "*"}}), True),
    (S3_PUBLIC, "a fixed aws:PrincipalOrgID", grant({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}), False),
    (S3_PUBLIC, "a fixed aws:PrincipalAccount", grant({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}), False),
    (S3_PUBLIC, "a fixed s3:DataAccessPointAccount",
     grant({"StringEquals": {"s3:DataAccessPointAccount": ACCOUNT}}), False),
    (S3_PUBLIC, "a fixed s3:DataAccessPointArn",
     grant({"ArnEquals": {"s3:DataAccessPointArn": f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/ap"}}), False),
    (S3_PUBLIC, "an account wildcard principal", grant(principal={"AWS": "arn:aws:iam::*:root"}), True),
    (ANALYZER, "an aws:PrincipalOrgPaths under a fixed organization",
     grant({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/ou-ab12-11111111/*"}}), False),
    (KMS_KEYS, "KMS: a fixed kms:CallerAccount",
     grant({"StringEquals": {"kms:CallerAccount": ACCOUNT}}, action="kms:Decrypt"), False),
    (KMS_KEYS, "KMS: kms:ViaService alone admits callers of every account",
     grant({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}, action="kms:Decrypt"), True),
    (OPS, "...IfExists passes when the key is absent",
     grant({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), True),
    (OPS, "ForAllValues: passes on an absent key", grant({"ForAllValues:StringEquals": {"aws:SourceVpce": "vpce-1"}}),
     True),
    (OPS, "a negated operator does not restrict", grant({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}), True),
    (VARS, "a policy variable is not a fixed value",
     grant({"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}), True),
    (S3_PUBLIC, "a Deny is never public", {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                          "Resource": "*"}]}, False),
    (S3_PUBLIC, "NotPrincipal in an Allow reaches everyone else",
     {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     "Action": "s3:GetObject", "Resource": "*"}]}, True),
]


@pytest.mark.parametrize(("source", "what", "document", "public"), PUBLIC_ROWS, ids=[r[1] for r in PUBLIC_ROWS])
def test_meaning_of_public(source, what, document, public):
    assert source.startswith("https://docs.aws.amazon.com/")
    assert bool(public_statements(document)) is public


TRUST_ROWS = [
    (CONFUSED, "a service without aws:SourceAccount or aws:SourceArn",
     {"Principal": {"Service": "lambda.amazonaws.com"}}, ["confused-deputy"]),
    (CONFUSED, "a service confined by aws:SourceAccount",
     {"Principal": {"Service": "lambda.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
     []),
    (CONFUSED, "a service confined by a policy variable is not confined",
     {"Principal": {"Service": "lambda.amazonaws.com"},
      "Condition": {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}}, ["confused-deputy"]),
    (S3_PUBLIC, "anyone", {"Principal": {"AWS": "*"}}, ["public"]),
    ("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
     "another account", {"Principal": {"AWS": "444455556666"}}, ["other-account"]),
    ("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
     "a role of this account", {"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}}, []),
]


@pytest.mark.parametrize(("source", "what", "statement", "kinds"), TRUST_ROWS, ids=[r[1] for r in TRUST_ROWS])
def test_trust_policies(source, what, statement, kinds):
    assert source.startswith("https://docs.aws.amazon.com/")
    doc = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", **statement}]}
    assert [i.kind for i in trust_issues(doc, own_accounts=[ACCOUNT])] == kinds


def test_public_is_judged_per_statement_of_the_parsed_model():
    policy = parse_policy({"Statement": [grant()["Statement"][0], grant({"StringEquals": {
        "aws:SourceVpce": "vpce-1"}})["Statement"][0]]})
    assert [s.index for s in public_statements(policy)] == [0]
