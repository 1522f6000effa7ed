"""The mock cloud: what AWS would answer to create, update, read and data-source calls.

Preview: a new resource's state is its inputs and its id is empty, so every computed output
stays unknown, as in a first `pulumi preview`. Update: the state is the inputs, plus every
output the provider declares (type-shaped placeholders from the pulumi-aws SDK), plus realistic
ids, ARNs and names where the format is known. Everything is derived deterministically from the
resource's type and name. Data sources are answered fully in both modes.
"""

from __future__ import annotations

from typing import Any

from mlgov.cloud import data_sources, identity

ACCOUNT_ID = "123456789012"


class MockCloud:
    """A deterministic, offline AWS account in one region."""

    def __init__(self, region: str = "us-east-1", account: str = ACCOUNT_ID):
        self.region = region
        self.account = account

    def create(self, type_token: str, name: str, inputs: dict[str, Any],
               preview: bool = False) -> tuple[str, dict[str, Any]]:
        """Create a resource: (id, outputs). In preview, ("", inputs): computed outputs stay unknown."""
        state = dict(inputs)
        if preview:
            return "", state
        return identity.created(type_token, name, state, self.region, self.account)

    def update(self, type_token: str, name: str, resource_id: str, olds: dict[str, Any],
               news: dict[str, Any], preview: bool = False) -> dict[str, Any]:
        """Update a resource in place: its outputs for the new inputs (same id)."""
        if preview:
            return dict(news)
        _, state = identity.created(type_token, name, dict(news), self.region, self.account)
        state["id"] = resource_id
        return state

    def read(self, type_token: str, name: str, resource_id: str,
             state: dict[str, Any] | None = None) -> dict[str, Any]:
        """Read an existing resource (Resource.get / refresh / import): its full outputs, also in preview."""
        _, outputs = identity.created(type_token, name, dict(state or {}), self.region, self.account)
        outputs["id"] = resource_id
        return outputs

    def computed_outputs(self, type_token: str) -> tuple[str, ...]:
        """Top-level output names the provider computes (not inputs): unknown in a preview."""
        return ()

    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer a data source (function) call: always fully known, never an exception."""
        return data_sources.invoke(token, args, self.region, self.account)
