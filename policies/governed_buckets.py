"""Is an S3 destination a governed dataset bucket of this stack? Shared by every rule that asks
where data is copied to (feature stores, data capture, replication).

A destination is linked to a bucket by the property dependency of the property that holds it
(URNs, known in a first preview) or, when its value is known, by the bucket name in an `s3://`
URI or an `arn:aws:s3:::` ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES, is_dataset_bucket
from ml_dataset_governance.policies.model import Resource, Stack
from ml_dataset_governance.policies.values import NeedsValue, get, is_unknown


def bucket_name(value: Any) -> str | None:
    """`s3://name/prefix`, `arn:aws:s3:::name[/...]` or a bare name -> name."""
    if not isinstance(value, str) or not value or is_unknown(value):
        return None
    for prefix in ("s3://", "s3a://"):
        if value.startswith(prefix):
            return value[len(prefix):].split("/", 1)[0] or None
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[2] == "s3" and not parts[3] and not parts[4]:
            return parts[5].split("/", 1)[0] or None
        return None
    return value.split("/", 1)[0]


def destination_verdict(stack: Stack, source: Resource, prop: str, path: str,
                        params: Mapping[str, Any]) -> str | None:
    """None when the destination at `path` (under top-level `prop`) is a dataset bucket; else why not.

    Raises NeedsValue when neither a dependency nor a known value decides.
    """
    linked = [stack.by_urn[u] for u in source.property_dependencies.get(prop, ())
              if u in stack.by_urn and stack.by_urn[u].type in BUCKET_TYPES]
    try:
        value = get(source.props, path)
    except NeedsValue:
        value = None
        if not linked:
            raise
    name = bucket_name(value)
    if name is not None:
        named = [b for b in stack.of_type(*BUCKET_TYPES) if name in b.identifiers()]
        linked = named or linked
        if not linked:
            allowed = params.get("allowedExternalBuckets") or []
            if name in allowed:
                return None
            return f"bucket '{name}' is not a bucket of this stack"
    if not linked:
        return None if value is None else "the destination is not an S3 bucket"
    governed = [b for b in linked if is_dataset_bucket(b, params)]
    if governed:
        return None
    return f"bucket '{linked[0].name}' is not a dataset-governed bucket"


EXTERNAL_BUCKET_PARAM = {
    "allowedExternalBuckets": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Bucket names outside this stack that are governed elsewhere and may receive data.",
    },
}
