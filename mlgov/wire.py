"""Values as they travel between a Pulumi program, the engine and a policy pack.

The engine's own encoding, restated here so the gate needs nothing from any pack: unknown sentinels
(`pulumi_policy/proxy.py`) and the secret / resource-reference signatures (`pulumi/runtime/rpc.py`).
`unwrap` turns a wire or state value into what an analyzer receives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the string sentinel, which the wire uses for every type
UNKNOWN_SENTINELS = frozenset({
    UNKNOWN,
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"

__all__ = ["RESOURCE_SIG", "SECRET_SIG", "SIG_KEY", "UNKNOWN", "Unwrapper", "is_unknown"]


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


class Unwrapper:
    """Unwraps secrets and resource references, remembering every plaintext secret string (for redaction)
    and counting secrets it could not read (state ciphertext becomes UNKNOWN, never a guess)."""

    def __init__(self) -> None:
        self.secret_values: set[str] = set()
        self.encrypted = 0

    def __call__(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            sig = value.get(SIG_KEY)
            if sig == SECRET_SIG:
                return self._secret(value)
            if sig == RESOURCE_SIG:
                # The engine hands analyzers a reference as the referenced resource's id (custom) or URN.
                ref_id = value.get("id")
                return ref_id if isinstance(ref_id, str) and ref_id else value.get("urn", UNKNOWN)
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value

    def _secret(self, value: Mapping[str, Any]) -> Any:
        if "value" in value:  # the wire form
            inner = self(value["value"])
        elif "plaintext" in value:  # `pulumi stack export --show-secrets`: a JSON-encoded value
            plaintext = value["plaintext"]
            try:
                inner = self(json.loads(plaintext) if isinstance(plaintext, str) else plaintext)
            except ValueError:
                inner = plaintext
        else:  # state ciphertext: unreadable offline
            self.encrypted += 1
            return UNKNOWN
        self._collect(inner)
        return inner

    def _collect(self, value: Any) -> None:
        if isinstance(value, str):
            if value and not is_unknown(value):
                self.secret_values.add(value)
        elif isinstance(value, Mapping):
            for v in value.values():
                self._collect(v)
        elif isinstance(value, list):
            for v in value:
                self._collect(v)
