"""The mock cloud: what AWS would answer to create, update, read and data-source calls.

Preview: a new resource's state is its inputs and its id is empty, so every computed output
stays unknown, as in a first `pulumi preview`. Update: the state is the inputs, plus every
computed output the provider declares (type-shaped placeholders from the pulumi-aws SDK's own
output declarations), with realistic ids, ARNs and names where the format is known. Everything
is derived deterministically from the resource's type and name. Data sources are answered fully
in both modes. Inputs always win over placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlgov.cloud import data_sources, identity, shapes
from mlgov.cloud.placeholders import Context, placeholder

ACCOUNT_ID = "123456789012"
STACK_REFERENCE = "pulumi:pulumi:StackReference"


class MockCloud:
    """A deterministic, offline AWS account in one region. It never calls AWS."""

    def __init__(self, region: str = "us-east-1", account: str = ACCOUNT_ID,
                 stack_outputs: Mapping[str, Mapping[str, Any]] | None = None):
        self.region = region
        self.account = account
        # What `pulumi.StackReference("org/project/stack")` reads, by stack name; an unlisted stack exports nothing.
        self.stack_outputs = dict(stack_outputs or {})

    def create(self, type_token: str, name: str, inputs: dict[str, Any],
               preview: bool = False) -> tuple[str, dict[str, Any]]:
        """Create a resource: (id, outputs). In preview, ("", inputs): computed outputs stay unknown."""
        if type_token.startswith("pulumi:providers:"):
            # An explicit provider: its outputs are its configuration; the engine gives it a UUID once created.
            return ("" if preview else identity.uuid_for(type_token, name)), dict(inputs)
        if preview:
            return "", dict(inputs)
        return self._state(type_token, name, dict(inputs))

    def update(self, type_token: str, name: str, resource_id: str, olds: dict[str, Any],
               news: dict[str, Any], preview: bool = False) -> dict[str, Any]:
        """Update a resource in place: its outputs for the new inputs, keeping its id."""
        if preview:
            return dict(news)
        _, outputs = self._state(type_token, name, dict(news), resource_id)
        return outputs

    def read(self, type_token: str, name: str, resource_id: str,
             state: dict[str, Any] | None = None) -> dict[str, Any]:
        """Read an existing resource (Resource.get, refresh, import): its full outputs, also in preview."""
        if type_token == STACK_REFERENCE:
            name = str((state or {}).get("name") or resource_id)
            return {"name": name, "outputs": dict(self.stack_outputs.get(name, {})), "secretOutputNames": []}
        _, outputs = self._state(type_token, name, dict(state or {}), resource_id)
        return outputs

    def construct(self, type_token: str, name: str, inputs: dict[str, Any],
                  preview: bool = False) -> dict[str, Any]:
        """A component a provider builds (awsx `Vpc`, a `remote=True` registration): its outputs.

        A component with no SDK class (one the program itself defines) gets none: the program
        computes its outputs. Preview: the inputs only, as for a custom resource.
        """
        shape = shapes.resource_shape(type_token)
        if shape is None:
            return {}
        state = dict(inputs)
        if not preview:
            ctx = Context(type_token, name, name, self.region, self.account)
            for key in shape.computed():
                state.setdefault(key, placeholder(shape.properties[key], key, ctx))
        return state

    def computed_outputs(self, type_token: str) -> tuple[str, ...]:
        """Top-level outputs the provider computes (not settable inputs): unknown in a preview."""
        shape = shapes.resource_shape(type_token)
        return shape.computed() if shape is not None else ()

    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer a data source (function) call: always fully known, never an exception."""
        return data_sources.invoke(token, args, self.region, self.account)

    def _state(self, type_token: str, name: str, state: dict[str, Any],
               existing_id: str | None = None) -> tuple[str, dict[str, Any]]:
        shape = shapes.resource_shape(type_token)
        declared = frozenset(shape.properties) if shape is not None else None
        resource_id, state = identity.created(type_token, name, state, self.region, self.account, declared,
                                              existing_id)
        if shape is not None:
            physical = next((state[k] for k in ("name", "bucket") if isinstance(state.get(k), str)), resource_id)
            ctx = Context(type_token, name, physical, self.region, self.account)
            for key in shape.computed():
                if key not in state:
                    state[key] = placeholder(shape.properties[key], key, ctx)
        return resource_id, state
