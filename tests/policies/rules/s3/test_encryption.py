"""Default encryption: SSE-KMS with a customer key, per configuration and per bucket, with exemptions."""

from __future__ import annotations

import pytest

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.s3.s3_helpers import (
    BUCKET,
    BUCKET_V2,
    KEY_ARN,
    SSE,
    SSE_RULE,
    SSE_STACK,
    SSE_V2,
    bucket,
    kms_rules,
    setting,
)

# --- default encryption --------------------------------------------------------------------------

@pytest.mark.parametrize(("type_", "inputs", "bad"), [
    (SSE, {"rules": kms_rules()}, False),
    (SSE_V2, {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms:dsse",
                                                                 "kmsMasterKeyId": KEY_ARN}}]}, False),
    (SSE, {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}, True),
    (SSE_V2, {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}, True),
    (SSE, {"rules": kms_rules() + [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}, True),
    (SSE, {"rules": [{"bucketKeyEnabled": True}]}, True),
    (SSE, {"rules": []}, True),
    (SSE, {}, True),
    (BUCKET, {}, False),
    (BUCKET, {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "AES256"}}}}, True),
    (BUCKET, {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}}}}, False),
    (BUCKET_V2, {"serverSideEncryptionConfigurations": [{"rules": [{"applyServerSideEncryptionByDefaults": [
        {"sseAlgorithm": "AES256"}]}]}]}, True),
])
def test_encryption_configuration_kms(type_, inputs, bad):
    result = evaluate([resource(type_, "x", {"bucket": "b", **inputs})], stack=False)
    assert result.flagged(SSE_RULE) == ({"x"} if bad else set())
    if bad:
        assert any(d.policy == SSE_RULE for d in result.mandatory())


def test_encryption_key_computed_in_preview_is_accepted_unless_keys_are_approved():
    inputs = {"bucket": UNKNOWN, "rules": kms_rules(key=UNKNOWN)}
    result = evaluate([resource(SSE, "sse", inputs)], stack=False)
    assert result.flagged(SSE_RULE) == set() and result.unverifiable(SSE_RULE) == set()
    result = evaluate([resource(SSE, "sse", inputs)], stack=False, config={SSE_RULE: {"approvedKmsKeys": [KEY_ARN]}})
    assert result.flagged(SSE_RULE) == set() and result.unverifiable(SSE_RULE) == {"sse"}


def test_encryption_unknown_algorithm_does_not_hide_a_known_aes_rule():
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": UNKNOWN, "kmsMasterKeyId": KEY_ARN}},
             {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    result = evaluate([resource(SSE, "sse", {"bucket": "b", "rules": rules})], stack=False)
    assert result.flagged(SSE_RULE) == {"sse"} and result.unverifiable(SSE_RULE) == {"sse"}
    found = [m for m in result.messages(SSE_RULE) if "can't run" not in m]
    assert len(found) == 1 and "rules[1]" in found[0] and "AES256" in found[0]


def test_encryption_params_approved_keys_and_bucket_key():
    sse = resource(SSE, "sse", {"bucket": "b", "rules": kms_rules()})
    assert evaluate([sse], stack=False, config={SSE_RULE: {"approvedKmsKeys": ["arn:aws:kms:other"]}}).flagged(
        SSE_RULE) == {"sse"}
    assert evaluate([sse], stack=False, config={SSE_RULE: {"approvedKmsKeys": [KEY_ARN]}}).flagged(SSE_RULE) == set()
    assert evaluate([sse], stack=False, config={SSE_RULE: {"requireBucketKey": True}}).flagged(SSE_RULE) == {"sse"}
    keyed = resource(SSE, "sse", {"bucket": "b", "rules": kms_rules(bucketKeyEnabled=True)})
    assert evaluate([keyed], stack=False, config={SSE_RULE: {"requireBucketKey": True}}).flagged(SSE_RULE) == set()


AES = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_every_bucket_is_kms_encrypted():
    good, none, aes, inline, logs = (bucket("good"), bucket("none", type_=BUCKET_V2), bucket("aes"),
                                     bucket("inline", {"serverSideEncryptionConfiguration": {"rule": {
                                         "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                                "kmsMasterKeyId": KEY_ARN}}}}),
                                     bucket("access-logs"))
    resources = [
        good, none, aes, inline, logs,
        setting(SSE, "good-sse", good, {"rules": kms_rules(key=UNKNOWN)}),
        setting(SSE_V2, "aes-sse", aes, {"rules": AES}),
        setting(SSE, "logs-sse", logs, {"rules": AES}),
    ]
    assert evaluate(resources).flagged(SSE_STACK) == {"none", "aes", "access-logs"}


def test_log_delivery_bucket_is_exempted_visibly_not_silently():
    logs = bucket("access-logs")
    resources = [logs, setting(SSE, "access-logs-sse", logs, {
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]})]
    reason = "S3 server access logs are delivered with SSE-S3"
    config = {SSE_STACK: {"exemptions": [{"resource": "access-logs", "reason": reason}]},
              SSE_RULE: {"exemptions": [{"resource": "access-logs-*", "reason": reason}]}}
    result = evaluate(resources, config=config)
    assert result.flagged(SSE_STACK) == set() and result.flagged(SSE_RULE) == set()
    exempted = result.exempted()
    assert {d.policy for d in exempted} == {SSE_STACK, SSE_RULE}
    assert all(d.message.endswith(f"exempted: {reason} (no expiry)") for d in exempted)
    assert not [d for d in result.mandatory() if d.policy in (SSE_STACK, SSE_RULE)]


