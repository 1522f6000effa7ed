"""Judging an Allow by its effect, not its spelling: administrator access, permissions management, service-wide
grants and data access.

Uses the action database (`actions`) to expand `Action`/`NotAction` wildcards, so `NotAction`, `"*:*"`,
`"iam:*"`, `"iam:Put*"` and an AWS managed policy's statements are judged alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from ml_dataset_governance.policies.access import actions as db
from ml_dataset_governance.policies.access.document import Statement

# A statement granting at least this share of every known action on every resource is administrator access
# (PowerUserAccess, a NotAction list of a few services, "*:*"...).
ADMIN_SHARE = 0.9
# iam:PassRole is "Write" in the database but lets a principal hand any role to a service it controls.
ESCALATION_ACTIONS = frozenset({"iam:PassRole"})
ESCALATION_SERVICES = ("iam", "organizations", "sso", "sts")


def _all_wild(text: str) -> bool:
    return bool(text) and set(text) <= {"*", "?"}


def is_wildcard_resource(resource: str, service: str | None = None) -> bool:
    """`*`, or an ARN pattern that matches every resource (of `service`, when given) in the accounts and regions it
    names: "arn:*", "arn:aws:*:*:*:*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:kms:*:*:key/*",
    "arn:aws:iam::111122223333:role/*"..."""
    resource = resource.strip()
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if parts[0] != "arn" and not _all_wild(parts[0]):
        return False
    if len(parts) < 6:
        return _all_wild(parts[-1]) and len(parts) >= 2
    # The region and account may be literal: "every key of this account" is every key the policy can reach.
    _, _partition, svc, _region, _account, tail = parts
    if service is not None and not _all_wild(svc) and svc.lower() != service:
        return False
    if svc == "s3":
        return _all_wild(tail.split("/", 1)[0])
    # key/*, role/*, table/*, secret:* ...: a resource type followed by wildcards only (or wildcards only).
    head, sep, rest = tail.partition("/") if "/" in tail else tail.partition(":")
    return _all_wild(tail) or (bool(sep) and _all_wild(rest.replace("/", "").replace(":", "")))


def covers_all_resources(stmt: Statement, service: str | None = None) -> bool:
    if stmt.not_resources is not None:
        return True
    if stmt.resources is None:
        return True  # identity policies without Resource are invalid; resource policies mean "this resource"
    return any(is_wildcard_resource(r, service) for r in stmt.resources)


def covers_every_resource(stmt: Statement) -> bool:
    """Every resource of every service: `*`, "arn:*", "arn:aws:*:*:*:*", or a NotResource."""
    if stmt.not_resources is not None or stmt.resources is None:
        return True
    for resource in stmt.resources:
        parts = resource.strip().split(":", 5)
        if resource.strip() == "*" or (len(parts) >= 2 and _all_wild(parts[-1]) and
                                       (len(parts) < 3 or _all_wild(parts[2]))):
            return True
    return False


def granted_actions(stmt: Statement) -> frozenset[str]:
    return db.expand_statement(stmt.actions, stmt.not_actions)


@dataclass(frozen=True)
class Judgement:
    statement: Statement
    admin: str | None  # why it is administrator access, or None
    permissions_management: tuple[str, ...]  # escalation actions granted on every resource of their service
    service_wide: tuple[str, ...]  # services whose every action it grants on every resource

    @property
    def summary(self) -> str:
        if self.admin:
            return self.admin
        parts = []
        if self.permissions_management:
            shown = ", ".join(self.permissions_management[:4])
            more = len(self.permissions_management) - 4
            parts.append(f"permissions management ({shown}{f' and {more} more' if more > 0 else ''})")
        if self.service_wide:
            parts.append(f"every action of {', '.join(self.service_wide)} on every resource")
        return "; ".join(parts)


def may_be_administrative(stmt: Statement) -> bool:
    """A cheap test before expanding actions: only a statement on every resource, or one whose actions may reach
    IAM-like services or iam:PassRole, can be administrative."""
    if not stmt.is_allow:
        return False
    if covers_every_resource(stmt) or stmt.not_actions is not None:
        return True
    for pattern in stmt.actions or ():
        service = pattern.strip().split(":", 1)[0].lower()
        if "*" in service or "?" in service or service in ESCALATION_SERVICES:
            return True
    return False


def judge(stmt: Statement) -> Judgement | None:
    """What an Allow statement amounts to; None for a Deny or a malformed statement."""
    if not stmt.is_allow:
        return None
    granted = granted_actions(stmt)
    everything = len(db.all_actions())
    admin = None
    if covers_every_resource(stmt):
        if any(a.strip() in ("*", "*:*") for a in stmt.actions or ()):
            admin = "grants every action on every resource"
        elif len(granted) >= ADMIN_SHARE * everything:
            admin = (f"grants {len(granted)} of {everything} known actions on every resource"
                     + (" (NotAction)" if stmt.not_actions is not None else ""))
    by_service: dict[str, set[str]] = {}
    for action in granted:
        by_service.setdefault(action.split(":", 1)[0].lower(), set()).add(action)
    escalation = []
    if not stmt.conditions:
        candidates = [a for s in ESCALATION_SERVICES for a in by_service.get(s, ())]
        candidates += [a for a in ESCALATION_ACTIONS if a in granted]
        for action in sorted(set(candidates)):
            service = action.split(":", 1)[0].lower()
            level = db.access_level(action)
            escalates = (level == db.PERMISSIONS and service in ESCALATION_SERVICES) or action in ESCALATION_ACTIONS
            if escalates and covers_all_resources(stmt, service):
                escalation.append(action)
    service_wide = []
    for service, found in sorted(by_service.items()):
        total = db.service_action_count(service)
        if total and len(found) >= total and covers_all_resources(stmt, service):
            service_wide.append(service)
    return Judgement(stmt, admin, tuple(escalation), tuple(service_wide) if not admin else ())
