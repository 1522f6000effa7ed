"""Reading IAM policy documents (identity, trust, key and bucket policies) without ever raising.

A thin reading layer over the policy model (`policies.access`), for rules that hold statements as dicts: every
judgement here — public, restricted, administrative, which actions a statement allows — is the model's, so the rules
share one meaning of each (AWS's evaluation semantics, the S3/KMS meaning of "public", grants judged by effect with
the IAM action database).

Every function takes "JSON-ish" input: a parsed document, JSON text, or anything else a property may hold (numbers
arrive as floats, keys may be missing, values may have the wrong type). Nothing here raises; what cannot be read is
treated as absent. Callers that must tell a malformed document from an absent one parse it first with
`policies.values.as_document`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ml_dataset_governance.policies.access import grants, public
from ml_dataset_governance.policies.access.conditions import has_variable
from ml_dataset_governance.policies.access.document import Statement, parse_operator, parse_statement, text
from ml_dataset_governance.policies.access.evaluate import action_matches as _action_matches
from ml_dataset_governance.policies.access.evaluate import statement_covers_action
from ml_dataset_governance.policies.values import as_list

# Kept for callers that name the key families.
ACCOUNT_KEYS = public.ACCOUNT_KEYS
ARN_KEYS = public.ARN_KEYS
ORG_KEYS = public.ORG_KEYS
NETWORK_KEYS = public.NETWORK_KEYS
IP_KEYS = public.IP_KEYS
RESTRICTING_KEYS = public.RESTRICTING_KEYS
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")

__all__ = ["as_list"]


# --- plain reading -------------------------------------------------------------------------------

def parse(doc: Any) -> dict[str, Any] | None:
    """A document as a dict: JSON text is parsed; anything unreadable gives None."""
    if isinstance(doc, (str, bytes)):
        try:
            doc = json.loads(doc)
        except (ValueError, RecursionError, TypeError):
            return None
    if isinstance(doc, Mapping):
        return dict(doc)
    return None


def statements(doc: Any) -> list[dict[str, Any]]:
    """The statements of a document (Statement may be one object or a list); non-objects are ignored."""
    parsed = parse(doc)
    if parsed is None:
        return []
    return [dict(s) for s in as_list(parsed.get("Statement")) if isinstance(s, Mapping)]


def _model(stmt: Any) -> Statement:
    """The model's statement; an Effect in odd casing ("allow") is read as that effect, failing closed."""
    if isinstance(stmt, Mapping) and isinstance(stmt.get("Effect"), str):
        effect = stmt["Effect"].strip().capitalize()
        if effect in ("Allow", "Deny") and effect != stmt["Effect"]:
            stmt = {**stmt, "Effect": effect}
    try:
        return parse_statement(0, stmt)
    except RecursionError:
        return parse_statement(0, None)


def _strings(value: Any) -> list[str]:
    return [t for t in (text(v) for v in as_list(value)) if t is not None]


def is_allow(stmt: Any) -> bool:
    """Effect Allow (compared case-insensitively, failing closed on odd spellings)."""
    return isinstance(stmt, Mapping) and isinstance(stmt.get("Effect"), str) and stmt["Effect"].lower() == "allow"


def principals_by_kind(stmt: Any, key: str = "Principal") -> dict[str, list[str]]:
    """{"AWS": [...], "Service": [...], ...}; a bare string or list principal is filed under "AWS"."""
    out: dict[str, list[str]] = {}
    if not isinstance(stmt, Mapping):
        return out
    principal = stmt.get(key)
    if isinstance(principal, Mapping):
        for kind, values in principal.items():
            found = _strings(values)
            if found and isinstance(kind, str):
                out.setdefault(kind, []).extend(found)
    else:
        found = _strings(principal)
        if found:
            out["AWS"] = found
    return out


def principals(stmt: Any) -> list[str]:
    """Every principal of a statement, flattened: "*", {"AWS": "*"}, {"AWS": [...]}, {"Service": ...}..."""
    return [p for values in principals_by_kind(stmt).values() for p in values]


def service_principals(stmt: Any) -> list[str]:
    return principals_by_kind(stmt).get("Service", [])


def has_wildcard_principal(stmt: Any) -> bool:
    """True for "*", {"AWS": "*"}, an ARN or account with a wildcard, or any NotPrincipal (all but a few)."""
    if not isinstance(stmt, Mapping):
        return False
    if stmt.get("NotPrincipal") is not None:
        return True
    return public.has_wildcard_principal(_model({"Effect": "Allow", "Action": "*", "Principal": principals_by_kind(
        stmt)}))


# --- conditions ----------------------------------------------------------------------------------

def restricting_conditions(stmt: Any) -> list[str]:
    """Condition keys (lower case) that restrict the statement to known accounts, networks or principals."""
    if not isinstance(stmt, Mapping):
        return []
    return public.restricting_keys(_model({"Effect": "Allow", "Action": "*", "Condition": stmt.get("Condition")}))


def is_restricted_by_condition(stmt: Any) -> bool:
    """True when a condition ties the statement to specific accounts, an organization, VPCs or principals."""
    return bool(restricting_conditions(stmt))


