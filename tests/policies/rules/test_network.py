"""Network rules: security group ingress, subnets, and the isolation of a VpcOnly Studio domain's VPC."""

from __future__ import annotations

import pytest

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
IGW = "aws:ec2/internetGateway:InternetGateway"
IGW_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
EIGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
DOMAIN = "aws:sagemaker/domain:Domain"

SG_POLICY = "ec2-security-group-no-public-ingress"
SUBNET_POLICY = "ec2-subnet-no-public-ip"
ENDPOINTS_POLICY = "vpc-domain-required-endpoints"
ROUTE_POLICY = "vpc-domain-no-internet-route"
FLOW_POLICY = "vpc-flow-logs-enabled"
ALL_POLICIES = (SG_POLICY, SUBNET_POLICY, ENDPOINTS_POLICY, ROUTE_POLICY, FLOW_POLICY)

REGION = "us-east-1"
SERVICE_NAMES = {
    "s3": f"com.amazonaws.{REGION}.s3",
    "sagemaker.api": f"com.amazonaws.{REGION}.sagemaker.api",
    "sagemaker.runtime": f"com.amazonaws.{REGION}.sagemaker.runtime",
    "studio": f"aws.sagemaker.{REGION}.studio",
    "sts": f"com.amazonaws.{REGION}.sts",
    "logs": f"com.amazonaws.{REGION}.logs",
    "kms": f"com.amazonaws.{REGION}.kms",
    "ecr.api": f"com.amazonaws.{REGION}.ecr.api",
    "ecr.dkr": f"com.amazonaws.{REGION}.ecr.dkr",
}


def no_internal_errors(result) -> None:
    assert not [d for d in result.diagnostics if "internal error" in d.message], result.diagnostics


# --- ec2-security-group-no-public-ingress -----------------------------------------------------------

def https_from(cidrs: list[str], key: str = "cidrBlocks") -> dict:
    return {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, key: cidrs}


def security_group(name: str = "sg", ingress: list | str | None = None, type_token: str = SG):
    inputs = {"vpcId": UNKNOWN, "description": "test"}
    inputs["ingress"] = ingress if ingress is not None else [
        https_from(["10.0.0.0/16"]),
        {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "self": True},
        {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "securityGroups": [UNKNOWN]},
    ]
    return resource(type_token, name, inputs)


def test_security_group_golden_passes():
    result = evaluate([security_group()], stack=False)
    assert result.flagged(SG_POLICY) == set()
    assert result.unverifiable(SG_POLICY) == set()


@pytest.mark.parametrize("entry", [
    https_from(["0.0.0.0/0"]),
    https_from(["::/0"], key="ipv6CidrBlocks"),
    https_from(["10.0.0.0/16", "0.0.0.0/0"]),
    https_from(["10.0.0.0/0"]),          # any /0 is the whole internet
    https_from(["0.0.0.0/1"]),           # half the internet (split-range evasion)
    https_from(["2000::/3"], key="ipv6CidrBlocks"),
])
def test_security_group_internet_ingress_is_flagged_as_mandatory(entry):
    result = evaluate([security_group(ingress=[https_from(["10.0.0.0/16"]), entry])], stack=False)
    assert result.flagged(SG_POLICY) == {"sg"}
    assert any(d.policy == SG_POLICY for d in result.mandatory())
    assert any("ingress[1]" in m and "port 443/tcp" in m for m in result.messages(SG_POLICY))


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "172.16.0.0/12", "203.0.113.7/32", "198.51.100.0/24",
                                  "fd00::/8", "not-a-cidr"])
def test_security_group_narrow_or_private_ranges_pass(cidr):
    key = "ipv6CidrBlocks" if ":" in cidr else "cidrBlocks"
    result = evaluate([security_group(ingress=[https_from([cidr], key=key)])], stack=False)
    assert result.flagged(SG_POLICY) == set()


def test_default_security_group_is_checked():
    result = evaluate([security_group("default", [https_from(["0.0.0.0/0"])], DEFAULT_SG)], stack=False)
    assert result.flagged(SG_POLICY) == {"default"}


