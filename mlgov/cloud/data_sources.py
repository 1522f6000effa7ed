"""Data-source answers: realistic for the common ones, type-shaped for the rest.

Every data source gets a full answer shaped like its SDK result class (`getZone` ->
`GetZoneResult`), with the call's arguments echoed where the names match, then the realistic
fields this module knows for the common ones. An unknown data source never raises: a program
that looks something up offline gets a plausible, deterministic something.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from mlgov.cloud import shapes
from mlgov.cloud.identity import created, digest, uuid_for
from mlgov.cloud.placeholders import Context, placeholder

Answer = Callable[[dict[str, Any], str, str], dict[str, Any]]


def invoke(token: str, args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    """The full result of data source `token` called with `args` (engine names)."""
    realistic = _REALISTIC.get(token)
    known = realistic(args, region, account) if realistic else {}
    shape = shapes.function_shape(token)
    if shape is None:
        return {**args, **known}
    seed = json.dumps(args, sort_keys=True, default=str)
    physical = _looked_up_name(args) or f"{token.rsplit(':', 1)[-1]}-{digest(token, seed, length=7)}"
    described = _described_resource(token, physical, args, region, account)
    ctx = Context(token, seed, physical, region, account)
    result: dict[str, Any] = {}
    for key, prop in shape.properties.items():
        if key in known:
            result[key] = known[key]
        elif key in args and args[key] is not None:
            result[key] = args[key]
        elif key in described:
            result[key] = described[key]
        else:
            result[key] = placeholder(prop, key, ctx)
    return result


def _looked_up_name(args: dict[str, Any]) -> str | None:
    """The name a lookup asks for: `name`, `bucket`, or any `...Name` / `...Identifier` argument."""
    for key, value in args.items():
        if isinstance(value, str) and value and (key in ("name", "bucket") or key.endswith(("Name", "Identifier"))):
            return value
    return None


def _described_resource(token: str, physical: str, args: dict[str, Any], region: str,
                        account: str) -> dict[str, Any]:
    """`aws:iam/getRole:getRole` describes an `aws:iam/role:Role`: the mock cloud's identity for one of that name."""
    package, module, function = token.split(":")
    kind = function[3:] if function.startswith("get") else ""
    resource = f"{package}:{module.split('/')[0]}/{kind[:1].lower()}{kind[1:]}:{kind}"
    shape = shapes.resource_shape(resource) if kind else None
    if shape is None:
        return {}
    existing = args.get("id") if isinstance(args.get("id"), str) else None
    _, state = created(resource, physical, {"bucket": physical, "name": physical}, region, account,
                       frozenset(shape.properties), existing)
    return state


