"""Trust policies of every role: assumable only by named principals, never public, another account or an open
federation (mandatory); services confined to this account (advisory)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.access import public
from ml_dataset_governance.policies.access.view import STACK_ACCOUNT, stack_account
from ml_dataset_governance.policies.frameworks import FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Rule, Stack
from ml_dataset_governance.policies.rules.iam.common import ROLE
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_document,
)

# --- trust policies of every role ----------------------------------------------------------------

# A service principal without aws:SourceAccount/SourceArn is AWS's confused-deputy hardening advice, not an exposure
# by itself (the service assumes the role only for whoever may pass it to it), so it is its own, advisory, rule:
# judged with public, other-account and open federated trust it would block every ordinary Lambda or EC2 role.
_EXPOSING = frozenset({"public", "other-account", "federated-unconditioned"})
_UNCONFINED_SERVICE = frozenset({"confused-deputy"})


def _trust_findings(stack: Stack, params: Mapping[str, Any], kinds: frozenset[str],
                    expected: str) -> Iterator[Finding | Unverifiable]:
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
        issues = [i for i in public.trust_issues(document, own_accounts, trusted) if i.kind in kinds]
        if own == STACK_ACCOUNT:
            # The stack's own account is not known yet (preview): other-account trust is decided at update.
            if any(i.kind == "other-account" for i in issues):
                yield Unverifiable(f"{role.name}.assumeRolePolicy (account)")
            issues = [i for i in issues if i.kind != "other-account"]
        if issues:
            found = "; ".join(i.describe() for i in issues[:3])
            yield Finding(role.urn, f"assumeRolePolicy {found}; expected {expected}.")


def _role_trust(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    """Who may assume each role: nobody public, no other account, no federated provider without conditions."""
    yield from _trust_findings(stack, params, _EXPOSING, "only named principals of this account (or trustedAccounts)")


def _service_trust_confined(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    """Service principals confined to requests for this account's resources (the confused-deputy keys)."""
    yield from _trust_findings(stack, params, _UNCONFINED_SERVICE,
                               "the service confined by aws:SourceAccount or aws:SourceArn")


_TRUST_ALL_REMEDIATION = """Trust one service, confined to this account (or a named role of a trusted account):

    aws.iam.Role("worker", assume_role_policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]}))"""


IAM_ROLE_TRUST_RESTRICTED = Rule(
    id="iam-role-trust-restricted",
    title="Every role is assumable only by named principals: not public, no other account, no open federation",
    severity="critical",
    enforcement="mandatory",
    frameworks=(NIST("AC-3"), NIST("AC-6"), FSBP("IAM.1")),
    rationale=(
        "A role is as open as its trust policy. Every role of the stack is judged, not only SageMaker's: a "
        "wildcard principal (\"*\", an account wildcard, NotPrincipal) without a condition tying it to fixed "
        "accounts, organizations or networks lets anyone assume it; an AWS principal of another account (not in "
        "trustedAccounts) hands the role to that account; a federated provider without conditions admits every "
        "identity it issues (services without confused-deputy keys: iam-role-service-trust-confined). Conditions "
        "are read with AWS's semantics: IfExists, ForAllValues, negated operators and policy variables are not "
        "fixed restrictions."
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
)


IAM_ROLE_SERVICE_TRUST_CONFINED = Rule(
    id="iam-role-service-trust-confined",
    title="Roles that trust an AWS service confine it to this account with aws:SourceAccount or aws:SourceArn",
    severity="medium",
    enforcement="advisory",
    frameworks=(NIST("AC-3"),),
    rationale=(
        "AWS recommends aws:SourceAccount or aws:SourceArn on a service principal so that the service assumes the "
        "role only when it acts for this account's resources (the cross-service confused deputy, "
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). Most services assume a role only "
        "for whoever may pass it to them, so a missing key is hardening to add, not an exposure: advisory by "
        "default, mandatory with config for stacks that require it. SageMaker execution roles are held to it by "
        "iam-sagemaker-execution-role-trust."
    ),
    remediation=_TRUST_ALL_REMEDIATION,
    checks=(_service_trust_confined,),
    stack=True,
    tags=("iam", "trust"),
)


RULES = (IAM_ROLE_TRUST_RESTRICTED, IAM_ROLE_SERVICE_TRUST_CONFINED)
