"""S3 rules: public access blocks, ACLs, bucket policies, default encryption, dataset-bucket protections.

pulumi-aws 7 splits a bucket's settings into separate resources (public access block, ACL,
ownership controls, policy, encryption, versioning, lifecycle, object lock). What one of them
can decide alone is a resource rule, so it blocks before creation; "every bucket has one" is a
stack rule that correlates the setting to its bucket by the `bucket` property dependency
(URN, known in a first preview) before falling back on known names.

The deprecated inline bucket properties (`acl`, `grants`, `policy`, `serverSideEncryptionConfiguration`,
`versioning`, `lifecycleRules`, and BucketV2's plural forms) are still read: resource rules
check them when they are set, and stack rules accept them as satisfying a requirement, never
as failing one (the provider echoes AWS's current state in those outputs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as iam
from ml_dataset_governance.policies.datasets import BUCKET_TYPES, DATASET_PARAMS, is_dataset_bucket
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    as_bool,
    as_document,
    as_list,
    as_number,
    get,
    is_unknown,
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

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEE_GROUPS = ("/groups/global/allusers", "/groups/global/authenticatedusers")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


# --- helpers -------------------------------------------------------------------------------------

class _Unknowns:
    """Collects what a check could not read, so it reports every known problem before raising once."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def read(self, read: Callable[[], Any], label: str = "") -> tuple[bool, Any]:
        """(True, value), or (False, None) after noting the unknown path."""
        try:
            return True, read()
        except NeedsValue as exc:
            self.paths.append(f"{label}{exc.path}" if label else exc.path)
            return False, None

    def note(self, path: str) -> None:
        self.paths.append(path)

    def raise_if_any(self) -> None:
        if self.paths:
            raise NeedsValue(", ".join(dict.fromkeys(self.paths)))


def _describe(value: Any, unset: str) -> str:
    if value is None:
        return unset
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _bucket_label(r: Resource) -> str:
    """Which bucket a setting resource applies to, for messages (the bucket name is never secret)."""
    bucket = r.props.get("bucket") if isinstance(r.props, Mapping) else None
    return f" for bucket '{bucket}'" if isinstance(bucket, str) and bucket and not is_unknown(bucket) else ""


def _each_bucket(stack: Stack, params: Mapping[str, Any], verdict: Callable[[Stack, Resource, Mapping[str, Any]],
                 str | None], *, datasets_only: bool = False) -> Iterator[Finding]:
    """Run `verdict` (a message, or None when compliant) on every (dataset) bucket.

    A bucket whose verdict needs an unknown value is skipped and noted; once every decidable
    bucket is reported, one NeedsValue names the undecided ones.
    """
    unknowns = _Unknowns()
    for bucket in stack.of_type(*BUCKET_TYPES):
        try:
            if datasets_only and not is_dataset_bucket(bucket, params):
                continue
            message = verdict(stack, bucket, params)
        except NeedsValue as exc:
            unknowns.note(f"{bucket.name}: {exc.path}")
            continue
        if message:
            yield Finding(bucket.urn, message)
    unknowns.raise_if_any()


def _first_compliant(candidates: Iterable[Resource], compliant: Callable[[Resource], bool]) -> bool:
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


def _raw(tree: Any, key: str) -> Any:
    """`tree[key]` without judging it: an unknown parent stays unknown, so the caller's `get` raises on it."""
    if is_unknown(tree):
        return tree
    return tree.get(key) if isinstance(tree, Mapping) else None


def _inline(bucket: Resource, path: str) -> Any:
    """An inline bucket property, or None if it is unknown (inline settings only ever satisfy a stack rule)."""
    try:
        return bucket.get(path)
    except NeedsValue:
        return None


# --- public access blocks ------------------------------------------------------------------------

