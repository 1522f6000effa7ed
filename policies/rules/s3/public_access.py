"""S3 public access: public access blocks (per bucket and account), ACLs and grants, ownership controls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack, ValueCheck
from ml_dataset_governance.policies.rules.s3.common import (
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    ACL_TYPES,
    OWNERSHIP_CONTROLS,
    PUBLIC_ACCESS_BLOCK,
    each_bucket,
    first_compliant,
)
from ml_dataset_governance.policies.values import (
    NeedsValue,
    Unverifiable,
    as_bool,
    as_list,
    get,
    unverifiable,
)

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


_FLAG_CHECKS = tuple(ValueCheck(flag, True, unset="unset (defaults to false)") for flag in PUBLIC_ACCESS_FLAGS)


_PAB_REMEDIATION = """Block every form of public access on each bucket:

    aws.s3.BucketPublicAccessBlock(f"{name}-public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True)"""


PUBLIC_ACCESS_BLOCK_FLAGS = Rule(
    id="s3-public-access-block-all-enabled",
    title="S3 bucket public access blocks set all four flags to true",
    severity="high",
    enforcement="mandatory",
    frameworks=(FSBP("S3.8"), CIS("2.1.4"), AWS_CONFIG("s3-bucket-level-public-access-prohibited")),
    rationale="Each flag closes a different path (new public ACLs, existing public ACLs, public policies, "
              "cross-account access through a public policy); an unset flag is false.",
    remediation=_PAB_REMEDIATION,
    checks=_FLAG_CHECKS,
    resource_types=(PUBLIC_ACCESS_BLOCK,),
    tags=("s3", "public-access"),
)


def _all_flags_on(block: Resource) -> bool:
    return all(as_bool(block.get(flag)) is True for flag in PUBLIC_ACCESS_FLAGS)


def _bucket_public_access_blocked(stack: Stack, bucket: Resource, params: Mapping[str, Any]) -> str | None:
    blocks = stack.referencing(bucket, (PUBLIC_ACCESS_BLOCK,), "bucket")
    accounts = stack.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK) if params.get("accountBlockSatisfies") else []
    if first_compliant([*blocks, *accounts], _all_flags_on):
        return None
    if not blocks:
        return ("no BucketPublicAccessBlock refers to it; expected one with blockPublicAcls, blockPublicPolicy, "
                "ignorePublicAcls and restrictPublicBuckets all true.")
    return ("its BucketPublicAccessBlock does not set all four flags to true; expected blockPublicAcls, "
            "blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.")


def _buckets_public_access_blocked(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from each_bucket(stack, params, _bucket_public_access_blocked)


BUCKET_PUBLIC_ACCESS_BLOCKED = Rule(
    id="s3-bucket-public-access-blocked",
    title="Every S3 bucket has a public access block with all four flags true",
    severity="high",
    enforcement="mandatory",
    frameworks=(FSBP("S3.8"), CIS("2.1.4")),
    rationale="In pulumi-aws 7 a bucket's public access block is a separate resource: a bucket declared "
              "without one has none, and whatever ACL or policy lands on it later can make it public.",
    remediation=_PAB_REMEDIATION,
    checks=(_buckets_public_access_blocked,),
    stack=True,
    params={
        "accountBlockSatisfies": {
            "type": "boolean",
            "default": False,
            "description": "Accept an AccountPublicAccessBlock with all four flags true, declared in the same "
                           "stack, in place of per-bucket blocks.",
        },
    },
    tags=("s3", "public-access"),
)


_ACCOUNT_PAB_REMEDIATION = """Block public access for the whole account (once, in an account-baseline stack):

    aws.s3.AccountPublicAccessBlock("account-public-access-block",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True)"""


ACCOUNT_PUBLIC_ACCESS_BLOCK_FLAGS = Rule(
    id="s3-account-public-access-block-all-enabled",
    title="The S3 account-level public access block sets all four flags to true",
    severity="high",
    enforcement="mandatory",
    frameworks=(FSBP("S3.1"), CIS("2.1.4")),
    rationale="The account-level block is the backstop for buckets created outside this stack.",
    remediation=_ACCOUNT_PAB_REMEDIATION,
    checks=_FLAG_CHECKS,
    resource_types=(ACCOUNT_PUBLIC_ACCESS_BLOCK,),
    tags=("s3", "public-access"),
)


PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})


PUBLIC_GRANTEE_GROUPS = ("/groups/global/allusers", "/groups/global/authenticatedusers")


