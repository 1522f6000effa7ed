"""AWS's policy evaluation logic for one request.

Follows the IAM User Guide, "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), its "How AWS enforcement
code logic evaluates requests" (…/reference_policies_evaluation-logic_policy-eval-denyallow.html), "Cross-account
policy evaluation logic" (…/reference_policies_evaluation-logic-cross-account.html) and, for KMS, "Key policies in AWS
KMS" (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html):

1. an explicit Deny in any applicable policy (SCP, resource-based, identity-based, boundary, session) decides;
2. an SCP list given for the principal's account must Allow;
3. within one account, an Allow in the resource-based policy that names the principal directly (its user ARN, its
   role session, or the role ARN when no boundary/session policy implicitly denies) or `*` is enough;
4. otherwise the identity-based policies must Allow, and so must the permissions boundary and session policies when
   present; across accounts (or for KMS, whose key policy is always required) the resource-based policy must Allow
   too — naming the principal, `*`, or the principal's account (which delegates to that account's IAM policies).

Everything is three-valued: in an open context (`Request(open_context=True)`), conditions on keys the request does not
fix are undecided; an undecided Allow still allows (`Decision.certain` is False) and an undecided Deny does not deny.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ml_dataset_governance.policies.access.conditions import (
    Context,
    Tri,
    arn_match,
    evaluate_conditions,
    glob_match,
    substitute,
)
from ml_dataset_governance.policies.access.document import Policy, Statement, parse_policy

_ACCOUNT_ROOT_SUFFIX = ":root"


@dataclass(frozen=True)
class Principal:
    """Who makes the request. Build with `Principal.of("arn:aws:iam::111122223333:role/x")`, an account id,
    `Principal.service("s3.amazonaws.com")`, or `ANONYMOUS`."""

    arn: str | None = None
    account: str | None = None
    service: str | None = None
    federated: str | None = None
    canonical_user: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    org_id: str | None = None

    @classmethod
    def of(cls, value: str | Principal, **kwargs: Any) -> Principal:
        if isinstance(value, Principal):
            return value
        if value == "*":
            return ANONYMOUS
        if value.isdigit() and len(value) == 12:
            return cls(arn=f"arn:aws:iam::{value}:root", account=value, **kwargs)
        if value.endswith(".amazonaws.com") or value.endswith(".amazonaws.com.cn"):
            return cls(service=value, **kwargs)
        parts = value.split(":", 5)
        account = parts[4] if len(parts) == 6 and parts[0] == "arn" and parts[4] else None
        return cls(arn=value, account=account, **kwargs)

    @classmethod
    def of_service(cls, name: str) -> Principal:
        return cls(service=name)

    @property
    def is_anonymous(self) -> bool:
        return not (self.arn or self.service or self.federated or self.canonical_user)

    @property
    def role_arn(self) -> str | None:
        """For a role session (arn:aws:sts::A:assumed-role/R/s), the role it belongs to (path unknown: /R)."""
        if not self.arn or ":assumed-role/" not in self.arn:
            return None
        head, _, rest = self.arn.partition(":assumed-role/")
        role = rest.split("/", 1)[0]
        return head.replace(":sts:", ":iam:", 1) + f":role/{role}"

    @property
    def is_role(self) -> bool:
        return bool(self.arn) and ":role/" in self.arn  # type: ignore[operator]

    def context_keys(self) -> dict[str, Any]:
        """The global keys AWS sets from the principal."""
        keys: dict[str, Any] = {}
        if self.arn:
            keys["aws:PrincipalArn"] = self.arn
        if self.account:
            keys["aws:PrincipalAccount"] = self.account
        if self.service:
            keys["aws:PrincipalServiceName"] = self.service
            keys["aws:PrincipalIsAWSService"] = "true"
        elif not self.is_anonymous:
            keys["aws:PrincipalIsAWSService"] = "false"
        if self.org_id:
            keys["aws:PrincipalOrgID"] = self.org_id
        for tag, value in self.tags.items():
            keys[f"aws:PrincipalTag/{tag}"] = value
        if self.arn and self.arn.split(":")[-1].startswith("user/"):
            keys["aws:username"] = self.arn.rsplit("/", 1)[-1]
        return keys


ANONYMOUS = Principal()


@dataclass(frozen=True)
class Request:
    principal: Principal | str
    action: str
    resource: str = "*"
    context: Mapping[str, Any] = field(default_factory=dict)
    resource_account: str | None = None  # defaults to the ARN's account, else the principal's
    open_context: bool = False  # keys not in `context` are unknown rather than absent
    resource_is_prefix: bool = False  # `resource` stands for every resource starting with it (a dataset's objects)

    @property
    def who(self) -> Principal:
        return Principal.of(self.principal)

    @property
    def account_of_resource(self) -> str | None:
        if self.resource_account:
            return self.resource_account
        parts = self.resource.split(":", 5)
        if len(parts) == 6 and parts[4]:
            return parts[4]
        return self.who.account

    @property
    def same_account(self) -> bool:
        who = self.who
        return who.service is None and who.account is not None and who.account == self.account_of_resource

    def build_context(self) -> Context:
        values = {**self.who.context_keys(), **dict(self.context)}
        return Context(values, open=self.open_context)


@dataclass(frozen=True)
class Match:
    """A statement that applies to the request, with the policy it is in."""

    policy: str  # "identity[0]", "resource", "boundary", "session[0]", "scp[0]"
    statement: Statement
    certain: bool

    def __str__(self) -> str:
        return f"{self.policy} {self.statement.label}"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    deciding: tuple[Match, ...] = ()
    certain: bool = True  # False: the outcome depends on request values the context left open

    def __bool__(self) -> bool:
        return self.allowed


# --- statement matching --------------------------------------------------------------------------

def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` ("s3:Get*" matches "s3:GetObject")."""
    pattern = pattern.strip()
    return pattern == "*" or glob_match(pattern, action, ignore_case=True)


