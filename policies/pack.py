"""The pack as one object: its name, version, rules and servicer. `serve()` starts it (and blocks);
only `policies/__main__.py` calls it."""

from __future__ import annotations

import re
from pathlib import Path

from ml_dataset_governance.policies.catalog import all_rules

PACK_NAME = "ml-dataset-governance"  # matches ^[a-zA-Z0-9-_.]{1,100}$, as `pulumi policy publish` requires
PACK_DESCRIPTION = (
    "Governance for machine-learning datasets on AWS: SageMaker Studio, S3 dataset buckets, KMS, IAM, "
    "network isolation and audit trails."
)
PACK_DIR = Path(__file__).resolve().parent


def pack_version(pack_dir: Path = PACK_DIR) -> str:
    """The `version:` of PulumiPolicy.yaml beside this package (what the engine reports), read without YAML."""
    try:
        text = (pack_dir / "PulumiPolicy.yaml").read_text()
    except OSError:
        return "0.0.1"  # the SDK's placeholder
    match = re.search(r"^version:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    return match.group(1) if match else "0.0.1"


def pack_servicer():
    """The analyzer servicer for this pack (in process: tests and mlgov.testing use it directly)."""
    from ml_dataset_governance.policies.server import PackServicer

    return PackServicer(all_rules(), name=PACK_NAME, version=pack_version(), description=PACK_DESCRIPTION,
                        display_name="ML dataset governance", provider="aws",
                        tags=["aws", "sagemaker", "s3", "governance", "ml"])


def serve() -> None:
    from ml_dataset_governance.policies.server import serve as serve_grpc

    serve_grpc(pack_servicer())
