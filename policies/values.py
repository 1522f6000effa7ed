"""Property values as the engine hands them to a policy pack, and safe ways to read them.

Rules read plain Python trees (camelCase keys, floats for numbers, unknown sentinels in
preview). `get` walks a path and raises `NeedsValue` when it meets an unknown; checks that want to
go on past an unknown yield `Unverifiable(path)` instead. The adapter turns both into one "cannot be
verified until update" note per rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Sentinels from pulumi_policy/proxy.py (the wire uses the string one for every type).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_SENTINELS = frozenset({
    UNKNOWN,
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})
# Signatures from pulumi/runtime/rpc.py.
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"

_MISSING = object()


class NeedsValue(Exception):  # noqa: N818 - a signal, not an error
    """A value a check needs is unknown until the update (raised by `get`; the adapter turns it into
    an `Unverifiable` for the check that raised it)."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class Unverifiable:
    """What a check yields for a value it cannot see until the update, before going on with the rest.

    The one way checks report unknowns: a check either yields `Unverifiable(path)` and continues,
    or reads through `get`/`Resource.get`, whose NeedsValue the adapter turns into the same marker
    (the check stops there). Each rule's markers become one advisory "cannot be verified until
    update" note per request; they never block.
    """

    path: str


class NotApplicable(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a check: the rule does not apply to this subject (the SDK's `args.not_applicable(reason)`).

    The rule's remaining checks are skipped and the engine gets a PolicyNotApplicable entry.
    """

    def __init__(self, reason: str = ""):
        super().__init__(reason)
        self.reason = reason


def unverifiable(exc: NeedsValue, prefix: str = "") -> Unverifiable:
    """The marker for a NeedsValue caught inside a check, its path qualified by `prefix`."""
    return Unverifiable(f"{prefix}{exc.path}")


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def to_plain(value: Any) -> Any:
    """Copy an SDK property proxy (or any mapping/sequence tree) into plain dicts and lists.

    Unknown sentinels are kept; reading them is the caller's business (see `get`).
    """
    if isinstance(value, Mapping):
        target = _proxy_target(value)
        return {str(k): to_plain(v) for k, v in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        target = _proxy_target(value)
        return [to_plain(v) for v in target]
    return value


def _proxy_target(value: Any) -> Any:
    # pulumi_policy's proxies expose their unwrapped target under this key; reading any other
    # key of a proxy raises on unknowns, which is exactly what we must not do here.
    if type(value).__name__ in ("_DictProxy", "_ListProxy"):
        return value["__target"]
    return value


def get(tree: Any, path: str | Sequence[str | int], default: Any = None) -> Any:
    """Read `a.b.0.c` from a plain tree.

    Missing keys or wrong-typed intermediates give `default`; an unknown anywhere on the
    path raises NeedsValue(path) so that a check never decides on what it cannot see.
    """
    parts = path.split(".") if isinstance(path, str) else list(path)
    label = path if isinstance(path, str) else ".".join(str(p) for p in parts)
    current = tree
    for part in parts:
        if is_unknown(current):
            raise NeedsValue(label)
        if isinstance(current, Mapping):
            current = current.get(part, _MISSING) if isinstance(part, str) else _MISSING
        elif isinstance(current, list) and _is_index(part):
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else _MISSING
        else:
            current = _MISSING
        if current is _MISSING:
            return default
    if is_unknown(current):
        raise NeedsValue(label)
    return current


def _is_index(part: str | int) -> bool:
    return isinstance(part, int) or (isinstance(part, str) and part.lstrip("-").isdigit())


def present(tree: Any, path: str) -> bool:
    """True when `path` holds a non-empty value or one computed at deploy time (unknown in preview).

    For "is X set" checks: a reference to a resource created in the same deployment (a key's
    ARN, a role's ARN) is unknown in a first preview but certainly set.
    """
    try:
        value = get(tree, path)
    except NeedsValue:
        return True
    return value not in (None, "", [], {})


def known(tree: Any, path: str) -> bool:
    try:
        get(tree, path)
    except NeedsValue:
        return False
    return True


def as_list(value: Any) -> list[Any]:
    """A list for iteration: None gives [], a scalar gives [scalar]."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    return [value]


def as_bool(value: Any) -> bool | None:
    """Booleans may arrive as bools or strings; anything else is None (not set)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_number(value: Any) -> float | None:
    """Numbers arrive as floats (3600 -> 3600.0); strings of digits are accepted too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class MalformedDocument(ValueError):
    """A policy document that is neither JSON text nor a JSON object."""


def as_document(value: Any, path: str = "policy") -> dict[str, Any] | None:
    """A policy document given as JSON text or an object; None when unset.

    Raises NeedsValue if the document (or part of it) is unknown and MalformedDocument
    if it cannot be read as a JSON object.
    """
    if value is None or value == "":
        return None
    if contains_unknown(value):
        raise NeedsValue(path)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise MalformedDocument(f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(value, Mapping):
        raise MalformedDocument("not a JSON object")
    return dict(value)


def first(values: Iterable[Any], default: Any = None) -> Any:
    for value in values:
        return value
    return default
