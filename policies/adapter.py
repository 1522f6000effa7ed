"""Runs one configured rule on one subject and says what to report, applying in one place:

- unknown-value discipline: each check runs on its own; what it yields as `Unverifiable` (or the
  NeedsValue a `get` raised inside it) is collected, the other checks still decide, and the
  servicer turns the rule's unknown paths into one ADVISORY "cannot be verified until update" note;
- exemptions, per finding: an exempted finding is reported under the rule's own name at ADVISORY,
  its message ending `exempted: <reason> (expires YYYY-MM-DD)` (see `policies.exemptions`);
- never raising: a malformed config or a bug in a check is reported as a violation of that rule
  (fail closed), never as an exception that would abort `pulumi up`.

The SDK sees rules only as metadata (`sdk_policy`): evaluation is `policies.server.PackServicer`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml_dataset_governance.policies.config import InvalidConfig, config_properties, resolve
from ml_dataset_governance.policies.exemptions import Exemption, exempted_line, find, today
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.values import NeedsValue, NotApplicable, Unverifiable
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

RULES_DOC_URL = "https://github.com/ml-dataset-governance/ml-dataset-governance/blob/main/docs/rules.md"

SEVERITY = {s.value: s for s in Severity}
ENFORCEMENT = {e.value: e for e in EnforcementLevel}


# --- the rule as the SDK describes it (GetAnalyzerInfo) ------------------------------------------

class ResourceRuleInfo(ResourceValidationPolicy):
    """A resource rule's metadata for GetAnalyzerInfo; PackServicer evaluates it (calling validate raises)."""


class StackRuleInfo(StackValidationPolicy):
    """A stack rule's metadata for GetAnalyzerInfo; PackServicer evaluates it (calling validate raises)."""


def _framework(rule: Rule) -> PolicyComplianceFramework | None:
    if not rule.frameworks:
        return None
    f = rule.frameworks[0]
    return PolicyComplianceFramework(name=f.name, version=f.version, reference=f.control)


def sdk_policy(rule: Rule) -> ResourceValidationPolicy | StackValidationPolicy:
    kind = StackRuleInfo if rule.stack else ResourceRuleInfo
    return kind(
        name=rule.id,
        description=rule.title,
        enforcement_level=ENFORCEMENT[rule.enforcement],
        config_schema=PolicyConfigSchema(properties=config_properties(rule)),
        display_name=rule.title,
        severity=SEVERITY[rule.severity],
        framework=_framework(rule),
        tags=list(rule.tags) + [f"framework:{f}" for f in rule.frameworks],
        remediation_steps=rule.remediation,
        url=f"{RULES_DOC_URL}#{rule.id}",
    )


# --- one rule, configured once per Configure ----------------------------------------------------

@dataclass(frozen=True)
class ConfiguredRule:
    rule: Rule
    level: EnforcementLevel  # ADVISORY or MANDATORY (REMEDIATE already mapped, DISABLED never built)
    params: Mapping[str, Any] = field(default_factory=dict)
    exemptions: tuple[Exemption, ...] = ()
    error: str | None = None  # invalid configuration: every run reports it, fail closed


def configure(rule: Rule, config: Mapping[str, Any] | None, level: EnforcementLevel) -> ConfiguredRule:
    if level == EnforcementLevel.REMEDIATE:  # the SDK reports remediate-level findings as mandatory
        level = EnforcementLevel.MANDATORY
    try:
        params, exemptions = resolve(rule, config)
    except InvalidConfig as exc:
        return ConfiguredRule(rule, level, error=f"invalid policy configuration for '{rule.id}': {exc}")
    return ConfiguredRule(rule, level, params, exemptions)


@dataclass(frozen=True)
class Reported:
    """One finding as report_violation would get it; `exempted` ones go out at ADVISORY."""

    message: str
    urn: str = ""
    exempted: bool = False


@dataclass
class Outcome:
    reported: list[Reported] = field(default_factory=list)
    unverifiable: list[str] = field(default_factory=list)  # property paths unknown until the update
    not_applicable: str | None = None  # the reason, when a check declared the rule not applicable


def _check_name(check: Callable[..., Any]) -> str:
    return getattr(check, "__name__", type(check).__name__)


def _run_checks(cr: ConfiguredRule, subject: Any, deliver: Callable[[Any], None], outcome: Outcome) -> None:
    fail = (lambda text: deliver(Finding("", text))) if cr.rule.stack else deliver
    for check in cr.rule.checks:
        try:
            for item in check(subject, cr.params):
                if isinstance(item, Unverifiable):
                    outcome.unverifiable.append(item.path)
                else:
                    deliver(item)
        except NeedsValue as exc:
            outcome.unverifiable.append(exc.path)
        except NotApplicable as exc:  # as the SDK's not_applicable: the rest of the rule is skipped
            outcome.not_applicable = exc.reason
            return
        except RecursionError:
            fail(f"a property is nested too deeply to check ({_check_name(check)})")
        except Exception as exc:  # noqa: BLE001 - a rule bug must not abort the deployment
            fail(f"internal error in check {_check_name(check)} ({type(exc).__name__}); failing closed")


def _finding(cr: ConfiguredRule, urn: str, name: str, label: str, message: str, report_urn: str) -> Reported:
    message = f"{label}: {message.rstrip()}"
    exemption = find(cr.exemptions, urn, name)
    if exemption is None:
        return Reported(message, report_urn)
    if exemption.expired(today()):
        return Reported(f"{message} (exemption expired on {exemption.expires.isoformat()})", report_urn)
    return Reported(f"{message}\n{exempted_line(exemption)}", report_urn, exempted=True)


def run_resource_rule(cr: ConfiguredRule, resource: Resource) -> Outcome:
    outcome = Outcome()
    if cr.error:
        outcome.reported.append(Reported(cr.error))
        return outcome

    def deliver(message: Any) -> None:
        outcome.reported.append(_finding(cr, resource.urn, resource.name, resource.label, str(message), ""))

    _run_checks(cr, resource, deliver, outcome)
    return outcome


def run_stack_rule(cr: ConfiguredRule, stack: Stack) -> Outcome:
    outcome = Outcome()
    if cr.error:
        outcome.reported.append(Reported(cr.error))
        return outcome

    def deliver(finding: Finding) -> None:
        target = stack.by_urn.get(finding.urn)
        label = target.label if target is not None else "stack"
        name = target.name if target is not None else ""
        outcome.reported.append(_finding(cr, finding.urn, name, label, finding.message, finding.urn or ""))

    _run_checks(cr, stack, deliver, outcome)
    return outcome


def too_deep(rule: Rule, label: str) -> Outcome:
    """A resource whose properties cannot even be read: fail closed for every rule that applies."""
    return Outcome([Reported(f"{label}: properties nested too deeply to check")])


def unverifiable_message(paths: Iterable[str]) -> str:
    # Sorted part by part: a stack check lists resources in the order AnalyzeStack sends them, which under the
    # real engine is the order the steps finished (it varies run to run); the note must not.
    paths = sorted({part for path in paths for part in path.split(", ")})
    return f"cannot be verified until update: {', '.join(paths)} unknown during preview"
