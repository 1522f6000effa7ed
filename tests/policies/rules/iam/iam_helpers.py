"""Shared fixtures of the IAM rule tests: rule ids, policy documents and role builders as the engine sends them."""

from __future__ import annotations

import json

from ml_dataset_governance.policies.rules import iam

from mlgov.testing import resource

ADMIN = "iam-no-admin-access"
ADMIN_ATTACHED = "iam-no-admin-access-attached"
TRUST = "iam-sagemaker-role-trusts-sagemaker-only"
EXEC_TRUST = "iam-sagemaker-execution-role-trust"
DATA = "iam-policy-no-wildcard-resource-data-actions"

ACCOUNT = "123456789012"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
BUCKET_ARN = "arn:aws:s3:::mlgov-reviews"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0d7f0b9e-1111-2222-3333-444455556666"
SAGEMAKER = {"Service": "sagemaker.amazonaws.com"}
VIA_S3 = "s3.us-east-1.amazonaws.com"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, res="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": res, **extra}


SCOPED = doc(allow(["s3:GetObject", "s3:GetObjectVersion"], f"{BUCKET_ARN}/*"),
             allow("s3:ListBucket", BUCKET_ARN),
             allow("kms:Decrypt", KEY_ARN, Condition={"StringEquals": {"kms:ViaService": VIA_S3}}),
             allow(["sagemaker:*", "logs:*"], "*"))
ADMIN_DOC = doc(allow("s3:GetObject", f"{BUCKET_ARN}/*"), {"Sid": "Everything", **allow("*")})


def trust(*principals, **condition):
    statements = [{"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"} for p in principals]
    if condition:
        statements[0]["Condition"] = condition
    return doc(*statements)


SAGEMAKER_TRUST = trust(SAGEMAKER, StringEquals={"aws:SourceAccount": ACCOUNT})


def role(name, *, assume=SAGEMAKER_TRUST, managed=None, inline=None, outputs=None):
    inputs = {"assumeRolePolicy": assume}
    if managed is not None:
        inputs["managedPolicyArns"] = managed
    if inline is not None:
        inputs["inlinePolicies"] = [{"name": f"p{i}", "policy": p} for i, p in enumerate(inline)]
    if outputs is not None:
        outputs = {**inputs, **outputs}
    return resource(iam.ROLE, name, inputs, outputs=outputs)


EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})
