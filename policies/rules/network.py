"""Network rules: security groups, subnets, and the isolation of the VPC a VpcOnly Studio domain runs in."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_bool, as_list, is_unknown

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
VPC_TYPES = (VPC, DEFAULT_VPC)
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
SUBNET_TYPES = (SUBNET, DEFAULT_SUBNET)
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
INTERNET_GATEWAY_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
EGRESS_ONLY_GATEWAY = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
DOMAIN = "aws:sagemaker/domain:Domain"

# A non-private range at least this wide is treated as "the internet" too (catches 0.0.0.0/1 + 128.0.0.0/1).
_WIDEST_PUBLIC_PREFIX = {4: 8, 6: 16}


# --- Security group ingress ----------------------------------------------------------------------

def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except (ValueError, TypeError):
        return None


def internet_wide(cidr: str, allowed: list[Any]) -> bool:
    """True for 0.0.0.0/0, ::/0, any /0 (10.0.0.0/0 is the whole internet too) and very wide public ranges."""
    net = _network(cidr)
    if net is None:
        return False  # not a CIDR: AWS rejects it, nothing to open
    for entry in allowed:
        if isinstance(entry, str) and (entry == cidr or _network(entry) == net):
            return False
    if net.prefixlen == 0:
        return True
    return not net.is_private and net.prefixlen < _WIDEST_PUBLIC_PREFIX[net.version]


def _ports(entry: Any, protocol_key: str) -> str:
    """`port 22/tcp`, `ports 0-65535/tcp` or `all traffic`; unknown parts never stop a report."""
    if not isinstance(entry, Mapping):
        return "traffic"
    protocol, low, high = (entry.get(k) for k in (protocol_key, "fromPort", "toPort"))
    protocol = "?" if is_unknown(protocol) or protocol is None else str(protocol)
    if protocol in ("-1", "all"):
        return "all traffic"
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        if low == high:
            return f"port {int(low)}/{protocol}"
        return f"ports {int(low)}-{int(high)}/{protocol}"
    return f"protocol {protocol}"


def _public_cidrs(entry: Any, keys: tuple[str, ...], allowed: list[Any], where: str,
                  unknown: list[str]) -> list[str]:
    """The internet-wide CIDRs of one ingress entry; unknown values are noted, never hide known ones."""
    found: list[str] = []
    prefix = f"{where}." if where else ""
    if is_unknown(entry):
        unknown.append(where)
        return found
    if not isinstance(entry, Mapping):
        return found
    for key in keys:
        value = entry.get(key)
        if is_unknown(value):
            unknown.append(f"{prefix}{key}")
            continue
        for i, cidr in enumerate(as_list(value)):
            if is_unknown(cidr):
                unknown.append(f"{prefix}{key}[{i}]")
            elif isinstance(cidr, str) and internet_wide(cidr, allowed):
                found.append(cidr)
    return found


def _open_ingress(entry: Any, cidr_keys: tuple[str, ...], protocol_key: str, label: str, path: str,
                  params: Mapping[str, Any], unknown: list[str]) -> str | None:
    """The finding for one ingress entry open to the internet, or None; unknown CIDRs go to `unknown`."""
    cidrs = _public_cidrs(entry, cidr_keys, params.get("allowedCidrs") or [], path, unknown)
    if not cidrs:
        return None
    return (f"{label} allows {_ports(entry, protocol_key)} from {', '.join(cidrs)}; expected sources inside the VPC, "
            "security group references or allowedCidrs.")


def _sg_inline_ingress(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    unknown: list[str] = []
    for i, entry in enumerate(as_list(r.get("ingress"))):
        message = _open_ingress(entry, ("cidrBlocks", "ipv6CidrBlocks"), "protocol", f"ingress[{i}]",
                                f"ingress[{i}]", params, unknown)
        if message:
            yield message
    yield from (Unverifiable(path) for path in dict.fromkeys(unknown))


def _sg_rule_ingress(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    unknown: list[str] = []
    message = _open_ingress(r.props, ("cidrBlocks", "ipv6CidrBlocks"), "protocol", "ingress rule", "", params,
                            unknown)
    if not message and not unknown:
        return
    if r.get("type") != "ingress":  # egress rules may reach the internet; read only when it matters
        return
    if message:
        yield message
    yield from (Unverifiable(path) for path in dict.fromkeys(unknown))


def _vpc_ingress_rule(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    unknown: list[str] = []
    message = _open_ingress(r.props, ("cidrIpv4", "cidrIpv6"), "ipProtocol", "ingress rule", "", params, unknown)
    if message:
        yield message
    yield from (Unverifiable(path) for path in dict.fromkeys(unknown))


def _sg_ingress(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if r.type in (SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
        yield from _sg_inline_ingress(r, params)
    elif r.type == SECURITY_GROUP_RULE:
        yield from _sg_rule_ingress(r, params)
    elif r.type == INGRESS_RULE:
        yield from _vpc_ingress_rule(r, params)


EC2_SECURITY_GROUP_NO_PUBLIC_INGRESS = Rule(
    id="ec2-security-group-no-public-ingress",
    title="Security groups allow no ingress from the internet (0.0.0.0/0, ::/0)",
    severity="high",
    enforcement="mandatory",
    frameworks=(FSBP("EC2.18"), CIS("5.2"), CIS("5.3"), NIST("SC-7"),
                AWS_CONFIG("vpc-sg-open-only-to-authorized-ports")),
    rationale=(
        "Ingress from anywhere exposes Studio apps, endpoints and notebooks holding dataset copies to the "
        "internet. Checked in inline `ingress` blocks of SecurityGroup and DefaultSecurityGroup, "
        "ec2.SecurityGroupRule (type ingress) and vpc.SecurityGroupIngressRule, each entry on its own. "
        "Any /0 (e.g. 10.0.0.0/0) is the whole internet; a non-private range wider than /8 (IPv4) or /16 "
        "(IPv6), as in the 0.0.0.0/1 + 128.0.0.0/1 split, is treated the same. CIDRs listed in "
        "`allowedCidrs` are accepted."
    ),
    remediation=(
        "Allow ingress from the VPC CIDR or another security group only:\n\n"
        "    aws.vpc.SecurityGroupIngressRule(\"https-from-vpc\", security_group_id=sg.id,\n"
        "        ip_protocol=\"tcp\", from_port=443, to_port=443, cidr_ipv4=vpc.cidr_block)"
    ),
    checks=(_sg_ingress,),
    resource_types=(SECURITY_GROUP, DEFAULT_SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE),
    params={
        "allowedCidrs": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "CIDRs accepted even though they are internet-wide (e.g. a public load balancer).",
        },
    },
    tags=("network",),
)


def _subnet_public_ip(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("mapPublicIpOnLaunch")) is True:
        yield "mapPublicIpOnLaunch is true; expected false so instances get no public IP address."


EC2_SUBNET_NO_PUBLIC_IP = Rule(
    id="ec2-subnet-no-public-ip",
    title="Subnets do not assign public IP addresses on launch",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("EC2.15"), AWS_CONFIG("subnet-auto-assign-public-ip-disabled"), NIST("SC-7")),
    rationale="A public IP on launch gives instances and notebooks a direct internet path around the VPC "
              "endpoints and their policies.",
    remediation="Set `map_public_ip_on_launch=False` (the default) on `aws.ec2.Subnet`.",
    checks=(_subnet_public_ip,),
    resource_types=SUBNET_TYPES,
    tags=("network",),
)


# --- VPC correlation for VpcOnly Studio domains ------------------------------------------------------

class _VpcScope:
    """The VPC a domain runs in: a declared Vpc resource, or only a known id (an existing VPC)."""

    def __init__(self, stack: Stack, domain: Resource):
        self.stack = stack
        found = stack.referenced_by(domain, "vpcId", VPC_TYPES)
        self.vpc: Resource | None = found[0] if found else None
        self.vpc_id: str | None = None
        if self.vpc is None:
            value = domain.props.get("vpcId") if isinstance(domain.props, Mapping) else None
            if is_unknown(value):
                raise NeedsValue("vpcId")
            self.vpc_id = value if isinstance(value, str) and value else None  # None: no VPC, no members

    def members(self, types: tuple[str, ...], prop: str = "vpcId") -> list[Resource]:
        if self.vpc is not None:
            return self.stack.referencing(self.vpc, types, prop)
        return [r for r in self.stack.of_type(*types)
                if self.vpc_id is not None and isinstance(r.props, Mapping) and r.props.get(prop) == self.vpc_id]

    @property
    def label(self) -> str:
        return f"VPC '{self.vpc.name}'" if self.vpc is not None else f"VPC {self.vpc_id}"


def vpc_only_domains(stack: Stack, unknown: list[str]) -> Iterator[tuple[Resource, _VpcScope]]:
    for domain in stack.of_type(DOMAIN):
        try:
            if domain.get("appNetworkAccessType") != "VpcOnly":
                continue  # sagemaker-domain-vpc-only reports those
            scope = _VpcScope(stack, domain)
            if scope.vpc is not None or scope.vpc_id is not None:
                yield domain, scope
            # else: no vpcId (AWS requires one) or not a string: there is no VPC to inspect
        except NeedsValue as exc:
            unknown.append(f"{domain.name}.{exc.path}")


def _service_matches(service_name: str, required: str) -> bool:
    """`com.amazonaws.<region>.sagemaker.api` or `aws.sagemaker.<region>.studio` match by dotted suffix."""
    return service_name == required or service_name.endswith("." + required)


def _domain_endpoints(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    required = [s for s in (params.get("requiredServices") or []) if isinstance(s, str) and s]
    unknown: list[str] = []
    for domain, scope in vpc_only_domains(stack, unknown):
        names: list[str] = []
        unknown_names = 0
        for endpoint in scope.members((VPC_ENDPOINT,)):
            value = endpoint.props.get("serviceName") if isinstance(endpoint.props, Mapping) else None
            if is_unknown(value):
                unknown_names += 1
            elif isinstance(value, str):
                names.append(value)
        missing = [s for s in required if not any(_service_matches(n, s) for n in names)]
        if not missing:
            continue
        if unknown_names:
            unknown.append(f"{domain.name}.endpoints.serviceName")
            continue
        yield Finding(domain.urn, f"{scope.label} has no VPC endpoint for {', '.join(missing)}; a VpcOnly domain "
                                  "needs them to reach AWS services without an internet path.")
    yield from (Unverifiable(path) for path in dict.fromkeys(unknown))


DEFAULT_REQUIRED_SERVICES = ["s3", "sagemaker.api", "sagemaker.runtime", "studio", "sts", "logs", "kms", "ecr.api",
                             "ecr.dkr"]


VPC_DOMAIN_REQUIRED_ENDPOINTS = Rule(
    id="vpc-domain-required-endpoints",
    title="The VPC of a VpcOnly Studio domain has the VPC endpoints Studio needs",
    severity="medium",
    enforcement="advisory",
    frameworks=(NIST("SC-7"), AWS_CONFIG("service-vpc-endpoint-enabled")),
    rationale=(
        "Without internet access, Studio reaches S3, SageMaker, STS, CloudWatch Logs, KMS and ECR only through "
        "VPC endpoints; a missing one breaks Studio or tempts teams to add a NAT gateway. Services match by "
        "dotted suffix of the endpoint's service name (`com.amazonaws.<region>.sagemaker.api`; the Studio "
        "endpoint is `aws.sagemaker.<region>.studio`). The domain's VPC is found through the property "
        "dependency of its `vpcId`, or its known id for an existing VPC."
    ),
    remediation=(
        "Add an endpoint per missing service:\n\n"
        "    aws.ec2.VpcEndpoint(\"sts\", vpc_id=vpc.id, service_name=f\"com.amazonaws.{region}.sts\",\n"
        "        vpc_endpoint_type=\"Interface\", private_dns_enabled=True, subnet_ids=subnet_ids,\n"
        "        security_group_ids=[endpoint_sg.id])"
    ),
    checks=(_domain_endpoints,),
    stack=True,
    params={
        "requiredServices": {
            "type": "array",
            "items": {"type": "string"},
            "default": DEFAULT_REQUIRED_SERVICES,
            "description": "Service-name suffixes that must have a VPC endpoint in a VpcOnly domain's VPC.",
        },
    },
    tags=("network", "sagemaker"),
)


def _gateway_kind(r: Resource) -> str:
    return {
        INTERNET_GATEWAY: "an internet gateway",
        INTERNET_GATEWAY_ATTACHMENT: "an internet gateway attachment",
        EGRESS_ONLY_GATEWAY: "an egress-only internet gateway",
        NAT_GATEWAY: "a public NAT gateway",
    }[r.type]


def _domain_internet_route(stack: Stack, _params: Mapping[str, Any]) -> Iterator[Finding]:
    unknown: list[str] = []
    reported: set[str] = set()
    for domain, scope in vpc_only_domains(stack, unknown):
        gateways = scope.members((INTERNET_GATEWAY, INTERNET_GATEWAY_ATTACHMENT, EGRESS_ONLY_GATEWAY))
        for subnet in scope.members(SUBNET_TYPES):
            for nat in stack.referencing(subnet, (NAT_GATEWAY,), "subnetId"):
                try:
                    if nat.get("connectivityType") == "private":
                        continue  # a private NAT gateway has no route to the internet
                except NeedsValue:
                    unknown.append(f"{nat.name}.connectivityType")
                    continue
                gateways.append(nat)
        for gateway in gateways:
            if gateway.urn in reported:
                continue
            reported.add(gateway.urn)
            yield Finding(gateway.urn, f"{_gateway_kind(gateway)} is attached to {scope.label} of VpcOnly SageMaker "
                                       f"domain '{domain.name}'; expected no internet path (use VPC endpoints).")
    yield from (Unverifiable(path) for path in dict.fromkeys(unknown))


VPC_DOMAIN_NO_INTERNET_ROUTE = Rule(
    id="vpc-domain-no-internet-route",
    title="The VPC of a VpcOnly Studio domain has no internet or public NAT gateway",
    severity="high",
    enforcement="advisory",
    frameworks=(NIST("SC-7"), AWS_CONFIG("no-unrestricted-route-to-igw")),
    rationale=(
        "VpcOnly mode only keeps datasets inside if the VPC itself has no way out: an internet gateway, an "
        "egress-only gateway or a public NAT gateway in any of its subnets reopens the path that VpcOnly "
        "closed. Private NAT gateways (connectivity_type=\"private\") are accepted."
    ),
    remediation=(
        "Remove the internet, egress-only and NAT gateways from the domain's VPC and reach AWS services through "
        "VPC endpoints; if private routing to another network is needed, use a private NAT gateway:\n\n"
        "    aws.ec2.NatGateway(\"to-onprem\", subnet_id=private_subnet.id, connectivity_type=\"private\")"
    ),
    checks=(_domain_internet_route,),
    stack=True,
    tags=("network", "sagemaker"),
)


def _vpc_flow_logs(stack: Stack, _params: Mapping[str, Any]) -> Iterator[Finding]:
    for vpc in stack.of_type(*VPC_TYPES):
        if not stack.referencing(vpc, (FLOW_LOG,), "vpcId"):
            yield Finding(vpc.urn, "no aws.ec2.FlowLog refers to this VPC; expected flow logs capturing its traffic.")


VPC_FLOW_LOGS_ENABLED = Rule(
    id="vpc-flow-logs-enabled",
    title="Every VPC has flow logs",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("EC2.6"), CIS("3.7"), AWS_CONFIG("vpc-flow-logs-enabled"), NIST("AU-12")),
    rationale="Flow logs are the record of which addresses a notebook or training job talked to, the evidence "
              "an exfiltration investigation needs.",
    remediation=(
        "    aws.ec2.FlowLog(\"flow-log\", vpc_id=vpc.id, traffic_type=\"ALL\",\n"
        "        log_destination_type=\"cloud-watch-logs\", log_destination=log_group.arn,\n"
        "        iam_role_arn=flow_log_role.arn)"
    ),
    checks=(_vpc_flow_logs,),
    stack=True,
    tags=("network", "logging"),
)


# --- Rules -------------------------------------------------------------------------------------------


RULES = (
    EC2_SECURITY_GROUP_NO_PUBLIC_INGRESS,
    EC2_SUBNET_NO_PUBLIC_IP,
    VPC_DOMAIN_REQUIRED_ENDPOINTS,
    VPC_DOMAIN_NO_INTERNET_ROUTE,
    VPC_FLOW_LOGS_ENABLED,
)
