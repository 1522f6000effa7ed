"""Bucket names out of S3 URIs and ARNs, as the governed-destination rules read them."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.governed_buckets import bucket_name
from ml_dataset_governance.policies.values import UNKNOWN


@pytest.mark.parametrize(("value", "name"), [
    ("s3://datasets/features/", "datasets"), ("arn:aws:s3:::datasets", "datasets"),
    ("arn:aws:s3:::datasets/prefix/*", "datasets"), ("datasets", "datasets"),
    ("arn:aws:kms:us-east-1:1:key/k", None), (UNKNOWN, None), ("", None), (None, None), ("s3://", None),
])
def test_bucket_name(value, name):
    assert bucket_name(value) == name
