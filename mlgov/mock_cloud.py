"""Mocks that answer like AWS would, enough for a program to run offline.

In preview, a new resource's state is its inputs and its id is empty: every computed output
is unknown, as in a first `pulumi preview`. In update, computed ids, ARNs and names are
filled in deterministically from the resource's type and name.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"


def _digest(*parts: str, length: int = 12) -> str:
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


class CloudMocks(pulumi.runtime.Mocks):
    def __init__(self, preview: bool, region: str = "us-east-1"):
        self.preview = preview
        self.region = region

    # -- resources ------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        if not args.custom:
            return "", {}
        if self.preview:
            # First preview: nothing exists yet, so ids and computed outputs are unknown.
            return "", state
        return self._created(args.typ, args.name, state)

    def _created(self, typ: str, name: str, state: dict) -> tuple[str, dict]:
        service = typ.split(":")[1].split("/")[0] if ":" in typ else "unknown"
        kind = typ.rsplit(":", 1)[-1]
        suffix = _digest(typ, name, length=7)
        physical = next((state[k] for k in _NAME_KEYS if isinstance(state.get(k), str) and state[k]), None)
        if physical is None:
            physical = f"{name}-{suffix}"
            if typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
                state["bucket"] = physical.lower()
            elif "name" not in state:
                state["name"] = physical
        resource_id = _ID_PREFIXES.get(typ, "") + _digest(typ, name, length=17) if typ in _ID_PREFIXES else physical
        arn = f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{kind[0].lower() + kind[1:]}/{physical}"

        if typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
            resource_id = state["bucket"]
            arn = f"arn:aws:s3:::{resource_id}"
            state.setdefault("bucketDomainName", f"{resource_id}.s3.amazonaws.com")
            state.setdefault("bucketRegionalDomainName", f"{resource_id}.s3.{self.region}.amazonaws.com")
            state.setdefault("region", self.region)
        elif typ == "aws:kms/key:Key":
            resource_id = f"{_digest(typ, name, length=8)}-{_digest(name, length=4)}-{_digest(typ, length=4)}"
            arn = f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:key/{resource_id}"
            state["keyId"] = resource_id
        elif typ == "aws:kms/alias:Alias":
            arn = f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:{state.get('name', physical)}"
            state["targetKeyArn"] = state.get("targetKeyId", "")
        elif typ.startswith("aws:iam/"):
            arn = f"arn:aws:iam::{ACCOUNT_ID}:{kind[0].lower() + kind[1:]}/{physical}"
            if typ == "aws:iam/role:Role":
                state["uniqueId"] = "AROA" + _digest(name, length=16).upper()
        elif typ == "aws:sagemaker/domain:Domain":
            state["url"] = f"https://{resource_id}.studio.{self.region}.sagemaker.aws"
            state["homeEfsFileSystemId"] = "fs-" + _digest(name, length=17)
            state["securityGroupIdForDomainBoundary"] = "sg-" + _digest(name, "boundary", length=17)
            arn = f"arn:aws:sagemaker:{self.region}:{ACCOUNT_ID}:domain/{resource_id}"
        elif typ == "aws:cloudtrail/trail:Trail":
            arn = f"arn:aws:cloudtrail:{self.region}:{ACCOUNT_ID}:trail/{physical}"
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            arn = f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{physical}"
        elif typ == "aws:ec2/vpc:Vpc":
            state.setdefault("defaultRouteTableId", "rtb-" + _digest(name, "default", length=17))
            state.setdefault("mainRouteTableId", "rtb-" + _digest(name, "main", length=17))
            state.setdefault("defaultSecurityGroupId", "sg-" + _digest(name, "default", length=17))
        elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
            state.setdefault("prefixListId", "pl-" + _digest(name, length=8))
            state.setdefault("dnsEntries", [])
            state.setdefault("networkInterfaceIds", [])
        state["id"] = resource_id
        state.setdefault("arn", arn)
        state.setdefault("tagsAll", state.get("tags") or {})
        return resource_id, state

    # -- data sources ---------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        token = args.token
        inputs = args.args or {}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci", "userId": "AIDACI",
                    "id": ACCOUNT_ID}
        if token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region,
                    "description": self.region, "endpoint": f"ec2.{self.region}.amazonaws.com"}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
                    "reverseDnsPrefix": "com.amazonaws"}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{self.region}{z}" for z in "abc"]
            return {"names": names, "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)], "id": self.region,
                    "groupNames": [self.region]}
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            document = policy_document(inputs)
            text = json.dumps(document, indent=2)
            return {"json": text, "minifiedJson": json.dumps(document, separators=(",", ":")), "id": _digest(text)}
        if token == "aws:ec2/getPrefixList:getPrefixList":
            return {"id": "pl-63a5400a", "name": inputs.get("name", "com.amazonaws.s3"), "cidrBlocks": []}
        # An unanswered data source gives an empty result: the program sees missing fields, as
        # it would with a data source that found nothing.
        return {}


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
