"""No administrator access however it is attached, judged by effect (AWS managed policies expanded from the
pack's snapshot): per resource, and across the stack for attachments of a customer policy that grants it."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as docs
from ml_dataset_governance.policies.access.managed import managed_policy
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.rules.iam.common import (
    ATTACHMENT_PROPS,
    DOCUMENT_TYPES,
    POLICY,
    Document,
    Malformed,
    documents,
    policy_arns,
)
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_document,
)

ADMIN_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")


def _sids(statements: list[dict[str, Any]]) -> str:
    sids = [s["Sid"] for s in statements if isinstance(s.get("Sid"), str) and s["Sid"]]
    return f" (Sid {', '.join(sids[:5])})" if sids else ""


# --- iam-no-admin-access -------------------------------------------------------------------------

def _forbidden_reason(arn: str, params: Mapping[str, Any]) -> str | None:
    """Why attaching `arn` is administrator access: AdministratorAccess, a configured glob, or an AWS managed policy
    whose document (from the pack's dated snapshot) grants administrator access by effect."""
    arn = arn.strip()
    if ADMIN_POLICY_ARN.match(arn):
        return "every action on every resource"
    extra = params.get("additionalForbiddenPolicyArns") or []
    if any(isinstance(p, str) and fnmatch.fnmatchcase(arn, p) for p in extra):
        return "listed in additionalForbiddenPolicyArns"
    policy = managed_policy(arn)
    if policy is not None:
        reasons = [r for stmt in policy.statements if (r := docs.admin_reason(dict(stmt.raw)))]
        if reasons:
            return reasons[0]
    return None


def _admin_managed_policies(r: Resource, params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    arns = []
    for item in policy_arns(r):
        if isinstance(item, Unverifiable):
            yield item
        else:
            arns.append(item)
    prop = ATTACHMENT_PROPS.get(r.type, "policyArn")
    forbidden = {a.strip(): reason for a in arns if (reason := _forbidden_reason(a, params))}
    if forbidden:
        shown = ", ".join(f"{arn} ({reason})" for arn, reason in sorted(forbidden.items()))
        yield (f"{prop} attaches {shown}; expected least-privilege policies, never administrator access.")


def _admin_documents(r: Resource, _params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    for item in documents(r):
        if isinstance(item, Document):
            admin = docs.admin_statements(item.document)
            if admin:
                reason = docs.admin_reason(admin[0])
                yield (f"{item.label} grants administrator access{_sids(admin)}: {reason}; expected specific "
                       "actions on specific resources.")
        elif isinstance(item, Malformed):
            yield f"{item.label} is not a readable JSON policy document; expected a valid IAM policy."
        else:
            yield item


_ADMIN_REMEDIATION = """Grant what the workload needs on its own resources instead of AdministratorAccess or "*" on "*":

    aws.iam.RolePolicy("team-data", role=role.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                       "Resource": pulumi.Output.concat(bucket.arn, "/*")}]}))

A deliberate break-glass role is an exemption with an owner, a reason and an expiry, not a config switch."""


_ADMIN_TYPES = tuple(dict.fromkeys((*DOCUMENT_TYPES, *ATTACHMENT_PROPS)))


IAM_NO_ADMIN_ACCESS = Rule(
    id="iam-no-admin-access",
    title="IAM principals get no administrator access, judged by effect (managed policies expanded)",
    severity="critical",
    enforcement="mandatory",
    frameworks=(CIS("1.16"), FSBP("IAM.1"), NIST("AC-6"), AWS_CONFIG("iam-policy-no-statements-with-admin-access")),
    rationale=(
        "Full administrator access bypasses every dataset control: it can read any bucket, decrypt with any key "
        "and rewrite the policies. It is judged by effect with the IAM action database: \"*\", \"*:*\", NotAction "
        "lists granting nearly every action, resource wildcards written as ARNs, and IAM permissions management "
        "(iam:Put*Policy, Attach*Policy, CreatePolicyVersion, PassRole... on every role or user), which lets the "
        "holder grant itself anything; AWS managed policies (PowerUserAccess, IAMFullAccess...) are expanded "
        "from the pack's dated snapshot. It is refused however it is granted: Role.managedPolicyArns and "
        "inlinePolicies, RolePolicy, UserPolicy, GroupPolicy, Policy, the Role/User/Group/PolicyAttachment "
        "resources and the *PolicyAttachmentsExclusive resources (AdministratorAccess in any partition, plus "
        "additionalForbiddenPolicyArns globs). A policy document that is not valid JSON is reported too."
    ),
    remediation=_ADMIN_REMEDIATION,
    checks=(_admin_managed_policies, _admin_documents),
    resource_types=_ADMIN_TYPES,
    params={
        "additionalForbiddenPolicyArns": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Further managed-policy ARN globs never to attach (e.g. arn:aws:iam::aws:policy/"
                           "IAMFullAccess).",
        },
    },
    tags=("iam", "least-privilege"),
)


def _admin_attached_by_reference(stack: Stack, _params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    """Attachments (and roles) whose managed-policy ARN refers to an aws.iam.Policy of this stack granting admin."""
    admin_policies: dict[str, Resource] = {}
    unknown_policies: set[str] = set()
    for policy in stack.of_type(POLICY):
        try:
            document = as_document(policy.get("policy"), "policy")
        except NeedsValue:
            unknown_policies.add(policy.urn)
            continue
        except MalformedDocument:
            continue  # the resource rule reports it
        if document is not None and docs.admin_statements(document):
            admin_policies[policy.urn] = policy
    unknown: set[str] = set()
    for attacher in stack.of_type(*ATTACHMENT_PROPS):
        prop = ATTACHMENT_PROPS[attacher.type]
        targets = stack.referenced_by(attacher, prop, (POLICY,))
        hits = [p for p in targets if p.urn in admin_policies]
        if hits:
            names = ", ".join(sorted(f"'{p.name}'" for p in hits))
            yield Finding(attacher.urn, f"{prop} attaches aws:iam:Policy {names}, which grants administrator access "
                                        "(every action on every resource, or IAM permissions management); expected "
                                        "least-privilege policies.")
        elif any(p.urn in unknown_policies for p in targets):
            unknown.add(f"{attacher.name}.{prop}")
    yield from (Unverifiable(path) for path in sorted(unknown))


IAM_NO_ADMIN_ACCESS_ATTACHED = Rule(
    id="iam-no-admin-access-attached",
    title="No attachment in the stack attaches a customer-managed policy granting \"*\" on \"*\"",
    severity="critical",
    enforcement="mandatory",
    frameworks=(CIS("1.16"), FSBP("IAM.1"), NIST("AC-6")),
    rationale=(
        "An attachment only names a policy ARN, so whether it grants administrator access depends on the "
        "aws.iam.Policy it refers to (correlated by property dependencies, then known ARNs). The policy itself is "
        "refused by iam-no-admin-access; this names every role, user or group it would reach, so exempting "
        "one policy does not silently authorize attaching it anywhere."
    ),
    remediation=_ADMIN_REMEDIATION,
    checks=(_admin_attached_by_reference,),
    stack=True,
    tags=("iam", "least-privilege"),
)


RULES = (IAM_NO_ADMIN_ACCESS, IAM_NO_ADMIN_ACCESS_ATTACHED)
