"""IAM rules: no administrator access however it is attached (judged by effect, AWS managed policies expanded from
the pack's snapshot), trust policies of every role, SageMaker execution-role trust, and least privilege on dataset
data actions.

Grants reach a principal through many pulumi-aws 7 resources; every one that carries a policy
document or a managed-policy ARN is checked per resource, so a violation blocks before creation.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ml_dataset_governance.policies import iam_documents as docs
from ml_dataset_governance.policies.access import public
from ml_dataset_governance.policies.access.managed import managed_policy
from ml_dataset_governance.policies.access.view import STACK_ACCOUNT, stack_account
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_document,
    get,
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

SAGEMAKER_DOMAIN = "aws:sagemaker/domain:Domain"
SAGEMAKER_USER_PROFILE = "aws:sagemaker/userProfile:UserProfile"
SAGEMAKER_NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
SAGEMAKER_MODEL = "aws:sagemaker/model:Model"
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"

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
ADMIN_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")


# --- reading documents and ARNs ------------------------------------------------------------------

@dataclass(frozen=True)
class _Document:
    label: str
    document: dict[str, Any]


@dataclass(frozen=True)
class _Malformed:
    label: str


def _documents(r: Resource) -> Iterator[_Document | _Malformed | Unverifiable]:
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
            yield _Malformed(label)
            continue
        if document is not None:
            yield _Document(label, document)


def _policy_arns(r: Resource) -> Iterator[str | Unverifiable]:
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
    for item in _policy_arns(r):
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
    for item in _documents(r):
        if isinstance(item, _Document):
            admin = docs.admin_statements(item.document)
            if admin:
                reason = docs.admin_reason(admin[0])
                yield (f"{item.label} grants administrator access{_sids(admin)}: {reason}; expected specific "
                       "actions on specific resources.")
        elif isinstance(item, _Malformed):
            yield f"{item.label} is not a readable JSON policy document; expected a valid IAM policy."
        else:
            yield item


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


# --- trust policies of every role ----------------------------------------------------------------

def _role_trust(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    """Who may assume each role: nobody public, no other account, no service without confused-deputy keys."""
    own = stack_account(stack)
    trusted = [a for a in params.get("trustedAccounts") or [] if isinstance(a, str)]
    for role in stack.of_type(ROLE):
        try:
            document = as_document(role.get("assumeRolePolicy"), "assumeRolePolicy")
        except NeedsValue:
            yield Unverifiable(f"{role.name}.assumeRolePolicy")
            continue
        except MalformedDocument:
            continue  # AWS rejects the role; nothing is trusted
        if document is None:
            continue
        own_accounts = [] if own == STACK_ACCOUNT else [own]
        issues = public.trust_issues(document, own_accounts, trusted)
        if own == STACK_ACCOUNT:
            # The stack's own account is not known yet (preview): other-account trust is decided at update.
            if any(i.kind == "other-account" for i in issues):
                yield Unverifiable(f"{role.name}.assumeRolePolicy (account)")
            issues = [i for i in issues if i.kind != "other-account"]
        if issues:
            found = "; ".join(i.describe() for i in issues[:3])
            yield Finding(role.urn, f"assumeRolePolicy {found}; expected only named principals of this account "
                                    "(or trustedAccounts), and services confined by aws:SourceAccount or "
                                    "aws:SourceArn.")


# --- SageMaker execution-role trust --------------------------------------------------------------

def _other_trusted_principals(document: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """(trusts SageMaker, every other principal an Allow statement of the trust policy names)."""
    trusts_sagemaker = False
    others: list[str] = []
    for stmt in docs.statements(document):
        if not docs.is_allow(stmt):
            continue
        if stmt.get("NotPrincipal") is not None:
            others.append("NotPrincipal (everyone else)")
        for kind, values in docs.principals_by_kind(stmt).items():
            for value in values:
                if kind == "Service" and value.strip().lower() == SAGEMAKER_PRINCIPAL:
                    trusts_sagemaker = True
                else:
                    others.append("*" if value.strip() == "*" else f"{kind} {value}")
    return trusts_sagemaker, sorted(set(others))


def _describe(principals: list[str]) -> str:
    shown = ", ".join(principals[:3])
    return shown + (f" and {len(principals) - 3} more" if len(principals) > 3 else "")


def _sagemaker_role_trust(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    try:
        document = as_document(r.get("assumeRolePolicy"), "assumeRolePolicy")
    except MalformedDocument:
        return  # AWS rejects the role; nothing is trusted
    if document is None:
        return
    trusts_sagemaker, others = _other_trusted_principals(document)
    if trusts_sagemaker and others:
        yield (f"assumeRolePolicy trusts {SAGEMAKER_PRINCIPAL} and also {_describe(others)}; expected a SageMaker "
               f"execution role to trust only {SAGEMAKER_PRINCIPAL}.")


# (type, top-level property, nested path or None): where SageMaker resources name their execution role.
EXECUTION_ROLE_REFERENCES = (
    (SAGEMAKER_DOMAIN, "defaultUserSettings", "executionRole"),
    (SAGEMAKER_DOMAIN, "defaultSpaceSettings", "executionRole"),
    (SAGEMAKER_USER_PROFILE, "userSettings", "executionRole"),
    (SAGEMAKER_NOTEBOOK, "roleArn", None),
    (SAGEMAKER_MODEL, "executionRoleArn", None),
)


def _execution_roles(stack: Stack, user: Resource, top: str, nested: str | None) -> tuple[list[Resource], bool]:
    """The stack's roles `user` names as execution role at `top[.nested]`, and whether that is undecidable."""
    path = f"{top}.{nested}" if nested else top
    try:
        value = get(user.props, path)
        value_known = True
    except NeedsValue:
        value, value_known = None, False
    if value_known and value is None:
        return [], False  # not set here (the SageMaker rules report missing roles)
    by_dependency = [role for role in (stack.by_urn.get(u) for u in dict.fromkeys(user.property_dependencies.get(
        top, ()))) if role is not None and role.type == ROLE]
    named = value if value_known and isinstance(value, str) else None
    if len(by_dependency) == 1 and not (named and by_dependency[0].identifiers()
                                        and named not in by_dependency[0].identifiers()):
        return by_dependency, False
    if named:
        # Several roles feed this property, none does, or the known ARN names another role: the ARN decides.
        return stack.with_identifier(named, (ROLE,)), False
    # Unknown value: one dependency role is it; several are ambiguous; none means a role we cannot see yet.
    return [], True


