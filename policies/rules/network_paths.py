"""Network paths beyond internet and NAT gateways: transit gateways, peering and VPN attachments of a
Studio domain's VPC; the S3 gateway endpoint's data perimeter; customer prefix lists behind
security-group rules; network ACLs.

The domain's VPC is found as policies.rules.network finds it (`_VpcScope`), so "the VPC of a VpcOnly
domain" means the same thing in every network rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as iam
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.rules import network
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_bool,
    as_document,
    as_list,
    as_number,
    get,
    is_unknown,
)

TGW_ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
VPN_GATEWAY = "aws:ec2/vpnGateway:VpnGateway"
VPN_GATEWAY_ATTACHMENT = "aws:ec2/vpnGatewayAttachment:VpnGatewayAttachment"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"

# Route targets that leave the VPC other than internet/NAT gateways (policies.rules.network judges those).
_ROUTE_TARGETS = {
    "transitGatewayId": "a transit gateway",
    "vpcPeeringConnectionId": "a VPC peering connection",
    "coreNetworkArn": "a Cloud WAN core network",
    "localGatewayId": "an Outposts local gateway",
    "carrierGatewayId": "a carrier gateway",
}


# --- transit, peering and VPN paths --------------------------------------------------------------

def _allowed(r: Resource, value: Any, params: Mapping[str, Any]) -> bool:
    allowed = params.get("allowedEgressTargets") or []
    return r.name in allowed or (isinstance(value, str) and value in allowed)


def _route_target(route: Any) -> tuple[str, Any] | None:
    for key, kind in _ROUTE_TARGETS.items():
        value = get(route, key)
        if value:
            return kind, value
    gateway = get(route, "gatewayId")
    if isinstance(gateway, str) and gateway.startswith("vgw-"):
        return "a virtual private gateway (VPN)", gateway
    return None


def _vpc_paths(stack: Stack, domain: Resource, scope: Any, params: Mapping[str, Any]) -> Iterator[Finding]:
    where = f"{scope.label} of VpcOnly SageMaker domain '{domain.name}'"
    for attachment in scope.members((TGW_ATTACHMENT,)):
        if not _allowed(attachment, attachment.props.get("transitGatewayId"), params):
            yield Finding(attachment.urn, f"a transit gateway attachment connects {where}; expected no path out of "
                                          "the VPC, or the gateway in allowedEgressTargets.")
    peerings = scope.members((PEERING,)) + scope.members((PEERING,), "peerVpcId")
    for peering in {p.urn: p for p in peerings}.values():
        if not _allowed(peering, peering.props.get("id"), params):
            yield Finding(peering.urn, f"a VPC peering connection connects {where}; expected no path out of the VPC, "
                                       "or the connection in allowedEgressTargets.")
    for vpn in scope.members((VPN_GATEWAY, VPN_GATEWAY_ATTACHMENT)):
        if not _allowed(vpn, vpn.props.get("id"), params):
            yield Finding(vpn.urn, f"a VPN gateway is attached to {where}; expected no path out of the VPC.")
    for table in scope.members((ROUTE_TABLE,)):
        routes = [(table, f"routes[{i}]", route) for i, route in enumerate(as_list(table.get("routes")))]
        routes += [(route, "route", route.props) for route in stack.referencing(table, (ROUTE,), "routeTableId")]
        for owner, label, route in routes:
            target = _route_target(route)
            if target and not _allowed(owner, target[1], params):
                yield Finding(owner.urn, f"{label} sends traffic of {where} to {target[0]}; expected only local "
                                         "routes and VPC endpoints.")


def _domain_vpc_no_transit(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    unknown: list[str] = []
    reported: set[tuple[str, str]] = set()
    for domain, scope in network.vpc_only_domains(stack, unknown):
        try:
            for finding in _vpc_paths(stack, domain, scope, params):
                if (finding.urn, finding.message) not in reported:
                    reported.add((finding.urn, finding.message))
                    yield finding
        except NeedsValue as exc:
            yield Unverifiable(f"{domain.name}: {exc.path}")
    yield from (Unverifiable(path) for path in unknown)


EC2_DOMAIN_VPC_NO_TRANSIT_EGRESS = Rule(
    id="ec2-domain-vpc-no-transit-egress",
    title="A Studio domain's VPC has no transit-gateway, peering or VPN path out",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("SC-7"), NIST("AC-4")),
    stack=True,
    reads=(network.DOMAIN, *network.VPC_TYPES, TGW_ATTACHMENT, PEERING, VPN_GATEWAY, VPN_GATEWAY_ATTACHMENT,
           ROUTE_TABLE, ROUTE),
    rationale=(
        "VpcOnly keeps Studio off the internet only if the VPC has no other way out. A transit-gateway "
        "attachment, a peering connection, a VPN gateway or a route to one of them (or to a Cloud WAN core "
        "network, a local or carrier gateway) joins the domain's subnets to networks the pack cannot see, "
        "often with internet egress of their own. Internet and NAT gateways are judged by "
        "vpc-domain-no-internet-route. A deliberate path (a shared-services transit gateway with egress "
        "inspection) goes in allowedEgressTargets (resource names or ids)."
    ),
    remediation="Keep the domain's VPC self-contained: reach AWS services through VPC endpoints "
                "(`aws.ec2.VpcEndpoint(...)`) instead of `aws.ec2transitgateway.VpcAttachment(...)`.",
    checks=(_domain_vpc_no_transit,),
    params={"allowedEgressTargets": {"type": "array", "items": {"type": "string"}, "default": [],
                                     "description": "Transit gateways, peering connections or resources "
                                                    "(ids or logical names) accepted as paths out."}},
    tags=("network", "egress"),
)


# --- the S3 endpoint's data perimeter ------------------------------------------------------------

_PERIMETER_KEYS = ("aws:resourceorgid", "aws:resourceaccount", "aws:resourceorgpaths", "s3:resourceaccount")
_ECR_LAYERS = "-starport-layer-bucket"


def _s3_actions(stmt: Mapping[str, Any]) -> bool:
    return any(a == "*" or a.lower().startswith("s3:") or a.lower() == "s3*" for a in iam.actions(stmt))


def _explicit_bucket(resource: str) -> bool:
    """`arn:aws:s3:::name[/...]` naming a bucket: a wildcard may only follow a bucket name of three characters."""
    if not resource.startswith("arn:") or ":s3:::" not in resource:
        return False
    bucket = resource.split(":::", 1)[1].split("/", 1)[0]
    fixed = bucket.split("*", 1)[0].split("?", 1)[0]
    return len(fixed) >= 3


def _perimeter_condition(stmt: Mapping[str, Any]) -> bool:
    condition = stmt.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator, block in condition.items():
        op = str(operator).lower()
        if "ifexists" in op or "not" in op or not isinstance(block, Mapping):
            continue
        if any(str(k).lower() in _PERIMETER_KEYS for k in block):
            return True
    return False


def _perimeter_problems(document: Mapping[str, Any]) -> list[str]:
    problems = []
    for index, stmt in enumerate(iam.statements(document)):
        if not iam.is_allow(stmt) or not _s3_actions(stmt):
            continue
        resources = iam.resources(stmt)
        if _perimeter_condition(stmt) or (resources and all(_explicit_bucket(r) for r in resources)):
            continue
        sid = stmt.get("Sid")
        problems.append(f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement #{index + 1}")
    return problems


def _is_s3_endpoint(r: Resource) -> bool:
    service = r.get("serviceName")
    return isinstance(service, str) and (service.endswith(".s3") or service.endswith(".s3express"))


def _endpoint_perimeter(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if r.type == network.VPC_ENDPOINT and not _is_s3_endpoint(r):
        return
    raw = r.get("policy")
    try:
        document = as_document(raw, "policy")
    except MalformedDocument as exc:
        yield f"policy is not a readable policy document ({exc}); expected a JSON endpoint policy."
        return
    if document is None:
        if r.type == network.VPC_ENDPOINT:
            yield ("policy is unset (AWS's default allows every S3 action on every bucket of any account); expected "
                   "a data perimeter: the organization's buckets (aws:ResourceOrgID) and named bucket ARNs.")
        return
    if r.type == ENDPOINT_POLICY and not any(_s3_actions(s) for s in iam.statements(document)):
        return  # an interface endpoint's policy for another service
    problems = _perimeter_problems(document)
    if problems:
        yield (f"policy {', '.join(problems)} allows S3 actions on buckets outside a perimeter; expected "
               "explicit bucket ARNs (this stack's, ECR's prod-<region>" + _ECR_LAYERS + ") or a condition on "
               "aws:ResourceOrgID / aws:ResourceAccount.")


_PERIMETER_REMEDIATION = """Limit the S3 gateway endpoint to this stack's buckets, the organization's and ECR's layers:

    aws.ec2.VpcEndpoint("s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{region}.s3",
        vpc_endpoint_type="Gateway", route_table_ids=[rt.id],
        policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
             "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceOrgID": org_id}}},
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"}]}))"""


