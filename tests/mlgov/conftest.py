"""Shared fixtures for the gate's tests: a tiny third-party pack and small projects written per test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TINY_PACK = '''
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy


def no_buckets(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket":
        report_violation(f"bucket {args.name} is not allowed here.")


PolicyPack("tiny", enforcement_level=EnforcementLevel.MANDATORY, policies=[
    ResourceValidationPolicy(name="no-buckets", description="No buckets", validate=no_buckets,
                             config_schema=PolicyConfigSchema(properties={"limit": {"type": "integer"}})),
])
'''


@pytest.fixture(scope="session")
def tiny_pack(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("tiny-pack")
    (d / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 9.9.9\n")
    (d / "__main__.py").write_text(TINY_PACK)
    return d


@pytest.fixture
def write_project(tmp_path):
    def write(body: str, name: str = "proj", stack_config: str | None = "config: {}\n") -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
        if stack_config is not None:
            (d / "Pulumi.dev.yaml").write_text(stack_config)
        (d / "__main__.py").write_text("import pulumi\nimport pulumi_aws as aws\n" + textwrap.dedent(body))
        return d

    return write
