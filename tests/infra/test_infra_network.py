"""Network: private subnets only, no path to the internet, AWS services through endpoints, flow logs encrypted."""

from __future__ import annotations

import ipaddress

from infra_requests import Stack
from infra_stack_helpers import (
    DEFAULT_SECURITY_GROUP,
    EGRESS_RULE,
    FLOW_LOG,
    INGRESS_RULE,
    KMS_KEY,
    LOG_GROUP,
    ROLE,
    ROLE_POLICY,
    ROUTE_TABLE,
    ROUTE_TABLE_ASSOCIATION,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    VPC_ENDPOINT,
    dependents,
    depends_on,
    one,
    statements,
)
from ml_dataset_governance.infra.catalog import StackSettings
from ml_dataset_governance.policies.access import Request

from mlgov.program import ProgramRun

INTERNET_TYPES = {
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/vpnGateway:VpnGateway",
    "aws:ec2/transitGatewayVpcAttachment:TransitGatewayVpcAttachment",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
}
REQUIRED_INTERFACE_SERVICES = {"sagemaker.api", "sagemaker.runtime", "sts", "logs", "kms", "ecr.api", "ecr.dkr"}
HTTPS = 443


def test_no_internet_or_nat_gateway_and_no_routes_out(any_run: ProgramRun) -> None:
    assert not [r.urn for r in any_run.resources if r.type in INTERNET_TYPES]
    assert not any_run.by_type("aws:ec2/route:Route")
    for table in any_run.by_type(ROUTE_TABLE):
        assert not table.inputs.get("routes"), f"{table.urn} has inline routes"


def test_subnets_are_private_in_two_zones(any_run: ProgramRun, settings: StackSettings) -> None:
    vpc = one(any_run.by_type(VPC), "VPC")
    assert vpc.inputs["cidrBlock"] == settings.vpc_cidr
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    subnets = any_run.by_type(SUBNET)
    assert len(subnets) >= 2
    network = ipaddress.ip_network(settings.vpc_cidr)
    for subnet in subnets:
        assert subnet.inputs["mapPublicIpOnLaunch"] is False, subnet.urn
        assert depends_on(subnet, "vpcId", vpc)
        assert ipaddress.ip_network(subnet.inputs["cidrBlock"]).subnet_of(network)
    if not any_run.preview:
        assert len({s.inputs["availabilityZone"] for s in subnets}) == len(subnets)


def test_every_subnet_uses_the_private_route_table(any_run: ProgramRun) -> None:
    table = one(any_run.by_type(ROUTE_TABLE), "route table")
    for subnet in any_run.by_type(SUBNET):
        association = one(dependents(any_run, ROUTE_TABLE_ASSOCIATION, "subnetId", subnet), "association")
        assert depends_on(association, "routeTableId", table)


def test_s3_gateway_endpoint_serves_the_route_table(any_run: ProgramRun) -> None:
    table = one(any_run.by_type(ROUTE_TABLE), "route table")
    gateways = [e for e in any_run.by_type(VPC_ENDPOINT) if e.inputs.get("vpcEndpointType") == "Gateway"]
    s3 = one(gateways, "gateway endpoint")
    assert s3.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert depends_on(s3, "routeTableIds", table)


def test_interface_endpoints_with_private_dns_in_every_subnet(any_run: ProgramRun) -> None:
    subnets = any_run.by_type(SUBNET)
    endpoint_sg = next(sg for sg in any_run.by_type(SECURITY_GROUP) if "endpoints" in sg.name)
    interfaces = [e for e in any_run.by_type(VPC_ENDPOINT) if e.inputs.get("vpcEndpointType") == "Interface"]
    services = {e.inputs["serviceName"] for e in interfaces}
    assert {f"com.amazonaws.us-east-1.{s}" for s in REQUIRED_INTERFACE_SERVICES} <= services
    assert "aws.sagemaker.us-east-1.studio" in services
    for endpoint in interfaces:
        assert endpoint.inputs["privateDnsEnabled"] is True, endpoint.urn
        assert depends_on(endpoint, "subnetIds", subnets), endpoint.urn
        assert depends_on(endpoint, "securityGroupIds", endpoint_sg), endpoint.urn


def test_security_groups_admit_only_the_stacks_own_groups(any_run: ProgramRun) -> None:
    groups = any_run.by_type(SECURITY_GROUP)
    urns = {g.urn for g in groups}
    for group in groups:
        assert not group.inputs.get("ingress") and not group.inputs.get("egress"), f"{group.urn}: inline rules"
    assert not any_run.by_type("aws:ec2/securityGroupRule:SecurityGroupRule")
    for rule in any_run.by_type(INGRESS_RULE):
        assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule.inputs), rule.urn
        (source,) = rule.property_dependencies["referencedSecurityGroupId"]
        assert source in urns, rule.urn
    for rule in any_run.by_type(EGRESS_RULE):
        assert not {"cidrIpv4", "cidrIpv6"} & set(rule.inputs), rule.urn


def test_endpoint_security_group_admits_https_from_the_domain_and_team_groups(any_run: ProgramRun,
                                                                             settings: StackSettings) -> None:
    endpoint_sg = next(sg for sg in any_run.by_type(SECURITY_GROUP) if sg.name.endswith("endpoints"))
    rules = dependents(any_run, INGRESS_RULE, "securityGroupId", endpoint_sg)
    sources = set()
    for rule in rules:
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", HTTPS, HTTPS)
        sources.update(rule.property_dependencies["referencedSecurityGroupId"])
    by_urn = any_run.by_urn()
    assert {by_urn[u].name for u in sources} == {"network-studio-domain"} | {
        f"network-team-{t.name}" for t in settings.catalog.teams}


