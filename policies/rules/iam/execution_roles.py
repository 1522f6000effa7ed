"""SageMaker execution-role trust: roles that trust SageMaker trust nobody else, and every role a
domain, profile, notebook or model runs as trusts only SageMaker."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as docs
from ml_dataset_governance.policies.frameworks import NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.rules.iam.common import ROLE
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_document,
    get,
)

SAGEMAKER_DOMAIN = "aws:sagemaker/domain:Domain"
SAGEMAKER_USER_PROFILE = "aws:sagemaker/userProfile:UserProfile"
SAGEMAKER_NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
SAGEMAKER_MODEL = "aws:sagemaker/model:Model"
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


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


_TRUST_REMEDIATION = """Trust the SageMaker service only, confined to this account:

    aws.iam.Role("team-exec", assume_role_policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]}))"""


IAM_SAGEMAKER_ROLE_TRUSTS_SAGEMAKER_ONLY = Rule(
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
)


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


IAM_SAGEMAKER_EXECUTION_ROLE_TRUST = Rule(
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
)


RULES = (IAM_SAGEMAKER_ROLE_TRUSTS_SAGEMAKER_ONLY, IAM_SAGEMAKER_EXECUTION_ROLE_TRUST)
