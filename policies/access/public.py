"""AWS's meaning of "public" for resource-based policies (S3, KMS, access points), and role trust policies.

S3: "Blocking public access to your Amazon S3 storage — The meaning of public"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status):
a policy is public unless every statement that grants to a wildcard principal is tied, by a condition, to fixed
values of one of the keys below (a fixed CIDR set for aws:SourceIp; aws:userid outside "AROLEID:*"...). IAM Access
Analyzer applies the same keys to KMS key policies, with kms:CallerAccount
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-concepts.html). A value holding a policy variable
(`${aws:...}`) is not fixed; `...IfExists` and `ForAllValues:` pass when the key is absent, so they do not restrict;
negated operators do not either. kms:ViaService does not restrict: it admits principals of any account that call
through the service.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from ml_dataset_governance.policies.access.conditions import has_variable, network
from ml_dataset_governance.policies.access.document import Condition, Policy, Statement, parse_policy

ACCOUNT_KEYS = frozenset({"aws:sourceaccount", "aws:sourceowner", "aws:principalaccount", "kms:calleraccount",
                          "s3:dataaccesspointaccount", "aws:resourceaccount"})
ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn", "s3:dataaccesspointarn", "aws:sourcevpcarn"})
ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid", "aws:resourceorgid"})
ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths", "aws:resourceorgpaths"})
NETWORK_KEYS = frozenset({"aws:sourcevpce", "aws:sourcevpc"})
USERID_KEYS = frozenset({"aws:userid"})
IP_KEYS = frozenset({"aws:sourceip"})
OTHER_FIXED_KEYS = frozenset({"s3:x-amz-server-side-encryption-aws-kms-key-id"})
RESTRICTING_KEYS = (ACCOUNT_KEYS | ARN_KEYS | ORG_KEYS | ORG_PATH_KEYS | NETWORK_KEYS | USERID_KEYS | IP_KEYS
                    | OTHER_FIXED_KEYS)
# Keys that keep a service principal from acting for another account's resources (confused deputy):
# https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
CONFUSED_DEPUTY_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
                                  "aws:sourceowner"})

_RESTRICTING_BASES = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
                                "ipaddress"})
# A CIDR set wider than this (per address family) is not a meaningful limit: a /8 of IPv4, a /16 of IPv6.
MAX_V4_ADDRESSES = 2 ** 24
MAX_V6_ADDRESSES = 2 ** 112


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


def cidr_union_is_restricting(values: Iterable[str]) -> bool:
    """The CIDRs as the union they are: restricting unless they cover more than a /8 (IPv4) or /16 (IPv6)."""
    nets: dict[int, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {4: [], 6: []}
    for value in values:
        net = network(value) if not has_variable(value) else None
        if net is None:
            return False
        nets[net.version].append(net)
    if not nets[4] and not nets[6]:
        return False
    size = {v: sum(n.num_addresses for n in ipaddress.collapse_addresses(items)) for v, items in nets.items()}
    return size[4] <= MAX_V4_ADDRESSES and size[6] <= MAX_V6_ADDRESSES


def fixed_value(key: str, value: str) -> bool:
    """Whether one condition value pins `key` (lower case) to something specific."""
    value = value.strip()
    if not value or has_variable(value):
        return False
    if key in USERID_KEYS:
        head = value[:-2] if value.endswith(":*") else value  # "AROAEXAMPLE:*" still names one role
        return bool(head) and not _wild(head)
    if key in ORG_PATH_KEYS:
        first = value.split("/", 1)[0]
        return first.startswith("o-") and not _wild(first)
    if key in ARN_KEYS:
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn":
            account, resource = parts[4], parts[5]
            if account:
                return not _wild(account)
            return bool(resource) and not _wild(resource.split("/", 1)[0])  # S3 ARNs: a literal bucket
        return not _wild(value)
    return not _wild(value)


def restricting(cond: Condition) -> bool:
    """A condition that ties a statement to fixed accounts, organizations, networks or principals."""
    key = cond.key_lower
    if key not in RESTRICTING_KEYS or cond.if_exists or cond.set_operator == "forallvalues":
        return False
    if cond.base not in _RESTRICTING_BASES:
        return False
    if key in IP_KEYS and cond.base == "ipaddress":
        return cidr_union_is_restricting(cond.values)
    if cond.base == "ipaddress":
        return False
    return bool(cond.values) and all(fixed_value(key, v) for v in cond.values)


def restricting_keys(stmt: Statement) -> list[str]:
    return [c.key_lower for c in stmt.conditions if restricting(c)]


def _wildcard_principal_value(kind: str, value: str) -> bool:
    """`*`, or an AWS principal with a wildcard anywhere (IAM accepts none but `*`; read it as the widest)."""
    value = value.strip()
    return value == "*" or (kind == "AWS" and _wild(value))


def has_wildcard_principal(stmt: Statement) -> bool:
    """`*`, {"AWS": "*"}, an ARN or account with a wildcard, or NotPrincipal (everyone but a few)."""
    if stmt.not_principals is not None:
        return True
    return any(_wildcard_principal_value(kind, v) for kind, values in (stmt.principals or {}).items() for v in values)


def is_public_statement(stmt: Statement) -> bool:
    return stmt.is_allow and has_wildcard_principal(stmt) and not restricting_keys(stmt)


def public_statements(doc: object) -> list[Statement]:
    policy = doc if isinstance(doc, Policy) else parse_policy(doc)
    return [s for s in policy.statements if is_public_statement(s)]


# --- trust policies ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrustIssue:
    statement: Statement
    kind: str  # "public" | "other-account" | "confused-deputy" | "federated-unconditioned"
    principal: str

    def describe(self) -> str:
        what = {
            "public": f"lets anyone ({self.principal}) assume the role",
            "other-account": f"trusts another account ({self.principal})",
            "confused-deputy": f"trusts service {self.principal} without aws:SourceAccount or aws:SourceArn",
            "federated-unconditioned": f"trusts federated provider {self.principal} without any condition",
        }[self.kind]
        return f"{self.statement.label} {what}"


def _assumes(stmt: Statement) -> bool:
    from ml_dataset_governance.policies.access.evaluate import statement_covers_action

    return any(statement_covers_action(stmt, a) for a in
               ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"))


def _account_of(value: str) -> str | None:
    value = value.strip()
    if value.isdigit():
        return value
    parts = value.split(":")
    return parts[4] if len(parts) >= 6 and parts[0] == "arn" else None


def trust_issues(doc: object, own_accounts: Iterable[str] = (),
                 allowed_accounts: Iterable[str] = ()) -> list[TrustIssue]:
    """Who may assume a role, judged per statement: public, other accounts, services without confused-deputy keys.

    An AWS principal in an account outside `own_accounts` + `allowed_accounts` is "other-account" (when no own
    account is known, only principals of an allowed account pass).
    """
    policy = doc if isinstance(doc, Policy) else parse_policy(doc)
    trusted = set(own_accounts) | set(allowed_accounts)
    issues: list[TrustIssue] = []
    for stmt in policy.allows:
        if not _assumes(stmt):
            continue
        keys = set(restricting_keys(stmt))
        if has_wildcard_principal(stmt):
            if not keys:
                issues.append(TrustIssue(stmt, "public", "*"))
            continue
        for kind, values in (stmt.principals or {}).items():
            for value in values:
                if kind == "AWS":
                    account = _account_of(value)
                    pinned = keys & (ORG_KEYS | ORG_PATH_KEYS | ACCOUNT_KEYS)
                    if account is not None and account not in trusted and not pinned:
                        issues.append(TrustIssue(stmt, "other-account", value))
                elif kind == "Service" and not keys & CONFUSED_DEPUTY_KEYS:
                    issues.append(TrustIssue(stmt, "confused-deputy", value))
                elif kind == "Federated" and not stmt.conditions:
                    issues.append(TrustIssue(stmt, "federated-unconditioned", value))
    return issues
