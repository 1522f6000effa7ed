"""Identities outside roles: IAM users, groups and IAM Identity Center (SSO) permission sets, judged by what
their policies grant (policies.access.grants), not by how the grant is spelled.

`iam-no-admin-access` catches `"*"` on `"*"` by spelling; here a NotAction list, `iam:*`, `iam:Put*`,
PowerUserAccess or IAMFullAccess attached to a user, a group or a permission set are judged alike, AWS
managed policies by their documents (the access model's dated snapshot). People should reach datasets
through SSO and per-persona roles: long-lived access keys and policies on users are flagged too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.access import actions as action_db
from ml_dataset_governance.policies.access import managed
from ml_dataset_governance.policies.access.document import parse_policy
from ml_dataset_governance.policies.access.grants import granted_actions, judge
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_list, is_unknown

USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
LOGIN_PROFILE = "aws:iam/userLoginProfile:UserLoginProfile"
SSO_INLINE = "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy"
SSO_MANAGED = "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment"

# type -> (property holding a document, property holding a managed-policy ARN)
_GRANTS = {
    USER_POLICY: ("policy", None),
    GROUP_POLICY: ("policy", None),
    SSO_INLINE: ("inlinePolicy", None),
    USER_POLICY_ATTACHMENT: (None, "policyArn"),
    GROUP_POLICY_ATTACHMENT: (None, "policyArn"),
    SSO_MANAGED: (None, "managedPolicyArn"),
    POLICY_ATTACHMENT: (None, "policyArn"),
}


def _applies(r: Resource) -> bool:
    """A PolicyAttachment matters here only when it attaches to users or groups (roles: iam rules)."""
    if r.type != POLICY_ATTACHMENT:
        return True
    return bool(as_list(r.get("users")) or as_list(r.get("groups")))


def _policy(r: Resource) -> tuple[str, Any] | Unverifiable | None:
    doc_prop, arn_prop = _GRANTS.get(r.type, (None, None))
    if doc_prop:
        raw = r.get(doc_prop)
        return (doc_prop, parse_policy(raw)) if raw else None
    arn = r.get(arn_prop) if arn_prop else None
    if not isinstance(arn, str) or not arn:
        return None
    if not managed.is_aws_managed(arn):
        return None  # a customer managed policy: judged where it is declared (aws:iam:Policy)
    document = managed.managed_policy(arn)
    if document is None:
        return Unverifiable(f"{arn_prop} ({arn.rsplit('/', 1)[-1]} is not in the managed-policy snapshot)")
    return f"{arn_prop} {arn.rsplit('/', 1)[-1]}", document


def _least_privilege(r: Resource, _params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    try:
        if not _applies(r):
            return
        found = _policy(r)
    except NeedsValue as exc:
        yield Unverifiable(exc.path)
        return
    if found is None or isinstance(found, Unverifiable):
        if found is not None:
            yield found
        return
    label, document = found
    if document.malformed:
        yield f"{label} is not a readable policy document ({document.malformed}); expected a JSON policy."
        return
    for stmt in document.allows:
        verdict = judge(stmt)
        if verdict is None:
            continue
        if verdict.admin or verdict.permissions_management:
            why = verdict.admin or f"grants permissions management ({', '.join(verdict.permissions_management[:4])})"
        else:
            writable = _writable(stmt, verdict.service_wide)
            if not writable:
                continue  # every action of a read-only service (ReadOnlyAccess's pricing, consoleapp...)
            why = f"grants every action of {', '.join(writable)} on every resource"
        yield (f"{label} {stmt.label} {why}; expected people to get dataset access through their persona role, "
               "never administrator, permissions-management or service-wide write grants.")


def _writable(stmt: Any, services: tuple[str, ...]) -> list[str]:
    """The services among `services` where the statement grants a write, permissions or tagging action."""
    granted = granted_actions(stmt)
    return [s for s in services
            if any(a.split(":", 1)[0].lower() == s and action_db.access_level(a) not in (action_db.LIST, action_db.READ)
                   for a in granted)]


def _user_direct_policy(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if r.type in (USER_POLICY, USER_POLICY_ATTACHMENT) or (r.type == POLICY_ATTACHMENT and as_list(r.get("users"))):
        yield ("grants permissions to an IAM user directly; expected permissions through groups, SSO permission "
               "sets or roles.")


def _long_lived_credentials(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if r.type == ACCESS_KEY:
        status = r.get("status")
        if status is None or status == "Active" or is_unknown(status):
            yield ("creates a long-lived access key for an IAM user (its secret ends up in the Pulumi state); "
                   "expected SSO or role sessions with temporary credentials.")
    elif r.type == LOGIN_PROFILE:
        yield "gives an IAM user a console password; expected console access through IAM Identity Center (SSO)."


RULES = (
    Rule(
        id="iam-identity-grants-least-privilege",
        title="IAM users, groups and SSO permission sets get no administrator, permissions-management or "
              "service-wide grants",
        severity="critical",
        enforcement="mandatory",
        frameworks=(FSBP("IAM.1"), FSBP("IAM.21"), CIS("1.16"),
                    AWS_CONFIG("iam-policy-no-statements-with-admin-access"),
                    AWS_CONFIG("iam-policy-no-statements-with-full-access"), NIST("AC-6")),
        rationale=(
            "A person's user, group or permission set with administrator access (in any spelling: NotAction, "
            "\"*:*\", PowerUserAccess), with permissions management on every resource (iam:PutRolePolicy, "
            "iam:PassRole, sso:*...: a path to any dataset) or with every action of a service on every resource "
            "(s3:*, kms:*) bypasses the catalog's per-persona roles. Statements are judged with the IAM action "
            "database; AWS managed policies by their documents (a managed ARN missing from the snapshot is noted, "
            "not passed). Customer managed policies are judged where they are declared."
        ),
        remediation="Give people a persona role through a permission set with a scoped inline policy:\n\n"
                    "    aws.ssoadmin.PermissionSetInlinePolicy(\"analyst\", instance_arn=instance_arn,\n"
                    "        permission_set_arn=analyst.arn, inline_policy=json.dumps({\"Version\": \"2012-10-17\",\n"
                    "        \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:AssumeRole\",\n"
                    "                       \"Resource\": persona_role_arn}]}))",
        checks=(_least_privilege,),
        resource_types=tuple(_GRANTS),
        tags=("iam", "identity"),
    ),
    Rule(
        id="iam-user-no-direct-policies",
        title="IAM users get permissions only through groups, permission sets or roles",
        severity="low",
        enforcement="advisory",
        frameworks=(FSBP("IAM.2"), AWS_CONFIG("iam-user-no-policies-check"), CIS("1.15"), NIST("AC-2")),
        rationale="Policies on individual users drift from the catalog and are not reviewed with the personas. "
                  "Advisory: hygiene; what the policy grants is judged by iam-identity-grants-least-privilege.",
        remediation="Attach the policy to a group (`aws.iam.GroupPolicyAttachment(group=team.name, policy_arn=...)`) "
                    "and add the user to it.",
        checks=(_user_direct_policy,),
        resource_types=(USER_POLICY, USER_POLICY_ATTACHMENT, POLICY_ATTACHMENT),
        tags=("iam", "identity"),
    ),
    Rule(
        id="iam-user-no-long-lived-credentials",
        title="IAM users have no access keys or console passwords created by the stack",
        severity="medium",
        enforcement="advisory",
        frameworks=(NIST("IA-5"), NIST("AC-2")),
        rationale=(
            "An access key created by Pulumi puts its secret in the state, never expires and works from anywhere; "
            "a console password bypasses the organization's SSO. Both are how dataset credentials leak. Advisory: "
            "some break-glass users need them, exempted with a reason."
        ),
        remediation="Use IAM Identity Center: `aws.ssoadmin.AccountAssignment(...)` for people, role sessions for "
                    "workloads, instead of `aws.iam.AccessKey(user=...)`.",
        checks=(_long_lived_credentials,),
        resource_types=(ACCESS_KEY, LOGIN_PROFILE),
        tags=("iam", "credentials"),
    ),
)
