"""The shape of what a provider returns, read from its Python SDK's own declarations.

A generated Pulumi SDK declares every output of a resource as a getter on the resource class,
`@property @pulumi.getter(name="camelName") def x(self) -> pulumi.Output[Optional[Sequence['outputs.Y']]]`,
and every nested output type as a class in `outputs` with getters of its own. Data sources
declare their result the same way (`GetZoneResult`). Reading those annotations gives the
type-shaped answer the provider would give, without a copy of the provider's schema.

Shapes are computed lazily, per type token, and cached per process: a program only pays for
the types it uses, whose SDK modules it has already imported.
"""

from __future__ import annotations

import enum
import functools
import importlib
import re
import sys
import threading
import typing
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import pulumi

# Scalars are named by the JSON type the engine sends.
STRING, INTEGER, NUMBER, BOOLEAN, ANY = "string", "integer", "number", "boolean", "any"


@dataclass(frozen=True)
class ListOf:
    item: Shape


@dataclass(frozen=True)
class MapOf:
    value: Shape


@dataclass(frozen=True)
class OneOf:
    """An enum: only its values deserialize (the SDK turns the wire string into the enum member)."""

    values: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class ObjectShape:
    """Properties by engine (camelCase) name; `inputs` are the ones a program sets, the rest are computed."""

    name: str
    properties: Mapping[str, Shape]
    inputs: frozenset[str]

    def computed(self) -> tuple[str, ...]:
        return tuple(k for k in self.properties if k not in self.inputs)


Shape = str | ListOf | MapOf | OneOf | ObjectShape

_SCALARS: dict[type, str] = {bool: BOOLEAN, str: STRING, int: INTEGER, float: NUMBER}


def _getters(cls: type) -> list[tuple[str, Any]]:
    """(engine name, return annotation) of each `@pulumi.getter` property a class itself declares."""
    found = []
    for attr in vars(cls).values():
        fget = getattr(attr, "fget", None)
        engine_name = getattr(fget, "_pulumi_name", None)
        if engine_name is not None:
            found.append((engine_name, fget.__annotations__.get("return", Any)))
    return found


def _resolve(annotation: Any, namespace: dict[str, Any]) -> Any:
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        try:
            return eval(annotation, namespace)  # noqa: S307 - an SDK's own annotation, in its own module
        except Exception:
            return Any
    return annotation


def _shape_of(annotation: Any, namespace: dict[str, Any]) -> Shape:
    annotation = _resolve(annotation, namespace)
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is pulumi.Output or origin is Union:
        # Output[T] is T; Optional[T] is T; Union[str, 'Enum'] is its first member.
        return _shape_of(args[0], namespace) if args else ANY
    if origin is not None and isinstance(origin, type):
        if issubclass(origin, Mapping):
            return MapOf(_shape_of(args[-1], namespace) if args else ANY)
        if issubclass(origin, Sequence) and not issubclass(origin, str):
            return ListOf(_shape_of(args[0], namespace) if args else ANY)
    if isinstance(annotation, type):
        if issubclass(annotation, pulumi.Resource):
            return ANY  # a resource reference (a component's `vpc`), not a nested object
        if issubclass(annotation, enum.Enum):
            return OneOf(tuple(str(member.value) for member in annotation)) if len(annotation) else STRING
        for scalar, shape in _SCALARS.items():  # bool first: it is an int too
            if issubclass(annotation, scalar):
                return shape
        if hasattr(annotation, "_pulumi_output_type") or _getters(annotation):
            return object_shape(annotation)
    return ANY


def _namespace(cls: type) -> dict[str, Any]:
    module = sys.modules.get(cls.__module__)
    return vars(module) if module is not None else {}


def _input_names(args_cls: Any) -> frozenset[str]:
    """Engine names a program can set: the getters of the resource's `...Args` input class.

    Only the top level tells inputs from computed outputs: a nested `...Args` class is shared with
    the resource's state, so it lists the computed nested fields too.
    """
    return frozenset(name for name, _ in _getters(args_cls)) if isinstance(args_cls, type) else frozenset()


