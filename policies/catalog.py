"""The rule catalog: every rule module's RULES, in a stable order, ids checked unique."""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from ml_dataset_governance.policies.model import Rule
from ml_dataset_governance.policies.rules import (
    cloudtrail,
    data_catalogs,
    dataset_access,
    escape_hatches,
    iam,
    iam_identities,
    kms,
    kms_quality,
    network,
    network_paths,
    s3,
    s3_data_movement,
    sagemaker,
    sagemaker_guardrails,
    sagemaker_jobs,
    sagemaker_studio,
    tagging,
)

_MODULES = (
    sagemaker, sagemaker_jobs, sagemaker_studio, s3, s3_data_movement, kms, kms_quality, iam, iam_identities, network,
    network_paths, data_catalogs, cloudtrail, tagging,
    escape_hatches, dataset_access, sagemaker_guardrails,
)



def collect(modules: Iterable[ModuleType]) -> tuple[Rule, ...]:
    """The rules of `modules` in order; a duplicate id (a rename or a copy-paste) is an error."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for module in modules:
        for rule in module.RULES:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r} in {module.__name__}")
            seen.add(rule.id)
            rules.append(rule)
    return tuple(rules)


_ALL = collect(_MODULES)


def all_rules() -> tuple[Rule, ...]:
    return _ALL


def rule_by_id(rule_id: str) -> Rule:
    for rule in _ALL:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)