def _execution_role_trust(stack: Stack, _params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    unknown: set[str] = set()
    reported: set[tuple[str, str, str]] = set()
    for kind, top, nested in EXECUTION_ROLE_REFERENCES:
        path = f"{top}.{nested}" if nested else top
        for user in stack.of_type(kind):
            roles, undecidable = _execution_roles(stack, user, top, nested)
            if undecidable:
                unknown.add(f"{user.name}.{path}")
            for role in roles:
                key = (role.urn, user.urn, path)
                if key in reported:
                    continue
                reported.add(key)
                try:
                    document = as_document(role.get("assumeRolePolicy"), "assumeRolePolicy")
                except NeedsValue:
                    unknown.add(f"{role.name}.assumeRolePolicy")
                    continue
                except MalformedDocument:
                    document = None
                trusts_sagemaker, others = _other_trusted_principals(document or {})
                if trusts_sagemaker and not others:
                    continue
                found = []
                if not trusts_sagemaker:
                    found.append(f"does not trust {SAGEMAKER_PRINCIPAL}")
                if others:
                    found.append(f"trusts {_describe(others)}")
                yield Finding(role.urn, f"is the execution role of {user.label} ({path}) but its assumeRolePolicy "
                                        f"{' and '.join(found)}; expected it to trust only {SAGEMAKER_PRINCIPAL}.")
    yield from (Unverifiable(path) for path in sorted(unknown))


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
    for item in _documents(r):  # malformed documents are reported by iam-no-admin-access
        if isinstance(item, Unverifiable):
            yield item
        if not isinstance(item, _Document):
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


_ADMIN_REMEDIATION = """Grant what the workload needs on its own resources instead of AdministratorAccess or "*" on "*":

    aws.iam.RolePolicy("team-data", role=role.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                       "Resource": pulumi.Output.concat(bucket.arn, "/*")}]}))

A deliberate break-glass role is an exemption with an owner, a reason and an expiry, not a config switch."""

_TRUST_REMEDIATION = """Trust the SageMaker service only, confined to this account:

    aws.iam.Role("team-exec", assume_role_policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]}))"""

_DATA_REMEDIATION = """Name the dataset's bucket and key instead of "*":

    aws.iam.RolePolicy("team-data", role=role.id, policy=pulumi.Output.json_dumps({"Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": pulumi.Output.concat(bucket.arn, "/*")},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key.arn}]}))"""

_ADMIN_TYPES = tuple(dict.fromkeys((*DOCUMENT_TYPES, *ATTACHMENT_PROPS)))

_TRUST_ALL_REMEDIATION = """Trust one service, confined to this account (or a named role of a trusted account):

    aws.iam.Role("worker", assume_role_policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]}))"""

RULES = (
    Rule(
        id="iam-role-trust-restricted",
        title="Every role is assumable only by named principals: not public, no other account, no unconfined service",
        severity="critical",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("AC-6"), FSBP("IAM.1")),
        rationale=(
            "A role is as open as its trust policy. Every role of the stack is judged, not only SageMaker's: a "
            "wildcard principal (\"*\", an account wildcard, NotPrincipal) without a condition tying it to fixed "
            "accounts, organizations or networks lets anyone assume it; an AWS principal of another account (not in "
            "trustedAccounts) hands the role to that account; a service principal without aws:SourceAccount or "
            "aws:SourceArn lets the service act for any account (the confused deputy); a federated provider without "
            "conditions admits every identity it issues. Conditions are read with AWS's semantics: IfExists, "
            "ForAllValues, negated operators and policy variables are not fixed restrictions."
        ),
        remediation=_TRUST_ALL_REMEDIATION,
        checks=(_role_trust,),
        stack=True,
        params={
            "trustedAccounts": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Other AWS account ids whose principals roles may trust.",
            },
        },
        tags=("iam", "trust"),
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
        id="iam-sagemaker-role-trusts-sagemaker-only",
        title="Roles that trust SageMaker trust no other principal",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-6"), NIST("AC-3")),
        rationale=(
            "A SageMaker execution role holds dataset grants; if its trust policy also names another service, "
            "an account or \"*\", those principals can assume it and read the datasets outside Studio."
        ),
        remediation=_TRUST_REMEDIATION,
        checks=(_sagemaker_role_trust,),
        resource_types=(ROLE,),
        tags=("iam", "sagemaker"),
    ),
    Rule(
        id="iam-sagemaker-execution-role-trust",
        title="Execution roles of SageMaker domains, profiles, notebooks and models trust only SageMaker",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-6"), NIST("AC-3")),
        rationale=(
            "Every role a Domain (defaultUserSettings / defaultSpaceSettings.executionRole), UserProfile "
            "(userSettings.executionRole), NotebookInstance (roleArn) or Model (executionRoleArn) runs as must be "
            "assumable by sagemaker.amazonaws.com and nobody else. Roles are correlated by property dependencies, "
            "then by a known ARN, so a first preview is decided when the trust policy is known."
        ),
        remediation=_TRUST_REMEDIATION,
        checks=(_execution_role_trust,),
        stack=True,
        tags=("iam", "sagemaker"),
    ),
    Rule(
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
    ),
)
