"""Type-shaped placeholder values for computed outputs, realistic where the name tells the format.

A computed string called `vpcId` looks like `vpc-0a1b…`, `…Arn` like an ARN, `dnsName` like a
host name, `ipv6CidrBlock` like an IPv6 /56. A list holds one element, so `outputs[0]` works the
way it does against AWS. Every value is a digest of the resource's type, name and property path:
the same program always gets the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlgov.cloud.identity import certificate_data, digest, uuid_for
from mlgov.cloud.shapes import (
    ANY,
    BOOLEAN,
    INTEGER,
    NUMBER,
    STRING,
    ListOf,
    MapOf,
    ObjectShape,
    OneOf,
    Shape,
    camel_to_words,
)

# Nested output types can be deep (WAF statements): past this depth an object is left empty.
MAX_DEPTH = 6
TIMESTAMP = "2026-01-01T00:00:00Z"

# The word before `Id` -> the prefix AWS gives that kind of id.
_ID_PREFIX = {
    "vpc": "vpc-", "subnet": "subnet-", "group": "sg-", "interface": "eni-", "table": "rtb-", "acl": "acl-",
    "options": "dopt-", "image": "ami-", "ami": "ami-", "instance": "i-", "gateway": "igw-", "nat": "nat-",
    "allocation": "eipalloc-", "system": "fs-", "list": "pl-", "endpoint": "vpce-", "snapshot": "snap-",
    "volume": "vol-", "association": "assoc-", "attachment": "attach-", "target": "fsmt-", "peering": "pcx-",
}


@dataclass(frozen=True)
class Context:
    """Who the placeholder is for: the resource (or data source) and the account it lives in."""

    type_token: str
    name: str
    physical: str
    region: str
    account: str

    @property
    def service(self) -> str:
        parts = self.type_token.split(":")
        return parts[1].split("/")[0] if len(parts) == 3 else "unknown"


def placeholder(shape: Shape, key: str, ctx: Context, path: str = "", depth: int = 0) -> Any:
    """A value of `shape` for the property `key` (at `path`) of the resource in `ctx`."""
    path = f"{path}.{key}" if path else key
    if isinstance(shape, ObjectShape):
        if depth >= MAX_DEPTH:
            return {}
        return {k: placeholder(v, k, ctx, path, depth + 1) for k, v in shape.properties.items()}
    if isinstance(shape, ListOf):
        return [placeholder(shape.item, key, ctx, path + "[0]", depth + 1)]
    if isinstance(shape, MapOf):
        return {}
    if isinstance(shape, OneOf):
        return shape.values[0]
    if shape == STRING:
        return string_for(key, ctx, path)
    if shape == INTEGER:
        return _integer_for(key)
    if shape == NUMBER:
        return float(_integer_for(key))
    if shape == BOOLEAN:
        return False
    assert shape == ANY
    return None


def _integer_for(key: str) -> int:
    words = camel_to_words(key)
    if words and words[-1] == "port":
        return 443
    return 1


def _hex(ctx: Context, path: str, length: int = 17) -> str:
    return digest(ctx.type_token, ctx.name, path, length=length)


def string_for(key: str, ctx: Context, path: str) -> str:
    """A realistic string for a computed property, judged by its name."""
    words = camel_to_words(key) or [key.lower()]
    last = words[-1]
    h = _hex(ctx, path)
    if last in ("arn", "arns"):
        kind = "-".join(words[:-1]) or ctx.type_token.rsplit(":", 1)[-1].lower()
        if "role" in words:
            return f"arn:aws:iam::{ctx.account}:role/{ctx.physical}"
        if "key" in words and ("kms" in words or len(words) <= 2):
            return f"arn:aws:kms:{ctx.region}:{ctx.account}:key/{uuid_for(ctx.type_token, ctx.name, path)}"
        return f"arn:aws:{ctx.service}:{ctx.region}:{ctx.account}:{kind}/{ctx.physical}"
    if last in ("id", "ids"):
        before = words[-2] if len(words) >= 2 else ""
        if before in ("owner", "account"):
            return ctx.account
        if (before == "zone" and "hosted" in words) or key == "zoneId":
            return "Z" + h[:13].upper()
        if before == "key":
            return uuid_for(ctx.type_token, ctx.name, path)
        return _ID_PREFIX.get(before, "") + h
    if "cidr" in words:
        if "ipv6" in words:
            return f"2600:1f18:{h[:4]}:{h[4:6]}00::/56"
        return f"10.{int(h[:2], 16) % 256}.0.0/16"
    if last in ("ip", "ips") or words[-2:] == ["ip", "address"] or (key == "address" and ctx.service == "ec2"):
        # Public addresses come from TEST-NET-3 (RFC 5737): realistic, never routable.
        if "public" in words:
            return f"203.0.113.{int(h[:2], 16) % 250 + 1}"
        return f"10.0.{int(h[:2], 16) % 256}.{int(h[2:4], 16) % 250 + 1}"
    if words[-2:] == ["dns", "name"] or last in ("hostname", "domain") or words[-2:] == ["domain", "name"]:
        return f"{ctx.physical}-{int(h[:8], 16) % 10**10}.{ctx.region}.{ctx.service}.amazonaws.com"
    if last == "dns":
        return f"ip-10-0-{int(h[:2], 16)}-{int(h[2:4], 16)}.{ctx.region}.compute.internal"
    if last in ("endpoint", "address"):
        return f"{ctx.physical}.{h[:12]}.{ctx.region}.{ctx.service}.amazonaws.com"
    if last in ("url", "uri"):
        return f"https://{ctx.physical}.{ctx.service}.{ctx.region}.amazonaws.com/"
    if last in ("at", "date", "time", "timestamp"):
        return TIMESTAMP
    if last == "data":
        return certificate_data(ctx.type_token, ctx.name, path)
    if last in ("etag", "fingerprint", "hash", "checksum", "digest"):
        return digest(ctx.type_token, ctx.name, path, length=32)
    if last == "region":
        return ctx.region
    if last == "partition":
        return "aws"
    if last in ("name", "names"):
        return ctx.physical
    if last in ("status", "state"):
        return "ACTIVE"
    if last == "version":
        return "1"
    if last in ("policy", "json", "document"):
        return '{"Version":"2012-10-17","Statement":[]}'
    return f"{'-'.join(words)}-{h[:8]}"
