"""Policy documents as a typed model: statements, their elements and conditions, read without ever raising.

Input is "JSON-ish": a parsed document, JSON text, or whatever a property holds (numbers arrive as floats, keys may be
missing, values may have the wrong type). Element names are matched case-sensitively as IAM does; values that cannot
be read make the statement `malformed` (an Allow that cannot be read grants nothing we can prove, a Deny that cannot
be read denies nothing we can prove; callers that must fail closed look at `Policy.malformed`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
SET_OPERATORS = ("forallvalues", "foranyvalue")


def text(value: Any) -> str | None:
    """A scalar as IAM reads it: strings as is, booleans lower case, integral floats (the wire's numbers) as digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    return None


def _values(value: Any) -> tuple[str, ...] | None:
    """A string or list of strings; None when any member is unreadable (the element is then malformed)."""
    items = value if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else [value]
    out = tuple(text(v) for v in items)
    return None if any(v is None for v in out) else out  # type: ignore[return-value]


@dataclass(frozen=True)
class Condition:
    """One (operator, key) pair of a Condition block; `values` are ORed, pairs of a statement are ANDed."""

    operator: str  # as written, e.g. "ForAnyValue:StringNotLikeIfExists"
    key: str  # as written; compare with `key_lower`
    values: tuple[str, ...]
    base: str  # lower case, without set prefix or IfExists: "stringnotlike"
    set_operator: str | None  # "forallvalues" | "foranyvalue" | None
    if_exists: bool

    @property
    def key_lower(self) -> str:
        return self.key.lower()

    @property
    def negated(self) -> bool:
        return self.base.startswith(("stringnot", "numericnot", "datenot", "arnnot", "notip"))


def parse_operator(operator: str) -> tuple[str, str | None, bool]:
    op = operator.strip().lower()
    set_operator = None
    if ":" in op:
        prefix, op = op.split(":", 1)
        set_operator = prefix
    if_exists = op.endswith("ifexists")
    if if_exists:
        op = op[: -len("ifexists")]
    return op, set_operator, if_exists


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str | None
    effect: str | None  # "Allow" | "Deny" | None when unreadable
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principals: Mapping[str, tuple[str, ...]] | None = None  # kind -> values; None: no Principal element
    not_principals: Mapping[str, tuple[str, ...]] | None = None
    conditions: tuple[Condition, ...] = ()
    malformed: str | None = None  # why it cannot be read
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow" and self.malformed is None

    @property
    def is_deny(self) -> bool:
        return self.effect == "Deny" and self.malformed is None

    @property
    def label(self) -> str:
        """How messages name the statement: its Sid, else its position."""
        return f"statement '{self.sid}'" if self.sid else f"statement #{self.index + 1}"


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]
    malformed: str | None = None  # the document itself cannot be read

    @property
    def allows(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.is_allow)

    @property
    def denies(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.is_deny)


EMPTY = Policy(())


def _principal(value: Any) -> tuple[Mapping[str, tuple[str, ...]] | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        return ({"AWS": (value,)} if value.strip() == "*" else {"AWS": (value,)}), None
    if isinstance(value, Mapping):
        out: dict[str, tuple[str, ...]] = {}
        for kind, raw in value.items():
            values = _values(raw)
            if not isinstance(kind, str) or values is None:
                return None, "unreadable principal"
            out[kind] = values
        return out, None
    return None, "unreadable principal"


def _conditions(value: Any) -> tuple[tuple[Condition, ...], str | None]:
    if value is None:
        return (), None
    if not isinstance(value, Mapping):
        return (), "unreadable Condition"
    out = []
    for operator, entries in value.items():
        if not isinstance(operator, str) or not isinstance(entries, Mapping):
            return (), "unreadable Condition"
        base, set_operator, if_exists = parse_operator(operator)
        if set_operator is not None and set_operator not in SET_OPERATORS:
            return (), f"unknown condition set operator {operator!r}"
        for key, raw in entries.items():
            values = _values(raw)
            if not isinstance(key, str) or values is None:
                return (), "unreadable Condition"
            out.append(Condition(operator, key, values, base, set_operator, if_exists))
    return tuple(out), None


def parse_statement(index: int, raw: Any) -> Statement:
    if not isinstance(raw, Mapping):
        return Statement(index, None, None, malformed="statement is not an object")
    sid = raw.get("Sid") if isinstance(raw.get("Sid"), str) else None
    effect_raw = raw.get("Effect")
    effect = effect_raw if effect_raw in ("Allow", "Deny") else None
    problems = [] if effect else [f"Effect must be Allow or Deny, got {effect_raw!r}"]
    elements: dict[str, tuple[str, ...] | None] = {}
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        if raw.get(name) is None:
            elements[name] = None
            continue
        values = _values(raw[name])
        if values is None:
            problems.append(f"unreadable {name}")
        elements[name] = values
    if (elements["Action"] is None) == (elements["NotAction"] is None):
        problems.append("exactly one of Action and NotAction is required")
    if elements["Resource"] is not None and elements["NotResource"] is not None:
        problems.append("Resource and NotResource together")
    principals, p_err = _principal(raw.get("Principal"))
    not_principals, np_err = _principal(raw.get("NotPrincipal"))
    conditions, c_err = _conditions(raw.get("Condition"))
    problems += [e for e in (p_err, np_err, c_err) if e]
    return Statement(
        index=index, sid=sid, effect=effect,
        actions=elements["Action"], not_actions=elements["NotAction"],
        resources=elements["Resource"], not_resources=elements["NotResource"],
        principals=principals, not_principals=not_principals, conditions=conditions,
        malformed="; ".join(problems) or None, raw=dict(raw),
    )


def parse_policy(doc: Any) -> Policy:
    """A document (object or JSON text) as a Policy; never raises. None or "" is the empty policy."""
    if doc is None or (isinstance(doc, str) and not doc.strip()):
        return EMPTY
    if isinstance(doc, Policy):
        return doc
    if isinstance(doc, (str, bytes)):
        try:
            doc = json.loads(doc)
        except (ValueError, RecursionError, TypeError):
            return Policy((), malformed="not valid JSON")
    if not isinstance(doc, Mapping):
        return Policy((), malformed="not a JSON object")
    raw = doc.get("Statement")
    items = raw if isinstance(raw, Sequence) and not isinstance(raw, (str, bytes)) else [raw]
    if raw is None:
        return Policy((), malformed="no Statement")
    try:
        return Policy(tuple(parse_statement(i, s) for i, s in enumerate(items)))
    except RecursionError:
        return Policy((), malformed="nested too deeply")
