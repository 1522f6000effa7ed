import json

import pytest
from policyuniverse.policy import Policy

from mlgov.cloud import ACCOUNT_ID, MockCloud


@pytest.fixture
def cloud():
    return MockCloud(region="eu-west-1")


def test_policy_document_renders_statements_as_aws_reads_them(cloud):
    result = cloud.invoke("aws:iam/getPolicyDocument:getPolicyDocument", {"statements": [
        {"sid": "Read", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::data/*"],
         "principals": [{"type": "AWS", "identifiers": ["*"]}]},
        {"effect": "Deny", "actions": ["s3:*"], "resources": ["*"],
         "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]},
    ]})
    document = json.loads(result["json"])
    assert json.loads(result["minifiedJson"]) == document
    assert document["Statement"][0] == {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
                                        "Resource": "arn:aws:s3:::data/*", "Principal": {"AWS": "*"}}
    assert document["Statement"][1]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # What it allows: anyone may read objects, which an IAM analyzer sees as internet-accessible.
    assert Policy(document).is_internet_accessible()


def test_common_data_sources_answer_realistically(cloud):
    assert cloud.invoke("aws:index/getCallerIdentity:getCallerIdentity", {})["accountId"] == ACCOUNT_ID
    assert cloud.invoke("aws:index/getRegion:getRegion", {})["name"] == "eu-west-1"
    assert cloud.invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {})["names"][0] == "eu-west-1a"
    zone = cloud.invoke("aws:route53/getZone:getZone", {"name": "example.com."})
    assert zone["name"] == "example.com" and zone["zoneId"].startswith("Z") and zone["privateZone"] is False
    assert cloud.invoke("aws:ec2/getVpc:getVpc", {"default": True})["id"].startswith("vpc-")
    assert all(s.startswith("subnet-") for s in cloud.invoke("aws:ec2/getSubnets:getSubnets", {})["ids"])
    assert cloud.invoke("aws:ec2/getAmi:getAmi", {"mostRecent": True})["id"].startswith("ami-")
    key = cloud.invoke("aws:kms/getKey:getKey", {"keyId": "alias/data"})
    assert key["arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{key['id']}"
    alias = cloud.invoke("aws:kms/getAlias:getAlias", {"name": "alias/data"})
    assert alias["targetKeyArn"].endswith(alias["targetKeyId"])
    assert cloud.invoke("aws:ssm/getParameter:getParameter", {"name": "/app/x"})["arn"].endswith(":parameter/app/x")
    token = cloud.invoke("aws:ecr/getAuthorizationToken:getAuthorizationToken", {})
    assert token["proxyEndpoint"] == f"https://{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com"


def test_eks_data_source_describes_the_mock_cluster_of_that_name(cloud):
    _, cluster = cloud.create("aws:eks/cluster:Cluster", "k8s", {"name": "prod"})
    found = cloud.invoke("aws:eks/getCluster:getCluster", {"name": "prod"})
    assert found["endpoint"] == cluster["endpoint"]
    assert found["certificateAuthorities"] == [cluster["certificateAuthority"]]
    assert found["arn"] == cluster["arn"]


def test_every_result_field_is_present_and_arguments_are_echoed(cloud):
    import pulumi_aws as aws
    from pulumi import _types

    result = cloud.invoke("aws:cloudfront/getCachePolicy:getCachePolicy", {"name": "Managed-CachingOptimized"})
    assert set(result) == set(_types.output_type_types(aws.cloudfront.GetCachePolicyResult))
    assert result["name"] == "Managed-CachingOptimized"


def test_unknown_data_sources_never_raise(cloud):
    assert cloud.invoke("aws:s3/getNoSuchThing:getNoSuchThing", {"a": 1}) == {"a": 1}
    assert cloud.invoke("acme:index/getWidget:getWidget", {}) == {}
    assert cloud.invoke("garbage", {}) == {}


def test_answers_are_deterministic(cloud):
    args = {"mostRecent": True, "owners": ["amazon"]}
    assert cloud.invoke("aws:ec2/getAmi:getAmi", args) == MockCloud(region="eu-west-1").invoke("aws:ec2/getAmi:getAmi",
                                                                                                 args)


def test_a_lookup_describes_the_resource_it_names(cloud):
    assert cloud.invoke("aws:iam/getRole:getRole", {"name": "app"})["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/app"
    bucket = cloud.invoke("aws:s3/getBucket:getBucket", {"bucket": "data"})
    assert (bucket["id"], bucket["arn"]) == ("data", "arn:aws:s3:::data")
    group = cloud.invoke("aws:ec2/getSecurityGroup:getSecurityGroup", {"id": "sg-0123"})
    assert group["arn"] == f"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:security-group/sg-0123"
    function = cloud.invoke("aws:lambda/getFunction:getFunction", {"functionName": "fn"})
    assert function["invokeArn"].endswith("function:fn/invocations")
