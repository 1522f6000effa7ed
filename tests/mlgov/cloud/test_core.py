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


def test_computed_outputs_name_what_a_preview_leaves_unknown():
    computed = MockCloud().computed_outputs("aws:eks/cluster:Cluster")
    assert {"arn", "endpoint", "certificateAuthority", "identities"} <= set(computed)
    assert "roleArn" not in computed and "name" not in computed
    assert MockCloud().computed_outputs("acme:index/widget:Widget") == ()


def test_update_fills_every_computed_output_and_inputs_win():
    cloud = MockCloud()
    _, outputs = cloud.create("aws:lb/loadBalancer:LoadBalancer", "web", {"name": "web", "zoneId": "Z-MINE"})
    assert set(cloud.computed_outputs("aws:lb/loadBalancer:LoadBalancer")) <= set(outputs)
    assert outputs["zoneId"] == "Z-MINE" and outputs["name"] == "web"


def test_unknown_types_still_get_an_identity():
    resource_id, outputs = MockCloud().create("acme:index/widget:Widget", "w", {"size": 1})
    assert resource_id == "w-" + resource_id.split("-")[-1] and outputs["size"] == 1


def test_a_stack_reference_reads_the_outputs_given_for_that_stack():
    cloud = MockCloud(stack_outputs={"org/network/prod": {"vpcId": "vpc-0abc"}})
    assert cloud.read("pulumi:pulumi:StackReference", "net", "org/network/prod", {"name": "org/network/prod"}) == {
        "name": "org/network/prod", "outputs": {"vpcId": "vpc-0abc"}, "secretOutputNames": []}
    assert cloud.read("pulumi:pulumi:StackReference", "x", "org/other/dev")["outputs"] == {}
