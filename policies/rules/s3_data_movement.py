"""S3 rules for the ways data leaves or loses its governed bucket: replication, lifecycle expiry,
a second bucket policy, directory buckets, access points and S3 Access Grants.

Replication and lifecycle are stack rules (a configuration is judged by the bucket it applies to
and, for replication, the bucket it copies to); access points and grants are decided alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as iam
from ml_dataset_governance.policies.datasets import BUCKET_TYPES, DATASET_PARAMS, is_dataset_bucket
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.governed_buckets import EXTERNAL_BUCKET_PARAM, bucket_name
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.rules.s3 import BUCKET_POLICY, LIFECYCLE_TYPES, SSE_TYPES, bucket_policy, encryption
from ml_dataset_governance.policies.rules.s3.public_access import PUBLIC_ACCESS_FLAGS
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_document,
    as_list,
    as_number,
    get,
    is_unknown,
    present,
)

REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
DIRECTORY_BUCKET = "aws:s3/directoryBucket:DirectoryBucket"
ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
ACCESS_POINT_POLICY = "aws:s3control/accessPointPolicy:AccessPointPolicy"
MULTI_REGION_ACCESS_POINT = "aws:s3control/multiRegionAccessPoint:MultiRegionAccessPoint"
ACCESS_GRANT = "aws:s3control/accessGrant:AccessGrant"
ACCESS_GRANTS_LOCATION = "aws:s3control/accessGrantsLocation:AccessGrantsLocation"


def _buckets_named(stack: Stack, name: str) -> list[Resource]:
    return [b for b in stack.of_type(*BUCKET_TYPES) if name in b.identifiers()]


def _source_bucket(stack: Stack, config: Resource) -> Resource | None:
    found = stack.referenced_by(config, "bucket", BUCKET_TYPES)
    return found[0] if found else None


# --- replication ---------------------------------------------------------------------------------

def _replication_rules(stack: Stack) -> Iterator[tuple[Resource, str, Any, str, str]]:
    """(resource, label, destination, bucket path, account path) for every enabled replication rule."""
    for config in stack.of_type(REPLICATION):
        for index, rule in enumerate(as_list(config.get("rules"))):
            if get(rule, "status") == "Enabled":
                yield config, f"rules[{index}].destination", get(rule, "destination"), "bucket", "account"
    for bucket in stack.of_type(*BUCKET_TYPES):
        for index, rule in enumerate(as_list(bucket.get("replicationConfiguration.rules"))):
            if get(rule, "status") == "Enabled":
                yield (bucket, f"replicationConfiguration.rules[{index}].destination", get(rule, "destination"),
                       "bucket", "accountId")


def _destination_problem(stack: Stack, source: Resource, destination: Any, bucket_path: str, account_path: str,
                         params: Mapping[str, Any]) -> str | None:
    accounts = params.get("allowedAccounts") or []
    account = get(destination, account_path)
    if isinstance(account, str) and account and accounts and account not in accounts:
        return f"replicates to account {account}, which is not in allowedAccounts ({', '.join(accounts)})"
    try:
        raw = get(destination, bucket_path)
    except NeedsValue:  # a first preview: the destination's ARN is computed, its dependency decides
        raw = None
        if not _dependency_targets(stack, source):
            raise
    name = bucket_name(raw)
    targets = (_buckets_named(stack, name) if name else []) or _dependency_targets(stack, source)
    if targets:
        if any(is_dataset_bucket(b, params) for b in targets):
            return None
        return f"replicates to bucket '{targets[0].name}', which is not a dataset-governed bucket"
    if name and name in (params.get("allowedExternalBuckets") or []):
        return None
    return f"replicates to bucket '{name or raw}', which is not a governed bucket of this stack"


def _dependency_targets(stack: Stack, source: Resource) -> list[Resource]:
    """Buckets the replication rules depend on, other than the source bucket itself (first preview)."""
    prop = "rules" if source.type == REPLICATION else "replicationConfiguration"
    origin = source if source.type in BUCKET_TYPES else _source_bucket(stack, source)
    return [stack.by_urn[u] for u in source.property_dependencies.get(prop, ())
            if u in stack.by_urn and stack.by_urn[u].type in BUCKET_TYPES and stack.by_urn[u] is not origin]


def _replication_governed(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    for source, label, destination, bucket_path, account_path in _replication_rules(stack):
        try:
            problem = _destination_problem(stack, source, destination, bucket_path, account_path, params)
        except NeedsValue as exc:
            yield Unverifiable(f"{source.name}: {label}.{exc.path}")
            continue
        if problem:
            yield Finding(source.urn, f"{label} {problem}; expected a dataset bucket (dataset tag) in an allowed "
                                      "account.")


_REPLICATION_REMEDIATION = """Replicate only to another dataset bucket (same tags, key, policy) in an allowed account:

    aws.s3.BucketReplicationConfig("replicate", bucket=source.id, role=replication_role.arn, rules=[{
        "id": "dr", "status": "Enabled", "filter": {},
        "delete_marker_replication": {"status": "Disabled"},
        "destination": {"bucket": replica.arn, "account": account_id,
                        "encryption_configuration": {"replica_kms_key_id": replica_key.arn}}}])"""


_ACCOUNTS = {"allowedAccounts": {"type": "array", "items": {"type": "string"}, "default": [],
                                 "description": "Accounts replication may copy to; empty does not restrict accounts "
                                                "(the destination must still be a governed bucket)."}}


S3_REPLICATION_TO_GOVERNED_BUCKETS = Rule(
    id="s3-replication-to-governed-buckets",
    title="S3 replication copies only to governed dataset buckets in allowed accounts",
    severity="critical",
    enforcement="mandatory",
    frameworks=(NIST("AC-4"), NIST("AC-21")),
    stack=True,
    reads=(REPLICATION, *BUCKET_TYPES),
    rationale=(
        "A replication rule copies every new object to its destination: a bucket without the dataset's tag, "
        "policy and key, or in another account, is a standing exfiltration path. BucketReplicationConfig rules "
        "and a bucket's inline replicationConfiguration are both read; the destination is found by bucket ARN "
        "or property dependency; buckets governed by another stack go in allowedExternalBuckets."
    ),
    remediation=_REPLICATION_REMEDIATION,
    checks=(_replication_governed,),
    params={**DATASET_PARAMS, **EXTERNAL_BUCKET_PARAM, **_ACCOUNTS},
    tags=("s3", "data-movement"),
)


# --- lifecycle expiry ------------------------------------------------------------------------------

def _required_days(bucket: Resource, params: Mapping[str, Any]) -> float:
    minimum = as_number(params.get("minimumRetentionDays")) or 0.0
    tags = bucket.get("tags")
    dataset = tags.get(params.get("datasetTagKey") or "dataset") if isinstance(tags, Mapping) else None
    specific = [as_number(e.get("days")) for e in params.get("datasetRetention") or []
                if isinstance(e, Mapping) and e.get("dataset") == dataset]
    return max([minimum, *(d for d in specific if d is not None)])


def _expiry_problems(config: Resource, required: float, check_noncurrent: bool) -> Iterator[str]:
    for index, rule in enumerate(as_list(config.get("rules"))):
        if get(rule, "status") != "Enabled":
            continue
        where = f"rules[{index}]"
        if get(rule, "expiration.date"):
            yield f"{where}.expiration.date deletes current dataset objects on a date"
        days = as_number(get(rule, "expiration.days"))
        if days is not None and days < required:
            yield f"{where}.expiration.days is {days:g}, shorter than the {required:g}-day retention"
        noncurrent = as_number(get(rule, "noncurrentVersionExpiration.noncurrentDays"))
        if check_noncurrent and noncurrent is not None and noncurrent < required:
            yield (f"{where}.noncurrentVersionExpiration.noncurrentDays is {noncurrent:g}, shorter than the "
                   f"{required:g}-day retention")


def _lifecycle_retention(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    for config in stack.of_type(*LIFECYCLE_TYPES):
        bucket = _source_bucket(stack, config)
        try:
            if bucket is None or not is_dataset_bucket(bucket, params):
                continue
            required = _required_days(bucket, params)
            by_dataset = bool(params.get("datasetRetention"))
            problems = list(_expiry_problems(config, required, by_dataset))
        except NeedsValue as exc:
            yield Unverifiable(f"{config.name}: {exc.path}")
            continue
        for problem in problems:
            yield Finding(config.urn, f"{problem} of dataset bucket '{bucket.name}'; expected current versions kept "
                                      "for at least the catalog retention (no date-based expiry).")


S3_DATASET_LIFECYCLE_KEEPS_RETENTION = Rule(
    id="s3-dataset-lifecycle-keeps-retention",
    title="Lifecycle rules never expire dataset objects before the catalog retention",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("SI-12"), NIST("CP-9")),
    stack=True,
    reads=(*LIFECYCLE_TYPES, *BUCKET_TYPES),
    rationale=(
        "An expiration action on a dataset bucket deletes current objects (with versioning, it turns them into "
        "non-current versions that the noncurrent rule then deletes): a lifecycle rule can erase a dataset "
        "that no one was allowed to delete. Current-version expiry (expiration.days) must be at least "
        "minimumRetentionDays; date-based expiry is always flagged. With datasetRetention (each dataset's tag "
        "value and the catalog's retentionDays) the non-current expiry of each dataset is checked too."
    ),
    remediation="Expire only non-current versions, after the catalog retention:\n\n"
                "    aws.s3.BucketLifecycleConfiguration(\"lifecycle\", bucket=bucket.id, rules=[{\n"
                "        \"id\": \"expire-noncurrent\", \"status\": \"Enabled\", \"filter\": {},\n"
                "        \"noncurrent_version_expiration\": {\"noncurrent_days\": 90}}])",
    checks=(_lifecycle_retention,),
    params={
        **DATASET_PARAMS,
        "minimumRetentionDays": {"type": "integer", "default": 90, "minimum": 0,
                                 "description": "Shortest accepted current-version expiry on a dataset bucket."},
        "datasetRetention": {
            "type": "array", "default": [],
            "items": {"type": "object", "additionalProperties": False, "required": ["dataset", "days"],
                      "properties": {"dataset": {"type": "string"}, "days": {"type": "integer", "minimum": 1}}},
            "description": "The catalog's retention: dataset tag value and retentionDays, one entry per dataset.",
        },
    },
    tags=("s3", "retention"),
)


# --- one bucket policy per bucket ----------------------------------------------------------------

def _single_policy(stack: Stack, _params: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in stack.of_type(*BUCKET_TYPES, DIRECTORY_BUCKET):
        policies = bucket_policy.bucket_policies(stack, bucket)
        if len(policies) > 1:
            names = ", ".join(name for name, _ in policies)
            yield Finding(bucket.urn, f"{len(policies)} bucket policies apply ({names}); S3 keeps only the last one "
                                      "written, so one silently replaces the other. Expected exactly one.")


S3_BUCKET_SINGLE_POLICY = Rule(
    id="s3-bucket-single-policy",
    title="Each bucket has exactly one bucket policy",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("AC-3"), NIST("CM-2")),
    stack=True,
    reads=(*BUCKET_TYPES, DIRECTORY_BUCKET, BUCKET_POLICY),
    rationale=(
        "A bucket has one policy: two BucketPolicy resources (or one plus the bucket's inline policy) overwrite "
        "each other in whatever order they are applied, so a permissive second policy silently replaces the "
        "governed one and the pack's checks of the first prove nothing."
    ),
    remediation="Merge the statements into one document and keep a single `aws.s3.BucketPolicy(bucket=bucket.id, "
                "policy=...)` per bucket.",
    checks=(_single_policy,),
    tags=("s3", "access"),
)


# --- directory buckets -----------------------------------------------------------------------------

def _directory_buckets_encrypted(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    for bucket in stack.of_type(DIRECTORY_BUCKET):
        try:
            problem = encryption.bucket_encrypted_kms(stack, bucket, params)
        except NeedsValue as exc:
            yield Unverifiable(f"{bucket.name}: {exc.path}")
            continue
        if problem:
            yield Finding(bucket.urn, problem)


S3_DIRECTORY_BUCKET_KMS_ENCRYPTED = Rule(
    id="s3-directory-bucket-kms-encrypted",
    title="S3 directory buckets default-encrypt with SSE-KMS under a customer-managed key",
    severity="high",
    enforcement="mandatory",
    frameworks=(FSBP("S3.17"), NIST("SC-28")),
    stack=True,
    reads=(DIRECTORY_BUCKET, *SSE_TYPES),
    rationale=(
        "Directory buckets (S3 Express One Zone) hold the hottest copies of training data. They take the same "
        "BucketServerSideEncryptionConfiguration as general-purpose buckets and are judged by the same check "
        "(s3-bucket-kms-encrypted); without one they use SSE-S3."
    ),
    remediation="Add `aws.s3.BucketServerSideEncryptionConfiguration(bucket=directory_bucket.bucket, rules=[{"
                "\"apply_server_side_encryption_by_default\": {\"sse_algorithm\": \"aws:kms\", "
                "\"kms_master_key_id\": key.arn}, \"bucket_key_enabled\": True}])`.",
    checks=(_directory_buckets_encrypted,),
    tags=("s3", "encryption"),
)


# --- access points and grants ----------------------------------------------------------------------

def _access_point_vpc(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if r.type == ACCESS_POINT and not present(r.props, "vpcConfiguration.vpcId"):
        yield "vpcConfiguration.vpcId is not set (network origin Internet); expected a VPC origin."


def _access_point_public_block(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    path = "details.publicAccessBlock" if r.type == MULTI_REGION_ACCESS_POINT else "publicAccessBlockConfiguration"
    block = r.get(path)
    if block is None:
        return  # AWS turns all four settings on when the access point is created without them
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if get(block, flag) is False]
    if off:
        yield f"{path} turns off {', '.join(off)}; expected all four settings true."


def _access_point_policy(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    try:
        document = as_document(r.get("policy"), "policy")
    except MalformedDocument as exc:
        yield f"policy is not a readable policy document ({exc}); expected a JSON access-point policy."
        return
    if document is not None and iam.public_statements(document):
        yield ("policy allows a wildcard principal without a restricting condition; expected named principals or a "
               "condition on aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceVpce.")


S3_ACCESS_POINT_VPC_PRIVATE = Rule(
    id="s3-access-point-vpc-private",
    title="S3 access points have a VPC network origin, block public access and grant no public principal",
    severity="critical",
    enforcement="mandatory",
    frameworks=(FSBP("S3.19"), FSBP("S3.24"), AWS_CONFIG("s3-access-point-public-access-blocks"),
                AWS_CONFIG("s3-access-point-in-vpc-only"), NIST("AC-3"), NIST("SC-7")),
    rationale=(
        "An access point is a second front door to its bucket with its own policy and network origin. An "
        "Internet origin accepts requests from anywhere; turning off its public access block or a wildcard "
        "principal in its policy opens the bucket's data regardless of the bucket policy's own restrictions "
        "(access-point policies are evaluated with the bucket policy's delegation). Multi-Region Access Points "
        "are judged on their public access block. Unset public access block settings default to on."
    ),
    remediation="Create access points inside the VPC: `aws.s3.AccessPoint(\"ap\", bucket=bucket.id, "
                "vpc_configuration={\"vpc_id\": vpc.id})` and keep its public access block settings on.",
    checks=(_access_point_vpc, _access_point_public_block, _access_point_policy),
    resource_types=(ACCESS_POINT, ACCESS_POINT_POLICY, MULTI_REGION_ACCESS_POINT),
    tags=("s3", "access"),
)


def _grants_location(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    scope = r.get("locationScope")
    if isinstance(scope, str) and scope.rstrip("/*") in ("s3:", "s3:/"):
        yield ("locationScope is 's3://' (every bucket of the account); expected one dataset bucket or prefix, "
               "e.g. s3://clickstream-raw/.")


def _grant_scoped(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if r.type != ACCESS_GRANT:
        return
    prefix = r.get("accessGrantsLocationConfiguration.s3SubPrefix")
    if prefix is None or (isinstance(prefix, str) and prefix.strip("/") in ("", "*")):
        yield ("accessGrantsLocationConfiguration.s3SubPrefix is "
               f"{'unset' if prefix is None else repr(prefix)} (the whole location); expected a dataset prefix.")
    grantees = params.get("allowedGrantees") or []
    identifier = r.get("grantee.granteeIdentifier")
    if grantees and isinstance(identifier, str) and not is_unknown(identifier) and identifier not in grantees:
        yield (f"grantee {identifier} is not one of allowedGrantees; expected the catalog principals (a team's "
               "execution role or directory group).")
    if isinstance(identifier, str) and identifier.endswith(":root"):
        yield f"grantee {identifier} is a whole account; expected a named role, user or directory group."


S3_ACCESS_GRANTS_SCOPED = Rule(
    id="s3-access-grants-scoped",
    title="S3 Access Grants are scoped to dataset prefixes and catalog principals",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("AC-3"), NIST("AC-6")),
    rationale=(
        "S3 Access Grants bypass IAM policies: a location scoped to 's3://' covers every bucket of the account, "
        "a grant without a sub-prefix covers its whole location, and an account-root grantee gives every "
        "principal of that account access. With allowedGrantees (the catalog's team roles and directory "
        "groups), any other grantee is flagged."
    ),
    remediation="Register the dataset bucket as the location and grant one prefix to one team:\n\n"
                "    aws.s3control.AccessGrant(\"readers\",\n"
                "        access_grants_location_id=location.access_grants_location_id,\n"
                "        access_grants_location_configuration={\"s3_sub_prefix\": \"clickstream/*\"},\n"
                "        grantee={\"grantee_type\": \"IAM\", \"grantee_identifier\": team_role.arn},\n"
                "        permission=\"READ\")",
    checks=(_grants_location, _grant_scoped),
    resource_types=(ACCESS_GRANTS_LOCATION, ACCESS_GRANT),
    params={"allowedGrantees": {"type": "array", "items": {"type": "string"}, "default": [],
                                "description": "Principal ARNs or directory identities grants may name."}},
    tags=("s3", "access"),
)


RULES = (
    S3_REPLICATION_TO_GOVERNED_BUCKETS,
    S3_DATASET_LIFECYCLE_KEEPS_RETENTION,
    S3_BUCKET_SINGLE_POLICY,
    S3_DIRECTORY_BUCKET_KMS_ENCRYPTED,
    S3_ACCESS_POINT_VPC_PRIVATE,
    S3_ACCESS_GRANTS_SCOPED,
)
