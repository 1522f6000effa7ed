import re

from mlgov.cloud import ACCOUNT_ID, MockCloud


def test_preview_create_returns_inputs_only_and_no_id():
    resource_id, outputs = MockCloud().create("aws:s3/bucket:Bucket", "data", {"forceDestroy": True}, preview=True)
    assert resource_id == ""
    assert outputs == {"forceDestroy": True}


def test_update_create_gives_bucket_realistic_identity():
    resource_id, outputs = MockCloud(region="eu-west-1").create("aws:s3/bucket:Bucket", "data", {})
    assert re.fullmatch(r"data-[0-9a-f]{7}", resource_id)
    assert outputs["arn"] == f"arn:aws:s3:::{resource_id}"
    assert outputs["bucketRegionalDomainName"] == f"{resource_id}.s3.eu-west-1.amazonaws.com"


def test_create_is_deterministic():
    cloud = MockCloud()
    assert cloud.create("aws:ec2/vpc:Vpc", "main", {}) == cloud.create("aws:ec2/vpc:Vpc", "main", {})
    assert cloud.create("aws:ec2/vpc:Vpc", "main", {})[0] != cloud.create("aws:ec2/vpc:Vpc", "other", {})[0]


def test_iam_role_arn_is_global():
    _, outputs = MockCloud().create("aws:iam/role:Role", "app", {"name": "app-role"})
    assert outputs["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/app-role"
