"""Resource types and helpers shared by the S3 rule modules.

pulumi-aws 7 splits a bucket's settings into separate resources (public access block, ACL,
ownership controls, policy, encryption, versioning, lifecycle, object lock). What one of them
can decide alone is a resource rule, so it blocks before creation; "every bucket has one" is a
stack rule that correlates the setting to its bucket by the `bucket` property dependency
(URN, known in a first preview) before falling back on known names (`Stack.referencing`).

The deprecated inline bucket properties (`acl`, `grants`, `policy`, `serverSideEncryptionConfiguration`,
`versioning`, `lifecycleRules`, and BucketV2's plural forms) are still read: resource rules
check them when they are set, and stack rules accept them as satisfying a requirement, never
as failing one (the provider echoes AWS's current state in those outputs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES, is_dataset_bucket
from ml_dataset_governance.policies.model import Finding, Resource, Stack
from ml_dataset_governance.policies.values import (
    NeedsValue,
    Unverifiable,
    is_unknown,
    unverifiable,
)

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
ACL_TYPES = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SSE_TYPES = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
VERSIONING_TYPES = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
LIFECYCLE_TYPES = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
OBJECT_LOCK_TYPES = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)
DATASET_NOTE = ("Applies to dataset buckets only (tag `datasetTagKey`, default `dataset`, or a name matching "
                "`datasetBucketPatterns`).")


def bucket_label(r: Resource) -> str:
    """Which bucket a setting resource applies to, for messages (the bucket name is never secret)."""
    bucket = r.props.get("bucket") if isinstance(r.props, Mapping) else None
    return f" for bucket '{bucket}'" if isinstance(bucket, str) and bucket and not is_unknown(bucket) else ""


def each_bucket(stack: Stack, params: Mapping[str, Any], verdict: Callable[[Stack, Resource, Mapping[str, Any]],
                str | None], *, datasets_only: bool = False) -> Iterator[Finding | Unverifiable]:
    """Run `verdict` (a message, or None when compliant) on every (dataset) bucket.

    A bucket whose verdict needs an unknown value (the verdict raised NeedsValue) is yielded as
    Unverifiable and the other buckets are still decided.
    """
    for bucket in stack.of_type(*BUCKET_TYPES):
        try:
            if datasets_only and not is_dataset_bucket(bucket, params):
                continue
            message = verdict(stack, bucket, params)
        except NeedsValue as exc:
            yield unverifiable(exc, f"{bucket.name}: ")
            continue
        if message:
            yield Finding(bucket.urn, message)


def first_compliant(candidates: Iterable[Resource], compliant: Callable[[Resource], bool]) -> bool:
    """True if a candidate is known to comply; NeedsValue if none does but one could not be read; else False."""
    unknown = []
    for candidate in candidates:
        try:
            if compliant(candidate):
                return True
        except NeedsValue as exc:
            unknown.append(f"{candidate.name}.{exc.path}")
    if unknown:
        raise NeedsValue(", ".join(unknown))
    return False


def child(tree: Any, key: str) -> Any:
    """`tree[key]` without judging it: an unknown parent stays unknown, so the caller's `get` raises on it."""
    if is_unknown(tree):
        return tree
    return tree.get(key) if isinstance(tree, Mapping) else None


def inline_setting(bucket: Resource, path: str) -> Any:
    """An inline bucket property, or None if it is unknown (inline settings only ever satisfy a stack rule)."""
    try:
        return bucket.get(path)
    except NeedsValue:
        return None