S3_ENDPOINT_PERIMETER = Rule(
    id="ec2-s3-endpoint-data-perimeter",
    title="S3 VPC endpoints allow only the organization's and named buckets (a data perimeter)",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("AC-4"), NIST("SC-7")),
    rationale=(
        "Without an endpoint policy (AWS's default is full access) a notebook in the VPC can copy a dataset to "
        "any bucket of any account through the S3 gateway endpoint: the classic exfiltration path around "
        "VpcOnly. Every Allow of S3 actions must name buckets by ARN or be limited by aws:ResourceOrgID / "
        "aws:ResourceAccount (aws-samples data-perimeter-policy-examples). ECR pulls image layers from "
        "arn:aws:s3:::prod-<region>-starport-layer-bucket/*, which must be listed. Separate VpcEndpointPolicy "
        "resources are judged the same way when they allow S3 actions."
    ),
    remediation=_PERIMETER_REMEDIATION,
    checks=(_endpoint_perimeter,),
    resource_types=(network.VPC_ENDPOINT, ENDPOINT_POLICY),
    tags=("network", "data-perimeter"),
)


# --- prefix lists behind security-group rules ----------------------------------------------------

def _prefix_list_cidrs(stack: Stack, prefix_list: Resource) -> list[str]:
    cidrs = [get(e, "cidr") for e in as_list(prefix_list.get("entries"))]
    cidrs += [e.get("cidr") for e in stack.referencing(prefix_list, (PREFIX_LIST_ENTRY,), "prefixListId")]
    return [c for c in cidrs if isinstance(c, str)]


