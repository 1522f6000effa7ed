"""Runs the governed stack once per mode (preview and update) for the whole test session."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from ml_dataset_governance.infra.catalog import StackSettings, parse_settings

from mlgov.program import ProgramRun, run_program
from mlgov.project import load_project

REPO = Path(__file__).resolve().parents[2]
PROGRAM_DIR = REPO / "infra"
PROJECT = "ml-dataset-governance"
STACK = "dev"


def _stack_config() -> dict[str, Any]:
    """The stack config exactly as Pulumi hands it to the program (namespaced keys)."""
    return dict(load_project(REPO, STACK).config)


def _settings(config: dict[str, Any]) -> StackSettings:
    def get(key: str) -> Any:
        return config.get(f"{PROJECT}:{key}")

    return parse_settings(get("catalog"), get("adminRoleArns"), get("permissionsBoundaryArn"), get("vpcCidr"),
                          get("studioAccessCidrs"), get("organizationId"), get("auditObjectLockMode"))


def _run(config: dict[str, Any], preview: bool) -> ProgramRun:
    return run_program(str(PROGRAM_DIR), project=PROJECT, stack=STACK, config=config, preview=preview)


@pytest.fixture(scope="session")
def stack_config() -> dict[str, Any]:
    return _stack_config()


@pytest.fixture(scope="session")
def settings(stack_config: dict[str, Any]) -> StackSettings:
    return _settings(stack_config)


@pytest.fixture(scope="session")
def preview_run(stack_config: dict[str, Any]) -> ProgramRun:
    return _run(stack_config, preview=True)


@pytest.fixture(scope="session")
def update_run(stack_config: dict[str, Any]) -> ProgramRun:
    return _run(stack_config, preview=False)


@pytest.fixture(scope="session", params=["preview", "update"])
def any_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Both modes: for controls that must be decidable even in a first preview."""
    return request.getfixturevalue(f"{request.param}_run")


BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/mlgov-boundary"
ORGANIZATION_ID = "o-a1b2c3d4e5"


@pytest.fixture(scope="session")
def variant_config(stack_config: dict[str, Any]) -> dict[str, Any]:
    """The dev config with a permissions boundary, no admin roles, a different VPC range, no Studio access networks,
    an organization and COMPLIANCE-mode audit logs."""
    config = copy.deepcopy(stack_config)
    config[f"{PROJECT}:permissionsBoundaryArn"] = BOUNDARY_ARN
    config.pop(f"{PROJECT}:adminRoleArns", None)
    config.pop(f"{PROJECT}:studioAccessCidrs", None)
    config[f"{PROJECT}:vpcCidr"] = "10.77.0.0/20"
    config[f"{PROJECT}:organizationId"] = ORGANIZATION_ID
    config[f"{PROJECT}:auditObjectLockMode"] = "COMPLIANCE"
    return config


@pytest.fixture(scope="session")
def variant_run(variant_config: dict[str, Any]) -> ProgramRun:
    return _run(variant_config, preview=False)


@pytest.fixture(scope="session")
def variant_settings(variant_config: dict[str, Any]) -> StackSettings:
    return _settings(variant_config)


@pytest.fixture(scope="session")
def stack(update_run: ProgramRun, settings: StackSettings):
    """The update run's generated policies, for request-context tests (concrete ARNs)."""
    from infra_requests import Stack

    return Stack(update_run, settings)


@pytest.fixture(scope="session")
def variant_stack(variant_run: ProgramRun, variant_settings: StackSettings):
    from infra_requests import Stack

    return Stack(variant_run, variant_settings)