def _flag_check(flag: str) -> Callable[[Resource, Mapping[str, Any]], Iterator[str]]:
    def check(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
        raw = r.get(flag)
        if as_bool(raw) is not True:
            yield f"{flag} is {_describe(raw, 'unset (defaults to false)')}; expected true."

    check.__name__ = f"_{flag}_enabled"
    check.__qualname__ = check.__name__
    return check


_FLAG_CHECKS = tuple(_flag_check(flag) for flag in PUBLIC_ACCESS_FLAGS)


def _all_flags_on(block: Resource) -> bool:
    return all(as_bool(block.get(flag)) is True for flag in PUBLIC_ACCESS_FLAGS)


def _bucket_public_access_blocked(stack: Stack, bucket: Resource, params: Mapping[str, Any]) -> str | None:
    blocks = stack.referencing(bucket, (PUBLIC_ACCESS_BLOCK,), "bucket")
    accounts = stack.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK) if params.get("accountBlockSatisfies") else []
    if _first_compliant([*blocks, *accounts], _all_flags_on):
        return None
    if not blocks:
        return ("no BucketPublicAccessBlock refers to it; expected one with blockPublicAcls, blockPublicPolicy, "
                "ignorePublicAcls and restrictPublicBuckets all true.")
    return ("its BucketPublicAccessBlock does not set all four flags to true; expected blockPublicAcls, "
            "blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.")


def _buckets_public_access_blocked(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _bucket_public_access_blocked)


# --- ACLs and ownership --------------------------------------------------------------------------

