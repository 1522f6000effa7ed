"""Reads `pulumi stack export` output (deployment version 3) into the resources the gate evaluates.

Each state resource becomes a `RecordedResource`: its `inputs` go to Analyze and its `outputs`
(with parent, dependencies and propertyDependencies) to AnalyzeStack, as for a deployed stack.
Resources pending deletion (`delete: true`) are left out: they are no longer part of the stack.

Secrets in an export are `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
"ciphertext": ...}`, or carry `"plaintext"` (a JSON-encoded value) when exported with
`--show-secrets`. Ciphertext cannot be read offline: it becomes the unknown sentinel, so a rule
that reads it reports "cannot be verified" instead of guessing, and the report says how many there
were. Plaintext secrets are unwrapped and remembered so reports can redact them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgov.resources import RecordedResource
from mlgov.wire import Unwrapper

__all__ = ["ExportError", "StateExport", "load_export", "parse_export"]

SUPPORTED_VERSION = 3


class ExportError(Exception):
    """The file is not a `pulumi stack export` the gate can evaluate."""


@dataclass
class StateExport:
    project: str
    stack: str
    resources: list[RecordedResource]
    secret_values: set[str] = field(default_factory=set)
    encrypted_secrets: int = 0
    warnings: list[str] = field(default_factory=list)


def load_export(path: str) -> StateExport:
    """Read an export from a file, or from stdin when `path` is `-`."""
    if path == "-":
        text = sys.stdin.read()
        where = "stdin"
    else:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ExportError(f"cannot read state file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ExportError(f"state file {path} is not text; expected `pulumi stack export` JSON") from None
        where = path
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ExportError(f"{where} is not valid JSON ({exc}); expected `pulumi stack export` output") from None
    return parse_export(data, where=where)


def _urn_parts(urn: str) -> tuple[str, str] | None:
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:") or not parts[2] or not parts[3]:
        return None
    return parts[0][len("urn:pulumi:"):], parts[1]


def parse_export(data: Any, *, where: str = "export") -> StateExport:
    if not isinstance(data, Mapping):
        raise ExportError(f"{where} is not a `pulumi stack export` document (expected a JSON object)")
    if "version" not in data:
        raise ExportError(f"{where} has no deployment `version`; expected `pulumi stack export` output")
    version = data.get("version")
    if version != SUPPORTED_VERSION:
        raise ExportError(f"{where}: unsupported deployment version {version!r}; expected {SUPPORTED_VERSION} "
                          "(export it with a current `pulumi stack export`)")
    deployment = data.get("deployment")
    if deployment is None and isinstance(data.get("checkpoint"), Mapping):  # a raw backend checkpoint file
        deployment = data["checkpoint"].get("latest") or {}
    if not isinstance(deployment, Mapping):
        raise ExportError(f"{where} has no `deployment` object")
    raw_resources = deployment.get("resources")
    raw_resources = [] if raw_resources is None else raw_resources
    if not isinstance(raw_resources, list):
        raise ExportError(f"{where}: deployment.resources must be a list")

    unwrap = Unwrapper()
    resources: list[RecordedResource] = []
    names: tuple[str, str] | None = None
    pending_delete = 0
    for index, raw in enumerate(raw_resources):
        if not isinstance(raw, Mapping):
            raise ExportError(f"{where}: deployment.resources[{index}] is not an object")
        urn, type_ = raw.get("urn"), raw.get("type")
        if not isinstance(urn, str) or not isinstance(type_, str) or not type_:
            raise ExportError(f"{where}: deployment.resources[{index}] has no `urn` and `type`")
        parts = _urn_parts(urn)
        if parts is None:
            raise ExportError(f"{where}: deployment.resources[{index}] has a malformed urn {urn!r}")
        names = names or parts
        if raw.get("delete"):
            pending_delete += 1
            continue
        for key in ("inputs", "outputs", "propertyDependencies"):
            if raw.get(key) is not None and not isinstance(raw.get(key), Mapping):
                raise ExportError(f"{where}: {urn}: `{key}` must be an object")
        deps = raw.get("dependencies") or []
        if not isinstance(deps, list):
            raise ExportError(f"{where}: {urn}: `dependencies` must be a list")
        prop_deps = {str(k): [str(u) for u in (v or [])] for k, v in (raw.get("propertyDependencies") or {}).items()}
        resources.append(RecordedResource(
            urn=urn,
            type=type_,
            name=urn.split("::", 3)[3],
            custom=bool(raw.get("custom", False)),
            parent=raw.get("parent") or None,
            provider=raw.get("provider") or None,
            dependencies=[str(d) for d in deps],
            property_dependencies=prop_deps,
            inputs=unwrap(dict(raw.get("inputs") or {})),
            outputs=unwrap(dict(raw.get("outputs") or {})),
            protect=bool(raw.get("protect", False)),
            retain_on_delete=bool(raw.get("retainOnDelete", False)),
            id=str(raw.get("id") or ""),
        ))

    stack, project = names or ("unknown", "unknown")
    result = StateExport(project=project, stack=stack, resources=resources, secret_values=unwrap.secret_values,
                         encrypted_secrets=unwrap.encrypted)
    if unwrap.encrypted:
        result.warnings.append(
            f"{unwrap.encrypted} secret value(s) in the export are encrypted and were treated as unknown: rules "
            "reading them report 'cannot be verified'; export with `pulumi stack export --show-secrets` to check them")
    if pending_delete:
        result.warnings.append(f"{pending_delete} resource(s) pending deletion were not evaluated")
    if deployment.get("pending_operations"):
        result.warnings.append("the export has pending operations (an interrupted update); state may be incomplete")
    return result
