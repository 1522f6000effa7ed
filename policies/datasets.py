"""Which buckets hold datasets: one definition shared by the S3, CloudTrail and protection rules.

A bucket is a dataset bucket when it carries the dataset tag (default key `dataset`, set by
the stack on every dataset bucket) or its logical or physical name matches one of the
configured glob patterns.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from ml_dataset_governance.policies.model import Resource

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")

DATASET_PARAMS: dict[str, dict[str, Any]] = {
    "datasetTagKey": {
        "type": "string",
        "default": "dataset",
        "description": "Tag key that marks a bucket as holding a dataset.",
    },
    "datasetBucketPatterns": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Glob patterns on a bucket's logical or physical name that mark it as a dataset bucket.",
    },
}


def is_dataset_bucket(bucket: Resource, params: Mapping[str, Any]) -> bool:
    """Raises NeedsValue when the tags are unknown and no name pattern already decides."""
    patterns = params.get("datasetBucketPatterns") or []
    names = [bucket.name]
    physical = bucket.props.get("bucket") if isinstance(bucket.props, Mapping) else None
    if isinstance(physical, str):
        names.append(physical)
    if any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns):
        return True
    tag_key = params.get("datasetTagKey") or "dataset"
    tags = bucket.get("tags")
    return isinstance(tags, Mapping) and tag_key in tags