def _canned_acl(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    acl = r.get("acl")
    if isinstance(acl, str) and acl.strip().lower() in PUBLIC_CANNED_ACLS:
        yield f"acl is {acl!r}; expected 'private' (or no ACL, with ownership controls set to BucketOwnerEnforced)."


def _public_grant_uri(uri: Any) -> bool:
    return isinstance(uri, str) and uri.strip().lower().rstrip("/").endswith(PUBLIC_GRANTEE_GROUPS)


def _grant_messages(grants: Any, path: str, uri_path: str) -> Iterator[str | Unverifiable]:
    for index, _grant in enumerate(as_list(grants)):
        try:
            uri = get(grants, f"{index}.{uri_path}")
        except NeedsValue as exc:
            yield unverifiable(exc, f"{path}.")
            continue
        if _public_grant_uri(uri):
            group = uri.strip().rstrip("/").rsplit("/", 1)[-1]
            yield f"{path}[{index}] grants access to the {group} group; expected no grant to AllUsers or " \
                  "AuthenticatedUsers."


def _acl_policy_grants(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    yield from _grant_messages(r.get("accessControlPolicy.grants"), "accessControlPolicy.grants", "grantee.uri")


def _bucket_inline_grants(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    yield from _grant_messages(r.get("grants"), "grants", "uri")


ACL_NOT_PUBLIC = Rule(
    id="s3-bucket-acl-not-public",
    title="S3 bucket ACLs grant nothing to AllUsers or AuthenticatedUsers",
    severity="critical",
    enforcement="mandatory",
    frameworks=(FSBP("S3.2"), FSBP("S3.3"), AWS_CONFIG("s3-bucket-public-read-prohibited")),
    rationale="Canned ACLs public-read, public-read-write and authenticated-read, and grants to the AllUsers or "
              "AuthenticatedUsers groups, open the bucket to anyone (AuthenticatedUsers means any AWS account).",
    remediation="Remove the ACL and disable ACLs altogether:\n\n"
                "    aws.s3.BucketOwnershipControls(f\"{name}-ownership-controls\",\n"
                "        bucket=bucket.id, rule={\"object_ownership\": \"BucketOwnerEnforced\"})",
    checks=(_canned_acl, _acl_policy_grants, _bucket_inline_grants),
    resource_types=(*ACL_TYPES, *BUCKET_TYPES),
    tags=("s3", "public-access"),
)


_ownership_enforced = ValueCheck("rule.objectOwnership", "BucketOwnerEnforced", why=" so that ACLs are disabled")


OWNERSHIP_ENFORCED = Rule(
    id="s3-bucket-ownership-enforced",
    title="S3 bucket ownership controls disable ACLs (BucketOwnerEnforced)",
    severity="medium",
    enforcement="mandatory",
    frameworks=(FSBP("S3.12"), NIST("AC-3")),
    rationale="With ACLs disabled, access is decided by policies only, which this pack can read; ObjectWriter "
              "and BucketOwnerPreferred keep ACLs alive, so objects can be shared around the bucket policy.",
    remediation='Set `rule={"object_ownership": "BucketOwnerEnforced"}` on `aws.s3.BucketOwnershipControls`.',
    checks=(_ownership_enforced,),
    resource_types=(OWNERSHIP_CONTROLS,),
    tags=("s3", "access-control"),
)


def _bucket_ownership_declared(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    if stack.referencing(bucket, (OWNERSHIP_CONTROLS,), "bucket"):
        return None
    return "no BucketOwnershipControls refers to it; expected one with objectOwnership 'BucketOwnerEnforced'."


def _buckets_ownership_declared(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from each_bucket(stack, params, _bucket_ownership_declared)


OWNERSHIP_DECLARED = Rule(
    id="s3-bucket-ownership-controls-declared",
    title="Every S3 bucket declares ownership controls",
    severity="low",
    enforcement="advisory",
    frameworks=(FSBP("S3.12"),),
    rationale="New buckets default to BucketOwnerEnforced since April 2023, but older buckets and imported ones "
              "do not; declaring the setting keeps it under review and drift detection.",
    remediation="Declare `aws.s3.BucketOwnershipControls(..., bucket=bucket.id, "
                "rule={\"object_ownership\": \"BucketOwnerEnforced\"})` for each bucket.",
    checks=(_buckets_ownership_declared,),
    stack=True,
    tags=("s3", "access-control"),
)


RULES = (PUBLIC_ACCESS_BLOCK_FLAGS, BUCKET_PUBLIC_ACCESS_BLOCKED, ACCOUNT_PUBLIC_ACCESS_BLOCK_FLAGS, ACL_NOT_PUBLIC,
         OWNERSHIP_ENFORCED, OWNERSHIP_DECLARED)