@functools.cache
def object_shape(cls: type) -> ObjectShape:
    """The shape of an output type (or data-source result) class, by its getters; all computed."""
    if cls in _IN_PROGRESS:  # a recursive SDK type refers to itself: share the shape being built
        return _IN_PROGRESS[cls]
    properties: dict[str, Shape] = {}
    shape = ObjectShape(cls.__name__, properties, frozenset())
    _IN_PROGRESS[cls] = shape
    try:
        namespace = _namespace(cls)
        for engine_name, annotation in _getters(cls):
            properties[engine_name] = _shape_of(annotation, namespace)
    finally:
        del _IN_PROGRESS[cls]
    return shape


_IN_PROGRESS: dict[type, ObjectShape] = {}
_LOCK = threading.RLock()


def _sdk_module(package: str, module: str) -> Any:
    """The SDK module for a token's module part: `aws` + `route53` -> `pulumi_aws.route53`."""
    root = "pulumi_" + package.replace("-", "_")
    name = root if module == "index" else f"{root}.{module}"
    for candidate in (name, name + "_"):  # a Python keyword gets a trailing underscore: `lambda` -> `lambda_`
        try:
            return importlib.import_module(candidate)
        except ImportError:
            continue
    return None


def _split(token: str) -> tuple[str, str, str] | None:
    parts = token.split(":")
    if len(parts) != 3:
        return None
    package, module, member = parts
    return package, module.split("/")[0], member


def _quiet(fn: Any) -> Any:
    """SDK modules load lazily and warn about their deprecated members when they do: not our user's news.

    An SDK this reader cannot follow (another generator's conventions) gives no shape rather than an
    exception: the mock cloud then answers with identities only, and the program still runs. One lock:
    a gRPC provider may serve several requests at once, and shapes are built once per process.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        with _LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return fn(*args)
            except Exception:  # noqa: BLE001 - see above
                return None

    return wrapper


@functools.cache
@_quiet
def resource_shape(type_token: str) -> ObjectShape | None:
    """Outputs of a resource type as its SDK class declares them; None for a type with no SDK class."""
    split = _split(type_token)
    if split is None:
        return None
    cls = _resource_class(type_token, *split)
    if cls is None:
        return None
    outputs = object_shape(cls)
    args_cls = getattr(sys.modules.get(cls.__module__), f"{cls.__name__}Args", None)
    return ObjectShape(outputs.name, outputs.properties, _input_names(args_cls))


def _resource_class(type_token: str, package: str, module: str, member: str) -> type | None:
    from pulumi.runtime.rpc import get_resource_module

    sdk = _sdk_module(package, module)  # importing the package registers its resource modules
    registered = get_resource_module(package, type_token.split(":")[1], "")
    info = getattr(registered, "mod_info", None)
    if isinstance(info, dict) and type_token in info.get("classes", {}):
        sdk = _sdk_module(package, info["fqn"].split(".", 1)[1] if "." in info["fqn"] else "index")
        member = info["classes"][type_token]
    cls = getattr(sdk, member, None) if sdk is not None else None
    return cls if isinstance(cls, type) and issubclass(cls, pulumi.Resource) else None


@functools.cache
@_quiet
def function_shape(token: str) -> ObjectShape | None:
    """A data source's result as its SDK result class declares it (`getZone` -> `GetZoneResult`)."""
    split = _split(token)
    if split is None:
        return None
    package, module, function = split
    sdk = _sdk_module(package, module)
    result = getattr(sdk, function[:1].upper() + function[1:] + "Result", None) if sdk is not None else None
    if not isinstance(result, type):
        return None
    return object_shape(result)


def camel_to_words(name: str) -> list[str]:
    """`ipv6CidrBlock` -> ['ipv6', 'cidr', 'block']."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]