def statement_covers_action(stmt: Statement, action: str) -> bool:
    if stmt.not_actions is not None:
        return not any(action_matches(p, action) for p in stmt.not_actions)
    return any(action_matches(p, action) for p in stmt.actions or ())


def _literal_head(pattern: str) -> tuple[str, bool]:
    """The part before the first wildcard, and whether the pattern is "head*" exactly."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=-1)
    if cut < 0:
        return pattern, False
    return pattern[:cut], pattern[cut:] == "*"


def prefix_match(pattern: str, prefix: str) -> Tri:
    """A pattern against every resource starting with `prefix`: True if it covers them all, None if only some,
    False if none."""
    head, star_only = _literal_head(pattern)
    if head == pattern:  # no wildcard: one resource
        return None if pattern.startswith(prefix) else False
    if prefix.startswith(head):
        return True if star_only or glob_match(pattern, prefix + "\x02") else None
    return None if head.startswith(prefix) else False


def resource_matches(pattern: str, resource: str, context: Context, prefix: bool = False) -> Tri:
    value = substitute(pattern, context)
    if value is None:
        return None
    if not isinstance(value, str):
        return False
    if value == "*":
        return True
    return prefix_match(value, resource) if prefix else glob_match(value, resource)


def statement_covers_resource(stmt: Statement, resource: str, context: Context, prefix: bool = False) -> Tri:
    if stmt.not_resources is not None:
        results = [resource_matches(p, resource, context, prefix) for p in stmt.not_resources]
        return False if True in results else (None if None in results else True)
    if stmt.resources is None:
        return True  # resource-based and trust policies: the resource the policy is attached to
    results = [resource_matches(p, resource, context, prefix) for p in stmt.resources]
    return True if True in results else (None if None in results else False)


def _principal_value_matches(value: str, who: Principal, kind: str) -> str | None:
    """"direct", "account" (the principal's account is named: a delegation to its IAM policies) or None."""
    value = value.strip()
    if kind == "AWS":
        if value == "*":
            return "direct"
        if who.service or who.is_anonymous:
            return None
        if value.isdigit() and who.account == value:
            return "account"
        if value.endswith(_ACCOUNT_ROOT_SUFFIX):
            account = value.split(":")[4] if value.count(":") >= 5 else None
            if account and who.account and glob_match(account, who.account):
                return "account" if who.arn != value else "direct"
            return None
        targets = [t for t in (who.arn, who.role_arn) if t]
        return "direct" if any(arn_match(value, t) for t in targets) else None
    if kind == "Service":
        return "direct" if who.service and (value == "*" or value.lower() == who.service.lower()) else None
    if kind == "Federated":
        return "direct" if who.federated and value == who.federated else None
    if kind == "CanonicalUser":
        return "direct" if who.canonical_user and value == who.canonical_user else None
    return None


def principal_match(stmt: Statement, who: Principal) -> str | None:
    """How a resource-based statement's Principal/NotPrincipal names `who`: "direct", "account" or None."""
    if stmt.not_principals is not None:
        named = any(_principal_value_matches(v, who, kind) for kind, values in stmt.not_principals.items()
                    for v in values if v.strip() != "*")
        return None if named else "direct"
    if stmt.principals is None:
        return None
    best = None
    for kind, values in stmt.principals.items():
        for value in values:
            found = _principal_value_matches(value, who, kind)
            if found == "direct":
                return "direct"
            best = best or found
    return best


def _applies(stmt: Statement, request: Request, context: Context, *, resource_based: bool) -> tuple[Tri, str | None]:
    """(applies?, how the principal is named) for one statement."""
    if stmt.malformed is not None or not statement_covers_action(stmt, request.action):
        return False, None
    how = None
    if resource_based:
        how = principal_match(stmt, request.who)
        if how is None:
            return False, None
    covered = statement_covers_resource(stmt, request.resource, context, request.resource_is_prefix)
    if covered is False:
        return False, None
    conditions = evaluate_conditions(stmt.conditions, context)
    if conditions is False:
        return False, None
    return (True if covered and conditions else None), how


def matching(policies: Iterable[tuple[str, Policy]], request: Request, context: Context, effect: str, *,
             resource_based: bool = False) -> list[tuple[Match, str | None]]:
    out = []
    for label, policy in policies:
        for stmt in policy.statements:
            if stmt.effect != effect:
                continue
            applies, how = _applies(stmt, request, context, resource_based=resource_based)
            if applies is not False:
                out.append((Match(label, stmt, applies is True), how))
    return out


# --- the decision --------------------------------------------------------------------------------

def _as_policies(label: str, docs: Any) -> list[tuple[str, Policy]]:
    if docs is None:
        return []
    if isinstance(docs, (str, bytes, Mapping, Policy)):
        return [(label, parse_policy(docs))]
    return [(f"{label}[{i}]", parse_policy(d)) for i, d in enumerate(docs)]


_TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
                            "sts:setsourceidentity", "sts:tagsession"})


