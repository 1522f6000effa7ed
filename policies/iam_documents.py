"""Reading IAM policy documents (identity, trust, key and bucket policies) without ever raising.

Every function takes "JSON-ish" input: a parsed document, JSON text, or anything else a
property may hold (numbers arrive as floats, keys may be missing, values may have the wrong
type). Nothing here raises; what cannot be read is treated as absent. Callers that must tell
a malformed document from an absent one parse it first with `policies.values.as_document`.

policyuniverse (Netflix) is the field's parser. It is used as a second opinion on whether a
statement is reachable from outside (`Statement.is_internet_accessible`), imported lazily
because loading its action database costs ~190 ms, which the pack's start-up must not pay.
It falls short in ways our own normalisation covers, so a statement is public when EITHER
says so:

- it counts `...IfExists` and `ForAllValues:` operators as restricting, but they pass when
  the key is absent (aws:SourceVpce is absent on every request from the internet);
- it does not recognise the account wildcard `arn:aws:iam::*:root` as "*" in every form;
- it raises on non-string condition values and unhashable principals (we catch that);
- it ignores `kms:ViaService` (so do we, deliberately: `Principal: *` restricted only by
  kms:ViaService lets principals of ANY account use the key through that service).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ml_dataset_governance.policies.values import as_list

# Condition keys that, compared with a non-wildcard value, restrict who a statement applies to.
ACCOUNT_KEYS = frozenset({"aws:sourceaccount", "aws:sourceowner", "aws:principalaccount", "kms:calleraccount"})
ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn"})
ORG_KEYS = frozenset({"aws:principalorgid", "aws:resourceorgid"})
ORG_PATH_KEYS = frozenset({"aws:principalorgpaths"})
NETWORK_KEYS = frozenset({"aws:sourcevpce", "aws:sourcevpc"})
USERID_KEYS = frozenset({"aws:userid"})
IP_KEYS = frozenset({"aws:sourceip"})
RESTRICTING_KEYS = ACCOUNT_KEYS | ARN_KEYS | ORG_KEYS | ORG_PATH_KEYS | NETWORK_KEYS | USERID_KEYS | IP_KEYS

# Operators whose match restricts. Negated operators (StringNotEquals...) do not; `IfExists`
# passes when the key is absent and `ForAllValues:` passes on an absent key, so neither does.
_RESTRICTING_OPERATOR = re.compile(r"^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike"
                                   r"|IpAddress)$", re.IGNORECASE)

ADMIN_ACTIONS = frozenset({"*", "*:*"})
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


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


def _text(value: Any) -> str | None:
    """A scalar as IAM would read it: strings as is, integral numbers (floats on the wire) as digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return None


def _strings(value: Any) -> list[str]:
    return [t for t in (_text(v) for v in as_list(value)) if t is not None]


def is_allow(stmt: Any) -> bool:
    """Effect Allow (compared case-insensitively, failing closed on odd spellings)."""
    return isinstance(stmt, Mapping) and isinstance(stmt.get("Effect"), str) and stmt["Effect"].lower() == "allow"


def principals_by_kind(stmt: Any, key: str = "Principal") -> dict[str, list[str]]:
    """{"AWS": [...], "Service": [...], ...}; a bare string or list principal is filed under "*"-kind "AWS"."""
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


def _is_wildcard_principal(value: str) -> bool:
    if value.strip() == "*":
        return True
    parts = value.split(":")
    # arn:<partition>:iam|sts::<account>:<resource> with a wildcard account.
    if len(parts) >= 6 and parts[0] == "arn":
        return "*" in parts[4] or "?" in parts[4]
    return False


def has_wildcard_principal(stmt: Any) -> bool:
    """True for "*", {"AWS": "*"}, an ARN with a wildcard account, or any NotPrincipal (all but a few)."""
    if not isinstance(stmt, Mapping):
        return False
    if stmt.get("NotPrincipal") is not None:
        return True
    return any(_is_wildcard_principal(p) for p in principals(stmt))


# --- conditions ----------------------------------------------------------------------------------

def _restricting_value(key: str, value: str) -> bool:
    value = value.strip()
    if not value:
        return False
    if key in IP_KEYS:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        # A /0 is the internet; anything wider than a /8 (v4) or /16 (v6) is not a meaningful limit.
        return network.prefixlen >= (8 if network.version == 4 else 16)
    if key in USERID_KEYS:
        # Role ids with a trailing session wildcard (AROAEXAMPLE:*) still name one role.
        head = value[:-1] if value.endswith(":*") else value
        return bool(head) and "*" not in head and "?" not in head
    if key in ORG_PATH_KEYS:
        first = value.split("/", 1)[0]
        return first.startswith("o-") and "*" not in first and "?" not in first
    if key in ARN_KEYS:
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn":
            account, resource = parts[4], parts[5]
            if account:
                return "*" not in account and "?" not in account
            # S3 ARNs carry no account: the bucket name must be literal.
            return bool(resource) and not set(resource.split("/", 1)[0]) & {"*", "?"}
        return "*" not in value and "?" not in value
    return "*" not in value and "?" not in value


