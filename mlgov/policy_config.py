"""Policy-pack configuration, reconciled as the engine does before `Configure`, and validated once.

Order: each policy's default level and schema defaults -> the pack's initialConfig -> the user's
`--policy-config` file (`all` first, then per-policy entries). The result is validated once, with
jsonschema, against the schemas the pack itself declares in GetAnalyzerInfo (what the engine validates
against), plus two checks the engine does not make: an unknown policy or parameter name is an error with
a did-you-mean, since a typo would otherwise silently not apply.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlgov.analyzer import ENFORCEMENT_NAMES, AnalyzerInfo

__all__ = ["LEVELS", "PolicyConfigError", "load_policy_config", "reconcile"]

LEVELS = tuple(ENFORCEMENT_NAMES.values())
LEVEL_KEY = "enforcementLevel"


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


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _apply(result: dict[str, dict[str, Any]], source: Mapping[str, Any], origin: str,
           schemas: Mapping[str, Mapping[str, Any]]) -> None:
    if "all" in source:
        level = source["all"]
        if level not in LEVELS:
            raise PolicyConfigError(f"{origin}: 'all' must be one of {', '.join(LEVELS)}, not {level!r}")
        for entry in result.values():
            entry[LEVEL_KEY] = level
    for name, value in source.items():
        if name == "all":
            continue
        if name not in result:
            hint = _did_you_mean(name, list(result))
            raise PolicyConfigError(f"{origin}: no policy named {name!r} in the pack{hint}")
        if isinstance(value, str):
            value = {LEVEL_KEY: value}
        if not isinstance(value, Mapping):
            raise PolicyConfigError(f"{origin}: {name} must be an enforcement level or an object")
        known = list(schemas[name].get("properties") or {}) + [LEVEL_KEY]
        for key in value:
            if key not in known:
                raise PolicyConfigError(f"{origin}: {name} has no parameter {key!r}{_did_you_mean(key, known)}")
        result[name].update(copy.deepcopy(dict(value)))


def reconcile(info: AnalyzerInfo, user_config: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in info.policies:
        entry: dict[str, Any] = {LEVEL_KEY: policy.enforcement}
        for key, schema in (policy.config_schema.get("properties") or {}).items():
            if isinstance(schema, Mapping) and "default" in schema:
                entry[key] = copy.deepcopy(schema["default"])
        result[policy.name] = entry
        schemas[policy.name] = policy.config_schema
    _apply(result, info.initial_config, "pack initialConfig", schemas)
    if user_config:
        _apply(result, user_config, "policy config", schemas)
    _validate(result, schemas)
    return result


def _validate(result: Mapping[str, Mapping[str, Any]], schemas: Mapping[str, Mapping[str, Any]]) -> None:
    import jsonschema

    problems = []
    for name, entry in result.items():
        schema = schemas.get(name) or {}
        full = {"type": "object",
                "properties": {**(schema.get("properties") or {}), LEVEL_KEY: {"enum": list(LEVELS)}}}
        if schema.get("required"):
            full["required"] = list(schema["required"])
        validator = jsonschema.Draft7Validator(full, format_checker=jsonschema.FormatChecker())
        for error in sorted(validator.iter_errors(dict(entry)), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in error.absolute_path)
            problems.append(f"{name}{'.' + where if where else ''}: {error.message}")
    if problems:
        raise PolicyConfigError("invalid policy config: " + "; ".join(problems))