def requires_resource_policy(action: str) -> bool:
    """KMS key policies must allow every use of a key, and a role's trust policy every assumption of the role (IAM
    User Guide, "How IAM roles differ from resource-based policies": the trust policy is required even within the
    account); IAM policies alone never suffice."""
    action = action.lower()
    return action.startswith("kms:") or action in _TRUST_ACTIONS


def evaluate(request: Request, identity_policies: Sequence[Any] = (), resource_policy: Any = None,
             boundary: Any = None, session_policies: Sequence[Any] = (), scp: Sequence[Any] = ()) -> Decision:
    """Whether AWS would allow `request` given these policies (documents as objects, JSON text or `Policy`)."""
    context = request.build_context()
    identity = _as_policies("identity", identity_policies)
    resource = _as_policies("resource", resource_policy)
    boundaries = _as_policies("boundary", boundary)
    sessions = _as_policies("session", session_policies)
    scps = _as_policies("scp", scp)

    denies = (matching(identity + boundaries + sessions + scps, request, context, "Deny")
              + matching(resource, request, context, "Deny", resource_based=True))
    certain_denies = [m for m, _ in denies if m.certain]
    if certain_denies:
        return Decision(False, "explicit deny", tuple(certain_denies))
    uncertain = bool(denies)  # an undecided Deny might still apply

    def allows(policies: list[tuple[str, Policy]], *, resource_based: bool = False) -> list[tuple[Match, str | None]]:
        return matching(policies, request, context, "Allow", resource_based=resource_based)

    if scps:
        scp_allows = allows(scps)
        if not scp_allows:
            return Decision(False, "implicit deny: no SCP allows it")
        uncertain |= not any(m.certain for m, _ in scp_allows)

    resource_allows = allows(resource, resource_based=True)
    direct = [m for m, how in resource_allows if how == "direct"]
    delegated = [m for m, how in resource_allows if how == "account"]
    identity_allows = [m for m, _ in allows(identity)]
    boundary_ok = [m for m, _ in allows(boundaries)] if boundaries else None
    session_ok = [m for m, _ in allows(sessions)] if sessions else None

    def done(reason: str, matches: list[Match]) -> Decision:
        certain = not uncertain and all(m.certain for m in matches)
        return Decision(True, reason, tuple(matches), certain)

    who = request.who
    needs_resource = requires_resource_policy(request.action) or not request.same_account
    limited = (boundary_ok is not None and not boundary_ok) or (session_ok is not None and not session_ok)

    # Same account: a resource-based Allow naming the principal is enough on its own (role ARNs stay limited by an
    # implicit deny in a boundary or session policy; user ARNs and role sessions do not).
    if direct and request.same_account and not requires_resource_policy(request.action):
        named_role = who.is_role and not who.role_arn
        if not (named_role and limited):
            return done("allowed by the resource-based policy", direct)
    if direct and who.service is not None:
        return done("allowed by the resource-based policy (service principal)", direct)
    if direct and who.is_anonymous:
        return done("allowed by the resource-based policy (anonymous)", direct)

    identity_ok = identity_allows and not limited
    if needs_resource:
        if not (direct or delegated):
            if requires_resource_policy(request.action):
                what = "key" if request.action.lower().startswith("kms:") else "role's trust"
                return Decision(False, f"implicit deny: the {what} policy does not allow it")
            return Decision(False, "implicit deny: the resource-based policy does not allow this cross-account request")
        if direct and requires_resource_policy(request.action) and request.same_account:
            what = "key" if request.action.lower().startswith("kms:") else "trust"
            return done(f"allowed by the {what} policy", direct)
        if identity_ok:
            return done("allowed by the identity-based and resource-based policies",
                        identity_allows + (direct or delegated))
        if direct and not request.same_account and not identity_allows:
            return Decision(False, "implicit deny: no identity-based policy of the principal's account allows it")
        return Decision(False, "implicit deny: no identity-based policy allows it" if not identity_allows
                        else "implicit deny: the permissions boundary or a session policy does not allow it")
    if identity_ok:
        extra = (boundary_ok or []) + (session_ok or [])
        return done("allowed by an identity-based policy", identity_allows + extra)
    if identity_allows:
        return Decision(False, "implicit deny: the permissions boundary or a session policy does not allow it")
    return Decision(False, "implicit deny: no policy allows it")
