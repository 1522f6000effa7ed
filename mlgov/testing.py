"""A test harness for policy packs that goes through the engine's own path.

Resources are sent to the SDK servicer as the engine's protobuf requests (camelCase keys,
numbers as floats, unknown sentinels), after the engine's config reconciliation; stack
rules get one AnalyzeStack with outputs and property dependencies. Usable for any pack:

    from mlgov.testing import resource, evaluate
    result = evaluate([resource("aws:sagemaker/domain:Domain", "d", {"authMode": "SSO"})])
    assert result.flagged("sagemaker-domain-iam-auth") == {"d"}
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgov import engine  # the gate's engine order: one implementation serves both
from mlgov.analyzer import Analyzer, Diagnostic, InProcessAnalyzer
from mlgov.diagnostics import exemption
from mlgov.program import run_program
from mlgov.resources import RecordedResource
from mlgov.wire import UNKNOWN

__all__ = ["UNKNOWN", "EvaluationResult", "evaluate", "evaluate_program", "resource"]

TEST_STACK = "test"
TEST_PROJECT = "test"

def resource(type_token: str, name: str, inputs: Mapping[str, Any] | None = None, *,
             outputs: Mapping[str, Any] | None = None,
             property_dependencies: Mapping[str, Iterable[str]] | None = None,
             protect: bool = False, parent: str | None = None, custom: bool = True) -> RecordedResource:
    """A resource as the engine would register it; outputs default to the inputs."""
    inputs = dict(inputs or {})
    return RecordedResource(
        urn=urn_for(type_token, name), type=type_token, name=name, custom=custom, parent=parent,
        property_dependencies={k: list(v) for k, v in (property_dependencies or {}).items()},
        inputs=inputs, outputs=dict(outputs) if outputs is not None else dict(inputs), protect=protect)


def urn_for(type_token: str, name: str) -> str:
    return f"urn:pulumi:{TEST_STACK}::{TEST_PROJECT}::{type_token}::{name}"


@dataclass
class EvaluationResult:
    diagnostics: list[Diagnostic]
    names_by_urn: dict[str, str]

    def _name(self, d: Diagnostic) -> str:
        return self.names_by_urn.get(d.urn, d.urn)

    def for_policy(self, policy: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy == policy]

    def flagged(self, policy: str) -> set[str]:
        """Names of resources with a blocking-or-advisory finding (not preview notes, not exempted) for `policy`."""
        return {self._name(d) for d in self.for_policy(policy)
                if not d.unverifiable and exemption(d.message, d.enforcement) is None}

    def unverifiable(self, policy: str) -> set[str]:
        return {self._name(d) for d in self.for_policy(policy) if d.unverifiable}

    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.enforcement in ("mandatory", "remediate")]

    def exempted(self) -> list[Diagnostic]:
        """Diagnostics that report an exempted finding (decoded as the gate decodes them)."""
        return [d for d in self.diagnostics if exemption(d.message, d.enforcement) is not None]

    def messages(self, policy: str) -> list[str]:
        return [d.message for d in self.for_policy(policy)]


@functools.lru_cache(maxsize=1)  # building the policies once is enough
def default_analyzer() -> InProcessAnalyzer:
    """This project's pack, in process. The one place mlgov reaches into a pack's code: for this project's own
    tests; the gate itself launches packs."""
    from ml_dataset_governance.policies.pack import pack_servicer

    return InProcessAnalyzer(servicer=pack_servicer())


def evaluate(resources: Iterable[RecordedResource], *, config: Mapping[str, Any] | None = None,
             analyzer: Analyzer | None = None, stack: bool = True) -> EvaluationResult:
    """Engine order: info, reconciled Configure, Analyze per resource (inputs), AnalyzeStack (outputs)."""
    analyzer = analyzer or default_analyzer()
    resources = list(resources)
    evaluation = engine.evaluate(analyzer, resources, config, stack=stack)
    return EvaluationResult(evaluation.diagnostics, {r.urn: r.name for r in resources})


def evaluate_program(program: str | Path | Callable[[], Any], *, preview: bool,
                     config: Mapping[str, Any] | None = None, stack_config: Mapping[str, Any] | None = None,
                     project: str = TEST_PROJECT) -> EvaluationResult:
    """Run a Pulumi program under mocks (preview or update) and evaluate the pack on it."""
    run = run_program(program, project=project, stack=TEST_STACK, config=dict(stack_config or {}), preview=preview)
    return evaluate(run.resources, config=config)
