"""Identities of the common types, in the formats AWS documents."""

import re

import pytest

from mlgov.cloud import ACCOUNT_ID, MockCloud

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def create(token, name="r", inputs=None, region="eu-west-1"):
    return MockCloud(region=region).create(token, name, dict(inputs or {}))


@pytest.mark.parametrize(("token", "inputs", "id_pattern", "arn_pattern"), [
    ("aws:s3/bucket:Bucket", {}, r"r-[0-9a-f]{7}", r"arn:aws:s3:::r-[0-9a-f]{7}"),
    ("aws:s3/bucket:Bucket", {"bucket": "my-data"}, "my-data", "arn:aws:s3:::my-data"),
    ("aws:kms/key:Key", {}, UUID, rf"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{UUID}"),
    ("aws:iam/role:Role", {"name": "app", "path": "/service/"}, "app", rf"arn:aws:iam::{ACCOUNT_ID}:role/service/app"),
    ("aws:iam/policy:Policy", {"name": "read"}, rf"arn:aws:iam::{ACCOUNT_ID}:policy/read",
     rf"arn:aws:iam::{ACCOUNT_ID}:policy/read"),
    ("aws:iam/user:User", {"name": "ci"}, "ci", rf"arn:aws:iam::{ACCOUNT_ID}:user/ci"),
    ("aws:iam/group:Group", {"name": "devs"}, "devs", rf"arn:aws:iam::{ACCOUNT_ID}:group/devs"),
    ("aws:ec2/securityGroup:SecurityGroup", {}, r"sg-[0-9a-f]{17}",
     rf"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:security-group/sg-[0-9a-f]{{17}}"),
    ("aws:ec2/vpc:Vpc", {}, r"vpc-[0-9a-f]{17}", rf"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:vpc/vpc-[0-9a-f]{{17}}"),
    ("aws:ec2/subnet:Subnet", {}, r"subnet-[0-9a-f]{17}", rf"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:subnet/subnet-.*"),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", {}, r"vpce-[0-9a-f]{17}",
     rf"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:vpc-endpoint/vpce-.*"),
    ("aws:sagemaker/domain:Domain", {}, r"d-[0-9a-f]{17}", rf"arn:aws:sagemaker:eu-west-1:{ACCOUNT_ID}:domain/d-.*"),
    ("aws:cloudwatch/logGroup:LogGroup", {"name": "/aws/app"}, "/aws/app",
     rf"arn:aws:logs:eu-west-1:{ACCOUNT_ID}:log-group:/aws/app"),
    ("aws:cloudtrail/trail:Trail", {"name": "org"}, "org", rf"arn:aws:cloudtrail:eu-west-1:{ACCOUNT_ID}:trail/org"),
    ("aws:eks/cluster:Cluster", {"name": "k8s"}, "k8s", rf"arn:aws:eks:eu-west-1:{ACCOUNT_ID}:cluster/k8s"),
    ("aws:lambda/function:Function", {"name": "fn"}, "fn", rf"arn:aws:lambda:eu-west-1:{ACCOUNT_ID}:function:fn"),
    ("aws:rds/instance:Instance", {"identifier": "db1"}, "db1", rf"arn:aws:rds:eu-west-1:{ACCOUNT_ID}:db:db1"),
    ("aws:sqs/queue:Queue", {"name": "jobs"}, rf"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT_ID}/jobs",
     rf"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:jobs"),
    ("aws:secretsmanager/secret:Secret", {"name": "db"},
     rf"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:db-\w{{6}}",
     rf"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:db-\w{{6}}"),
    ("aws:route53/zone:Zone", {"name": "example.com"}, r"Z[0-9A-F]{13}", r"arn:aws:route53:::hostedzone/Z[0-9A-F]{13}"),
    ("aws:lb/loadBalancer:LoadBalancer", {"name": "web"},
     rf"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT_ID}:loadbalancer/app/web/[0-9a-f]{{16}}",
     rf"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT_ID}:loadbalancer/app/web/[0-9a-f]{{16}}"),
])
def test_ids_and_arns_have_the_documented_format(token, inputs, id_pattern, arn_pattern):
    resource_id, outputs = create(token, inputs=inputs)
    assert re.fullmatch(id_pattern, resource_id), resource_id
    assert re.fullmatch(arn_pattern, outputs["arn"]), outputs["arn"]
    assert outputs["id"] == resource_id


def test_auto_names_follow_the_provider_and_inputs_win():
    _, role = create("aws:iam/role:Role", "app")
    assert re.fullmatch(r"app-[0-9a-f]{7}", role["name"])
    assert role["uniqueId"].startswith("AROA")
    _, given = create("aws:iam/role:Role", "app", {"name": "mine", "arn": "arn:aws:iam::1:role/given"})
    assert given["name"] == "mine" and given["arn"] == "arn:aws:iam::1:role/given"


def test_eks_cluster_endpoint_certificate_and_computed_vpc_fields():
    _, cluster = create("aws:eks/cluster:Cluster", "k8s", {"vpcConfig": {"subnetIds": ["subnet-1"]}})
    assert re.fullmatch(r"https://[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com", cluster["endpoint"])
    assert cluster["certificateAuthority"]["data"]
    assert cluster["vpcConfig"]["subnetIds"] == ["subnet-1"]
    assert cluster["vpcConfig"]["clusterSecurityGroupId"].startswith("sg-")


def test_database_endpoint_is_address_and_port():
    _, db = create("aws:rds/instance:Instance", "db", {"engine": "postgres"})
    assert db["endpoint"] == f"{db['address']}:5432"
    assert db["address"].endswith(".eu-west-1.rds.amazonaws.com")


def test_lambda_invoke_arn_wraps_the_function_arn():
    _, fn = create("aws:lambda/function:Function", "fn")
    assert fn["invokeArn"] == f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{fn['arn']}/invocations"


def test_vpc_ipv6_block_only_when_requested():
    _, plain = create("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.0.0.0/16"})
    assert "ipv6CidrBlock" not in plain
    _, dual = create("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.0.0.0/16", "assignGeneratedIpv6CidrBlock": True})
    assert dual["ipv6CidrBlock"].endswith("::/56")


def test_reading_keeps_the_id_and_what_derives_from_it():
    cloud = MockCloud()
    outputs = cloud.read("aws:ec2/vpc:Vpc", "existing", "vpc-0123456789abcdef0")
    assert outputs["id"] == "vpc-0123456789abcdef0"
    assert outputs["arn"] == f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:vpc/vpc-0123456789abcdef0"


def test_update_keeps_the_id():
    cloud = MockCloud()
    resource_id, _ = cloud.create("aws:kms/key:Key", "k", {})
    outputs = cloud.update("aws:kms/key:Key", "k", resource_id, {}, {"description": "new"})
    assert outputs["id"] == outputs["keyId"] == resource_id and outputs["description"] == "new"
    assert cloud.update("aws:kms/key:Key", "k", resource_id, {}, {"description": "new"}, preview=True) == {
        "description": "new"}


def test_types_without_an_arn_get_none_and_providers_echo_their_configuration():
    _, block = create("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "b", {"bucket": "x"})
    assert "arn" not in block and "name" not in block
    provider_id, provider = create("pulumi:providers:aws", "west", {"region": "us-west-2"})
    assert re.fullmatch(UUID, provider_id) and provider == {"region": "us-west-2"}