# --- public and admin statements -----------------------------------------------------------------

def is_public_statement(stmt: Any) -> bool:
    """An Allow reachable by anyone: a wildcard principal without a restricting condition (AWS's meaning of public)."""
    return is_allow(stmt) and has_wildcard_principal(stmt) and not is_restricted_by_condition(stmt)


def public_statements(doc: Any) -> list[dict[str, Any]]:
    """Allow statements with a wildcard principal not restricted by a condition."""
    return [s for s in statements(doc) if is_public_statement(s)]


def actions(stmt: Any, key: str = "Action") -> list[str]:
    return _strings(stmt.get(key)) if isinstance(stmt, Mapping) else []


def resources(stmt: Any) -> list[str]:
    return _strings(stmt.get("Resource")) if isinstance(stmt, Mapping) else []


def applies_to_all_resources(stmt: Any) -> bool:
    """Resource "*" or any ARN pattern matching every resource (or a NotResource, which covers all but a list)."""
    if not isinstance(stmt, Mapping):
        return False
    if stmt.get("NotResource") is not None:
        return True
    return any(grants.is_wildcard_resource(r) for r in resources(stmt))


def admin_reason(stmt: Any) -> str | None:
    """Why an Allow amounts to administrator access, judged by effect: every (or nearly every) action on every
    resource (`*`, `*:*`, NotAction lists), or IAM permissions management on every resource (which lets the holder
    grant itself anything). None otherwise."""
    if not is_allow(stmt):
        return None
    model = _model(stmt)
    if model.malformed:
        # Unreadable beyond its Effect: only the literal forms can be judged.
        if applies_to_all_resources(stmt) and any(a.strip() in ("*", "*:*") for a in actions(stmt)):
            return "grants every action on every resource"
        return None
    if not grants.may_be_administrative(model):
        return None
    judgement = grants.judge(model)
    if judgement is None:
        return None
    if judgement.admin:
        return judgement.admin
    if judgement.permissions_management:
        return judgement.summary
    return None


def is_admin_statement(stmt: Any) -> bool:
    return admin_reason(stmt) is not None


def admin_statements(doc: Any) -> list[dict[str, Any]]:
    return [s for s in statements(doc) if is_admin_statement(s)]


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards ("s3:Get*" matches "s3:GetObject")."""
    return pattern.strip() in ("*", "*:*") or _action_matches(pattern, action)


def statement_allows(stmt: Any, action: str) -> bool:
    """Whether an Allow statement grants `action` (through Action, or through NotAction not excluding it)."""
    if not is_allow(stmt):
        return False
    if stmt.get("NotAction") is not None:
        return not any(action_matches(p, action) for p in actions(stmt, "NotAction"))
    model = _model(stmt)
    if model.actions is not None and not model.malformed:
        return statement_covers_action(model, action) or any(a.strip() == "*:*" for a in model.actions)
    return any(action_matches(p, action) for p in actions(stmt))


def allows_actions(doc: Any, wanted: Iterable[str]) -> list[tuple[dict[str, Any], list[str]]]:
    """(statement, granted actions among `wanted`) for each Allow statement granting any of them."""
    wanted = list(wanted)
    out = []
    for stmt in statements(doc):
        granted = [a for a in wanted if statement_allows(stmt, a)]
        if granted:
            out.append((stmt, granted))
    return out


def is_wildcard_resource(resource: str) -> bool:
    """ "*", or an ARN pattern covering a whole service or resource type ("arn:aws:s3:::*", "key/*", "arn:*")."""
    return grants.is_wildcard_resource(resource)


def wildcard_resources(stmt: Any) -> list[str]:
    """The statement's resources that cover a whole service or resource type (NotResource counts as "*")."""
    if not isinstance(stmt, Mapping):
        return []
    if stmt.get("NotResource") is not None:
        return ["NotResource"]
    return [r for r in resources(stmt) if is_wildcard_resource(r)]


def conditions_on(stmt: Any, key_prefixes: Iterable[str]) -> list[str]:
    """Condition keys (lower case) starting with one of `key_prefixes`, compared with a fixed value (no wildcard, no
    policy variable) by a non-negated operator that does not pass on an absent key (no IfExists, no ForAllValues:)."""
    prefixes = tuple(p.lower() for p in key_prefixes)
    found: list[str] = []
    if not isinstance(stmt, Mapping) or not isinstance(stmt.get("Condition"), Mapping):
        return found
    for operator, entries in stmt["Condition"].items():
        if not isinstance(operator, str) or not isinstance(entries, Mapping):
            continue
        base, set_operator, if_exists = parse_operator(operator)
        if "not" in base or if_exists or set_operator == "forallvalues" or base in ("null", "bool"):
            continue
        for key, raw in entries.items():
            if not isinstance(key, str) or not key.lower().startswith(prefixes):
                continue
            values = [text(v) for v in as_list(raw)]
            if values and all(v is not None and v.strip() and "*" not in v and not has_variable(v) for v in values):
                found.append(key.lower())
    return found