def test_allowed_cidrs_accepts_a_listed_public_range_only():
    group = security_group(ingress=[https_from(["0.0.0.0/0"]), https_from(["::/0"], key="ipv6CidrBlocks")])
    config = {SG_POLICY: {"allowedCidrs": ["0.0.0.0/0"]}}
    result = evaluate([group], config=config, stack=False)
    assert result.flagged(SG_POLICY) == {"sg"}
    assert any("::/0" in m and "0.0.0.0/0" not in m for m in result.messages(SG_POLICY))
    config = {SG_POLICY: {"allowedCidrs": ["0.0.0.0/0", "::/0"]}}
    assert evaluate([group], config=config, stack=False).flagged(SG_POLICY) == set()


def test_unknown_entry_does_not_hide_a_known_public_entry():
    group = security_group(ingress=[https_from([UNKNOWN]), UNKNOWN, https_from(["0.0.0.0/0"])])
    result = evaluate([group], stack=False)
    assert result.flagged(SG_POLICY) == {"sg"}
    assert result.unverifiable(SG_POLICY) == {"sg"}
    assert any("ingress[2]" in m for m in result.messages(SG_POLICY))


def test_unknown_ingress_is_unverifiable_not_flagged():
    result = evaluate([security_group(ingress=UNKNOWN)], stack=False)
    assert result.flagged(SG_POLICY) == set()
    assert result.unverifiable(SG_POLICY) == {"sg"}


def sg_rule(name: str, **inputs):
    base = {"type": "ingress", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "securityGroupId": UNKNOWN}
    base.update(inputs)
    return resource(SG_RULE, name, base)


def test_security_group_rule_resources():
    result = evaluate([
        sg_rule("open", cidrBlocks=["0.0.0.0/0"]),
        sg_rule("open6", ipv6CidrBlocks=["::/0"]),
        sg_rule("vpc", cidrBlocks=["10.0.0.0/16"]),
        sg_rule("peer", sourceSecurityGroupId=UNKNOWN),
        sg_rule("egress", type="egress", cidrBlocks=["0.0.0.0/0"]),
        sg_rule("direction-unknown", type=UNKNOWN, cidrBlocks=["0.0.0.0/0"]),
        sg_rule("cidr-unknown", cidrBlocks=[UNKNOWN]),
    ], stack=False)
    assert result.flagged(SG_POLICY) == {"open", "open6"}
    assert result.unverifiable(SG_POLICY) == {"direction-unknown", "cidr-unknown"}
    assert any("port 22/tcp from 0.0.0.0/0" in m for m in result.messages(SG_POLICY))


