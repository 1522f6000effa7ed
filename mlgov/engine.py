"""The engine's call order, in one place: what `pulumi preview|up --policy-pack` does with a pack.

1. GetAnalyzerInfo: the pack's policies, their schemas and its initialConfig;
2. reconcile the config (schema defaults, initialConfig, the user's file) and validate it, once, against
   those schemas: an invalid config aborts before any resource is analyzed;
3. Configure with a level for every policy;
4. Analyze each registered resource's inputs, in registration order (Stack, providers, components too);
5. one AnalyzeStack with every resource's outputs, parent, dependencies and property dependencies.

Used by the gate (`mlgov.gate`, over a pack process) and the test harness (`mlgov.testing`, in process).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The analyzers this order runs on (defined in mlgov.analyzer) are importable from here too: tests and tools that
# drive a pack usually want both.
from mlgov.analyzer import Analyzer, AnalyzerError, AnalyzerInfo, Diagnostic, InProcessAnalyzer, PackProcess
from mlgov.policy_config import reconcile
from mlgov.resources import RecordedResource

__all__ = ["Analyzer", "AnalyzerError", "AnalyzerInfo", "Configured", "Diagnostic", "Evaluation", "InProcessAnalyzer",
           "PackProcess", "analyze", "configure", "evaluate"]


@dataclass(frozen=True)
class Configured:
    info: AnalyzerInfo
    config: dict[str, dict[str, Any]]  # policy -> {"enforcementLevel": ..., **properties}, as sent to Configure


@dataclass(frozen=True)
class Evaluation:
    configured: Configured
    diagnostics: list[Diagnostic]  # in the order the engine receives them


def configure(analyzer: Analyzer, user_config: Mapping[str, Any] | None = None) -> Configured:
    """Steps 1-3. Raises PolicyConfigError (bad config) or AnalyzerError (the pack failed)."""
    info = analyzer.info()
    config = reconcile(info, user_config)
    analyzer.configure(config)
    return Configured(info, config)


def analyze(analyzer: Analyzer, resources: Sequence[RecordedResource], *, stack: bool = True) -> list[Diagnostic]:
    """Steps 4-5 on a configured analyzer."""
    providers = {r.urn: r for r in resources if r.type.startswith("pulumi:providers:")}
    diagnostics: list[Diagnostic] = []
    for r in resources:
        diagnostics.extend(analyzer.analyze(r, providers.get(r.provider_urn or "")))
    if stack:
        diagnostics.extend(analyzer.analyze_stack(resources))
    return diagnostics


def evaluate(analyzer: Analyzer, resources: Sequence[RecordedResource],
             user_config: Mapping[str, Any] | None = None, *, stack: bool = True) -> Evaluation:
    """The whole order on recorded resources."""
    configured = configure(analyzer, user_config)
    return Evaluation(configured, analyze(analyzer, resources, stack=stack))
