"""Policy-pack configuration, reconciled as the engine does before `Configure`.

Order: each policy's default level and schema defaults -> the pack's initialConfig -> the
user's `--policy-config` file (`all` first, then per-policy entries). Every policy's result
is validated against its JSON schema; any error stops the run before a resource is analyzed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlgov.engine import ENFORCEMENT_NAMES, AnalyzerInfo

LEVELS = tuple(ENFORCEMENT_NAMES.values())


class PolicyConfigError(ValueError):
    pass


def load_policy_config(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise PolicyConfigError(f"cannot read policy config {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PolicyConfigError(f"policy config {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyConfigError(f"policy config {path} must be a JSON object keyed by policy name")
    return data


def _apply(result: dict[str, dict[str, Any]], source: Mapping[str, Any], origin: str, known: set[str]) -> None:
    if "all" in source:
        level = source["all"]
        if level not in LEVELS:
            raise PolicyConfigError(f"{origin}: 'all' must be one of {', '.join(LEVELS)}, not {level!r}")
        for entry in result.values():
            entry["enforcementLevel"] = level
    for name, value in source.items():
        if name == "all":
            continue
        if name not in known:
            raise PolicyConfigError(f"{origin}: no policy named {name!r} in the pack")
        entry = result[name]
        if isinstance(value, str):
            if value not in LEVELS:
                raise PolicyConfigError(f"{origin}: {name}: enforcement level must be one of {', '.join(LEVELS)}")
            entry["enforcementLevel"] = value
        elif isinstance(value, Mapping):
            level = value.get("enforcementLevel")
            if level is not None and level not in LEVELS:
                raise PolicyConfigError(f"{origin}: {name}.enforcementLevel must be one of {', '.join(LEVELS)}")
            entry.update(copy.deepcopy(dict(value)))
        else:
            raise PolicyConfigError(f"{origin}: {name} must be an enforcement level or an object")


def reconcile(info: AnalyzerInfo, user_config: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in info.policies:
        entry: dict[str, Any] = {"enforcementLevel": policy.enforcement}
        for key, schema in (policy.config_schema.get("properties") or {}).items():
            if isinstance(schema, Mapping) and "default" in schema:
                entry[key] = copy.deepcopy(schema["default"])
        result[policy.name] = entry
        schemas[policy.name] = policy.config_schema
    known = set(result)
    _apply(result, info.initial_config, "pack initialConfig", known)
    if user_config:
        _apply(result, user_config, "policy config", known)
    _validate(result, schemas)
    return result


def _validate(result: Mapping[str, Mapping[str, Any]], schemas: Mapping[str, Mapping[str, Any]]) -> None:
    import jsonschema

    problems = []
    for name, entry in result.items():
        schema = schemas.get(name) or {}
        properties = schema.get("properties") or {}
        if not properties and not schema.get("required"):
            continue
        full = {"type": "object", "properties": properties}
        if schema.get("required"):
            full["required"] = list(schema["required"])
        props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        validator = jsonschema.Draft7Validator(full)
        for error in sorted(validator.iter_errors(props), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.absolute_path)
            problems.append(f"{name}{'.' + where if where else ''}: {error.message}")
    if problems:
        raise PolicyConfigError("invalid policy config:\n  " + "\n  ".join(problems))
