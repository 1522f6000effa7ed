"""Builds and serves the pack. Only the root `__main__.py` calls `serve()`: constructing a
PolicyPack starts the gRPC server and blocks forever."""

from __future__ import annotations

from typing import Any

from ml_dataset_governance.policies.adapter import build_policies
from ml_dataset_governance.policies.catalog import all_rules

PACK_NAME = "ml-dataset-governance"  # matches ^[a-zA-Z0-9-_.]{1,100}$, as `pulumi policy publish` requires
PACK_DESCRIPTION = (
    "Governance for machine-learning datasets on AWS: SageMaker Studio, S3 dataset buckets, KMS, IAM, "
    "network isolation and audit trails."
)


def pack_policies() -> list[Any]:
    return build_policies(all_rules())


def serve() -> None:
    from pulumi_policy import EnforcementLevel, PolicyPack

    PolicyPack(
        name=PACK_NAME,
        policies=pack_policies(),
        enforcement_level=EnforcementLevel.ADVISORY,
        description=PACK_DESCRIPTION,
        display_name="ML dataset governance",
        provider="aws",
        tags=["aws", "sagemaker", "s3", "governance", "ml"],
    )
