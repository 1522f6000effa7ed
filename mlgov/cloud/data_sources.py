"""Data-source answers: realistic for the common ones, type-shaped for the rest."""

from __future__ import annotations

import json
from typing import Any

from mlgov.cloud.identity import digest


def invoke(token: str, inputs: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {"accountId": account, "arn": f"arn:aws:iam::{account}:user/ci", "userId": "AIDACI",
                "id": account}
    if token == "aws:index/getRegion:getRegion":
        return {"name": region, "region": region, "id": region,
                "description": region, "endpoint": f"ec2.{region}.amazonaws.com"}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
                "reverseDnsPrefix": "com.amazonaws"}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        names = [f"{region}{z}" for z in "abc"]
        return {"names": names, "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)], "id": region,
                "groupNames": [region]}
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        document = policy_document(inputs)
        text = json.dumps(document, indent=2)
        return {"json": text, "minifiedJson": json.dumps(document, separators=(",", ":")), "id": digest(text)}
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
