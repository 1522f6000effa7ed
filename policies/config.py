"""Per-rule configuration: the JSON schema each rule declares, validated once per Configure.

The engine reconciles the user's policy config (schema defaults, initial config, the file) and
validates each policy's properties against `{"type": "object", "properties": ..., "required": ...}`
(pulumi/pulumi pkg/resource/analyzer/config.go, `convertSchema`): a PolicyConfigSchema has no room
for a top-level `additionalProperties`, so a misspelt parameter passes the engine. The pack
validates the same properties with jsonschema against the same declared schemas plus
`additionalProperties: false`, once per Configure; nested schemas carry it themselves, so the
engine enforces those too. What fails here is reported as a violation of that rule (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ml_dataset_governance.policies.exemptions import EXEMPTIONS_SCHEMA, Exemption, ExemptionError, parse_exemptions
from ml_dataset_governance.policies.model import Rule


class InvalidConfig(ValueError):
    pass


def config_properties(rule: Rule) -> dict[str, Any]:
    """The schema properties the pack declares to the engine for `rule` (its params plus `exemptions`)."""
    properties = {k: dict(v) for k, v in rule.params.items()}
    properties["exemptions"] = EXEMPTIONS_SCHEMA
    return properties


def validation_schema(rule: Rule) -> dict[str, Any]:
    return {"type": "object", "properties": config_properties(rule), "additionalProperties": False}


_VALIDATORS: dict[str, Any] = {}


def _validator(rule: Rule) -> Any:
    # jsonschema is imported on first use (Configure), not at pack start-up.
    validator = _VALIDATORS.get(rule.id)
    if validator is None:
        from jsonschema import Draft202012Validator, FormatChecker

        # The format checker makes "format": "date" (exemption expiry) a real calendar check: 2027-02-30 is refused.
        validator = _VALIDATORS[rule.id] = Draft202012Validator(validation_schema(rule), format_checker=FormatChecker())
    return validator


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def resolve(rule: Rule, config: Mapping[str, Any] | None) -> tuple[dict[str, Any], tuple[Exemption, ...]]:
    """Schema defaults overlaid with the configured values, and the parsed exemptions; raises InvalidConfig."""
    config = dict(config or {})
    errors = sorted(_validator(rule).iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise InvalidConfig("; ".join(_describe(e) for e in errors[:3]))
    params = rule.defaults()
    params.update({k: v for k, v in config.items() if k != "exemptions"})
    try:
        exemptions = parse_exemptions(config.get("exemptions") or [])
    except ExemptionError as exc:
        raise InvalidConfig(str(exc)) from None
    return params, exemptions