def test_team_groups_admit_only_themselves_and_reach_only_endpoints_s3_and_themselves(
        any_run: ProgramRun, settings: StackSettings) -> None:
    groups = {g.name: g for g in any_run.by_type(SECURITY_GROUP)}
    s3 = next(e for e in any_run.by_type(VPC_ENDPOINT) if e.inputs.get("vpcEndpointType") == "Gateway")
    for team in settings.catalog.teams:
        group = groups[f"network-team-{team.name}"]
        ingress = dependents(any_run, INGRESS_RULE, "securityGroupId", group)
        assert ingress and all(depends_on(r, "referencedSecurityGroupId", group) for r in ingress), team.name
        for rule in dependents(any_run, EGRESS_RULE, "securityGroupId", group):
            assert (depends_on(rule, "referencedSecurityGroupId", group)
                    or depends_on(rule, "referencedSecurityGroupId", groups["network-endpoints"])
                    or depends_on(rule, "prefixListId", s3)), rule.urn


def test_default_security_group_is_stripped(any_run: ProgramRun) -> None:
    vpc = one(any_run.by_type(VPC), "VPC")
    default = one(dependents(any_run, DEFAULT_SECURITY_GROUP, "vpcId", vpc), "default security group")
    assert default.inputs.get("ingress", []) == [] and default.inputs.get("egress", []) == []


def test_vpc_flow_logs_go_to_a_kms_encrypted_log_group(any_run: ProgramRun) -> None:
    vpc = one(any_run.by_type(VPC), "VPC")
    flow = one(dependents(any_run, FLOW_LOG, "vpcId", vpc), "flow log")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    group = one([g for g in any_run.by_type(LOG_GROUP) if depends_on(flow, "logDestination", g)], "log group")
    keys = [k for k in any_run.by_type(KMS_KEY) if depends_on(group, "kmsKeyId", k)]
    assert len(keys) == 1, "flow log group must be encrypted with a customer-managed key"
    assert group.inputs["retentionInDays"] >= 365
    role = one([r for r in any_run.by_type(ROLE) if depends_on(flow, "iamRoleArn", r)], "flow log role")
    trust = statements(role.inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in trust] == [{"Service": "vpc-flow-logs.amazonaws.com"}]
    assert all("aws:SourceAccount" in s["Condition"]["StringEquals"] for s in trust)


def test_flow_log_role_may_only_write_to_its_log_group(update_run: ProgramRun) -> None:
    flow = one(update_run.by_type(FLOW_LOG), "flow log")
    group = one([g for g in update_run.by_type(LOG_GROUP) if depends_on(flow, "logDestination", g)], "log group")
    role = one([r for r in update_run.by_type(ROLE) if depends_on(flow, "iamRoleArn", r)], "flow log role")
    policy = one(dependents(update_run, ROLE_POLICY, "role", role), "flow log role policy")
    arn = group.outputs["arn"]
    for stmt in statements(policy.inputs["policy"]):
        assert stmt["Effect"] == "Allow"
        assert set(stmt["Resource"]) <= {arn, f"{arn}:*"}
        assert all(a.startswith("logs:") and "*" not in a for a in stmt["Action"])


# -- the S3 gateway endpoint's data perimeter, by request --------------------------------------------------------------
def through_s3_endpoint(stack: Stack, action: str, resource: str, **context: str) -> bool:
    request = Request(principal=stack.role_arn("data-science"), action=action, resource=resource,
                      context={"aws:SourceVpce": stack.s3_endpoint.outputs["id"], **context})
    return stack.endpoint_decision(request).allowed


def test_s3_endpoint_admits_the_stacks_buckets(stack: Stack, settings: StackSettings) -> None:
    for suffix in [*(d.name for d in settings.catalog.datasets), stack.audit_suffix]:
        assert through_s3_endpoint(stack, "s3:GetObject", f"{stack.bucket_arn(suffix)}/k"), suffix
        assert through_s3_endpoint(stack, "s3:ListBucket", stack.bucket_arn(suffix)), suffix


def test_s3_endpoint_admits_ecr_image_layers_for_reading_only(stack: Stack) -> None:
    layers = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/sha256/abc"
    assert through_s3_endpoint(stack, "s3:GetObject", layers)
    assert not through_s3_endpoint(stack, "s3:PutObject", layers)
    assert not through_s3_endpoint(stack, "s3:GetObject", "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/x")


def test_s3_endpoint_refuses_any_other_bucket(stack: Stack) -> None:
    for bucket in ("arn:aws:s3:::attacker-drop-box", "arn:aws:s3:::ml-dataset-governance-prod-clickstream-raw"):
        assert not through_s3_endpoint(stack, "s3:PutObject", f"{bucket}/rows.csv"), bucket
        assert not through_s3_endpoint(stack, "s3:GetObject", f"{bucket}/rows.csv"), bucket


def test_s3_endpoint_admits_the_organizations_buckets_when_configured(stack: Stack, variant_stack: Stack) -> None:
    from conftest import ORGANIZATION_ID

    shared = "arn:aws:s3:::org-shared-artifacts/model.tar.gz"
    assert through_s3_endpoint(variant_stack, "s3:GetObject", shared, **{"aws:ResourceOrgID": ORGANIZATION_ID})
    assert not through_s3_endpoint(variant_stack, "s3:GetObject", shared, **{"aws:ResourceOrgID": "o-zzzzzzzzzz"})
    assert not through_s3_endpoint(variant_stack, "s3:GetObject", shared)
    assert not through_s3_endpoint(stack, "s3:GetObject", shared, **{"aws:ResourceOrgID": ORGANIZATION_ID})