def _raw_refs(value: Any) -> list[Any]:
    """Prefix-list references as given; an unknown (a list computed in preview) stays one unknown reference."""
    return [value] if is_unknown(value) else [v for v in as_list(value) if v]


def _ingress_prefix_refs(r: Resource) -> Iterator[tuple[str, str, Any]]:
    """(label, property, prefix-list reference) for every ingress that uses a prefix list."""
    props = r.props if isinstance(r.props, Mapping) else {}
    if r.type in (network.SECURITY_GROUP, network.DEFAULT_SECURITY_GROUP):
        for i, entry in enumerate(as_list(r.get("ingress"))):
            for ref in _raw_refs(entry.get("prefixListIds") if isinstance(entry, Mapping) else None):
                yield f"ingress[{i}]", "ingress", ref
    elif r.type == network.SECURITY_GROUP_RULE and r.get("type") == "ingress":
        for ref in _raw_refs(props.get("prefixListIds")):
            yield "ingress rule", "prefixListIds", ref
    elif r.type == network.INGRESS_RULE:
        for ref in _raw_refs(props.get("prefixListId")):
            yield "ingress rule", "prefixListId", ref


def _prefix_lists_not_public(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    allowed = params.get("allowedCidrs") or []
    types = (network.SECURITY_GROUP, network.DEFAULT_SECURITY_GROUP, network.SECURITY_GROUP_RULE,
             network.INGRESS_RULE)
    for r in stack.of_type(*types):
        try:
            refs = list(_ingress_prefix_refs(r))
        except NeedsValue as exc:
            yield Unverifiable(f"{r.name}: {exc.path}")
            continue
        for label, prop, ref in refs:
            lists = [stack.by_urn[u] for u in r.property_dependencies.get(prop, ())
                     if u in stack.by_urn and stack.by_urn[u].type == PREFIX_LIST]
            if not is_unknown(ref):
                lists = [p for p in stack.of_type(PREFIX_LIST) if isinstance(ref, str) and ref in p.identifiers()] \
                    or lists
            elif not lists:
                yield Unverifiable(f"{r.name}: {prop}")
            for prefix_list in lists:
                try:
                    cidrs = _prefix_list_cidrs(stack, prefix_list)
                    wide = [c for c in cidrs if network.internet_wide(c, allowed)]
                except NeedsValue as exc:
                    yield Unverifiable(f"{prefix_list.name}: {exc.path}")
                    continue
                if wide:
                    yield Finding(r.urn, f"{label} admits prefix list '{prefix_list.name}', which contains "
                                         f"{', '.join(wide)}; expected only private or allowed ranges.")


EC2_PREFIX_LIST_INGRESS_NOT_PUBLIC = Rule(
    id="ec2-prefix-list-ingress-not-public",
    title="Security-group rules that use a customer prefix list admit no internet range through it",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("SC-7"),),
    stack=True,
    reads=(network.SECURITY_GROUP, network.DEFAULT_SECURITY_GROUP, network.SECURITY_GROUP_RULE,
           network.INGRESS_RULE, PREFIX_LIST, PREFIX_LIST_ENTRY),
    rationale=(
        "A prefix list hides its CIDRs from the security-group rule that references it: 0.0.0.0/0 in a customer "
        "managed prefix list opens every rule that uses it. Prefix lists in the stack are resolved (inline "
        "entries and ManagedPrefixListEntry resources) and judged like a rule's own CIDRs (allowedCidrs of "
        "this rule)."
    ),
    remediation="Keep prefix lists to private ranges: `aws.ec2.ManagedPrefixList(\"corp\", "
                "address_family=\"IPv4\", max_entries=5, entries=[{\"cidr\": \"10.20.0.0/16\"}])`.",
    checks=(_prefix_lists_not_public,),
    params={"allowedCidrs": {"type": "array", "items": {"type": "string"}, "default": [],
                             "description": "Public CIDRs accepted in prefix lists."}},
    tags=("network",),
)


