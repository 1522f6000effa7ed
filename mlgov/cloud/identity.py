"""Realistic ids, ARNs and names for the resource types whose formats are known.

`created` gives a new resource its physical name (auto-naming like the provider's
`<name>-<suffix>`), its id and its ARN, plus the computed fields whose format matters to
programs (an EKS endpoint and certificate, an RDS address, a Lambda invoke ARN, ...). Inputs
always win: a value the program set is never replaced.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any


def digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def uuid_for(*parts: str) -> str:
    h = digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def certificate_data(*parts: str) -> str:
    """Base64 of a PEM block, the way AWS hands out certificate data (EKS `certificateAuthority.data`)."""
    pem = f"-----BEGIN CERTIFICATE-----\nMIIC{digest(*parts, length=56)}\n-----END CERTIFICATE-----\n"
    return base64.b64encode(pem.encode()).decode()


BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")

# Types whose id is an AWS-generated `<prefix><17 hex>` (their ARN ends in that id, not a name).
_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/instance:Instance": "i-",
    "aws:ec2/networkInterface:NetworkInterface": "eni-",
    "aws:ec2/networkAcl:NetworkAcl": "acl-",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx-",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "tgw-",
    "aws:efs/fileSystem:FileSystem": "fs-",
    "aws:sagemaker/domain:Domain": "d-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}
# The ARN service of a token's module, where they differ.
_ARN_SERVICE = {"vpc": "ec2", "ec2transitgateway": "ec2", "efs": "elasticfilesystem"}
# The ARN resource type of an id-named resource when it differs from its id prefix.
_ID_ARN_KIND = {"eipalloc-": "elastic-ip", "i-": "instance", "eni-": "network-interface", "acl-": "network-acl",
                 "lt-": "launch-template", "fl-": "vpc-flow-log", "pcx-": "vpc-peering-connection",
                 "sgr-": "security-group-rule", "sg-": "security-group", "rtb-": "route-table",
                 "vpce-": "vpc-endpoint", "igw-": "internet-gateway", "nat-": "natgateway",
                 "tgw-": "transit-gateway", "fs-": "file-system", "d-": "domain"}
_NAME_KEYS = ("bucket", "name", "domainName", "userProfileName", "spaceName", "trailName", "clusterIdentifier",
              "identifier", "functionName", "repositoryName", "tableName", "topicName", "queueName")


class Identity:
    """What the provider decides about a new resource: its physical name, id, ARN and friends."""

    def __init__(self, typ: str, name: str, state: dict[str, Any], region: str, account: str):
        self.typ, self.name, self.state, self.region, self.account = typ, name, state, region, account
        parts = typ.split(":")
        self.service = parts[1].split("/")[0] if len(parts) == 3 else "unknown"
        kind = parts[-1]
        self.kind = kind[:1].lower() + kind[1:]
        self.physical = next((state[k] for k in _NAME_KEYS if isinstance(state.get(k), str) and state[k]), None)
        self.named = self.physical is not None
        if self.physical is None:
            suffix = digest(typ, name, length=7)
            self.physical = f"{name}-{suffix}".lower() if typ in BUCKET_TYPES else f"{name}-{suffix}"
        prefix = _ID_PREFIXES.get(typ)
        self.id = prefix + digest(typ, name, length=17) if prefix else self.physical
        if prefix:  # an id-named resource: its ARN ends in the id
            arn_service = _ARN_SERVICE.get(self.service, self.service)
            self.arn = self.regional(arn_service, f"{_ID_ARN_KIND.get(prefix, prefix[:-1])}/{self.id}")
        else:
            self.arn = self.regional(self.service, f"{self.kind}/{self.physical}")
        self.extra: dict[str, Any] = {}

    def h(self, *salt: str, length: int = 17) -> str:
        return digest(self.typ, self.name, *salt, length=length)

    def regional(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


def _bucket(i: Identity) -> None:
    i.id = i.physical
    i.state.setdefault("bucket", i.id)
    i.arn = f"arn:aws:s3:::{i.id}"
    i.extra.update(bucketDomainName=f"{i.id}.s3.amazonaws.com",
                   bucketRegionalDomainName=f"{i.id}.s3.{i.region}.amazonaws.com", region=i.region,
                   bucketRegion=i.region, hostedZoneId="Z3AQBSTGFYJSTF")


def _kms_key(i: Identity) -> None:
    i.id = uuid_for(i.typ, i.name)
    i.arn = i.regional("kms", f"key/{i.id}")
    i.extra["keyId"] = i.id


def _kms_alias(i: Identity) -> None:
    i.arn = i.regional("kms", str(i.state.get("name", i.physical)))
    target = i.state.get("targetKeyId", "")
    i.extra["targetKeyArn"] = target if str(target).startswith("arn:") else i.regional("kms", f"key/{target}")


def _iam(i: Identity) -> None:
    path = i.state.get("path") or "/"
    i.arn = f"arn:aws:iam::{i.account}:{i.kind}{path}{i.physical}"
    prefixes = {"role": "AROA", "user": "AIDA", "group": "AGPA", "policy": "ANPA", "instanceProfile": "AIPA"}
    if i.kind in prefixes:
        i.extra["uniqueId"] = prefixes[i.kind] + i.h("unique", length=17).upper()
    if i.kind == "policy":
        i.extra.update(policyId=i.extra.pop("uniqueId"), attachmentCount=0)
        i.id = i.arn  # an IAM policy's id is its ARN


def _sagemaker_domain(i: Identity) -> None:
    i.extra.update(url=f"https://{i.id}.studio.{i.region}.sagemaker.aws",
                   homeEfsFileSystemId="fs-" + digest(i.name, length=17),
                   securityGroupIdForDomainBoundary="sg-" + digest(i.name, "boundary", length=17))
    i.arn = i.regional("sagemaker", f"domain/{i.id}")


def _log_group(i: Identity) -> None:
    i.arn = i.regional("logs", f"log-group:{i.physical}")


def _vpc(i: Identity) -> None:
    i.extra.update(defaultRouteTableId="rtb-" + digest(i.name, "default", length=17),
                   mainRouteTableId="rtb-" + digest(i.name, "main", length=17),
                   defaultSecurityGroupId="sg-" + digest(i.name, "default", length=17),
                   defaultNetworkAclId="acl-" + digest(i.name, "default", length=17),
                   ownerId=i.account)
    if i.state.get("assignGeneratedIpv6CidrBlock") or i.state.get("ipv6IpamPoolId"):
        h = i.h("ipv6")
        i.extra.update(ipv6CidrBlock=f"2600:1f18:{h[:4]}:{h[4:6]}00::/56",
                       ipv6AssociationId="vpc-cidr-assoc-" + h, ipv6CidrBlockNetworkBorderGroup=i.region)


def _vpc_endpoint(i: Identity) -> None:
    service = str(i.state.get("serviceName", "com.amazonaws.s3"))
    i.extra.update(prefixListId="pl-" + digest(i.name, length=8), ownerId=i.account, state="available")
    if i.state.get("vpcEndpointType") == "Interface":
        dns = f"{i.id}-{i.h('dns', length=8)}.{service.rsplit('.', 1)[-1]}.{i.region}.vpce.amazonaws.com"
        i.extra.update(dnsEntries=[{"dnsName": dns, "hostedZoneId": "Z7HUB22UULQXV"}],
                       networkInterfaceIds=["eni-" + i.h("eni")])
    else:
        i.extra.update(dnsEntries=[], networkInterfaceIds=[])


def _eks_cluster(i: Identity) -> None:
    i.id = i.physical
    i.arn = i.regional("eks", f"cluster/{i.physical}")
    # Keyed by the cluster's name, so aws.eks.get_cluster(name=...) finds the same endpoint and certificate.
    host = digest(i.typ, i.physical, "endpoint", length=32).upper()
    i.extra.update(
        endpoint=f"https://{host}.gr7.{i.region}.eks.amazonaws.com",
        certificateAuthority={"data": certificate_data(i.typ, i.physical, "ca")},
        identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{i.region}.amazonaws.com/id/{host}"}]}],
        platformVersion="eks.1", status="ACTIVE", version=i.state.get("version") or "1.31")
    vpc_config = i.state.get("vpcConfig")
    if isinstance(vpc_config, dict):
        # Computed fields inside an input block: the cluster security group and VPC AWS assigns.
        i.state["vpcConfig"] = {"clusterSecurityGroupId": "sg-" + i.h("cluster-sg"), "vpcId": "vpc-" + i.h("vpc"),
                                **vpc_config}


def _load_balancer(i: Identity) -> None:
    kind = {"network": "net", "gateway": "gwy"}.get(str(i.state.get("loadBalancerType")), "app")
    suffix = f"{kind}/{i.physical}/{i.h(length=16)}"
    i.arn = i.id = i.regional("elasticloadbalancing", f"loadbalancer/{suffix}")
    scheme = "internal-" if i.state.get("internal") else ""
    dns = f"{scheme}{i.physical}-{int(i.h(length=8), 16)}.{i.region}.elb.amazonaws.com"
    i.extra.update(arnSuffix=suffix, dnsName=dns, zoneId="Z35SXDOTRQ7X7K")


def _target_group(i: Identity) -> None:
    suffix = f"targetgroup/{i.physical}/{i.h(length=16)}"
    i.arn = i.id = i.regional("elasticloadbalancing", suffix)
    i.extra["arnSuffix"] = suffix


def _rds(i: Identity) -> None:
    cluster = i.kind == "cluster"
    i.arn = i.regional("rds", f"{'cluster' if cluster else 'db'}:{i.physical}")
    host = f"{i.physical}.{'cluster-' if cluster else ''}{i.h('host', length=12)}.{i.region}.rds.amazonaws.com"
    port = i.state.get("port") or (5432 if "postgres" in str(i.state.get("engine", "")) else 3306)
    i.extra.update(address=host, endpoint=host if cluster else f"{host}:{port}", port=port,
                   hostedZoneId="Z2R2ITUGPM61AM", resourceId="db-" + i.h("resource", length=26).upper())
    if cluster:
        i.extra["readerEndpoint"] = host.replace(".cluster-", ".cluster-ro-")


def _lambda(i: Identity) -> None:
    i.arn = i.regional("lambda", f"function:{i.physical}")
    i.extra.update(invokeArn=f"arn:aws:apigateway:{i.region}:lambda:path/2015-03-31/functions/{i.arn}/invocations",
                   qualifiedArn=f"{i.arn}:$LATEST", version="$LATEST", lastModified="2026-01-01T00:00:00.000+0000")


def _queue(i: Identity) -> None:
    i.arn = i.regional("sqs", i.physical)
    i.id = f"https://sqs.{i.region}.amazonaws.com/{i.account}/{i.physical}"
    i.extra["url"] = i.id


def _topic(i: Identity) -> None:
    i.arn = i.id = i.regional("sns", i.physical)


def _ecr(i: Identity) -> None:
    i.arn = i.regional("ecr", f"repository/{i.physical}")
    i.extra.update(repositoryUrl=f"{i.account}.dkr.ecr.{i.region}.amazonaws.com/{i.physical}", registryId=i.account)


def _secret(i: Identity) -> None:
    i.arn = i.id = i.regional("secretsmanager", f"secret:{i.physical}-{i.h(length=6)}")


def _zone(i: Identity) -> None:
    i.id = "Z" + i.h(length=13).upper()
    i.arn = f"arn:aws:route53:::hostedzone/{i.id}"
    i.extra.update(zoneId=i.id, nameServers=[f"ns-{n}.awsdns-{n % 64:02d}.{tld}" for n, tld in
                                             ((int(i.h("ns", length=3), 16) % 2048, "com"), (512, "net"))])


def _dynamodb(i: Identity) -> None:
    i.arn = i.regional("dynamodb", f"table/{i.physical}")


def _ssm_parameter(i: Identity) -> None:
    i.arn = i.regional("ssm", f"parameter/{i.physical.lstrip('/')}")


def _acm(i: Identity) -> None:
    i.arn = i.id = i.regional("acm", f"certificate/{uuid_for(i.typ, i.name)}")


def _cloudtrail(i: Identity) -> None:
    i.arn = i.regional("cloudtrail", f"trail/{i.physical}")


_REALISTIC: dict[str, Callable[[Identity], None]] = {
    **dict.fromkeys(BUCKET_TYPES, _bucket),
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:sagemaker/domain:Domain": _sagemaker_domain,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudtrail/trail:Trail": _cloudtrail,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:eks/cluster:Cluster": _eks_cluster,
    **dict.fromkeys(("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"), _load_balancer),
    **dict.fromkeys(("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"), _target_group),
    **dict.fromkeys(("aws:rds/instance:Instance", "aws:rds/cluster:Cluster"), _rds),
    "aws:lambda/function:Function": _lambda,
    "aws:sqs/queue:Queue": _queue,
    "aws:sns/topic:Topic": _topic,
    "aws:ecr/repository:Repository": _ecr,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:route53/zone:Zone": _zone,
    "aws:dynamodb/table:Table": _dynamodb,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:acm/certificate:Certificate": _acm,
}
def _rename(i: Identity, resource_id: str) -> None:
    """An existing resource keeps the id it was read by, and everything derived from the id follows."""
    old = i.id
    i.arn = resource_id if i.arn == old else i.arn.replace(old, resource_id)
    i.extra = {k: v.replace(old, resource_id) if isinstance(v, str) else v for k, v in i.extra.items()}
    i.id = resource_id


_IAM_NAMED = ("role", "user", "group", "policy", "instanceProfile")


def created(typ: str, name: str, state: dict[str, Any], region: str, account: str,
            properties: frozenset[str] | None = None, resource_id: str | None = None) -> tuple[str, dict[str, Any]]:
    """(id, state) of a new resource, or of the existing one `resource_id` when it is read.

    `properties`: the type's declared outputs, when its SDK class is known.
    """
    identity = Identity(typ, name, state, region, account)
    realistic = _REALISTIC.get(typ)
    if realistic is not None:
        realistic(identity)
    elif typ.startswith("aws:iam/") and identity.kind in _IAM_NAMED:
        _iam(identity)
    if resource_id and resource_id != identity.id:
        _rename(identity, resource_id)
    if not identity.named and typ not in BUCKET_TYPES and (properties is None or "name" in properties):
        state["name"] = identity.physical  # the provider's auto-name
    for key, value in identity.extra.items():
        if properties is None or key in properties:
            state.setdefault(key, value)
    state["id"] = identity.id
    if properties is None or "arn" in properties:
        state.setdefault("arn", identity.arn)
    if properties is None or "tagsAll" in properties:
        state.setdefault("tagsAll", state.get("tags") or {})
    return identity.id, state