def _canned_acl(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    acl = r.get("acl")
    if isinstance(acl, str) and acl.strip().lower() in PUBLIC_CANNED_ACLS:
        yield f"acl is {acl!r}; expected 'private' (or no ACL, with ownership controls set to BucketOwnerEnforced)."


def _public_grant_uri(uri: Any) -> bool:
    return isinstance(uri, str) and uri.strip().lower().rstrip("/").endswith(PUBLIC_GRANTEE_GROUPS)


def _grant_messages(grants: Any, path: str, uri_path: str) -> Iterator[str]:
    unknowns = _Unknowns()
    for index, _grant in enumerate(as_list(grants)):
        ok, uri = unknowns.read(lambda i=index: get(grants, f"{i}.{uri_path}"), f"{path}.")
        if ok and _public_grant_uri(uri):
            group = uri.strip().rstrip("/").rsplit("/", 1)[-1]
            yield f"{path}[{index}] grants access to the {group} group; expected no grant to AllUsers or " \
                  "AuthenticatedUsers."
    unknowns.raise_if_any()


def _acl_policy_grants(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    yield from _grant_messages(r.get("accessControlPolicy.grants"), "accessControlPolicy.grants", "grantee.uri")


def _bucket_inline_grants(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    yield from _grant_messages(r.get("grants"), "grants", "uri")


def _ownership_enforced(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    ownership = r.get("rule.objectOwnership")
    if ownership != "BucketOwnerEnforced":
        yield (f"rule.objectOwnership is {_describe(ownership, 'unset')}; expected 'BucketOwnerEnforced' "
               "so that ACLs are disabled.")


def _bucket_ownership_declared(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    if stack.referencing(bucket, (OWNERSHIP_CONTROLS,), "bucket"):
        return None
    return "no BucketOwnershipControls refers to it; expected one with objectOwnership 'BucketOwnerEnforced'."


def _buckets_ownership_declared(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _bucket_ownership_declared)


# --- bucket policies -----------------------------------------------------------------------------

def _policy_not_public(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    raw = r.get("policy")
    try:
        doc = as_document(raw)
    except MalformedDocument as exc:
        yield f"policy cannot be parsed ({exc}); expected a JSON policy document."
        return
    if doc is None:
        return
    public = [(i, s) for i, s in enumerate(iam.statements(doc)) if iam.is_public_statement(s)]
    if public:
        names = ", ".join(_statement_name(s, i) for i, s in public)
        yield (f"policy allows a wildcard principal without a restricting condition ({names}); expected named "
               "principals, or a condition on aws:SourceVpce, aws:PrincipalOrgID, aws:SourceAccount or similar.")


def _statement_name(stmt: Mapping[str, Any], index: int) -> str:
    sid = stmt.get("Sid")
    return f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement #{index + 1}"


def _bucket_policies(stack: Stack, bucket: Resource) -> list[Any]:
    """The bucket's policy documents (raw): BucketPolicy resources referring to it, and an inline policy."""
    docs: list[Any] = []
    for policy in stack.referencing(bucket, (BUCKET_POLICY,), "bucket"):
        docs.append((policy.name, policy.props.get("policy") if isinstance(policy.props, Mapping) else None))
    inline = _inline(bucket, "policy")
    if inline:
        docs.append((bucket.name, inline))
    return docs


def _deny_statements(stack: Stack, bucket: Resource) -> tuple[list[dict[str, Any]], bool]:
    """Deny statements with a wildcard principal from the bucket's policies; True if a policy was unknown."""
    found: list[dict[str, Any]] = []
    unknown = False
    for _name, raw in _bucket_policies(stack, bucket):
        try:
            doc = as_document(raw)
        except NeedsValue:
            unknown = True
            continue
        except MalformedDocument:
            continue  # the resource rule s3-bucket-policy-not-public reports it
        for stmt in iam.statements(doc):
            effect = stmt.get("Effect")
            if isinstance(effect, str) and effect.lower() == "deny" and "*" in [p.strip() for p in
                                                                                iam.principals(stmt)]:
                found.append(stmt)
    return found, unknown


def _covers_s3(stmt: Mapping[str, Any]) -> bool:
    """The statement's actions include every S3 action ("s3:*" or "*")."""
    if stmt.get("NotAction") is not None:
        return False
    return any(a.strip().lower() in ("*", "s3:*") for a in iam.actions(stmt))


def _condition_values(stmt: Mapping[str, Any], operators: Iterable[str], keys: Iterable[str]) -> list[Any]:
    condition = stmt.get("Condition")
    if not isinstance(condition, Mapping):
        return []
    operators = {o.lower() for o in operators}
    keys = {k.lower() for k in keys}
    values: list[Any] = []
    for operator, entries in condition.items():
        if not isinstance(operator, str) or operator.lower() not in operators or not isinstance(entries, Mapping):
            continue
        for key, value in entries.items():
            if isinstance(key, str) and key.lower() in keys:
                values.extend(as_list(value))
    return values


def _denies_plaintext(stmt: Mapping[str, Any]) -> bool:
    values = _condition_values(stmt, ("Bool", "BoolIfExists"), ("aws:SecureTransport",))
    return _covers_s3(stmt) and any(as_bool(v) is False for v in values)


def _denies_outside_endpoint(stmt: Mapping[str, Any]) -> bool:
    values = _condition_values(stmt, ("StringNotEquals", "StringNotEqualsIfExists", "StringNotLike",
                                      "StringNotLikeIfExists"), ("aws:SourceVpce", "aws:SourceVpc"))
    return _covers_s3(stmt) and any(isinstance(v, str) and v.strip() and v.strip() != "*" for v in values)


def _policy_verdict(predicate: Callable[[Mapping[str, Any]], bool], missing: str) -> Callable[..., str | None]:
    def verdict(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
        denies, unknown = _deny_statements(stack, bucket)
        if any(predicate(s) for s in denies):
            return None
        if unknown:
            raise NeedsValue("policy")
        return missing

    return verdict


_TLS_VERDICT = _policy_verdict(
    _denies_plaintext,
    "no bucket policy statement denies requests without TLS; expected a Deny of s3:* for Principal '*' with "
    "Condition Bool aws:SecureTransport = false.")
_VPCE_VERDICT = _policy_verdict(
    _denies_outside_endpoint,
    "no bucket policy statement denies access from outside the VPC endpoint; expected a Deny of s3:* for Principal "
    "'*' with Condition StringNotEquals aws:SourceVpce = <endpoint id>.")


def _datasets_tls_only(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _TLS_VERDICT, datasets_only=True)


def _datasets_vpce_only(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _VPCE_VERDICT, datasets_only=True)


# --- default encryption --------------------------------------------------------------------------

def _sse_defaults(r: Resource) -> list[tuple[str, Any, Any]]:
    """(path, applyServerSideEncryptionByDefault, rule) per encryption rule, whatever the resource's shape.

    BucketServerSideEncryptionConfiguration(V2): rules[].applyServerSideEncryptionByDefault;
    Bucket (inline): serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault;
    BucketV2 (inline): serverSideEncryptionConfigurations[].rules[].applyServerSideEncryptionByDefaults[].
    """
    out: list[tuple[str, Any, Any]] = []
    if r.type in SSE_TYPES:
        for i, rule in enumerate(as_list(r.get("rules"))):
            default = _raw(rule, "applyServerSideEncryptionByDefault")
            out.append((f"rules[{i}].applyServerSideEncryptionByDefault", default, rule))
    elif r.type == BUCKET:
        config = r.get("serverSideEncryptionConfiguration")
        if config is not None:
            for i, rule in enumerate(as_list(_raw(config, "rule"))):
                out.append((f"serverSideEncryptionConfiguration.rule[{i}].applyServerSideEncryptionByDefault",
                            _raw(rule, "applyServerSideEncryptionByDefault"), rule))
    elif r.type == BUCKET_V2:
        for i, config in enumerate(as_list(r.get("serverSideEncryptionConfigurations"))):
            for j, rule in enumerate(as_list(_raw(config, "rules"))):
                for k, default in enumerate(as_list(_raw(rule, "applyServerSideEncryptionByDefaults"))):
                    out.append((f"serverSideEncryptionConfigurations[{i}].rules[{j}]"
                                f".applyServerSideEncryptionByDefaults[{k}]", default, rule))
    return out


def _sse_configured(r: Resource) -> bool:
    """Whether the resource declares default encryption at all (always true for the SSE resources)."""
    if r.type in SSE_TYPES:
        return True
    key = "serverSideEncryptionConfiguration" if r.type == BUCKET else "serverSideEncryptionConfigurations"
    return r.get(key) not in (None, [])


def _sse_algorithm(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not _sse_configured(r):
        return
    defaults = _sse_defaults(r)
    if not defaults:
        yield "declares no encryption rule; expected applyServerSideEncryptionByDefault with sseAlgorithm 'aws:kms'."
        return
    unknowns = _Unknowns()
    for path, default, _rule in defaults:
        ok, algorithm = unknowns.read(lambda d=default: get(d, "sseAlgorithm"), f"{path}.")
        if ok and algorithm not in KMS_ALGORITHMS:
            found = _describe(algorithm, "unset")
            yield f"{path}.sseAlgorithm is {found}; expected 'aws:kms' or 'aws:kms:dsse' with a customer-managed key."
    unknowns.raise_if_any()


def _sse_key(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if not _sse_configured(r):
        return
    approved = params.get("approvedKmsKeys") or []
    unknowns = _Unknowns()
    for path, default, _rule in _sse_defaults(r):
        algorithm = default.get("sseAlgorithm") if isinstance(default, Mapping) else None
        if not is_unknown(algorithm) and algorithm not in KMS_ALGORITHMS and not is_unknown(default):
            continue  # not SSE-KMS at all: _sse_algorithm reports it
        raw = default.get("kmsMasterKeyId") if isinstance(default, Mapping) else None
        if is_unknown(raw) or is_unknown(default):
            # The key is set to a value computed at update (a key ARN). Its presence is known; whether it
            # is an approved key is not.
            if approved or is_unknown(default):
                unknowns.note(f"{path}.kmsMasterKeyId")
            continue
        if not isinstance(raw, str) or not raw.strip():
            yield (f"{path}.kmsMasterKeyId is not set (an AWS-managed key); expected a customer-managed KMS key "
                   "so key policy and revocation stay with the dataset owner.")
        elif approved and raw not in approved:
            yield f"{path}.kmsMasterKeyId is not one of the approved KMS keys."
    unknowns.raise_if_any()


def _sse_bucket_key(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if not params.get("requireBucketKey") or not _sse_configured(r):
        return
    unknowns = _Unknowns()
    for path, _default, rule in _sse_defaults(r):
        ok, enabled = unknowns.read(lambda x=rule: get(x, "bucketKeyEnabled"), f"{path.rsplit('.', 1)[0]}.")
        if ok and as_bool(enabled) is not True:
            yield f"{path.rsplit('.', 1)[0]}.bucketKeyEnabled is {_describe(enabled, 'unset')}; expected true."
    unknowns.raise_if_any()


def _is_kms_default(default: Any) -> bool:
    algorithm = get(default, "sseAlgorithm")
    key = get(default, "kmsMasterKeyId") if algorithm in KMS_ALGORITHMS else None
    return algorithm in KMS_ALGORITHMS and isinstance(key, str) and bool(key.strip())


def _sse_config_is_kms(config: Resource) -> bool:
    # An unknown key id is a computed key ARN: presence is what this relationship rule needs.
    defaults = _sse_defaults(config)
    if not defaults:
        return False
    for _path, default, _rule in defaults:
        if not isinstance(default, Mapping) or get(default, "sseAlgorithm") not in KMS_ALGORITHMS:
            return False
        key = default.get("kmsMasterKeyId")
        if not (is_unknown(key) or (isinstance(key, str) and key.strip())):
            return False
    return True


def _bucket_encrypted_kms(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    configs = stack.referencing(bucket, SSE_TYPES, "bucket")
    if _first_compliant(configs, _sse_config_is_kms):
        return None
    try:
        if _sse_configured(bucket) and _sse_config_is_kms(bucket):
            return None
    except NeedsValue:
        pass
    if not configs:
        return ("no BucketServerSideEncryptionConfiguration refers to it; expected one with sseAlgorithm 'aws:kms' "
                "and a customer-managed kmsMasterKeyId.")
    return "its default encryption is not SSE-KMS with a customer-managed key; expected sseAlgorithm 'aws:kms'."


def _buckets_encrypted_kms(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _bucket_encrypted_kms)


# --- versioning, lifecycle, object lock ------------------------------------------------------------

def _versioning_not_suspended(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    status = r.get("versioningConfiguration.status")
    if status != "Enabled":
        yield (f"versioningConfiguration.status is {_describe(status, 'unset')}{_bucket_label(r)}; expected "
               "'Enabled' so earlier dataset versions can be recovered.")


def _versioning_enabled(config: Resource) -> bool:
    return config.get("versioningConfiguration.status") == "Enabled"


def _inline_versioning_enabled(bucket: Resource) -> bool:
    entries = as_list(_inline(bucket, "versioning" if bucket.type == BUCKET else "versionings"))
    return any(isinstance(e, Mapping) and as_bool(e.get("enabled")) is True for e in entries)


def _dataset_versioned(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    if _inline_versioning_enabled(bucket):
        return None
    if _first_compliant(stack.referencing(bucket, VERSIONING_TYPES, "bucket"), _versioning_enabled):
        return None
    return "no BucketVersioning with status 'Enabled' refers to it; expected versioning enabled on dataset buckets."


def _datasets_versioned(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _dataset_versioned, datasets_only=True)


def _manages_noncurrent(rule: Any) -> bool:
    if get(rule, "status") != "Enabled":
        return False
    if isinstance(_raw(rule, "noncurrentVersionExpiration"), Mapping):
        return True
    return bool(as_list(get(rule, "noncurrentVersionTransitions")))


def _lifecycle_manages_noncurrent(config: Resource) -> bool:
    unknown = None
    for index, rule in enumerate(as_list(config.get("rules"))):
        try:
            if _manages_noncurrent(rule):
                return True
        except NeedsValue as exc:
            unknown = f"rules[{index}].{exc.path}"
    if unknown:
        raise NeedsValue(unknown)
    return False


def _inline_lifecycle_manages_noncurrent(bucket: Resource) -> bool:
    for rule in as_list(_inline(bucket, "lifecycleRules")):
        if not isinstance(rule, Mapping) or as_bool(rule.get("enabled")) is not True:
            continue
        if any(rule.get(k) for k in ("noncurrentVersionExpiration", "noncurrentVersionExpirations",
                                     "noncurrentVersionTransitions")):
            return True
    return False


def _dataset_lifecycle(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    if _inline_lifecycle_manages_noncurrent(bucket):
        return None
    if _first_compliant(stack.referencing(bucket, LIFECYCLE_TYPES, "bucket"), _lifecycle_manages_noncurrent):
        return None
    return ("no BucketLifecycleConfiguration with an Enabled rule for noncurrent versions refers to it; expected "
            "noncurrentVersionExpiration (or noncurrentVersionTransitions) so old dataset versions do not pile up.")


def _datasets_lifecycle(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _dataset_lifecycle, datasets_only=True)


def _object_lock_retains(config: Resource) -> bool:
    retention = config.get("rule.defaultRetention")
    if not isinstance(retention, Mapping):
        return False
    periods = [as_number(get(retention, k)) for k in ("days", "years")]
    return get(retention, "mode") in ("GOVERNANCE", "COMPLIANCE") and any(p is not None and p > 0 for p in periods)


def _immutable_dataset_locked(stack: Stack, bucket: Resource, params: Mapping[str, Any]) -> str | None:
    tag_key = params.get("immutableTagKey") or "immutable"
    tags = bucket.get("tags")
    value = tags.get(tag_key) if isinstance(tags, Mapping) else None
    if is_unknown(value):
        raise NeedsValue(f"tags.{tag_key}")
    if as_bool(value) is not True:
        return None
    if as_bool(bucket.get("objectLockEnabled")) is not True:
        return f"it is tagged {tag_key}=true but objectLockEnabled is not true; expected Object Lock enabled."
    if _first_compliant(stack.referencing(bucket, OBJECT_LOCK_TYPES, "bucket"), _object_lock_retains):
        return None
    return (f"it is tagged {tag_key}=true but no BucketObjectLockConfiguration with a default retention (mode and "
            "days or years) refers to it; expected one.")


def _immutable_datasets_locked(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _each_bucket(stack, params, _immutable_dataset_locked, datasets_only=True)


# --- rules ---------------------------------------------------------------------------------------

_PAB_REMEDIATION = """Block every form of public access on each bucket:

    aws.s3.BucketPublicAccessBlock(f"{name}-public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True)"""

_ACCOUNT_PAB_REMEDIATION = """Block public access for the whole account (once, in an account-baseline stack):

    aws.s3.AccountPublicAccessBlock("account-public-access-block",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True)"""

_SSE_REMEDIATION = """Encrypt by default with a customer-managed key (and S3 Bucket Keys to cut KMS costs):

    aws.s3.BucketServerSideEncryptionConfiguration(f"{name}-encryption",
        bucket=bucket.id,
        rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
            "bucket_key_enabled": True,
        }])

S3 server access-log target buckets: AWS documents SSE-S3 as the supported default for log delivery (a
customer key also needs a key policy for logging.s3.amazonaws.com). Such a bucket is not silently skipped:
exempt it by name with a reason, and the exemption is reported on every run, e.g. in the policy config
{"s3-bucket-kms-encrypted": {"exemptions": [{"resource": "access-logs*",
  "reason": "S3 server access logs are delivered with SSE-S3", "expires": "2027-06-30"}]}}
(and the same under "s3-encryption-configuration-kms" for its encryption configuration)."""

_KMS_PARAMS: dict[str, dict[str, Any]] = {
    "approvedKmsKeys": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "When non-empty, only these KMS key ids/ARNs may be the bucket's default key.",
    },
    "requireBucketKey": {
        "type": "boolean",
        "default": False,
        "description": "Also require bucketKeyEnabled on every encryption rule.",
    },
}

_TLS_POLICY_SNIPPET = """    objects = pulumi.Output.concat(bucket.arn, "/*")
    aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [bucket.arn, objects],
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))"""

_VPCE_POLICY_SNIPPET = """    objects = pulumi.Output.concat(bucket.arn, "/*")
    aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenyAccessOutsideVpcEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [bucket.arn, objects],
                       "Condition": {"StringNotEquals": {"aws:SourceVpce": s3_endpoint.id}}}]}))"""

_PUBLIC_POLICY_REMEDIATION = """Name the principals, or restrict a wildcard principal with a condition:

    aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ReadThroughEndpoint", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                       "Condition": {"StringEquals": {"aws:SourceVpce": s3_endpoint.id}}}]}))"""

_DATASET_NOTE = ("Applies to dataset buckets only (tag `datasetTagKey`, default `dataset`, or a name matching "
                 "`datasetBucketPatterns`).")

RULES = (
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
        id="s3-bucket-policy-not-public",
        title="S3 bucket policies allow no wildcard principal without a restricting condition",
        severity="critical",
        enforcement="mandatory",
        frameworks=(FSBP("S3.2"), NIST("AC-3"), AWS_CONFIG("s3-bucket-public-read-prohibited")),
        rationale="`Principal: \"*\"` (or {\"AWS\": \"*\"}, or an account wildcard) in an Allow grants every AWS "
                  "principal and anonymous callers, unless a condition ties it to a VPC endpoint, an organization, "
                  "an account or a source ARN. Deny statements with `Principal: \"*\"` are the safe idiom and pass. "
                  "A policy that cannot be parsed is a violation: it cannot be shown to be private.",
        remediation=_PUBLIC_POLICY_REMEDIATION,
        checks=(_policy_not_public,),
        resource_types=(BUCKET_POLICY, *BUCKET_TYPES),
        tags=("s3", "public-access"),
    ),
    Rule(
        id="s3-encryption-configuration-kms",
        title="S3 default encryption uses SSE-KMS with a customer-managed key",
        severity="high",
        enforcement="mandatory",
        frameworks=(FSBP("S3.17"), NIST("SC-28")),
        rationale="SSE-S3 (AES256) and the AWS-managed aws/s3 key cannot be revoked or scoped per dataset; a "
                  "customer key puts every read under the dataset owner's key policy and in CloudTrail. "
                  "Log-delivery buckets go through a visible, reasoned exemption, never a silent carve-out.",
        remediation=_SSE_REMEDIATION,
        checks=(_sse_algorithm, _sse_key, _sse_bucket_key),
        resource_types=(*SSE_TYPES, *BUCKET_TYPES),
        params=_KMS_PARAMS,
        tags=("s3", "encryption"),
    ),
    Rule(
        id="s3-bucket-kms-encrypted",
        title="Every S3 bucket has default encryption with SSE-KMS and a customer-managed key",
        severity="high",
        enforcement="mandatory",
        frameworks=(FSBP("S3.17"), NIST("SC-28")),
        rationale="Without an encryption configuration a bucket gets SSE-S3, which no key policy governs. "
                  "S3 server access-log buckets, whose log delivery supports SSE-S3 (a customer key needs a key "
                  "policy for logging.s3.amazonaws.com), are handled by an exemption with a reason, reported on "
                  "every run.",
        remediation=_SSE_REMEDIATION,
        checks=(_buckets_encrypted_kms,),
        stack=True,
        tags=("s3", "encryption"),
    ),
    Rule(
        id="s3-bucket-versioning-not-suspended",
        title="S3 bucket versioning configurations keep versioning Enabled",
        severity="medium",
        enforcement="advisory",
        frameworks=(FSBP("S3.14"), NIST("CP-9")),
        rationale="Suspending versioning makes overwrites and deletes of dataset objects permanent.",
        remediation='Set `versioning_configuration={"status": "Enabled"}` on `aws.s3.BucketVersioning`.',
        checks=(_versioning_not_suspended,),
        resource_types=VERSIONING_TYPES,
        tags=("s3", "data-protection"),
    ),
    Rule(
        id="s3-dataset-bucket-versioned",
        title="Dataset buckets have versioning enabled",
        severity="medium",
        enforcement="advisory",
        frameworks=(FSBP("S3.14"), NIST("CP-9")),
        rationale="Versioning is how a dataset's earlier state is recovered after a bad write and how a training "
                  "run can be traced to the exact objects it read. " + _DATASET_NOTE,
        remediation="    aws.s3.BucketVersioning(f\"{name}-versioning\", bucket=bucket.id,\n"
                    "        versioning_configuration={\"status\": \"Enabled\"})",
        checks=(_datasets_versioned,),
        stack=True,
        params=DATASET_PARAMS,
        tags=("s3", "datasets", "data-protection"),
    ),
    Rule(
        id="s3-dataset-bucket-lifecycle-configured",
        title="Dataset buckets expire or transition noncurrent object versions",
        severity="low",
        enforcement="advisory",
        frameworks=(FSBP("S3.13"), NIST("SI-12")),
        rationale="With versioning on, deleted and overwritten dataset objects are kept forever unless a lifecycle "
                  "rule retires noncurrent versions: data outlives its retention period. " + _DATASET_NOTE,
        remediation="    aws.s3.BucketLifecycleConfiguration(f\"{name}-lifecycle\", bucket=bucket.id, rules=[{\n"
                    "        \"id\": \"expire-noncurrent-versions\", \"status\": \"Enabled\", \"filter\": {},\n"
                    "        \"noncurrent_version_expiration\": {\"noncurrent_days\": retention_days}}])",
        checks=(_datasets_lifecycle,),
        stack=True,
        params=DATASET_PARAMS,
        tags=("s3", "datasets", "retention"),
    ),
    Rule(
        id="s3-dataset-bucket-tls-only",
        title="Dataset bucket policies deny requests without TLS",
        severity="medium",
        enforcement="advisory",
        frameworks=(FSBP("S3.5"), CIS("2.1.1"), NIST("SC-8")),
        rationale="Without a Deny on aws:SecureTransport = false, S3 accepts plain HTTP requests, exposing "
                  "dataset objects and credentials-bearing requests on the wire. " + _DATASET_NOTE,
        remediation="Deny plaintext requests in the bucket policy:\n\n" + _TLS_POLICY_SNIPPET,
        checks=(_datasets_tls_only,),
        stack=True,
        params=DATASET_PARAMS,
        tags=("s3", "datasets", "encryption-in-transit"),
    ),
    Rule(
        id="s3-dataset-bucket-vpce-only",
        title="Dataset bucket policies deny access from outside the VPC endpoint",
        severity="medium",
        enforcement="advisory",
        frameworks=(NIST("SC-7"), NIST("AC-4")),
        rationale="A Deny on aws:SourceVpce (or aws:SourceVpc) keeps dataset reads inside the network: stolen "
                  "credentials used from the internet are refused. Additional conditions that exempt named "
                  "administrative roles or delivering services are accepted. " + _DATASET_NOTE,
        remediation="Deny access from outside the S3 endpoint in the bucket policy:\n\n" + _VPCE_POLICY_SNIPPET,
        checks=(_datasets_vpce_only,),
        stack=True,
        params=DATASET_PARAMS,
        tags=("s3", "datasets", "network"),
    ),
    Rule(
        id="s3-immutable-dataset-bucket-object-locked",
        title="Dataset buckets marked immutable have Object Lock with a default retention",
        severity="medium",
        enforcement="advisory",
        frameworks=(FSBP("S3.15"), NIST("SI-7")),
        rationale="A dataset snapshot that must not change (audit, regulated training data) needs Object Lock: "
                  "versioning alone lets anyone with delete rights remove versions. Applies to dataset buckets "
                  "tagged `immutableTagKey`=true (default `immutable`).",
        remediation="    aws.s3.Bucket(name, object_lock_enabled=True, ...)\n"
                    "    aws.s3.BucketObjectLockConfiguration(f\"{name}-object-lock\", bucket=bucket.id,\n"
                    "        rule={\"default_retention\": {\"mode\": \"GOVERNANCE\", \"days\": retention_days}})",
        checks=(_immutable_datasets_locked,),
        stack=True,
        params={
            **DATASET_PARAMS,
            "immutableTagKey": {
                "type": "string",
                "default": "immutable",
                "description": "Tag key whose value 'true' marks a dataset bucket as requiring Object Lock.",
            },
        },
        tags=("s3", "datasets", "data-protection"),
    ),
)
