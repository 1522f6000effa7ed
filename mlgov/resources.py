"""A resource as the engine holds it after registration: what Analyze and AnalyzeStack are built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["STACK_TYPE", "RecordedResource", "SourceLocation"]

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class SourceLocation:
    """The program statement that declared a resource: an absolute file path and a 1-based line."""

    file: str
    line: int


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None = None
    provider: str | None = None  # provider reference "<urn>::<id>", as the engine sees it
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    id: str = ""
    source: SourceLocation | None = None

    @property
    def provider_urn(self) -> str | None:
        if not self.provider:
            return None
        return self.provider.rsplit("::", 1)[0]