def vpc_ingress(name: str, **inputs):
    base = {"securityGroupId": UNKNOWN, "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0}
    base.update(inputs)
    return resource(INGRESS, name, base)


def test_vpc_security_group_ingress_rule_resources():
    result = evaluate([
        vpc_ingress("open4", cidrIpv4="0.0.0.0/0"),
        vpc_ingress("open6", cidrIpv6="::/0", ipProtocol="-1"),
        vpc_ingress("vpc", cidrIpv4="10.0.0.0/16"),
        vpc_ingress("self", referencedSecurityGroupId=UNKNOWN),
        vpc_ingress("prefix-list", prefixListId="pl-123"),
        vpc_ingress("unknown", cidrIpv4=UNKNOWN),
    ], stack=False)
    assert result.flagged(SG_POLICY) == {"open4", "open6"}
    assert result.unverifiable(SG_POLICY) == {"unknown"}
    assert any("all traffic from ::/0" in m for m in result.messages(SG_POLICY))


@pytest.mark.parametrize("ingress", ["junk", [1, None, "x", {"cidrBlocks": 42}, {"cidrBlocks": [None, 7]}],
                                     [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": "x", "protocol": {"a": 1}}]])
def test_security_group_malformed_inputs_never_crash(ingress):
    result = evaluate([security_group(ingress=ingress), sg_rule("r", cidrBlocks="0.0.0.0/0", type=["ingress"])],
                      stack=False)
    no_internal_errors(result)


# --- ec2-subnet-no-public-ip ----------------------------------------------------------------------

def test_subnet_public_ip_on_launch():
    result = evaluate([
        resource(SUBNET, "private", {"vpcId": UNKNOWN, "cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": False}),
        resource(SUBNET, "unset", {"vpcId": UNKNOWN, "cidrBlock": "10.0.1.0/24"}),
        resource(SUBNET, "public", {"vpcId": UNKNOWN, "cidrBlock": "10.0.2.0/24", "mapPublicIpOnLaunch": True}),
        resource(SUBNET, "unknown", {"vpcId": UNKNOWN, "mapPublicIpOnLaunch": UNKNOWN}),
    ], stack=False)
    assert result.flagged(SUBNET_POLICY) == {"public"}
    assert result.unverifiable(SUBNET_POLICY) == {"unknown"}


# --- VpcOnly domain: shared fixtures ----------------------------------------------------------------

def vpc(name: str = "vpc", vpc_id: str = "vpc-0aaa"):
    """Preview-shaped inputs (no id); outputs carry the id as after an update."""
    return resource(VPC, name, {"cidrBlock": "10.0.0.0/16"}, outputs={"cidrBlock": "10.0.0.0/16", "id": vpc_id})


def in_vpc(type_token: str, name: str, network, **inputs):
    """A resource whose vpcId comes from `network` (unknown value, known property dependency)."""
    return resource(type_token, name, {"vpcId": UNKNOWN, **inputs}, property_dependencies={"vpcId": [network.urn]})


def domain(name: str, network, access: str = "VpcOnly"):
    return in_vpc(DOMAIN, name, network, authMode="IAM", domainName=name, appNetworkAccessType=access,
                  subnetIds=[UNKNOWN])


def endpoints(network, services=SERVICE_NAMES, prefix: str = "ep"):
    return [in_vpc(ENDPOINT, f"{prefix}-{short}", network, serviceName=service)
            for short, service in services.items()]


def flow_log(name: str, network):
    return in_vpc(FLOW_LOG, name, network, trafficType="ALL", logDestination="arn:aws:logs:us-east-1:1:log-group:x")


# --- vpc-domain-required-endpoints -------------------------------------------------------------------

def test_required_endpoints_golden_passes():
    network = vpc()
    result = evaluate([network, domain("studio", network), *endpoints(network)])
    assert result.flagged(ENDPOINTS_POLICY) == set()
    assert result.unverifiable(ENDPOINTS_POLICY) == set()


@pytest.mark.parametrize("missing", ["sts", "studio", "s3", "ecr.dkr"])
def test_missing_endpoint_flags_the_domain_naming_the_service(missing):
    network = vpc()
    services = {k: v for k, v in SERVICE_NAMES.items() if k != missing}
    result = evaluate([network, domain("studio", network), *endpoints(network, services)])
    assert result.flagged(ENDPOINTS_POLICY) == {"studio"}
    (message,) = result.messages(ENDPOINTS_POLICY)
    assert f"for {missing};" in message


def test_endpoints_in_another_vpc_do_not_count_and_public_domains_are_not_checked():
    studio_vpc, other_vpc, public_vpc = vpc("studio-vpc", "vpc-1"), vpc("other-vpc", "vpc-2"), vpc("pub", "vpc-3")
    result = evaluate([
        studio_vpc, other_vpc, public_vpc,
        domain("isolated", studio_vpc), domain("complete", other_vpc),
        domain("public", public_vpc, "PublicInternetOnly"),
        *endpoints(other_vpc),
    ])
    assert result.flagged(ENDPOINTS_POLICY) == {"isolated"}


def test_unknown_service_name_is_unverifiable():
    network = vpc()
    services = {k: v for k, v in SERVICE_NAMES.items() if k != "sts"}
    unknown_ep = in_vpc(ENDPOINT, "ep-from-data-source", network, serviceName=UNKNOWN)
    result = evaluate([network, domain("studio", network), *endpoints(network, services), unknown_ep])
    assert result.flagged(ENDPOINTS_POLICY) == set()
    assert result.unverifiable(ENDPOINTS_POLICY) == {""}


def test_existing_vpc_correlates_by_known_id():
    studio = resource(DOMAIN, "studio", {"authMode": "IAM", "appNetworkAccessType": "VpcOnly", "vpcId": "vpc-ext"})
    eps = [resource(ENDPOINT, f"ep-{k}", {"vpcId": "vpc-ext", "serviceName": v})
           for k, v in SERVICE_NAMES.items() if k != "kms"]
    elsewhere = resource(ENDPOINT, "ep-kms", {"vpcId": "vpc-other", "serviceName": SERVICE_NAMES["kms"]})
    result = evaluate([studio, *eps, elsewhere])
    assert result.flagged(ENDPOINTS_POLICY) == {"studio"}
    assert "for kms;" in result.messages(ENDPOINTS_POLICY)[0]


def test_required_services_is_configurable():
    network = vpc()
    res = [network, domain("studio", network), *endpoints(network, {"s3": SERVICE_NAMES["s3"]})]
    assert evaluate(res).flagged(ENDPOINTS_POLICY) == {"studio"}
    config = {ENDPOINTS_POLICY: {"requiredServices": ["s3"]}}
    assert evaluate(res, config=config).flagged(ENDPOINTS_POLICY) == set()


# --- vpc-domain-no-internet-route ---------------------------------------------------------------------

def test_internet_gateways_in_a_vpc_only_domain_vpc_are_flagged():
    studio_vpc, other_vpc = vpc("studio-vpc", "vpc-1"), vpc("web-vpc", "vpc-2")
    subnet = in_vpc(SUBNET, "private-0", studio_vpc, cidrBlock="10.0.0.0/24")
    web_subnet = in_vpc(SUBNET, "web-0", other_vpc, cidrBlock="10.1.0.0/24")
    igw = in_vpc(IGW, "igw", studio_vpc)
    result = evaluate([
        studio_vpc, other_vpc, subnet, web_subnet, domain("studio", studio_vpc),
        igw,
        resource(IGW_ATTACHMENT, "igw-attach", {"vpcId": UNKNOWN, "internetGatewayId": UNKNOWN},
                 property_dependencies={"vpcId": [studio_vpc.urn], "internetGatewayId": [igw.urn]}),
        in_vpc(EIGW, "eigw", studio_vpc),
        resource(NAT, "nat", {"subnetId": UNKNOWN}, property_dependencies={"subnetId": [subnet.urn]}),
        resource(NAT, "private-nat", {"subnetId": UNKNOWN, "connectivityType": "private"},
                 property_dependencies={"subnetId": [subnet.urn]}),
        in_vpc(IGW, "web-igw", other_vpc),
        resource(NAT, "web-nat", {"subnetId": UNKNOWN}, property_dependencies={"subnetId": [web_subnet.urn]}),
    ])
    assert result.flagged(ROUTE_POLICY) == {"igw", "igw-attach", "eigw", "nat"}
    assert any("VpcOnly SageMaker domain 'studio'" in m for m in result.messages(ROUTE_POLICY))


def test_isolated_vpc_passes_and_public_domain_is_out_of_scope():
    network = vpc()
    result = evaluate([network, domain("studio", network, "PublicInternetOnly"), in_vpc(IGW, "igw", network)])
    assert result.flagged(ROUTE_POLICY) == set()
    clean = vpc("clean", "vpc-9")
    assert evaluate([clean, domain("studio", clean)]).flagged(ROUTE_POLICY) == set()


def test_internet_route_correlates_known_ids_after_update():
    """Outputs carry ids: a NAT gateway in a subnet known only by id still counts."""
    network = vpc()
    subnet = resource(SUBNET, "private-0", {"vpcId": "vpc-0aaa"}, outputs={"vpcId": "vpc-0aaa", "id": "subnet-1"})
    studio = resource(DOMAIN, "studio", {"appNetworkAccessType": "VpcOnly", "vpcId": "vpc-0aaa"})
    nat = resource(NAT, "nat", {"subnetId": "subnet-1"})
    assert evaluate([network, subnet, studio, nat]).flagged(ROUTE_POLICY) == {"nat"}


def test_unknown_vpc_without_dependency_is_unverifiable():
    studio = resource(DOMAIN, "studio", {"appNetworkAccessType": "VpcOnly", "vpcId": UNKNOWN})
    result = evaluate([studio])
    assert result.unverifiable(ROUTE_POLICY) == {""}
    assert result.unverifiable(ENDPOINTS_POLICY) == {""}
    assert result.flagged(ROUTE_POLICY) == set()


# --- vpc-flow-logs-enabled -----------------------------------------------------------------------------

def test_flow_logs_every_vpc():
    logged, by_id, unlogged = vpc("logged", "vpc-1"), vpc("logged-by-id", "vpc-2"), vpc("unlogged", "vpc-3")
    result = evaluate([
        logged, by_id, unlogged,
        flow_log("fl", logged),
        resource(FLOW_LOG, "fl-by-id", {"vpcId": "vpc-2", "trafficType": "REJECT"}),
        resource(FLOW_LOG, "fl-subnet", {"subnetId": "subnet-1", "trafficType": "ALL"}),
    ])
    assert result.flagged(FLOW_POLICY) == {"unlogged"}


def test_malformed_stack_never_crashes():
    network = vpc()
    weird = [
        resource(DOMAIN, "d1", {"appNetworkAccessType": "VpcOnly", "vpcId": ["x"]}),
        resource(DOMAIN, "d2", {"appNetworkAccessType": ["VpcOnly"], "vpcId": 3.0}),
        resource(ENDPOINT, "ep", {"vpcId": "vpc-0aaa", "serviceName": {"a": 1}}),
        resource(NAT, "nat", {"subnetId": None, "connectivityType": 5.0}),
        resource(FLOW_LOG, "fl", {"vpcId": ["vpc-0aaa"]}),
        network, domain("d3", network),
    ]
    result = evaluate(weird)
    no_internal_errors(result)
    assert result.flagged(ENDPOINTS_POLICY) == {"d3"}  # d1 has no usable vpcId (AWS requires one)


# --- Real pulumi_aws program, preview and update --------------------------------------------------------

def studio_network_program():
    import pulumi_aws as aws

    network = aws.ec2.Vpc("studio-vpc", cidr_block="10.0.0.0/16")
    subnet = aws.ec2.Subnet("private-0", vpc_id=network.id, cidr_block="10.0.0.0/24")
    aws.ec2.Subnet("public-0", vpc_id=network.id, cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
    region = aws.get_region_output().region
    for short in ("s3", "sagemaker.api", "sagemaker.runtime", "sts", "logs", "kms", "ecr.api", "ecr.dkr"):
        aws.ec2.VpcEndpoint(f"ep-{short}", vpc_id=network.id,
                            service_name=region.apply(lambda r, s=short: f"com.amazonaws.{r}.{s}"))
    # no Studio endpoint (aws.sagemaker.<region>.studio): the domain is flagged for it
    sg = aws.ec2.SecurityGroup("studio-sg", vpc_id=network.id, ingress=[aws.ec2.SecurityGroupIngressArgs(
        protocol="tcp", from_port=443, to_port=443, cidr_blocks=["10.0.0.0/16"])])
    aws.vpc.SecurityGroupIngressRule("ssh-from-anywhere", security_group_id=sg.id, ip_protocol="tcp",
                                     from_port=22, to_port=22, cidr_ipv4="0.0.0.0/0")
    aws.vpc.SecurityGroupIngressRule("studio-self", security_group_id=sg.id, ip_protocol="-1",
                                     referenced_security_group_id=sg.id)
    aws.ec2.NatGateway("nat", subnet_id=subnet.id)
    aws.sagemaker.Domain("studio", auth_mode="IAM", domain_name="studio", vpc_id=network.id, subnet_ids=[subnet.id],
                         app_network_access_type="VpcOnly",
                         default_user_settings=aws.sagemaker.DomainDefaultUserSettingsArgs(
                             execution_role="arn:aws:iam::123456789012:role/studio"))
    aws.ec2.Vpc("unlogged-vpc", cidr_block="10.9.0.0/16")
    aws.ec2.FlowLog("studio-flow-log", vpc_id=network.id, traffic_type="ALL",
                    log_destination="arn:aws:s3:::flow-logs")


@pytest.mark.parametrize("preview", [True, False])
def test_program_preview_and_update(preview):
    result = evaluate_program(studio_network_program, preview=preview)
    no_internal_errors(result)
    assert result.flagged(SG_POLICY) == {"ssh-from-anywhere"}
    assert result.flagged(SUBNET_POLICY) == {"public-0"}
    assert result.flagged(ENDPOINTS_POLICY) == {"studio"}
    assert "for studio;" in result.messages(ENDPOINTS_POLICY)[0]
    assert result.flagged(ROUTE_POLICY) == {"nat"}
    assert result.flagged(FLOW_POLICY) == {"unlogged-vpc"}
    for policy in ALL_POLICIES:
        assert result.unverifiable(policy) == set(), policy

