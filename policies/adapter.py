"""Turns rule records into pulumi-policy policies, applying in one place:

- type filtering (the Python SDK sends every resource to every resource policy);
- unknown-value discipline: each check runs on its own; one that reads an unknown is noted
  and the others still decide; after reporting what is known, the policy raises one
  UnknownValueError listing the unknown properties, which the SDK reports as ADVISORY
  ("cannot be verified until update") and which never blocks;
- exemptions: an exempted finding goes to the `pack-exemptions-reported` policies, which
  report it as advisory, so it is never silently dropped;
- never raising: a malformed config or a bug in a check is reported as a violation of that
  rule (fail closed), never as an exception that would abort `pulumi up`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ml_dataset_governance.policies.exemptions import (
    EXEMPTIONS_POLICY,
    EXEMPTIONS_SCHEMA,
    STACK_EXEMPTIONS_POLICY,
    Exemption,
    ExemptionError,
    exempted_message,
    find,
    parse_exemptions,
    today,
)
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack, short_type
from ml_dataset_governance.policies.values import UNKNOWN, NeedsValue, to_plain
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

RULES_DOC_URL = "https://github.com/ml-dataset-governance/ml-dataset-governance/blob/main/docs/rules.md"

_SEVERITY = {s.value: s for s in Severity}
_ENFORCEMENT = {e.value: e for e in EnforcementLevel}


class CannotVerifyInPreview(UnknownValueError):
    """Raised after all known findings are reported: the SDK turns it into one advisory note."""

    def __init__(self, paths: Iterable[str]):
        Exception.__init__(self)
        self.unknown_type_sentinel = UNKNOWN
        # Sorted part by part: a stack check lists resources in the order AnalyzeStack sends them, which under
        # the real engine is the order the steps finished (it varies run to run); the note must not.
        self.props = sorted({part for path in paths for part in path.split(", ")})
        self.message = f"cannot be verified until update: {', '.join(self.props)} unknown during preview"


class _ExemptedFindings:
    """Hands exempted findings from rule policies to the reporter policy of the same request.

    The SDK evaluates a pack's policies in list order within one Analyze/AnalyzeStack call and
    the reporter is last, so it drains what the rules recorded for that URN.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, list[tuple[str, str]]] = {}

    def add(self, key: str, message: str, urn: str = "") -> None:
        with self._lock:
            self._pending.setdefault(key, []).append((message, urn))

    def take(self, key: str) -> list[tuple[str, str]]:
        with self._lock:
            return self._pending.pop(key, [])


EXEMPTED = _ExemptedFindings()
STACK_KEY = "<stack>"


def config_schema(rule: Rule) -> PolicyConfigSchema:
    properties = {k: dict(v) for k, v in rule.params.items()}
    properties["exemptions"] = EXEMPTIONS_SCHEMA
    return PolicyConfigSchema(properties=properties)


class InvalidConfig(ValueError):
    pass


_RESOLVED: dict[tuple[str, str], tuple[dict[str, Any], tuple[Exemption, ...]]] = {}


def _resolve_params_cached(rule: Rule, config_json: str) -> tuple[dict[str, Any], tuple[Exemption, ...]]:
    # Configure happens once per run, so each (rule, config) pair is parsed once.
    cached = _RESOLVED.get((rule.id, config_json))
    if cached is not None:
        return cached
    config = json.loads(config_json)
    params = rule.defaults()
    params.update({k: v for k, v in config.items() if k != "exemptions"})
    _check_param_types(rule, params)
    try:
        exemptions = parse_exemptions(config.get("exemptions"))
    except ExemptionError as exc:
        raise InvalidConfig(str(exc)) from None
    if len(_RESOLVED) > 1024:
        _RESOLVED.clear()
    _RESOLVED[(rule.id, config_json)] = (params, exemptions)
    return params, exemptions


def resolve_params(rule: Rule, config: Mapping[str, Any] | None) -> tuple[dict[str, Any], tuple[Exemption, ...]]:
    """Schema defaults overlaid with the configured values; raises InvalidConfig."""
    try:
        config_json = json.dumps(dict(config or {}), sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise InvalidConfig(f"unreadable configuration ({exc})") from None
    params, exemptions = _resolve_params_cached(rule, config_json)
    return dict(params), exemptions


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "number": (int, float),
    "integer": (int, float),
    "array": (list,),
    "object": (dict,),
}


def _check_param_types(rule: Rule, params: Mapping[str, Any]) -> None:
    """The engine validates config against the schema; this guards the pack when it is not."""
    for key, value in params.items():
        schema = rule.params.get(key)
        if schema is None:
            raise InvalidConfig(f"unknown parameter '{key}'")
        expected = _JSON_TYPES.get(schema.get("type", ""))
        if expected and (not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected)):
            raise InvalidConfig(f"parameter '{key}' must be of type {schema['type']}")
        item_type = _JSON_TYPES.get(schema.get("items", {}).get("type", ""))
        if item_type and isinstance(value, list) and not all(isinstance(v, item_type) for v in value):
            raise InvalidConfig(f"parameter '{key}' must be a list of {schema['items']['type']}")
        if "enum" in schema and value not in schema["enum"]:
            raise InvalidConfig(f"parameter '{key}' must be one of {schema['enum']}")
        item_enum = schema.get("items", {}).get("enum")
        if item_enum and isinstance(value, list) and any(v not in item_enum for v in value):
            raise InvalidConfig(f"parameter '{key}' items must be among {item_enum}")


def _framework(rule: Rule) -> PolicyComplianceFramework | None:
    if not rule.frameworks:
        return None
    f = rule.frameworks[0]
    return PolicyComplianceFramework(name=f.name, version=f.version, reference=f.control)