def _caller_identity(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    return {"accountId": account, "arn": f"arn:aws:iam::{account}:user/ci", "userId": "AIDACI", "id": account}


def _region(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    name = args.get("region") or args.get("name") or region
    return {"name": name, "region": name, "id": name, "description": name, "endpoint": f"ec2.{name}.amazonaws.com"}


def _partition(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws", "reverseDnsPrefix": "com.amazonaws"}


def _availability_zones(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    return {"names": [f"{region}{z}" for z in "abc"], "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)], "id": region,
            "groupNames": [region]}


def _policy_document(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    document = policy_document(args)
    text = json.dumps(document, indent=2)
    return {"json": text, "minifiedJson": json.dumps(document, separators=(",", ":")), "id": digest(text)}


def _prefix_list(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    return {"id": "pl-63a5400a", "name": args.get("name", f"com.amazonaws.{region}.s3"), "cidrBlocks": []}


def _zone(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    name = str(args.get("name") or "example.com").rstrip(".")
    zone_id = str(args.get("zoneId") or "Z" + digest("zone", name, length=13).upper())
    return {"id": zone_id, "zoneId": zone_id, "name": name, "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
            "privateZone": bool(args.get("privateZone")), "resourceRecordSetCount": 2, "callerReference": zone_id,
            "nameServers": ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"],
            "primaryNameServer": "ns-1.awsdns-01.org", "comment": "", "tags": args.get("tags") or {}}


def _vpc(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    vpc_id = str(args.get("id") or "vpc-" + digest("vpc", json.dumps(args, sort_keys=True, default=str), length=17))
    return {"id": vpc_id, "arn": f"arn:aws:ec2:{region}:{account}:vpc/{vpc_id}", "cidrBlock": "172.31.0.0/16",
            "default": bool(args.get("default")), "ownerId": account, "state": "available",
            "mainRouteTableId": "rtb-" + digest(vpc_id, "main", length=17),
            "dhcpOptionsId": "dopt-" + digest(vpc_id, length=17), "enableDnsSupport": True,
            "enableDnsHostnames": True, "instanceTenancy": "default", "ipv6CidrBlock": "", "ipv6AssociationId": ""}


def _subnets(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    seed = json.dumps(args, sort_keys=True, default=str)
    return {"ids": [f"subnet-{digest('subnets', seed, z, length=17)}" for z in "abc"], "id": region}


def _subnet(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    subnet_id = str(args.get("id") or "subnet-" + digest("subnet", json.dumps(args, sort_keys=True, default=str),
                                                           length=17))
    return {"id": subnet_id, "arn": f"arn:aws:ec2:{region}:{account}:subnet/{subnet_id}", "cidrBlock": "172.31.0.0/20",
            "availabilityZone": f"{region}a", "vpcId": "vpc-" + digest(subnet_id, "vpc", length=17),
            "ownerId": account, "state": "available", "ipv6CidrBlock": "", "ipv6CidrBlockAssociationId": ""}


def _ami(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    image = "ami-" + digest("ami", json.dumps(args, sort_keys=True, default=str), region, length=17)
    return {"id": image, "imageId": image, "arn": f"arn:aws:ec2:{region}::image/{image}", "architecture": "x86_64",
            "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs", "virtualizationType": "hvm",
            "ownerId": "137112412989", "state": "available", "public": True, "platform": "", "name": "al2023-ami"}


def _parameter(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    name = str(args.get("name") or "/mock/parameter")
    return {"id": name, "name": name, "arn": f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}",
            "type": "String", "value": f"mock-value-{digest('ssm', name, length=8)}", "version": 1,
            "insecureValue": f"mock-value-{digest('ssm', name, length=8)}"}


def _secret(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    name = str(args.get("name") or args.get("arn") or "mock-secret").rsplit(":", 1)[-1]
    arn = args.get("arn") or f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-{digest(name, length=6)}"
    return {"id": arn, "arn": arn, "name": name, "kmsKeyId": "", "policy": "", "tags": {}}


def _secret_version(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    secret = str(args.get("secretId") or "mock-secret")
    return {"secretId": secret, "secretString": f"mock-secret-{digest('secret', secret, length=8)}",
            "versionId": uuid_for("secret", secret), "versionStages": ["AWSCURRENT"]}


def _kms_key(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    key = str(args.get("keyId") or "")
    key_id = key.rsplit("/", 1)[-1] if key and not key.startswith("alias/") else uuid_for("kms", key)
    return {"id": key_id, "keyId": key_id, "arn": f"arn:aws:kms:{region}:{account}:key/{key_id}",
            "awsAccountId": account, "enabled": True, "keyState": "Enabled", "keyManager": "CUSTOMER",
            "keySpec": "SYMMETRIC_DEFAULT", "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "keyUsage": "ENCRYPT_DECRYPT", "origin": "AWS_KMS", "multiRegion": False}


def _kms_alias(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    name = str(args.get("name") or "alias/mock")
    key_id = uuid_for("kms", name)
    return {"id": name, "name": name, "arn": f"arn:aws:kms:{region}:{account}:{name}", "targetKeyId": key_id,
            "targetKeyArn": f"arn:aws:kms:{region}:{account}:key/{key_id}"}


def _ecr_token(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    password = "mock-" + digest("ecr", account, length=24)
    registry = f"{account}.dkr.ecr.{region}.amazonaws.com"
    return {"id": region, "userName": "AWS", "password": password, "proxyEndpoint": f"https://{registry}",
            "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
            "expiresAt": "2026-01-01T12:00:00Z", "registryId": args.get("registryId") or account}


def _eks_cluster(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    name = str(args.get("name") or "cluster")
    _, state = created("aws:eks/cluster:Cluster", name, {"name": name, "vpcConfig": {}}, region, account)
    # The same endpoint and certificate as the mock cluster created under that name.
    state["certificateAuthorities"] = [state.pop("certificateAuthority")]
    return state


_REALISTIC: dict[str, Answer] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ec2/getPrefixList:getPrefixList": _prefix_list,
    "aws:route53/getZone:getZone": _zone,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getSubnet:getSubnet": _subnet,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:ssm/getParameter:getParameter": _parameter,
    "aws:secretsmanager/getSecret:getSecret": _secret,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
    "aws:kms/getKey:getKey": _kms_key,
    "aws:kms/getAlias:getAlias": _kms_alias,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_token,
    "aws:eks/getCluster:getCluster": _eks_cluster,
}


def policy_document(inputs: dict[str, Any]) -> dict[str, Any]:
    """Build the JSON document aws.iam.get_policy_document would return."""
    statements = []
    for stmt in inputs.get("statements") or []:
        out: dict[str, Any] = {}
        if stmt.get("sid"):
            out["Sid"] = stmt["sid"]
        out["Effect"] = stmt.get("effect") or "Allow"
        for key, target in (("actions", "Action"), ("notActions", "NotAction"),
                            ("resources", "Resource"), ("notResources", "NotResource")):
            values = stmt.get(key)
            if values:
                out[target] = values[0] if len(values) == 1 else list(values)
        for key, target in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            principals = stmt.get(key)
            if principals:
                mapping: dict[str, Any] = {}
                for p in principals:
                    ids = p.get("identifiers") or []
                    mapping[p.get("type", "AWS")] = ids[0] if len(ids) == 1 else list(ids)
                out[target] = "*" if mapping == {"*": "*"} else mapping
        conditions = stmt.get("conditions")
        if conditions:
            cond: dict[str, dict[str, Any]] = {}
            for c in conditions:
                values = c.get("values") or []
                cond.setdefault(c.get("test", ""), {})[c.get("variable", "")] = (
                    values[0] if len(values) == 1 else list(values))
            out["Condition"] = cond
        statements.append(out)
    return {"Version": "2012-10-17", "Statement": statements}
