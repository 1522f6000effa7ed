"""`pulumi-resource-aws` for offline runs: the engine's resource-provider protocol over the gate's mock cloud.

A stand-in for AWS: it never calls AWS. Resources are "created" by `mlgov.cloud.MockCloud`, the core the
emulated gate's mocks serve too, so the real engine and the emulation see the same state:

- Check returns the inputs unchanged (what `Analyze` sees);
- Create/Update: in preview (the `preview` flag) the outputs are the inputs, every computed output
  unknown as in a first `pulumi preview`; in `up` a non-empty id and type-shaped computed outputs;
- Invoke answers the data sources the gate answers, fully known also in preview;
- Diff says DIFF_UNKNOWN, so the engine diffs old and new inputs itself;
- Configure declares supportsPreview and acceptResources; not acceptSecrets, so the engine sends plain
  values and copies secretness from inputs to outputs itself (`annotateSecrets` in provider_plugin.go).
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from mlgov.cloud import MockCloud
from mlgov.plugins.serve import serve

BANNER = ("mlgov offline AWS provider: a stand-in for AWS serving mlgov's mock cloud; it never calls AWS and "
          "creates nothing real.")
DEFAULT_REGION = "us-east-1"


def provider_version() -> str:
    """The installed pulumi-aws SDK's version: the engine records it as the provider's version."""
    try:
        return version("pulumi_aws")
    except PackageNotFoundError:
        return "7.0.0"


def to_dict(message: struct_pb2.Struct | None) -> dict[str, Any]:
    return json_format.MessageToDict(message) if message is not None else {}


def to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(json.loads(json.dumps(value, default=str)))
    return out


def _type_and_name(urn: str) -> tuple[str, str]:
    parts = urn.split("::", 3)
    return (parts[2].rsplit("$", 1)[-1], parts[3]) if len(parts) == 4 else ("", urn)


class OfflineAwsProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self) -> None:
        self.cloud = MockCloud(region=DEFAULT_REGION)

    # -- configuration ----------------------------------------------------------------------------------
    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=provider_version())

    def GetSchema(self, request, context):
        # No engine path we use needs the schema; a minimal valid one beats an error if something asks.
        return provider_pb2.GetSchemaResponse(schema=json.dumps({"name": "aws", "version": provider_version()}))

    def CheckConfig(self, request, context):
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request, context):
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_UNKNOWN)

    def Configure(self, request, context):
        region = request.variables.get("aws:config:region") or to_dict(request.args).get("region")
        if isinstance(region, str) and region:
            self.cloud = MockCloud(region=region)
        return provider_pb2.ConfigureResponse(acceptSecrets=False, supportsPreview=True, acceptResources=True,
                                              acceptOutputs=False)

    # -- resources --------------------------------------------------------------------------------------
    def Check(self, request, context):
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request, context):
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_UNKNOWN)

    def Create(self, request, context):
        typ, name = _type_and_name(request.urn)
        resource_id, state = self.cloud.create(typ, name, to_dict(request.properties), preview=request.preview)
        if not request.preview and not resource_id:
            resource_id = f"{name}-offline"
        # Like the bridged pulumi-aws, "id" stays among the outputs: stack rules match references against it.
        return provider_pb2.CreateResponse(id=resource_id, properties=to_struct(state))

    def Update(self, request, context):
        typ, name = _type_and_name(request.urn)
        state = self.cloud.update(typ, name, request.id, to_dict(request.olds), to_dict(request.news),
                                  preview=request.preview)
        return provider_pb2.UpdateResponse(properties=to_struct(state))

    def Read(self, request, context):
        # Resource.get and refresh: the resource's full state, as the emulation's mocks read it.
        typ, name = _type_and_name(request.urn)
        state = self.cloud.read(typ, name, request.id, to_dict(request.properties) or to_dict(request.inputs))
        return provider_pb2.ReadResponse(id=request.id, properties=to_struct(state), inputs=request.inputs)

    def Delete(self, request, context):
        return empty_pb2.Empty()

    def Invoke(self, request, context):
        result = self.cloud.invoke(request.tok, to_dict(request.args))
        return provider_pb2.InvokeResponse(**{"return": to_struct(result)})

    def Cancel(self, request, context):
        return empty_pb2.Empty()

    def Construct(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "the offline AWS provider has no component resources")


def main() -> int:
    def register(server: grpc.Server) -> None:
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(OfflineAwsProvider(), server)

    return serve(register, BANNER)


if __name__ == "__main__":
    sys.exit(main())
