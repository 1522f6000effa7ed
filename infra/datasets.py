"""One governed, VPC-endpoint-only bucket per catalog dataset, encrypted with the dataset's own key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from ml_dataset_governance.infra.catalog import Catalog, bucket_name
from ml_dataset_governance.infra.context import DeployContext
from ml_dataset_governance.infra.governed_bucket import GovernedBucket, GovernedBucketArgs, ObjectLock


@dataclass
class DatasetsArgs:
    catalog: Catalog
    ctx: DeployContext
    key_arns: Mapping[str, pulumi.Input[str]]
    s3_endpoint_id: pulumi.Input[str]
    admin_role_arns: Sequence[str]
    dataset_tags: Mapping[str, Mapping[str, str]]


class Datasets(pulumi.ComponentResource):
    buckets: dict[str, GovernedBucket]

    def __init__(self, name: str, args: DatasetsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:Datasets", name, None, opts)
        self.buckets = {}
        for dataset in args.catalog.datasets:
            self.buckets[dataset.name] = GovernedBucket(
                f"{name}-{dataset.name}",
                GovernedBucketArgs(
                    bucket_name=bucket_name(args.ctx.project, args.ctx.stack, dataset.name),
                    kms_key_arn=args.key_arns[dataset.name],
                    retention_days=dataset.retention_days,
                    tags=args.dataset_tags[dataset.name],
                    # Locked objects are kept at least as long as their noncurrent versions are.
                    object_lock=ObjectLock(days=dataset.retention_days) if dataset.immutable else None,
                    vpc_endpoint_id=args.s3_endpoint_id,
                    admin_role_arns=args.admin_role_arns,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"bucketNames": self.bucket_names, "bucketArns": self.bucket_arns})

    @property
    def bucket_names(self) -> dict[str, pulumi.Output[str]]:
        return {k: b.bucket.bucket for k, b in self.buckets.items()}

    @property
    def bucket_arns(self) -> dict[str, pulumi.Output[str]]:
        return {k: b.bucket.arn for k, b in self.buckets.items()}
