"""Least privilege on dataset data actions: identity policies grant them only on named buckets and keys."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as docs
from ml_dataset_governance.policies.frameworks import FSBP, NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.rules.iam.common import DOCUMENT_TYPES, Document, documents
from ml_dataset_governance.policies.values import Unverifiable

# --- least privilege on data actions -------------------------------------------------------------

DEFAULT_DATA_ACTIONS = [
    "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
    "s3:PutObjectAcl", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl",
    "s3:PutBucketPublicAccessBlock",
    "kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion",
]
# Conditions that scope a "*" resource to specific resources (attribute-based access control).
RESOURCE_SCOPING_CONDITIONS = ("aws:ResourceTag/", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths")


def _wildcard_data_actions(r: Resource, params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    wanted = [a for a in (params.get("dataActions") or DEFAULT_DATA_ACTIONS) if isinstance(a, str)]
    for item in documents(r):  # malformed documents are reported by iam-no-admin-access
        if isinstance(item, Unverifiable):
            yield item
        if not isinstance(item, Document):
            continue
        label, document = item.label, item.document
        for stmt, granted in docs.allows_actions(document, wanted):
            if docs.is_admin_statement(stmt):
                continue  # iam-no-admin-access reports it
            wide = docs.wildcard_resources(stmt)
            if not wide or docs.conditions_on(stmt, RESOURCE_SCOPING_CONDITIONS):
                continue
            sid = stmt.get("Sid") if isinstance(stmt.get("Sid"), str) and stmt.get("Sid") else None
            where = f"{label} statement {sid}" if sid else f"{label}"
            shown = ", ".join(granted[:4]) + (f" and {len(granted) - 4} more" if len(granted) > 4 else "")
            yield (f"{where} allows {shown} on {', '.join(sorted(set(wide))[:3])}; expected the dataset bucket and "
                   "key ARNs (or an aws:ResourceTag condition).")


_DATA_REMEDIATION = """Name the dataset's bucket and key instead of "*":

    aws.iam.RolePolicy("team-data", role=role.id, policy=pulumi.Output.json_dumps({"Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": pulumi.Output.concat(bucket.arn, "/*")},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key.arn}]}))"""


IAM_POLICY_NO_WILDCARD_RESOURCE_DATA_ACTIONS = Rule(
    id="iam-policy-no-wildcard-resource-data-actions",
    title="Identity policies grant dataset data actions only on named buckets and keys",
    severity="high",
    enforcement="advisory",
    frameworks=(NIST("AC-6"), FSBP("KMS.2"), FSBP("IAM.21")),
    rationale=(
        "Reading, writing or deleting objects, decrypting with keys, and changing bucket or key policies are "
        "granted per dataset. An Allow of such an action (s3:*, s3:Get*, kms:Decrypt, or a NotAction that "
        "covers one) on Resource \"*\", an all-buckets ARN (arn:aws:s3:::*), an all-keys ARN (key/*) or a "
        "NotResource reaches every dataset. Scope: identity policies only (key and bucket policies name their "
        "own resource as \"*\"); actions outside dataActions (sagemaker:*, logs:*) are not this rule's concern; "
        "statements scoped by an aws:ResourceTag/ResourceAccount/ResourceOrgID condition pass; \"*\" on \"*\" is "
        "left to iam-no-admin-access."
    ),
    remediation=_DATA_REMEDIATION,
    checks=(_wildcard_data_actions,),
    resource_types=DOCUMENT_TYPES,
    params={
        "dataActions": {
            "type": "array",
            "items": {"type": "string"},
            "default": DEFAULT_DATA_ACTIONS,
            "description": "Actions that must never be granted on every resource.",
        },
    },
    tags=("iam", "least-privilege"),
)


RULES = (IAM_POLICY_NO_WILDCARD_RESOURCE_DATA_ACTIONS,)