# --- network ACLs --------------------------------------------------------------------------------

ADMIN_PORTS = (22, 3389)


def _acl_entry_problem(entry: Any, allowed: list[Any]) -> str | None:
    action = get(entry, "action") if "action" in (entry or {}) else get(entry, "ruleAction")
    if str(action).lower() != "allow":
        return None
    cidrs = [c for c in (get(entry, "cidrBlock"), get(entry, "ipv6CidrBlock")) if isinstance(c, str)]
    public = [c for c in cidrs if network.internet_wide(c, allowed)]
    if not public:
        return None
    protocol = str(get(entry, "protocol"))
    if protocol in ("-1", "all"):
        return f"allows all traffic from {', '.join(public)}"
    low, high = as_number(get(entry, "fromPort")), as_number(get(entry, "toPort"))
    if protocol in ("6", "tcp", "17", "udp") and low is not None and high is not None:
        ports = [p for p in ADMIN_PORTS if low <= p <= high]
        if ports:
            return f"allows port(s) {', '.join(map(str, ports))} from {', '.join(public)}"
    return None


def _network_acl(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    allowed = params.get("allowedCidrs") or []
    if r.type == NETWORK_ACL_RULE:
        if as_bool(r.get("egress")) is True:
            return
        problem = _acl_entry_problem(r.props, allowed)
        if problem:
            yield f"this ingress rule {problem}; expected admin ports and all-traffic ingress closed to the internet."
        return
    for index, entry in enumerate(as_list(r.get("ingress"))):
        problem = _acl_entry_problem(entry, allowed)
        if problem:
            yield f"ingress[{index}] {problem}; expected admin ports and all-traffic ingress closed to the internet."


EC2_NETWORK_ACL_NO_PUBLIC_ADMIN_INGRESS = Rule(
    id="ec2-network-acl-no-public-admin-ingress",
    title="Network ACLs allow no admin-port or all-traffic ingress from the internet",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("EC2.21"), AWS_CONFIG("nacl-no-unrestricted-ssh-rdp"), NIST("SC-7")),
    rationale=(
        "Network ACLs are the subnet-level layer under security groups: an allow of SSH (22), RDP (3389) or "
        "all traffic from 0.0.0.0/0 or ::/0 removes that layer. Advisory: security groups are the enforcing "
        "layer (judged mandatory by ec2-security-group-no-public-ingress) and AWS's default ACL allows all."
    ),
    remediation="Allow ingress only from the VPC range: `aws.ec2.NetworkAclRule(\"in\", network_acl_id=acl.id, "
                "rule_number=100, egress=False, protocol=\"tcp\", rule_action=\"allow\", "
                "cidr_block=\"10.0.0.0/16\", from_port=443, to_port=443)`.",
    checks=(_network_acl,),
    resource_types=(NETWORK_ACL, DEFAULT_NETWORK_ACL, NETWORK_ACL_RULE),
    params={"allowedCidrs": {"type": "array", "items": {"type": "string"}, "default": [],
                             "description": "Public CIDRs accepted as ACL sources."}},
    tags=("network",),
)


RULES = (
    EC2_DOMAIN_VPC_NO_TRANSIT_EGRESS,
    EC2_PREFIX_LIST_INGRESS_NOT_PUBLIC,
    EC2_NETWORK_ACL_NO_PUBLIC_ADMIN_INGRESS,
    S3_ENDPOINT_PERIMETER,
)
