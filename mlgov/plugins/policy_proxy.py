"""The analyzer proxy a Python language host puts in front of a policy pack (pulumi's sdk/v3 policy_proxy.go).

The engine sends the stack's configuration only over the analyzer protocol (ConfigureStack), but a Python pack
reads it from its environment at start-up (PULUMI_CONFIG, PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN,
PULUMI_ORGANIZATION). So the host answers Handshake and ConfigureStack itself, then starts the pack with that
environment and forwards every other call, byte for byte, to it. A call other than ConfigureStack first
(e.g. `pulumi policy analyze`) starts the pack with no stack configuration, as pulumi's proxy does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from pulumi.runtime.proto import analyzer_pb2

from mlgov.plugins.serve import GRPC_OPTIONS

SERVICE = "/pulumirpc.Analyzer/"


def stack_environment(request: analyzer_pb2.AnalyzerStackConfigureRequest | None) -> dict[str, str]:
    """The variables pulumi's host sets for the pack from ConfigureStack (only the non-empty ones)."""
    if request is None:
        return {}
    values = {
        "PULUMI_ORGANIZATION": request.organization,
        "PULUMI_PROJECT": request.project,
        "PULUMI_STACK": request.stack,
        "PULUMI_DRY_RUN": "true" if request.dry_run else "false",
        "PULUMI_CONFIG": json.dumps(dict(request.config)) if request.config else "",
    }
    return {k: v for k, v in values.items() if v}


class PolicyProxy(grpc.GenericRpcHandler):
    def __init__(self) -> None:
        self._configured = threading.Event()
        self._config: analyzer_pb2.AnalyzerStackConfigureRequest | None = None
        self._attached = threading.Event()
        self._channel: grpc.Channel | None = None
        self._failure = ""
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=GRPC_OPTIONS)
        self.server.add_generic_rpc_handlers((self,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    # -- the engine's side ------------------------------------------------------------------------------
    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        method = handler_call_details.method
        if not method.startswith(SERVICE):
            return None
        name = method[len(SERVICE):]
        if name == "Handshake":
            return _handler(lambda raw, ctx: analyzer_pb2.AnalyzerHandshakeResponse().SerializeToString())
        if name == "ConfigureStack":
            return _handler(self._configure_stack)
        return _handler(lambda raw, ctx: self._forward(method, raw, ctx))

    def _configure_stack(self, raw: bytes, context: grpc.ServicerContext) -> bytes:
        if not self._configured.is_set():
            self._config = analyzer_pb2.AnalyzerStackConfigureRequest.FromString(raw)
            self._configured.set()
        return analyzer_pb2.AnalyzerStackConfigureResponse().SerializeToString()

    def _forward(self, method: str, raw: bytes, context: grpc.ServicerContext) -> bytes:
        self._configured.set()  # no ConfigureStack first: start the pack without stack configuration
        self._attached.wait()
        if self._channel is None:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"policy pack not started: {self._failure}")
        call = self._channel.unary_unary(method)
        remaining = context.time_remaining()
        # No deadline from the engine shows as a huge or negative remaining time: forward none then.
        timeout = remaining if remaining is not None and 0 < remaining < 86400 else None
        try:
            return call(raw, timeout=timeout)
        except grpc.RpcError as exc:
            context.abort(exc.code(), exc.details() or "")

    # -- the pack's side --------------------------------------------------------------------------------
    def await_configuration(self, alive: Callable[[], bool]) -> analyzer_pb2.AnalyzerStackConfigureRequest | None:
        while not self._configured.wait(0.2):
            if not alive():
                raise RuntimeError("the engine went away before configuring the policy pack")
        return self._config

    def attach(self, port: int) -> None:
        """Connect to the started pack, hand it the stack configuration, and release the waiting calls."""
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=GRPC_OPTIONS)
        if self._config is not None:
            try:
                channel.unary_unary(SERVICE + "ConfigureStack")(self._config.SerializeToString(), timeout=60)
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNIMPLEMENTED:  # older packs lack it: fine
                    self.fail(f"policy pack configuration failed: {exc.details()}")
                    channel.close()
                    return
        self._channel = channel
        self._attached.set()

    def fail(self, reason: str) -> None:
        self._failure = reason
        self._attached.set()

    def close(self) -> None:
        self.server.stop(grace=0)
        if self._channel is not None:
            self._channel.close()


def _handler(fn: Callable[[bytes, grpc.ServicerContext], bytes]) -> grpc.RpcMethodHandler:
    # No (de)serializers: requests and responses pass through as bytes.
    return grpc.unary_unary_rpc_method_handler(fn)
