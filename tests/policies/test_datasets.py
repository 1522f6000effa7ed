"""Which buckets hold datasets: the tag, or a name pattern on the logical or physical name."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.datasets import is_dataset_bucket
from ml_dataset_governance.policies.model import Resource
from ml_dataset_governance.policies.values import UNKNOWN, NeedsValue

DEFAULTS = {"datasetTagKey": "dataset", "datasetBucketPatterns": []}


def _bucket(name="b", **props) -> Resource:
    return Resource("aws:s3/bucket:Bucket", name, f"urn::{name}", props)


@pytest.mark.parametrize(("bucket", "params", "expected"), [
    (_bucket(tags={"dataset": "churn"}), DEFAULTS, True),
    (_bucket(tags={"owner": "x"}), DEFAULTS, False),
    (_bucket(tags={"ds": "x"}), {**DEFAULTS, "datasetTagKey": "ds"}, True),
    (_bucket("raw-events"), {**DEFAULTS, "datasetBucketPatterns": ["raw-*"]}, True),
    (_bucket("x", bucket="raw-phys"), {**DEFAULTS, "datasetBucketPatterns": ["raw-*"]}, True),
    (_bucket("x", tags=UNKNOWN), {**DEFAULTS, "datasetBucketPatterns": ["x"]}, True),  # the name decides
])
def test_dataset_buckets(bucket, params, expected):
    assert is_dataset_bucket(bucket, params) is expected


def test_unknown_tags_with_no_pattern_deciding_need_the_value():
    with pytest.raises(NeedsValue):
        is_dataset_bucket(_bucket(tags=UNKNOWN), DEFAULTS)
