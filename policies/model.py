"""The rule record and the read-only views its checks receive.

A rule is data (id, metadata, config schema) plus one or more pure check functions.
Resource checks get one `Resource` and yield messages; stack checks get a `Stack` and
yield `Finding`s naming the offending resource. Either kind yields `Unverifiable(path)` for a
value unknown until the update. Checks never touch the SDK: the adapter (`policies.adapter`)
and the servicer (`policies.server`) do the conversion, unknown-value discipline and exemptions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ml_dataset_governance.policies.values import Unverifiable, as_bool, get, is_unknown

SEVERITIES = ("low", "medium", "high", "critical")
ENFORCEMENTS = ("advisory", "mandatory", "remediate", "disabled")


@dataclass(frozen=True)
class Framework:
    name: str  # e.g. "AWS FSBP", "CIS AWS Foundations", "NIST 800-53"
    version: str
    control: str

    def __str__(self) -> str:
        return f"{self.name} {self.version} {self.control}"


IDENTIFIER_KEYS = ("id", "bucket", "arn", "name", "keyId", "domainId")


@dataclass(frozen=True)
class Resource:
    """One resource as a check sees it: inputs in Analyze, outputs in AnalyzeStack."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool = False
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, path: str, default: Any = None) -> Any:
        """Read a property path; raises NeedsValue if it is unknown (see policies.values.get)."""
        return get(self.props, path, default)

    @property
    def label(self) -> str:
        return f"{short_type(self.type)} '{self.name}'"

    def identifiers(self) -> frozenset[str]:
        """Known names by which other resources may refer to this one (id, name, ARN...)."""
        return self._identifiers

    @cached_property
    def _identifiers(self) -> frozenset[str]:
        props = self.props if isinstance(self.props, Mapping) else {}
        return frozenset(v for v in (props.get(k) for k in IDENTIFIER_KEYS)
                         if isinstance(v, str) and v and not is_unknown(v))

    def known_strings(self, prop: str) -> tuple[frozenset[str], bool]:
        """The known string values of top-level `prop` (a string or a list), and whether any part is unknown."""
        value = self.props.get(prop) if isinstance(self.props, Mapping) else None
        if is_unknown(value):
            return frozenset(), True
        items = value if isinstance(value, list) else [value]
        known = frozenset(v for v in items if isinstance(v, str) and v and not is_unknown(v))
        return known, any(is_unknown(v) for v in items)


def short_type(type_token: str) -> str:
    """`aws:s3/bucket:Bucket` -> `aws:s3:Bucket`, readable in messages."""
    parts = type_token.split(":")
    if len(parts) == 3:
        module = parts[1].split("/")[0]
        return f"{parts[0]}:{module}:{parts[2]}"
    return type_token


@dataclass(frozen=True)
class Finding:
    """A stack-check result: `urn` names the offending resource ("" means the stack)."""

    urn: str
    message: str


