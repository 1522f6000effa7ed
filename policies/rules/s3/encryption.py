"""S3 default encryption: SSE-KMS with a customer-managed key, on every encryption configuration and every bucket."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES
from ml_dataset_governance.policies.frameworks import FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack, describe
from ml_dataset_governance.policies.rules.s3.common import (
    BUCKET,
    BUCKET_V2,
    SSE_TYPES,
    child,
    each_bucket,
    first_compliant,
)
from ml_dataset_governance.policies.values import (
    NeedsValue,
    Unverifiable,
    as_bool,
    as_list,
    get,
    is_unknown,
    unverifiable,
)

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _sse_defaults(r: Resource) -> list[tuple[str, Any, Any]]:
    """(path, applyServerSideEncryptionByDefault, rule) per encryption rule, whatever the resource's shape.

    BucketServerSideEncryptionConfiguration(V2): rules[].applyServerSideEncryptionByDefault;
    Bucket (inline): serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault;
    BucketV2 (inline): serverSideEncryptionConfigurations[].rules[].applyServerSideEncryptionByDefaults[].
    """
    out: list[tuple[str, Any, Any]] = []
    if r.type in SSE_TYPES:
        for i, rule in enumerate(as_list(r.get("rules"))):
            default = child(rule, "applyServerSideEncryptionByDefault")
            out.append((f"rules[{i}].applyServerSideEncryptionByDefault", default, rule))
    elif r.type == BUCKET:
        config = r.get("serverSideEncryptionConfiguration")
        if config is not None:
            for i, rule in enumerate(as_list(child(config, "rule"))):
                out.append((f"serverSideEncryptionConfiguration.rule[{i}].applyServerSideEncryptionByDefault",
                            child(rule, "applyServerSideEncryptionByDefault"), rule))
    elif r.type == BUCKET_V2:
        for i, config in enumerate(as_list(r.get("serverSideEncryptionConfigurations"))):
            for j, rule in enumerate(as_list(child(config, "rules"))):
                for k, default in enumerate(as_list(child(rule, "applyServerSideEncryptionByDefaults"))):
                    out.append((f"serverSideEncryptionConfigurations[{i}].rules[{j}]"
                                f".applyServerSideEncryptionByDefaults[{k}]", default, rule))
    return out


def _sse_configured(r: Resource) -> bool:
    """Whether the resource declares default encryption at all (always true for the SSE resources)."""
    if r.type in SSE_TYPES:
        return True
    key = "serverSideEncryptionConfiguration" if r.type == BUCKET else "serverSideEncryptionConfigurations"
    return r.get(key) not in (None, [])


def _sse_algorithm(r: Resource, _params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    if not _sse_configured(r):
        return
    defaults = _sse_defaults(r)
    if not defaults:
        yield "declares no encryption rule; expected applyServerSideEncryptionByDefault with sseAlgorithm 'aws:kms'."
        return
    for path, default, _rule in defaults:
        try:
            algorithm = get(default, "sseAlgorithm")
        except NeedsValue as exc:
            yield unverifiable(exc, f"{path}.")
            continue
        if algorithm not in KMS_ALGORITHMS:
            found = describe(algorithm, "unset")
            yield f"{path}.sseAlgorithm is {found}; expected 'aws:kms' or 'aws:kms:dsse' with a customer-managed key."


def _sse_key(r: Resource, params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    if not _sse_configured(r):
        return
    approved = params.get("approvedKmsKeys") or []
    for path, default, _rule in _sse_defaults(r):
        algorithm = default.get("sseAlgorithm") if isinstance(default, Mapping) else None
        if not is_unknown(algorithm) and algorithm not in KMS_ALGORITHMS and not is_unknown(default):
            continue  # not SSE-KMS at all: _sse_algorithm reports it
        raw = default.get("kmsMasterKeyId") if isinstance(default, Mapping) else None
        if is_unknown(raw) or is_unknown(default):
            # The key is set to a value computed at update (a key ARN). Its presence is known; whether it
            # is an approved key is not.
            if approved or is_unknown(default):
                yield Unverifiable(f"{path}.kmsMasterKeyId")
            continue
        if not isinstance(raw, str) or not raw.strip():
            yield (f"{path}.kmsMasterKeyId is not set (an AWS-managed key); expected a customer-managed KMS key "
                   "so key policy and revocation stay with the dataset owner.")
        elif approved and raw not in approved:
            yield f"{path}.kmsMasterKeyId is not one of the approved KMS keys."


def _sse_bucket_key(r: Resource, params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    if not params.get("requireBucketKey") or not _sse_configured(r):
        return
    for path, _default, rule in _sse_defaults(r):
        where = path.rsplit(".", 1)[0]
        try:
            enabled = get(rule, "bucketKeyEnabled")
        except NeedsValue as exc:
            yield unverifiable(exc, f"{where}.")
            continue
        if as_bool(enabled) is not True:
            yield f"{where}.bucketKeyEnabled is {describe(enabled, 'unset')}; expected true."


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


ENCRYPTION_CONFIGURATION_KMS = Rule(
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
)


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


def bucket_encrypted_kms(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
    configs = stack.referencing(bucket, SSE_TYPES, "bucket")
    if first_compliant(configs, _sse_config_is_kms):
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
    yield from each_bucket(stack, params, bucket_encrypted_kms)


BUCKET_KMS_ENCRYPTED = Rule(
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
)


RULES = (ENCRYPTION_CONFIGURATION_KMS, BUCKET_KMS_ENCRYPTED)
