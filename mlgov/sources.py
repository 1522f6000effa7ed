"""Where the resources the gate evaluates come from: one interface for `check` and `audit`.

A `Source` knows its mode (preview, update or state), the project and stack the pack is told about, the
config the pack sees (`PULUMI_CONFIG`), and how to `load()` the resources in registration order. Two
implementations: a program run under mocks (`ProgramSource`, one per mode) and a `pulumi stack export`
(`ExportSource`). A source can be described as JSON and rebuilt (`from_description`), so a mode can run
in its own process.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from mlgov.resources import STACK_TYPE, RecordedResource

__all__ = ["ExportSource", "Loaded", "ProgramSource", "Source", "from_description"]

AUDIT_MODE = "audit"


@dataclass
class Loaded:
    resources: list[RecordedResource]
    secrets: set[str] = field(default_factory=set)  # plaintext secret strings, for redaction
    warnings: list[str] = field(default_factory=list)

    @property
    def stack_urn(self) -> str:
        return next((r.urn for r in self.resources if r.type == STACK_TYPE), "")


class Source(ABC):
    mode: str
    project: str
    stack: str

    @property
    def preview(self) -> bool:
        return self.mode == "preview"

    def pack_config(self) -> dict[str, str]:
        """What the pack receives as PULUMI_CONFIG."""
        return {}

    @abstractmethod
    def load(self) -> Loaded:
        """The resources, as the engine would hold them. Raises ProgramError / ExportError."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """A JSON description `from_description` rebuilds this source from."""


class ProgramSource(Source):
    """The project's program run under mocks in one mode, as `pulumi preview` (first preview) or `pulumi up`."""

    def __init__(self, project: Any, mode: str):
        from mlgov.project import Project

        assert isinstance(project, Project)
        self.project_spec = project
        self.mode = mode
        self.project = project.name
        self.stack = project.stack

    def pack_config(self) -> dict[str, str]:
        return self.project_spec.pulumi_config()

    def load(self) -> Loaded:
        from mlgov.program import run_project

        p = self.project_spec
        run = run_project(p, preview=self.preview)
        secrets = set(run.secret_values) | {str(p.config[k]) for k in p.secret_keys if k in p.config}
        return Loaded(run.resources, secrets, [f"program ({self.mode}): {w}" for w in run.warnings])

    def describe(self) -> dict[str, Any]:
        return {"kind": "program", "mode": self.mode, "project": self.project_spec.to_json()}


class ExportSource(Source):
    """Deployed state: inputs go to Analyze, outputs to AnalyzeStack."""

    mode = AUDIT_MODE

    def __init__(self, export: Any, where: str = ""):
        self.export = export
        self.where = where
        self.project = export.project
        self.stack = export.stack

    def load(self) -> Loaded:
        return Loaded(list(self.export.resources), set(self.export.secret_values), list(self.export.warnings))

    def describe(self) -> dict[str, Any]:
        return {"kind": "export", "path": self.where}


def from_description(data: dict[str, Any]) -> Source:
    if data.get("kind") == "program":
        from mlgov.project import Project

        return ProgramSource(Project.from_json(data["project"]), data["mode"])
    if data.get("kind") == "export":
        from mlgov.export import load_export

        return ExportSource(load_export(data["path"]), data["path"])
    raise ValueError(f"unknown source description {data!r}")
