"""The IAM family's resource types and readers: the identity-policy documents and managed-policy ARNs a
resource carries, read once for every IAM rule."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ml_dataset_governance.policies import iam_documents as docs
from ml_dataset_governance.policies.model import Resource
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_document,
    is_unknown,
    unverifiable,
)

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_ATTACHMENTS_EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
USER_ATTACHMENTS_EXCLUSIVE = "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"
GROUP_ATTACHMENTS_EXCLUSIVE = "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"


# Resources holding identity-policy documents (property "policy", or Role.inlinePolicies[].policy).
DOCUMENT_TYPES = (ROLE, POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY)
# Resources attaching managed policies by ARN: type -> property (a string or a list of strings).
ATTACHMENT_PROPS = {
    ROLE: "managedPolicyArns",
    ROLE_POLICY_ATTACHMENT: "policyArn",
    USER_POLICY_ATTACHMENT: "policyArn",
    GROUP_POLICY_ATTACHMENT: "policyArn",
    POLICY_ATTACHMENT: "policyArn",
    ROLE_ATTACHMENTS_EXCLUSIVE: "policyArns",
    USER_ATTACHMENTS_EXCLUSIVE: "policyArns",
    GROUP_ATTACHMENTS_EXCLUSIVE: "policyArns",
}


# --- reading documents and ARNs ------------------------------------------------------------------

@dataclass(frozen=True)
class Document:
    label: str
    document: dict[str, Any]


@dataclass(frozen=True)
class Malformed:
    label: str


def documents(r: Resource) -> Iterator[Document | Malformed | Unverifiable]:
    """Every identity policy the resource carries: readable, malformed, or unknown until the update."""
    raw: list[tuple[str, str, Any]] = []  # (label, path, value)
    if r.type == ROLE:
        inline = r.get("inlinePolicies")
        for index, item in enumerate(docs.as_list(inline)):
            name = item.get("name") if isinstance(item, Mapping) else None
            label = f"inlinePolicies '{name}'" if isinstance(name, str) and not is_unknown(name) else \
                f"inlinePolicies[{index}]"
            value = item.get("policy") if isinstance(item, Mapping) else item
            raw.append((label, f"inlinePolicies.{index}.policy", value))
    elif r.type in DOCUMENT_TYPES:
        raw.append(("policy", "policy", r.get("policy")))
    for label, path, value in raw:
        try:
            document = as_document(value, path)
        except NeedsValue as exc:
            yield unverifiable(exc)
            continue
        except MalformedDocument:
            yield Malformed(label)
            continue
        if document is not None:
            yield Document(label, document)


def policy_arns(r: Resource) -> Iterator[str | Unverifiable]:
    """Attached managed-policy ARNs, and the unknown ones as Unverifiable."""
    prop = ATTACHMENT_PROPS.get(r.type)
    if prop is None:
        return
    value = r.get(prop)
    for index, item in enumerate(docs.as_list(value)):
        if is_unknown(item):
            yield Unverifiable(f"{prop}.{index}" if isinstance(value, list) else prop)
        elif isinstance(item, str):
            yield item