def restricting_conditions(stmt: Any) -> list[str]:
    """Condition keys (lower case) that restrict the statement to known accounts, networks or principals."""
    found: list[str] = []
    if not isinstance(stmt, Mapping):
        return found
    condition = stmt.get("Condition")
    if not isinstance(condition, Mapping):
        return found
    for operator, entries in condition.items():
        if not isinstance(operator, str) or not _RESTRICTING_OPERATOR.match(operator):
            continue
        if not isinstance(entries, Mapping):
            continue
        for key, raw in entries.items():
            if not isinstance(key, str) or key.lower() not in RESTRICTING_KEYS:
                continue
            values = [_text(v) for v in as_list(raw)]
            # Values of one key are ORed: a single wildcard (or unreadable) value opens the statement.
            if values and all(v is not None and _restricting_value(key.lower(), v) for v in values):
                found.append(key.lower())
    return found


def is_restricted_by_condition(stmt: Any) -> bool:
    """True when a condition ties the statement to specific accounts, an organization, VPCs or principals."""
    return bool(restricting_conditions(stmt))


# --- public and admin statements -----------------------------------------------------------------

def _policyuniverse_says_public(stmt: Mapping[str, Any]) -> bool:
    """policyuniverse's opinion; False when it cannot read the statement (our own check decides then)."""
    try:
        from policyuniverse.statement import Statement  # slow import (~190 ms): only when needed

        return bool(Statement(dict(stmt)).is_internet_accessible())
    except Exception:  # noqa: BLE001 - a third-party parser must never abort a deployment
        return False


def is_public_statement(stmt: Any) -> bool:
    """An Allow reachable by anyone: a wildcard principal without a restricting condition."""
    if not is_allow(stmt):
        return False
    ours = has_wildcard_principal(stmt) and not is_restricted_by_condition(stmt)
    return ours or _policyuniverse_says_public(stmt)


def public_statements(doc: Any) -> list[dict[str, Any]]:
    """Allow statements with a wildcard principal not restricted by a condition."""
    return [s for s in statements(doc) if is_public_statement(s)]


def actions(stmt: Any, key: str = "Action") -> list[str]:
    return _strings(stmt.get(key)) if isinstance(stmt, Mapping) else []


def resources(stmt: Any) -> list[str]:
    return _strings(stmt.get("Resource")) if isinstance(stmt, Mapping) else []


def applies_to_all_resources(stmt: Any) -> bool:
    """Resource "*" (or a NotResource, which covers everything but a list)."""
    if not isinstance(stmt, Mapping):
        return False
    if stmt.get("NotResource") is not None:
        return True
    return any(r.strip() == "*" for r in resources(stmt))


def is_admin_statement(stmt: Any) -> bool:
    """Allow of every action ("*" or "*:*") on every resource."""
    if not is_allow(stmt) or not applies_to_all_resources(stmt):
        return False
    return any(a.strip() in ADMIN_ACTIONS for a in actions(stmt))


def admin_statements(doc: Any) -> list[dict[str, Any]]:
    return [s for s in statements(doc) if is_admin_statement(s)]


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards ("s3:Get*" matches "s3:GetObject")."""
    pattern = pattern.strip().lower()
    if pattern in ("*", "*:*"):
        return True
    return fnmatch.fnmatchcase(action.lower(), pattern)


def statement_allows(stmt: Any, action: str) -> bool:
    """Whether an Allow statement grants `action` (through Action, or through NotAction not excluding it)."""
    if not is_allow(stmt):
        return False
    if stmt.get("NotAction") is not None:
        return not any(action_matches(p, action) for p in actions(stmt, "NotAction"))
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
    """ "*", or an ARN whose resource part is only wildcards, optionally after a type ("key/*", ":::*/*")."""
    resource = resource.strip()
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    service, tail = parts[2], parts[5]
    if service == "s3":
        # arn:aws:s3:::bucket/key - the bucket segment decides ("bucket/*" is scoped, "*/*" is not).
        bucket = tail.split("/", 1)[0]
        return bool(bucket) and set(bucket) <= {"*", "?"}
    # key/*, table/*, secret:* ... - a resource-type prefix followed by wildcards only.
    tail = re.sub(r"^[A-Za-z][A-Za-z0-9-]*[/:]", "", tail)
    return bool(tail) and set(tail) <= {"*", "/", "?", ":"}


def wildcard_resources(stmt: Any) -> list[str]:
    """The statement's resources that cover a whole service or resource type (NotResource counts as "*")."""
    if not isinstance(stmt, Mapping):
        return []
    if stmt.get("NotResource") is not None:
        return ["NotResource"]
    return [r for r in resources(stmt) if is_wildcard_resource(r)]


def conditions_on(stmt: Any, key_prefixes: Iterable[str]) -> list[str]:
    """Condition keys (lower case) starting with one of `key_prefixes`, compared with a non-wildcard value by a
    non-negated operator that does not pass on an absent key (no IfExists, no ForAllValues:)."""
    prefixes = tuple(p.lower() for p in key_prefixes)
    found: list[str] = []
    if not isinstance(stmt, Mapping) or not isinstance(stmt.get("Condition"), Mapping):
        return found
    for operator, entries in stmt["Condition"].items():
        if not isinstance(operator, str) or not isinstance(entries, Mapping):
            continue
        op = operator.lower()
        if "not" in op or op.endswith("ifexists") or op.startswith("forallvalues:") or op in ("null", "bool"):
            continue
        for key, raw in entries.items():
            if not isinstance(key, str) or not key.lower().startswith(prefixes):
                continue
            values = [_text(v) for v in as_list(raw)]
            if values and all(v is not None and v.strip() and "*" not in v for v in values):
                found.append(key.lower())
    return found
