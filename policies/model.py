"""The rule record and the read-only views its checks receive.

A rule is data (id, metadata, config schema) plus one or more pure check functions.
Resource checks get one `Resource` and yield messages; stack checks get a `Stack` and
yield `Finding`s naming the offending resource. Checks never touch the SDK: the adapter
(`policies.adapter`) does the conversion, unknown-value discipline and exemptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml_dataset_governance.policies.values import get, is_unknown

SEVERITIES = ("low", "medium", "high", "critical")
ENFORCEMENTS = ("advisory", "mandatory", "remediate", "disabled")


@dataclass(frozen=True)
class Framework:
    name: str  # e.g. "AWS FSBP", "CIS AWS Foundations", "NIST 800-53"
    version: str
    control: str

    def __str__(self) -> str:
        return f"{self.name} {self.version} {self.control}"


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

    def identifiers(self) -> set[str]:
        """Known names by which other resources may refer to this one (id, name, ARN...)."""
        found = set()
        for key in ("id", "bucket", "arn", "name", "keyId", "domainId"):
            value = self.props.get(key) if isinstance(self.props, Mapping) else None
            if isinstance(value, str) and value and not is_unknown(value):
                found.add(value)
        return found


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
    """All resources of a stack with the correlation helpers cross-resource rules need."""

    def __init__(self, resources: Iterable[Resource]):
        self.resources = list(resources)
        self.by_urn = {r.urn: r for r in self.resources}
        self._by_type: dict[str, list[Resource]] = {}
        for r in self.resources:
            self._by_type.setdefault(r.type, []).append(r)

    def of_type(self, *types: str) -> list[Resource]:
        out: list[Resource] = []
        for t in types:
            out.extend(self._by_type.get(t, ()))
        return out

    def referencing(self, target: Resource, types: Iterable[str], prop: str) -> list[Resource]:
        """Resources of `types` whose `prop` refers to `target`.

        Property dependencies (URNs, always known) decide first, so a first preview where
        ids are unknown is still decided; otherwise a known value equal to one of the
        target's known identifiers (id, name, ARN) links them.
        """
        ids = target.identifiers()
        found = []
        for candidate in self.of_type(*types):
            if target.urn in candidate.property_dependencies.get(prop, ()):
                found.append(candidate)
                continue
            value = candidate.props.get(prop) if isinstance(candidate.props, Mapping) else None
            if isinstance(value, str) and value in ids:
                found.append(candidate)
        return found

    def referenced_by(self, source: Resource, prop: str, types: Iterable[str]) -> list[Resource]:
        """Resources of `types` that `source.prop` points at (the inverse of `referencing`)."""
        types = tuple(types)
        urns = set(source.property_dependencies.get(prop, ()))
        found = [r for r in self.of_type(*types) if r.urn in urns]
        if found:
            return found
        value = source.props.get(prop) if isinstance(source.props, Mapping) else None
        if isinstance(value, str) and not is_unknown(value):
            return [r for r in self.of_type(*types) if value in r.identifiers()]
        return []


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

    def defaults(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.params.items() if "default" in v}

    def applies_to(self, type_token: str) -> bool:
        return type_token in self.resource_types


def messages(*items: str | None) -> Iterator[str]:
    """Yield the non-empty messages: lets a check say `yield from messages(a, b)`."""
    for item in items:
        if item:
            yield item
