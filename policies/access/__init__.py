"""The IAM and data-access model: policy documents, AWS's evaluation logic, and who can reach each dataset.

Stable API (used by the pack's rules and by infra tests to prove the stack's own policies)::

    from ml_dataset_governance.policies.access import Request, Principal, evaluate

    decision = evaluate(
        Request(principal="arn:aws:iam::111122223333:role/reader", action="s3:PutObject",
                resource="arn:aws:s3:::bucket/key",
                context={"aws:SourceVpce": "vpce-1", "s3:x-amz-server-side-encryption": "aws:kms"},
                resource_account="111122223333"),
        identity_policies=[role_policy_json, ...],      # documents: dicts, JSON text or parsed `Policy`
        resource_policy=bucket_policy_json,             # bucket, key, access-point, trust or endpoint policy
        boundary=None, session_policies=(), scp=())
    decision.allowed      # bool
    decision.reason       # "explicit deny", "allowed by an identity-based policy", "implicit deny: ..."
    decision.deciding     # the statements that decided (Match: policy label + Statement with Sid)
    decision.certain      # False when an open context left a condition undecided

- `Request.principal`: an ARN, a 12-digit account, a service ("s3.amazonaws.com"), "*" (anonymous), or a
  `Principal(arn=..., account=..., tags=..., org_id=...)`; its global keys (aws:PrincipalArn, aws:PrincipalAccount,
  aws:PrincipalTag/...) join the context. `resource_account` defaults to the resource ARN's account, else the
  principal's (S3 ARNs carry none): a request is cross-account when they differ.
- `Request.context`: condition keys (case-insensitive) to values; absent keys are absent (AWS's semantics), unless
  `open_context=True`, where they are unknown (the "can this ever be allowed?" question).

Also: `parse_policy` (the document model), `evaluate_condition`, `public` (AWS's meaning of "public" for S3 and KMS,
trust policies), `actions` (the IAM action database: access levels, wildcard expansion), `grants` (admin,
permissions management, data access by effect), `managed` (the AWS managed policy snapshot), `view` (the effective
access of every principal to every dataset of a stack) and `catalog` (the dataset catalog).
"""

from ml_dataset_governance.policies.access.conditions import Context, evaluate_condition, evaluate_conditions
from ml_dataset_governance.policies.access.document import Condition, Policy, Statement, parse_policy
from ml_dataset_governance.policies.access.evaluate import ANONYMOUS, Decision, Match, Principal, Request, evaluate

__all__ = [
    "ANONYMOUS",
    "Condition",
    "Context",
    "Decision",
    "Match",
    "Policy",
    "Principal",
    "Request",
    "Statement",
    "evaluate",
    "evaluate_condition",
    "evaluate_conditions",
    "parse_policy",
]
