"""Network: private subnets only, no path to the internet, AWS services through endpoints, flow logs encrypted."""

from __future__ import annotations

import ipaddress

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


def test_security_groups_admit_nothing_from_outside_the_vpc(any_run: ProgramRun, settings: StackSettings) -> None:
    network = ipaddress.ip_network(settings.vpc_cidr)
    groups = any_run.by_type(SECURITY_GROUP)
    for group in groups:
        assert not group.inputs.get("ingress") and not group.inputs.get("egress"), f"{group.urn}: inline rules"
    for rule in any_run.by_type(INGRESS_RULE) + any_run.by_type("aws:ec2/securityGroupRule:SecurityGroupRule"):
        assert "cidrIpv6" not in rule.inputs and "prefixListId" not in rule.inputs, rule.urn
        if "cidrIpv4" in rule.inputs:
            assert ipaddress.ip_network(rule.inputs["cidrIpv4"]).subnet_of(network), rule.urn
        else:  # only from the group itself
            assert rule.property_dependencies["referencedSecurityGroupId"] == \
                rule.property_dependencies["securityGroupId"], rule.urn
    for rule in any_run.by_type(EGRESS_RULE):
        assert rule.inputs.get("cidrIpv4") != "0.0.0.0/0" and "cidrIpv6" not in rule.inputs, rule.urn
        if "cidrIpv4" in rule.inputs:
            assert ipaddress.ip_network(rule.inputs["cidrIpv4"]).subnet_of(network), rule.urn


def test_endpoint_security_group_allows_only_https_from_the_vpc(any_run: ProgramRun, settings: StackSettings) -> None:
    endpoint_sg = next(sg for sg in any_run.by_type(SECURITY_GROUP) if "endpoints" in sg.name)
    rules = dependents(any_run, INGRESS_RULE, "securityGroupId", endpoint_sg)
    assert rules
    for rule in rules:
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", HTTPS, HTTPS)
        assert rule.inputs["cidrIpv4"] == settings.vpc_cidr


def test_studio_security_group_ingress_is_self_only_and_egress_stays_private(any_run: ProgramRun) -> None:
    studio_sg = next(sg for sg in any_run.by_type(SECURITY_GROUP) if "studio" in sg.name)
    ingress = dependents(any_run, INGRESS_RULE, "securityGroupId", studio_sg)
    assert ingress
    for rule in ingress:
        assert depends_on(rule, "referencedSecurityGroupId", studio_sg), rule.urn
    s3 = next(e for e in any_run.by_type(VPC_ENDPOINT) if e.inputs.get("vpcEndpointType") == "Gateway")
    for rule in dependents(any_run, EGRESS_RULE, "securityGroupId", studio_sg):
        private = ("cidrIpv4" in rule.inputs or depends_on(rule, "referencedSecurityGroupId", studio_sg)
                   or depends_on(rule, "prefixListId", s3))
        assert private, rule.urn


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
    group = one(update_run.by_type(LOG_GROUP), "log group")
    flow = one(update_run.by_type(FLOW_LOG), "flow log")
    role = one([r for r in update_run.by_type(ROLE) if depends_on(flow, "iamRoleArn", r)], "flow log role")
    policy = one(dependents(update_run, ROLE_POLICY, "role", role), "flow log role policy")
    arn = group.outputs["arn"]
    for stmt in statements(policy.inputs["policy"]):
        assert stmt["Effect"] == "Allow"
        assert set(stmt["Resource"]) <= {arn, f"{arn}:*"}
        assert all(a.startswith("logs:") and "*" not in a for a in stmt["Action"])