class Stack:
    """All resources of one AnalyzeStack request, with correlation indexes built once.

    Every lookup is a dict access, so a stack rule that correlates each bucket (or role, or VPC)
    with its settings costs O(its resources), and the whole AnalyzeStack stays linear in stack size.
    The indexes: by type, by URN, by known identifier (id, name, ARN...), the reverse
    property-dependency index ((target URN, property) -> dependents) and, per property name
    on first use, known value -> resources.
    """

    def __init__(self, resources: Iterable[Resource]):
        self.resources = list(resources)
        self.by_urn: dict[str, Resource] = {}
        self._order: dict[str, int] = {}
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._by_identifier: dict[str, list[Resource]] = defaultdict(list)
        self._dependents: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        self._by_value: dict[str, dict[str, list[Resource]]] = {}
        for index, r in enumerate(self.resources):
            self.by_urn[r.urn] = r
            self._order[r.urn] = index
            self._by_type[r.type].append(r)
            for identifier in r.identifiers():
                self._by_identifier[identifier].append(r)
            for prop, urns in r.property_dependencies.items():
                for urn in dict.fromkeys(urns):
                    self._dependents[(urn, prop)].append(r)

    def of_type(self, *types: str) -> list[Resource]:
        out: list[Resource] = []
        for t in types:
            out.extend(self._by_type.get(t, ()))
        return out

    def with_identifier(self, identifier: str, types: Iterable[str]) -> list[Resource]:
        """Resources of `types` one of whose known identifiers is `identifier`."""
        types = set(types)
        return [r for r in self._by_identifier.get(identifier, ()) if r.type in types]

    def _with_value(self, prop: str) -> dict[str, list[Resource]]:
        index = self._by_value.get(prop)
        if index is None:
            index = defaultdict(list)
            for r in self.resources:
                for value in r.known_strings(prop)[0]:
                    index[value].append(r)
            self._by_value[prop] = index
        return index

    def _names_another(self, source: Resource, values: frozenset[str], target: Resource) -> bool:
        """Whether a fully known reference names something other than `target`.

        Value over structure: when the reference's value is known and the target's identifiers are
        known and do not include it, or the value is an identifier of another resource of the
        target's type, a property dependency on the target does not link them (e.g. a setting whose
        `bucket` input was computed from one bucket but names another).
        """
        ids = target.identifiers()
        if values & ids:
            return False
        if ids:
            return True
        return all(any(r is not target and r is not source and r.type == target.type
                       for r in self._by_identifier.get(v, ())) for v in values)

    def _links(self, source: Resource, prop: str, target: Resource) -> bool:
        values, partly_unknown = source.known_strings(prop)
        return partly_unknown or not values or not self._names_another(source, values, target)

    def _in_order(self, found: Iterable[Resource]) -> list[Resource]:
        unique = {r.urn: r for r in found}
        return sorted(unique.values(), key=lambda r: self._order.get(r.urn, 0))

    def referencing(self, target: Resource, types: Iterable[str], prop: str) -> list[Resource]:
        """Resources of `types` whose `prop` refers to `target`.

        Property dependencies (URNs, always known) link first, so a first preview where ids are
        unknown is still decided, unless the known value names another resource; a known value
        equal to one of the target's known identifiers (id, name, ARN) links them too.
        """
        types = set(types)
        found = [c for c in self._dependents.get((target.urn, prop), ())
                 if c.type in types and self._links(c, prop, target)]
        values = self._with_value(prop)
        for identifier in target.identifiers():
            found.extend(c for c in values.get(identifier, ()) if c.type in types)
        return self._in_order(found)

    def referenced_by(self, source: Resource, prop: str, types: Iterable[str]) -> list[Resource]:
        """Resources of `types` that `source.prop` points at (the inverse of `referencing`)."""
        types = set(types)
        found = [r for r in (self.by_urn.get(u) for u in source.property_dependencies.get(prop, ()))
                 if r is not None and r.type in types and self._links(source, prop, r)]
        if found:
            return self._in_order(found)
        values, _ = source.known_strings(prop)
        return self._in_order(r for v in values for r in self.with_identifier(v, types))


ResourceCheck = Callable[[Resource, Mapping[str, Any]], Iterable[str]]
StackCheck = Callable[[Stack, Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One governance rule: stable id, metadata for users and the SDK, and its checks."""

    id: str  # <service>-<resource>-<compliant-state>, kebab-case, never renamed
    title: str  # states the compliant condition
    severity: str  # low | medium | high | critical
    enforcement: str  # default level: mandatory | advisory
    frameworks: tuple[Framework, ...]
    rationale: str
    remediation: str  # prose plus a Pulumi Python snippet
    checks: tuple[Callable[..., Iterable[Any]], ...]
    resource_types: tuple[str, ...] = ()  # empty for stack rules
    stack: bool = False
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # JSON-schema properties
    tags: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # stack rules: the resource types they correlate (for the reference)

    def defaults(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.params.items() if "default" in v}

    def applies_to(self, type_token: str) -> bool:
        return type_token in self.resource_types


def messages(*items: str | None) -> Iterator[str]:
    """Yield the non-empty messages: lets a check say `yield from messages(a, b)`."""
    for item in items:
        if item:
            yield item


def describe(value: Any, unset: str = "unset") -> str:
    """A property value as messages show it: `true`, `'VpcOnly'`, or what an absent value means."""
    if value is None:
        return unset
    return str(value).lower() if isinstance(value, bool) else repr(value)


@dataclass(frozen=True)
class ValueCheck:
    """A resource check "`path` must equal `expected`" (checkov's BaseResourceValueCheck, as data).

    `unset` says what an absent value means (name AWS's default there); `why` ends the message.
    Booleans are compared after `as_bool`, since they may arrive as strings.
    """

    path: str
    expected: Any
    unset: str = "unset"
    why: str = ""

    @property
    def __name__(self) -> str:  # the adapter names a failing check by it
        return f"value_check({self.path})"

    def __call__(self, r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
        raw = r.get(self.path)
        value = as_bool(raw) if isinstance(self.expected, bool) else raw
        if value != self.expected or (isinstance(self.expected, bool) and not isinstance(value, bool)):
            yield f"{self.path} is {describe(raw, self.unset)}; expected {describe(self.expected)}{self.why}."


CheckResult = str | Finding | Unverifiable
