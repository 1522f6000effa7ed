"""Network-path rules through the engine path: transit/peering/VPN paths of a domain's VPC, the S3
endpoint data perimeter (with ECR's layer bucket), prefix lists behind security-group rules, network ACLs."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies.rules import network_paths as paths
from ml_dataset_governance.policies.server import PackServicer

from mlgov.analyzer import InProcessAnalyzer
from mlgov.program import run_program
from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

# The perimeter rule joins the catalog when the bundled stack adopts the perimeter; until then it runs alone.
PERIMETER_ONLY = InProcessAnalyzer(servicer=PackServicer((paths.S3_ENDPOINT_PERIMETER,), name="perimeter",
                                                            version="0.0.1"))

VPC = "aws:ec2/vpc:Vpc"
DOMAIN = "aws:sagemaker/domain:Domain"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TRANSIT = "ec2-domain-vpc-no-transit-egress"
PERIMETER = "ec2-s3-endpoint-data-perimeter"
PREFIX = "ec2-prefix-list-ingress-not-public"
ACL = "ec2-network-acl-no-public-admin-ingress"


def _domain_stack(*extra):
    vpc = resource(VPC, "vpc", {"cidrBlock": "10.0.0.0/16", "id": "vpc-1"})
    domain = resource(DOMAIN, "studio", {"domainName": "studio", "authMode": "IAM", "appNetworkAccessType": "VpcOnly",
                                         "vpcId": "vpc-1", "subnetIds": ["subnet-1"]},
                      property_dependencies={"vpcId": [vpc.urn]})
    return [vpc, domain, *extra]


def test_vpc_without_other_paths_passes():
    table = resource(paths.ROUTE_TABLE, "private", {"vpcId": "vpc-1", "routes": []})
    assert evaluate(_domain_stack(table)).flagged(TRANSIT) == set()


@pytest.mark.parametrize(("type_token", "props", "name"), [
    (paths.TGW_ATTACHMENT, {"vpcId": "vpc-1", "transitGatewayId": "tgw-1", "subnetIds": ["subnet-1"]}, "r"),
    (paths.PEERING, {"vpcId": "vpc-1", "peerVpcId": "vpc-9"}, "r"),
    (paths.PEERING, {"vpcId": "vpc-9", "peerVpcId": "vpc-1"}, "r"),
    (paths.VPN_GATEWAY, {"vpcId": "vpc-1"}, "r"),
    (paths.ROUTE_TABLE, {"vpcId": "vpc-1", "routes": [{"cidrBlock": "0.0.0.0/0", "transitGatewayId": "tgw-1"}]},
     "r"),
])
def test_paths_out_of_the_domain_vpc_are_flagged(type_token, props, name):
    result = evaluate(_domain_stack(resource(type_token, name, props)))
    assert result.flagged(TRANSIT) == {name}


def test_separate_route_to_a_peering_connection_is_flagged_and_allowed_targets_pass():
    table = resource(paths.ROUTE_TABLE, "private", {"vpcId": "vpc-1", "id": "rtb-1"})
    route = resource(paths.ROUTE, "to-peer", {"routeTableId": "rtb-1", "destinationCidrBlock": "10.9.0.0/16",
                                              "vpcPeeringConnectionId": "pcx-1"})
    assert evaluate(_domain_stack(table, route)).flagged(TRANSIT) == {"to-peer"}
    config = {TRANSIT: {"allowedEgressTargets": ["pcx-1"]}}
    assert evaluate(_domain_stack(table, route), config=config).flagged(TRANSIT) == set()


def test_other_vpcs_are_not_the_domains_business():
    attachment = resource(paths.TGW_ATTACHMENT, "other", {"vpcId": "vpc-9", "transitGatewayId": "tgw-1"})
    assert evaluate(_domain_stack(attachment)).flagged(TRANSIT) == set()


# --- the S3 endpoint data perimeter ---------------------------------------------------------------

STACK_BUCKETS = ["arn:aws:s3:::datasets-clicks", "arn:aws:s3:::datasets-clicks/*"]
ECR_LAYERS = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"
ORG = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
       "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-abc123"}}}
NAMED = {"Sid": "StackBuckets", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": STACK_BUCKETS}
LAYERS = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": ECR_LAYERS}


def _endpoint(*statements, service="com.amazonaws.us-east-1.s3"):
    props = {"vpcId": "vpc-1", "serviceName": service, "vpcEndpointType": "Gateway"}
    if statements:
        props["policy"] = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return resource(ENDPOINT, "s3", props)


@pytest.mark.parametrize(("endpoint", "flagged"), [
    (_endpoint(NAMED, LAYERS, ORG), set()),
    (_endpoint(NAMED, LAYERS), set()),
    (_endpoint(), {"s3"}),
    (_endpoint({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}), {"s3"}),
    (_endpoint(NAMED, {**ORG, "Condition": {"StringEqualsIfExists": {"aws:ResourceOrgID": "o-abc123"}}}), {"s3"}),
    (_endpoint({**NAMED, "Resource": "arn:aws:s3:::*"}), {"s3"}),
    (_endpoint(service="com.amazonaws.us-east-1.sagemaker.api"), set()),
])
def test_s3_endpoint_perimeter(endpoint, flagged):
    assert evaluate([endpoint], analyzer=PERIMETER_ONLY).flagged(PERIMETER) == flagged


def test_endpoint_policy_resource_is_judged_when_it_allows_s3():
    wide = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]})
    other = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*", "Resource": "*"}]})
    for policy, flagged in ((wide, {"p"}), (other, set())):
        result = evaluate([resource(paths.ENDPOINT_POLICY, "p", {"vpcEndpointId": "vpce-1", "policy": policy})],
                          analyzer=PERIMETER_ONLY)
        assert result.flagged(PERIMETER) == flagged


def test_preview_policy_is_noted_not_passed():
    endpoint = resource(ENDPOINT, "s3", {"vpcId": "vpc-1", "serviceName": "com.amazonaws.us-east-1.s3",
                                         "policy": UNKNOWN})
    result = evaluate([endpoint], analyzer=PERIMETER_ONLY)
    assert result.flagged(PERIMETER) == set() and result.unverifiable(PERIMETER) == {"s3"}


# --- prefix lists ---------------------------------------------------------------------------------

def _prefix_stack(cidr: str):
    plist = resource(paths.PREFIX_LIST, "corp", {"id": "pl-1", "addressFamily": "IPv4", "maxEntries": 5.0,
                                                 "entries": [{"cidr": cidr}]})
    sg = resource(SG, "sg", {"vpcId": "vpc-1", "id": "sg-1"})
    rule = resource(INGRESS, "https", {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443.0,
                                       "toPort": 443.0, "prefixListId": "pl-1"})
    return [plist, sg, rule]


@pytest.mark.parametrize(("cidr", "flagged"), [("10.20.0.0/16", set()), ("0.0.0.0/0", {"https"})])
def test_prefix_list_contents_are_resolved(cidr, flagged):
    assert evaluate(_prefix_stack(cidr)).flagged(PREFIX) == flagged


def test_prefix_list_entry_resources_and_preview_dependencies():
    plist, sg, rule = _prefix_stack("10.20.0.0/16")
    entry = resource(paths.PREFIX_LIST_ENTRY, "anywhere", {"prefixListId": "pl-1", "cidr": "0.0.0.0/0"},
                     property_dependencies={"prefixListId": [plist.urn]})
    preview_rule = resource(INGRESS, "https", {**rule.inputs, "prefixListId": UNKNOWN},
                            property_dependencies={"prefixListId": [plist.urn]})
    result = evaluate([plist, sg, preview_rule, entry])
    assert result.flagged(PREFIX) == {"https"}
    assert result.unverifiable(PREFIX) == set()


# --- network ACLs ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "flagged"), [
    ({"action": "allow", "protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlock": "0.0.0.0/0",
      "ruleNo": 100.0}, set()),
    ({"action": "allow", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlock": "0.0.0.0/0",
      "ruleNo": 100.0}, {"acl"}),
    ({"action": "allow", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "ipv6CidrBlock": "::/0",
      "ruleNo": 100.0}, {"acl"}),
    ({"action": "deny", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlock": "0.0.0.0/0",
      "ruleNo": 100.0}, set()),
    ({"action": "allow", "protocol": "tcp", "fromPort": 0.0, "toPort": 65535.0, "cidrBlock": "10.0.0.0/16",
      "ruleNo": 100.0}, set()),
])
def test_network_acl_inline(entry, flagged):
    result = evaluate([resource(paths.NETWORK_ACL, "acl", {"vpcId": "vpc-1", "ingress": [entry]})])
    assert result.flagged(ACL) == flagged
    assert {d.enforcement for d in result.for_policy(ACL)} <= {"advisory"}


def test_network_acl_rule_resource():
    rdp = {"networkAclId": "acl-1", "ruleNumber": 100.0, "egress": False, "protocol": "tcp", "ruleAction": "allow",
           "cidrBlock": "0.0.0.0/0", "fromPort": 3389.0, "toPort": 3389.0}
    assert evaluate([resource(paths.NETWORK_ACL_RULE, "r", rdp)]).flagged(ACL) == {"r"}
    assert evaluate([resource(paths.NETWORK_ACL_RULE, "r", {**rdp, "egress": True})]).flagged(ACL) == set()


# --- real program ---------------------------------------------------------------------------------

def _program(weak: bool):
    def program() -> None:
        import pulumi_aws as aws

        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        subnet = aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
        aws.sagemaker.Domain("studio", domain_name="studio", auth_mode="IAM", vpc_id=vpc.id, subnet_ids=[subnet.id],
                             app_network_access_type="VpcOnly",
                             default_user_settings={"execution_role": "arn:aws:iam::123456789012:role/r"})
        policy = {"Version": "2012-10-17", "Statement": [NAMED, LAYERS] + ([
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}] if weak else [])}
        aws.ec2.VpcEndpoint("s3", vpc_id=vpc.id, service_name="com.amazonaws.us-east-1.s3",
                            vpc_endpoint_type="Gateway", policy=json.dumps(policy))
        if weak:
            aws.ec2transitgateway.VpcAttachment("tgw", vpc_id=vpc.id, transit_gateway_id="tgw-1",
                                                subnet_ids=[subnet.id])

    return program


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_in_both_modes(preview):
    good = evaluate_program(_program(False), preview=preview)
    assert good.flagged(TRANSIT) == set() and good.unverifiable(TRANSIT) == set()
    bad = evaluate_program(_program(True), preview=preview)
    assert bad.flagged(TRANSIT) == {"tgw"}
    for weak, flagged in ((False, set()), (True, {"s3"})):
        run = run_program(_program(weak), project="test", stack="test", config={}, preview=preview)
        result = evaluate(run.resources, analyzer=PERIMETER_ONLY)
        assert result.flagged(PERIMETER) == flagged and result.unverifiable(PERIMETER) == set()
