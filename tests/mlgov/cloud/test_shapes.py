"""Shapes are checked against the pulumi SDK's own runtime type tables (`pulumi._types`), the ones it
uses to deserialize a provider's answer, not only against hand-written expectations."""

import typing
from collections.abc import Mapping, Sequence

import pulumi_aws as aws
import pytest
from pulumi import _types

from mlgov.cloud import shapes
from mlgov.cloud.shapes import BOOLEAN, INTEGER, STRING, ListOf, MapOf, ObjectShape, OneOf

RESOURCES = {
    "aws:eks/cluster:Cluster": aws.eks.Cluster,
    "aws:ec2/vpc:Vpc": aws.ec2.Vpc,
    "aws:lb/loadBalancer:LoadBalancer": aws.lb.LoadBalancer,
    "aws:s3/bucket:Bucket": aws.s3.Bucket,
    "aws:rds/instance:Instance": aws.rds.Instance,
    "aws:sagemaker/domain:Domain": aws.sagemaker.Domain,
    "aws:lambda/function:Function": aws.lambda_.Function,
    "aws:ec2/instance:Instance": aws.ec2.Instance,
}


def _oracle(typ: typing.Any, depth: int = 0) -> typing.Any:
    """The same shape, from the SDK's own type tables."""
    args = [a for a in typing.get_args(typ) if a is not type(None)]
    origin = typing.get_origin(typ)
    if origin is typing.Union:
        return _oracle(args[0], depth)
    if origin is not None and issubclass(origin, Mapping):
        return ("map", _oracle(args[-1], depth))
    if origin is not None and issubclass(origin, Sequence):
        return ("list", _oracle(args[0], depth))
    if typ is bool:
        return BOOLEAN
    if typ is int:
        return INTEGER
    if isinstance(typ, type) and issubclass(typ, str):
        return STRING
    if _types.is_output_type(typ):
        if depth > 3:
            return typ.__name__
        return (typ.__name__, {k: _oracle(v, depth + 1) for k, v in _types.output_type_types(typ).items()})
    return "other"


def _flatten(shape: typing.Any, depth: int = 0) -> typing.Any:
    if isinstance(shape, ListOf):
        return ("list", _flatten(shape.item, depth))
    if isinstance(shape, MapOf):
        return ("map", _flatten(shape.value, depth))
    if isinstance(shape, ObjectShape):
        if depth > 3:
            return shape.name
        return (shape.name, {k: _flatten(v, depth + 1) for k, v in shape.properties.items()})
    if isinstance(shape, OneOf):
        return STRING  # an SDK enum is a str subclass
    return shape if shape in (BOOLEAN, INTEGER, STRING) else "other"


@pytest.mark.parametrize("token", sorted(RESOURCES))
def test_resource_shape_matches_the_sdk_type_tables(token):
    cls = RESOURCES[token]
    shape = shapes.resource_shape(token)
    expected = {k: _oracle(v) for k, v in _types.resource_types(cls).items()}
    assert {k: _flatten(v) for k, v in shape.properties.items()} == expected


@pytest.mark.parametrize("token", sorted(RESOURCES))
def test_computed_outputs_are_the_outputs_a_program_cannot_set(token):
    cls = RESOURCES[token]
    settable = set(_types.input_type_py_to_pulumi_names(getattr(aws, token.split(":")[1].split("/")[0].replace(
        "lambda", "lambda_")).__dict__[cls.__name__ + "Args"]).values())
    shape = shapes.resource_shape(token)
    assert set(shape.computed()) == set(_types.resource_types(cls)) - settable
    assert "arn" in shape.computed()


def test_nested_output_types_are_followed():
    cluster = shapes.resource_shape("aws:eks/cluster:Cluster")
    assert cluster.properties["certificateAuthority"].properties == {"data": STRING}
    identities = cluster.properties["identities"]
    assert isinstance(identities, ListOf)
    assert identities.item.properties["oidcs"].item.properties == {"issuer": STRING}
    assert cluster.properties["tagsAll"] == MapOf(STRING)
    assert shapes.resource_shape("aws:ec2/vpc:Vpc").properties["enableDnsSupport"] == BOOLEAN


def test_data_source_shape_is_its_result_class():
    zone = shapes.function_shape("aws:route53/getZone:getZone")
    assert set(zone.properties) == set(_types.output_type_types(aws.route53.GetZoneResult))
    assert zone.properties["resourceRecordSetCount"] == INTEGER
    assert zone.properties["nameServers"] == ListOf(STRING)


def test_unknown_tokens_have_no_shape():
    assert shapes.resource_shape("random:index/randomPet:RandomPet") is None
    assert shapes.resource_shape("aws:s3/noSuchThing:NoSuchThing") is None
    assert shapes.resource_shape("not-a-token") is None
    assert shapes.function_shape("aws:s3/getNoSuchThing:getNoSuchThing") is None


def test_shapes_are_cached_per_token():
    assert shapes.resource_shape("aws:ec2/vpc:Vpc") is shapes.resource_shape("aws:ec2/vpc:Vpc")


def test_camel_to_words():
    assert shapes.camel_to_words("ipv6CidrBlock") == ["ipv6", "cidr", "block"]
    assert shapes.camel_to_words("dnsName") == ["dns", "name"]
    assert shapes.camel_to_words("arn") == ["arn"]


SERVICES = ("s3", "iam", "kms", "sagemaker", "eks", "route53", "lambda", "cloudtrail")


def _tokens(service):
    import json
    import pathlib
    import re

    init = pathlib.Path(aws.__file__).read_text()
    registry = json.loads(re.search(r'resource_modules="""(.*?)"""', init, re.S).group(1))
    resources = [t for m in registry if m["mod"].split("/")[0] == service for t in m["classes"]]
    package = pathlib.Path(aws.__file__).parent / (service + "_" if service == "lambda" else service)
    functions = sorted({t for f in package.glob("get_*.py") for t in re.findall(r"invoke\('([^']+)'", f.read_text())})
    return resources, functions


@pytest.mark.parametrize("service", SERVICES)
def test_every_type_and_data_source_of_a_service_is_answered_in_a_shape_the_sdk_accepts(service):
    from mlgov.cloud import MockCloud

    cloud = MockCloud()
    resources, functions = _tokens(service)
    assert resources and functions
    for token in resources:
        shape = shapes.resource_shape(token)
        assert shape is not None, token
        _, outputs = cloud.create(token, "r", {})
        assert set(shape.computed()) <= set(outputs), token
    for token in functions:
        shape = shapes.function_shape(token)
        assert shape is not None, token
        answer = cloud.invoke(token, {})
        module = getattr(aws, service + "_" if service == "lambda" else service)
        member = token.rsplit(":", 1)[-1]
        result_cls = getattr(module, member[0].upper() + member[1:] + "Result")
        python_names = {v: k for k, v in _types.resource_py_to_pulumi_names(result_cls).items()}
        result_cls(**{python_names[k]: v for k, v in answer.items()})  # its __init__ type-checks every field


def test_a_recursive_output_type_is_followed_once():

    import pulumi

    @pulumi.output_type
    class Node(dict):
        @property
        @pulumi.getter
        def label(self) -> str: ...

        @property
        @pulumi.getter
        def children(self) -> typing.Sequence["Node"] | None: ...

    globals()["Node"] = Node  # where the SDK's forward references resolve: the class's module
    try:
        shape = shapes.object_shape(Node)
    finally:
        del globals()["Node"]
    assert shape.properties["label"] == STRING
    assert shape.properties["children"].item is shape
