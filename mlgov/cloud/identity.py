"""Realistic ids, ARNs and names for the resource types whose formats are known."""

from __future__ import annotations

import hashlib


def digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


# type token -> (id prefix, ARN resource path template); {name} is the physical name, {id} the id
_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:sagemaker/domain:Domain": "d-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}
_NAME_KEYS = ("bucket", "name", "domainName", "userProfileName", "spaceName", "trailName")



def created(typ: str, name: str, state: dict, region: str, account: str) -> tuple[str, dict]:
    service = typ.split(":")[1].split("/")[0] if ":" in typ else "unknown"
    kind = typ.rsplit(":", 1)[-1]
    suffix = digest(typ, name, length=7)
    physical = next((state[k] for k in _NAME_KEYS if isinstance(state.get(k), str) and state[k]), None)
    if physical is None:
        physical = f"{name}-{suffix}"
        if typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
            state["bucket"] = physical.lower()
        elif "name" not in state:
            state["name"] = physical
    resource_id = _ID_PREFIXES.get(typ, "") + digest(typ, name, length=17) if typ in _ID_PREFIXES else physical
    arn = f"arn:aws:{service}:{region}:{account}:{kind[0].lower() + kind[1:]}/{physical}"

    if typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
        resource_id = state["bucket"]
        arn = f"arn:aws:s3:::{resource_id}"
        state.setdefault("bucketDomainName", f"{resource_id}.s3.amazonaws.com")
        state.setdefault("bucketRegionalDomainName", f"{resource_id}.s3.{region}.amazonaws.com")
        state.setdefault("region", region)
    elif typ == "aws:kms/key:Key":
        resource_id = f"{digest(typ, name, length=8)}-{digest(name, length=4)}-{digest(typ, length=4)}"
        arn = f"arn:aws:kms:{region}:{account}:key/{resource_id}"
        state["keyId"] = resource_id
    elif typ == "aws:kms/alias:Alias":
        arn = f"arn:aws:kms:{region}:{account}:{state.get('name', physical)}"
        state["targetKeyArn"] = state.get("targetKeyId", "")
    elif typ.startswith("aws:iam/"):
        arn = f"arn:aws:iam::{account}:{kind[0].lower() + kind[1:]}/{physical}"
        if typ == "aws:iam/role:Role":
            state["uniqueId"] = "AROA" + digest(name, length=16).upper()
    elif typ == "aws:sagemaker/domain:Domain":
        state["url"] = f"https://{resource_id}.studio.{region}.sagemaker.aws"
        state["homeEfsFileSystemId"] = "fs-" + digest(name, length=17)
        state["securityGroupIdForDomainBoundary"] = "sg-" + digest(name, "boundary", length=17)
        arn = f"arn:aws:sagemaker:{region}:{account}:domain/{resource_id}"
    elif typ == "aws:cloudtrail/trail:Trail":
        arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{physical}"
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        arn = f"arn:aws:logs:{region}:{account}:log-group:{physical}"
    elif typ == "aws:ec2/vpc:Vpc":
        state.setdefault("defaultRouteTableId", "rtb-" + digest(name, "default", length=17))
        state.setdefault("mainRouteTableId", "rtb-" + digest(name, "main", length=17))
        state.setdefault("defaultSecurityGroupId", "sg-" + digest(name, "default", length=17))
    elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
        state.setdefault("prefixListId", "pl-" + digest(name, length=8))
        state.setdefault("dnsEntries", [])
        state.setdefault("networkInterfaceIds", [])
    state["id"] = resource_id
    state.setdefault("arn", arn)
    state.setdefault("tagsAll", state.get("tags") or {})
    return resource_id, state

