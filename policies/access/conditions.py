"""Condition operators with AWS's semantics, in three-valued logic.

`evaluate_condition` answers True, False, or None ("depends on request values this context does not fix"). A closed
context (a concrete request) treats a key it does not hold as absent, as AWS does; an open context (the question "can
this principal ever get this access?") treats it as unknown, so an Allow conditioned on it may apply and a Deny
conditioned on it may not.

Semantics, from the IAM User Guide, "IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html) and
"Single-valued vs. multivalued context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
- a key missing from the request makes a condition false, except negated operators (true), `...IfExists` (true),
  `Null`, and `ForAllValues:` (true: every one of no values matches);
- values of one key are ORed; pairs are ANDed;
- `String*Like` and `Arn*` take `*` and `?` wildcards (`Arn*` per colon-delimited component);
- policy variables `${aws:username}` (and `${key, 'default'}`) take the request's value; an unresolved variable
  matches nothing, so it is never a fixed restriction.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ml_dataset_governance.policies.access.document import Condition, text
from ml_dataset_governance.policies.values import UNKNOWN_SENTINELS

Tri = bool | None  # None: cannot be decided from this context

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_UNRESOLVED = object()


class Context:
    """Request context keys (case-insensitive). `open=True`: keys not given are unknown rather than absent."""

    def __init__(self, values: Mapping[str, Any] | None = None, *, open: bool = False,  # noqa: A002
                 absent: Iterable[str] = ()):
        self.values: dict[str, tuple[str, ...]] = {}
        for key, value in (values or {}).items():
            if not isinstance(key, str):
                continue
            items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            found = tuple(t for t in (text(v) for v in items) if t is not None)
            self.values[key.lower()] = found
        self.open = open
        self.absent = frozenset(k.lower() for k in absent)

    def lookup(self, key: str) -> tuple[Tri, tuple[str, ...]]:
        """(present?, values): present is None when the key is unknown."""
        key = key.lower()
        if key in self.values:
            return True, self.values[key]
        if self.open and key not in self.absent:
            return None, ()
        return False, ()

    def with_values(self, extra: Mapping[str, Any]) -> Context:
        merged = Context(extra, open=self.open, absent=self.absent)
        merged.values = {**self.values, **merged.values}
        return merged


# --- policy variables ----------------------------------------------------------------------------

# ${*} ${?} ${$} stand for the literal characters: kept as private markers so wildcards never see them.
LITERAL_STAR, LITERAL_QUESTION = "\x00", "\x01"
_SPECIAL = {"*": LITERAL_STAR, "?": LITERAL_QUESTION, "$": "$"}


def literal(value: str) -> str:
    return value.replace(LITERAL_STAR, "*").replace(LITERAL_QUESTION, "?")


def substitute(value: str, context: Context) -> Any:
    """The value with `${...}` variables replaced; `_UNRESOLVED` when one has no value, None when it is unknown
    (a policy variable the context does not fix, or a value computed at deploy time)."""
    if value in UNKNOWN_SENTINELS:
        return None
    if "${" not in value:
        return value
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        inner = match.group(1)
        name, _, default = inner.partition(",")
        name = name.strip()
        if name in _SPECIAL:
            return _SPECIAL[name]
        present, values = context.lookup(name)
        if present and len(values) == 1:
            return values[0]
        default = default.strip()
        if default.startswith("'") and default.endswith("'") and len(default) >= 2:
            return default[1:-1]
        if present is None:
            unknown = True
        raise _Unresolved

    try:
        out = _VARIABLE.sub(replace, value)
    except _Unresolved:
        return None if unknown else _UNRESOLVED
    return out


class _Unresolved(Exception):  # noqa: N818 - control flow inside substitute
    pass


def has_variable(value: str) -> bool:
    return bool(_VARIABLE.search(value))


# --- matching primitives -------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM wildcards only: `*` any run, `?` one character; everything else literal (unlike fnmatch's [])."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(literal(c)) for c in pattern]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, value: str) -> bool:
    """ArnEquals/ArnLike: each of the six colon-delimited components matched on its own."""
    p = pattern.split(":", 5)
    v = value.split(":", 5)
    if len(p) != 6 or len(v) != 6:
        return glob_match(pattern, value)
    return all(glob_match(a, b) for a, b in zip(p, v, strict=True))


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _date(value: str) -> datetime | None:
    number = _number(value)
    if number is not None:
        try:
            return datetime.fromtimestamp(number, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=4096)
def network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        net = network(value)
        return net.network_address if net is not None and net.num_addresses == 1 else None


_ORDER = {
    "equals": lambda a, b: a == b,
    "lessthan": lambda a, b: a < b,
    "lessthanequals": lambda a, b: a <= b,
    "greaterthan": lambda a, b: a > b,
    "greaterthanequals": lambda a, b: a >= b,
}


def _positive(base: str) -> tuple[str, bool]:
    """("stringlike", negated) from "stringnotlike"; NotIpAddress -> ("ipaddress", True)."""
    if base == "notipaddress":
        return "ipaddress", True
    for family in ("string", "numeric", "date", "arn"):
        if base.startswith(family + "not"):
            return family + base[len(family) + 3:], True
    return base, False


def _compare(base: str, policy_value: str, request_value: str) -> bool | None:
    """One policy value against one request value for a positive operator; None for an unknown operator."""
    if base not in ("stringlike", "arnequals", "arnlike"):
        policy_value = literal(policy_value)
    if base == "stringequals":
        return policy_value == request_value
    if base == "stringequalsignorecase":
        return policy_value.lower() == request_value.lower()
    if base == "stringlike":
        return glob_match(policy_value, request_value)
    if base in ("arnequals", "arnlike"):
        return arn_match(policy_value, request_value)
    if base == "bool":
        return policy_value.lower() == request_value.lower()
    if base == "binaryequals":
        try:
            return base64.b64decode(policy_value) == base64.b64decode(request_value)
        except (binascii.Error, ValueError):
            return policy_value == request_value
    if base == "ipaddress":
        net, ip = network(policy_value), _ip(request_value)
        return net is not None and ip is not None and ip.version == net.version and ip in net
    for family, parse in (("numeric", _number), ("date", _date)):
        if base.startswith(family) and base[len(family):] in _ORDER:
            a, b = parse(request_value), parse(policy_value)
            if a is None or b is None:
                return False
            try:
                return _ORDER[base[len(family):]](a, b)
            except TypeError:
                return False
    return None


KNOWN_BASES = frozenset({
    "stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "bool", "binaryequals",
    "ipaddress", "null",
    *(f"{family}{order}" for family in ("numeric", "date") for order in _ORDER),
})


def is_known_operator(cond: Condition) -> bool:
    base, _ = _positive(cond.base)
    return base in KNOWN_BASES and not (cond.base == "null" and (cond.if_exists or cond.set_operator))


def _tri_any(items: Iterable[Tri]) -> Tri:
    unknown = False
    for item in items:
        if item is True:
            return True
        if item is None:
            unknown = True
    return None if unknown else False


def _tri_all(items: Iterable[Tri]) -> Tri:
    unknown = False
    for item in items:
        if item is False:
            return False
        if item is None:
            unknown = True
    return None if unknown else True


def tri_not(value: Tri) -> Tri:
    return None if value is None else not value


def evaluate_condition(cond: Condition, context: Context) -> Tri:
    """True, False, or None (undecidable in this context). An unknown operator never matches (False)."""
    if not is_known_operator(cond):
        return False
    present, request_values = context.lookup(cond.key)
    if cond.base == "null":
        if present is None:
            return None
        return any((v.lower() == "true") == (not present) for v in cond.values)
    if present is None:
        return None
    if not present or not request_values:
        if cond.if_exists or cond.set_operator == "forallvalues":
            return True
        if cond.set_operator == "foranyvalue":
            return False
        return cond.negated
    base, negated = _positive(cond.base)
    policy_values = [substitute(v, context) for v in cond.values]

    def matches(request_value: str) -> Tri:
        results: list[Tri] = []
        for value in policy_values:
            if value is _UNRESOLVED:
                results.append(False)
            elif value is None:
                results.append(None)
            else:
                results.append(bool(_compare(base, value, request_value)))
        return _tri_any(results)

    per_value = [tri_not(matches(r)) if negated else matches(r) for r in request_values]
    if cond.set_operator == "forallvalues":
        return _tri_all(per_value)
    if cond.set_operator == "foranyvalue":
        return _tri_any(per_value)
    # A plain operator on a multivalued key: positive ones need a match, negated ones need no value to match.
    return _tri_all(per_value) if negated else _tri_any(per_value)


def evaluate_conditions(conditions: Iterable[Condition], context: Context) -> Tri:
    """All pairs ANDed."""
    return _tri_all(evaluate_condition(c, context) for c in conditions)
