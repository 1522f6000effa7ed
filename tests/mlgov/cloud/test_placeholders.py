import ipaddress
import re

from mlgov.cloud import ACCOUNT_ID, shapes
from mlgov.cloud.placeholders import MAX_DEPTH, Context, placeholder, string_for
from mlgov.cloud.shapes import ANY, BOOLEAN, INTEGER, NUMBER, STRING, ListOf, MapOf, ObjectShape

CTX = Context("aws:ec2/instance:Instance", "vm", "vm-1234567", "us-east-1", ACCOUNT_ID)


def test_scalars_lists_maps_and_objects_follow_the_shape():
    shape = ObjectShape("X", {"count": INTEGER, "ratio": NUMBER, "on": BOOLEAN, "blob": ANY,
                              "tags": MapOf(STRING), "items": ListOf(ObjectShape("Y", {"port": INTEGER}, frozenset()))},
                        frozenset())
    value = placeholder(shape, "x", CTX)
    assert value == {"count": 1, "ratio": 1.0, "on": False, "blob": None, "tags": {}, "items": [{"port": 443}]}


def test_strings_look_like_what_their_names_say():
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", string_for("vpcId", CTX, "vpcId"))
    assert re.fullmatch(r"sg-[0-9a-f]{17}", string_for("securityGroupId", CTX, "securityGroupId"))
    assert string_for("ownerId", CTX, "ownerId") == ACCOUNT_ID
    assert string_for("roleArn", CTX, "roleArn") == f"arn:aws:iam::{ACCOUNT_ID}:role/vm-1234567"
    assert string_for("outpostArn", CTX, "outpostArn").startswith(f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:outpost/")
    assert ipaddress.ip_network(string_for("ipv6CidrBlock", CTX, "p")).version == 6
    assert ipaddress.ip_network(string_for("cidrBlock", CTX, "p")).version == 4
    assert ipaddress.ip_address(string_for("publicIp", CTX, "p")) in ipaddress.ip_network("203.0.113.0/24")
    assert ipaddress.ip_address(string_for("privateIp", CTX, "p")).is_private
    assert string_for("dnsName", CTX, "p").endswith(".us-east-1.ec2.amazonaws.com")
    assert string_for("createdAt", CTX, "p") == "2026-01-01T00:00:00Z"
    assert re.fullmatch(r"Z[0-9A-F]{13}", string_for("hostedZoneId", CTX, "p"))


def test_values_depend_on_resource_and_path_only():
    other = Context("aws:ec2/instance:Instance", "other", "other-1", "us-east-1", ACCOUNT_ID)
    assert string_for("subnetId", CTX, "a") == string_for("subnetId", CTX, "a")
    assert string_for("subnetId", CTX, "a") != string_for("subnetId", CTX, "b")
    assert string_for("subnetId", CTX, "a") != string_for("subnetId", other, "a")


def test_deep_sdk_types_are_cut_off():
    wafv2 = shapes.resource_shape("aws:wafv2/webAcl:WebAcl")
    deep = placeholder(wafv2.properties["rules"], "rules", CTX)

    def depth(value, level=0):
        if isinstance(value, list):
            return max((depth(v, level) for v in value), default=level)
        if isinstance(value, dict) and value:
            return max(depth(v, level + 1) for v in value.values())
        return level

    assert depth(deep) <= MAX_DEPTH