def _sdk_metadata(rule: Rule) -> dict[str, Any]:
    return {
        "enforcement_level": _ENFORCEMENT[rule.enforcement],
        "config_schema": config_schema(rule),
        "display_name": rule.title,
        "severity": _SEVERITY[rule.severity],
        "framework": _framework(rule),
        "tags": list(rule.tags) + [f"framework:{f}" for f in rule.frameworks],
        "remediation_steps": rule.remediation,
        "url": f"{RULES_DOC_URL}#{rule.id}",
    }


def _deliver(rule: Rule, report: Callable[..., None], exemptions: tuple[Exemption, ...], key: str,
             urn: str, name: str, label: str, message: str, report_urn: str | None) -> None:
    exemption = find(exemptions, urn, name)
    message = message.rstrip()
    if exemption is not None and not exemption.expired(today()):
        EXEMPTED.add(key, exempted_message(rule.id, f"{label}: {message}", exemption), urn)
        return
    if exemption is not None:
        message += f" (exemption expired on {exemption.expires.isoformat()})"
    if report_urn is None:
        report(f"{label}: {message}")
    else:
        report(f"{label}: {message}", report_urn)


def _run_checks(rule: Rule, subject: Any, params: Mapping[str, Any], emit: Callable[[Any], None]) -> list[str]:
    """Run every check of the rule; returns the property paths that were unknown."""
    unknown: list[str] = []
    for check in rule.checks:
        try:
            for item in check(subject, params):
                emit(item)
        except NeedsValue as exc:
            unknown.append(exc.path)
        except RecursionError:
            emit_error = f"a property is nested too deeply to check ({check.__name__})"
            emit(emit_error if not rule.stack else Finding("", emit_error))
        except Exception as exc:  # noqa: BLE001 - a rule bug must not abort the deployment
            text = f"internal error in check {check.__name__} ({type(exc).__name__}); failing closed"
            emit(text if not rule.stack else Finding("", text))
    return unknown


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args, report_violation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        try:
            params, exemptions = resolve_params(rule, args.get_config())
        except InvalidConfig as exc:
            report_violation(f"invalid policy configuration for '{rule.id}': {exc}")
            return
        try:
            resource = Resource(
                type=args.resource_type,
                name=args.name,
                urn=args.urn,
                props=to_plain(args.props),
                protect=bool(getattr(args.opts, "protect", False)),
                parent=getattr(args.opts, "parent", None),
            )
        except RecursionError:
            report_violation(f"{short_type(args.resource_type)} '{args.name}': properties nested too deeply to check")
            return

        def emit(message: str) -> None:
            _deliver(rule, report_violation, exemptions, resource.urn, resource.urn, resource.name,
                     resource.label, str(message), None)

        unknown = _run_checks(rule, resource, params, emit)
        if unknown:
            raise CannotVerifyInPreview(unknown)

    return ResourceValidationPolicy(name=rule.id, description=rule.title, validate=validate, **_sdk_metadata(rule))


def _stack_resource(r: Any) -> Resource:
    return Resource(
        type=r.resource_type,
        name=r.name,
        urn=r.urn,
        props=to_plain(r.props),
        protect=bool(getattr(r.opts, "protect", False)),
        parent=r.parent.urn if r.parent is not None else None,
        dependencies=tuple(d.urn for d in r.dependencies),
        property_dependencies={k: tuple(d.urn for d in v) for k, v in r.property_dependencies.items()},
    )


def build_stack(resources: Iterable[Any]) -> Stack:
    out = []
    for r in resources:
        try:
            out.append(_stack_resource(r))
        except RecursionError:
            continue
    return Stack(out)


def stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args, report_violation) -> None:
        try:
            params, exemptions = resolve_params(rule, args.get_config())
        except InvalidConfig as exc:
            report_violation(f"invalid policy configuration for '{rule.id}': {exc}")
            return
        stack = build_stack(args.resources)

        def emit(finding: Finding) -> None:
            target = stack.by_urn.get(finding.urn)
            label = target.label if target is not None else "stack"
            name = target.name if target is not None else ""
            _deliver(rule, report_violation, exemptions, STACK_KEY, finding.urn, name, label, finding.message,
                     finding.urn or "")

        unknown = _run_checks(rule, stack, params, emit)
        if unknown:
            raise CannotVerifyInPreview(unknown)

    return StackValidationPolicy(name=rule.id, description=rule.title, validate=validate, **_sdk_metadata(rule))


def _reporter_metadata(title: str) -> dict[str, Any]:
    return {
        "enforcement_level": EnforcementLevel.ADVISORY,
        "display_name": title,
        "severity": Severity.LOW,
        "tags": ["exemptions"],
        "remediation_steps": "Review the exemption: its reason, its owner and its expiry date.",
        "url": f"{RULES_DOC_URL}#exemptions",
    }


def exemption_reporters() -> list[Any]:
    """The two advisory policies that report exempted findings; they must come last in the pack."""

    def report_resource(args, report_violation) -> None:
        for message, _urn in EXEMPTED.take(args.urn):
            report_violation(message)

    def report_stack(args, report_violation) -> None:
        for message, urn in EXEMPTED.take(STACK_KEY):
            report_violation(message, urn or None)

    title = "Exempted findings are reported with their reason"
    return [
        ResourceValidationPolicy(name=EXEMPTIONS_POLICY, description=title, validate=report_resource,
                                 **_reporter_metadata(title)),
        StackValidationPolicy(name=STACK_EXEMPTIONS_POLICY, description=title, validate=report_stack,
                              **_reporter_metadata(title)),
    ]


def build_policies(rules: Iterable[Rule]) -> list[Any]:
    policies = [stack_policy(r) if r.stack else resource_policy(r) for r in rules]
    return policies + exemption_reporters()
