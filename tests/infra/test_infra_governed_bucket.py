"""The governed buckets' policies, proved by what they decide for concrete requests (the access model's evaluator).

Requests are made by the team roles with their own generated policies, through the S3 gateway endpoint over TLS,
unless a case says otherwise. Headers are the request's condition keys (`s3:x-amz-server-side-encryption`, …).
"""

from __future__ import annotations

import pytest
from infra_requests import ADMIN_IDENTITY, FOREIGN_KEY, Stack

from mlgov.program import ProgramRun

SSE = "s3:x-amz-server-side-encryption"
SSE_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id"
WRITER, DATASET = "data-engineering", "clickstream-raw"  # the dataset's owner
ADMIN = "arn:aws:iam::123456789012:role/mlgov-platform-admin"


def put(stack: Stack, headers: dict[str, str], *, team: str = WRITER, dataset: str = DATASET,
        action: str = "s3:PutObject", **context: str):
    role = stack.team_role(team)
    return stack.s3(role.outputs["arn"], action, f"{stack.bucket_arn(dataset)}/part-0001.parquet",
                    stack.through_endpoint(**headers, **context), identity=stack.policies_of(role))


def test_upload_without_encryption_headers_is_allowed(stack: Stack) -> None:
    # The bucket's default encryption (SSE-KMS with the dataset key) then applies: see the next test.
    assert put(stack, {}).allowed


def test_headerless_uploads_get_the_dataset_key_by_default(stack: Stack, update_run: ProgramRun) -> None:
    from infra_stack_helpers import SSE as SSE_TYPE
    from infra_stack_helpers import dependents, one

    config = one(dependents(update_run, SSE_TYPE, "bucket", stack.bucket(DATASET)), "encryption configuration")
    (rule,) = config.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms",
                                                          "kmsMasterKeyId": stack.dataset_key_arn(DATASET)}


def test_multipart_upload_is_allowed(stack: Stack) -> None:
    """CreateMultipartUpload carries the encryption headers (or none); each UploadPart and the completion are
    authorized as s3:PutObject and carry no encryption headers at all (S3 API reference, UploadPart)."""
    key = stack.dataset_key_arn(DATASET)
    assert put(stack, {SSE: "aws:kms", SSE_KEY: key}).allowed  # CreateMultipartUpload
    assert put(stack, {}).allowed  # UploadPart, CompleteMultipartUpload
    assert put(stack, {}, action="s3:AbortMultipartUpload").allowed


def test_upload_with_the_dataset_key_is_allowed(stack: Stack) -> None:
    assert put(stack, {SSE: "aws:kms", SSE_KEY: stack.dataset_key_arn(DATASET)}).allowed


@pytest.mark.parametrize(("headers", "why"), [
    ({SSE: "AES256"}, "SSE-S3"),
    ({SSE: "aws:kms:dsse"}, "DSSE-KMS"),
    ({SSE: "aws:kms:dsse", SSE_KEY: "DATASET_KEY"}, "DSSE-KMS with the right key"),
    ({SSE: "aws:kms"}, "aws:kms without a key id (S3 would use aws/s3)"),
    ({SSE: "aws:kms", SSE_KEY: FOREIGN_KEY}, "a foreign key"),
    ({SSE: "aws:kms", SSE_KEY: "OTHER_DATASET_KEY"}, "another dataset's key"),
    ({SSE_KEY: FOREIGN_KEY}, "a foreign key id alone"),
])
def test_upload_asking_for_another_encryption_is_denied(stack: Stack, headers: dict[str, str], why: str) -> None:
    resolved = {k: {"DATASET_KEY": stack.dataset_key_arn(DATASET),
                    "OTHER_DATASET_KEY": stack.dataset_key_arn("customer-features")}.get(v, v)
                for k, v in headers.items()}
    decision = put(stack, resolved)
    assert not decision.allowed, why
    assert decision.reason == "explicit deny", why


def test_plaintext_transport_is_denied_even_for_admins(stack: Stack) -> None:
    assert not put(stack, {}, **{"aws:SecureTransport": "false"}).allowed
    decision = stack.s3(ADMIN, "s3:GetObject", f"{stack.bucket_arn(DATASET)}/a", {"aws:SecureTransport": "false"},
                        identity=[ADMIN_IDENTITY])
    assert not decision.allowed and decision.reason == "explicit deny"


def test_access_from_outside_the_endpoint_is_denied_for_a_team_role(stack: Stack) -> None:
    role = stack.team_role(WRITER)
    for context in ({"aws:SecureTransport": "true"},  # from the internet: no aws:SourceVpce at all
                    {"aws:SecureTransport": "true", "aws:SourceVpce": "vpce-0someoneelse0000"}):
        decision = stack.s3(role.outputs["arn"], "s3:GetObject", f"{stack.bucket_arn(DATASET)}/a", context,
                            identity=stack.policies_of(role))
        assert not decision.allowed and decision.reason == "explicit deny", context


def test_admin_roles_are_exempt_only_from_the_endpoint_restriction(stack: Stack) -> None:
    """README: the admin roles reach the buckets from outside the endpoint; TLS and encryption still apply,
    and they still need an Allow of their own."""
    objects = f"{stack.bucket_arn(DATASET)}/a"
    off_endpoint = {"aws:SecureTransport": "true"}
    assert stack.s3(ADMIN, "s3:GetObject", objects, off_endpoint, identity=[ADMIN_IDENTITY]).allowed
    assert not stack.s3(ADMIN, "s3:GetObject", objects, off_endpoint, identity=[]).allowed  # no Allow of its own
    assert not stack.s3(ADMIN, "s3:PutObject", objects, {**off_endpoint, SSE: "AES256"},
                        identity=[ADMIN_IDENTITY]).allowed
    other_admin = "arn:aws:iam::123456789012:role/someone-else-admin"
    assert not stack.s3(other_admin, "s3:GetObject", objects, off_endpoint, identity=[ADMIN_IDENTITY]).allowed


def test_nobody_deletes_an_object_or_a_version(stack: Stack) -> None:
    for suffix in [DATASET, "training-ledger", stack.audit_suffix]:
        objects = f"{stack.bucket_arn(suffix)}/a"
        for action in ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"):
            decision = stack.s3(ADMIN, action, objects, stack.through_endpoint(), identity=[ADMIN_IDENTITY])
            assert not decision.allowed and decision.reason == "explicit deny", (suffix, action)


def test_team_roles_cannot_delete_objects(stack: Stack) -> None:
    for team in ("data-engineering", "data-science", "ml-platform", "audit"):
        role = stack.team_role(team)
        for dataset in ("clickstream-raw", "customer-features", "training-ledger"):
            decision = stack.s3(role.outputs["arn"], "s3:DeleteObject", f"{stack.bucket_arn(dataset)}/a",
                                stack.through_endpoint(), identity=stack.policies_of(role))
            assert not decision.allowed, (team, dataset)


def test_without_admin_roles_nobody_is_exempt(variant_stack: Stack) -> None:
    objects = f"{variant_stack.bucket_arn(DATASET)}/a"
    decision = variant_stack.s3(ADMIN, "s3:GetObject", objects, {"aws:SecureTransport": "true"},
                                identity=[ADMIN_IDENTITY])
    assert not decision.allowed and decision.reason == "explicit deny"


# -- the audit bucket: CloudTrail delivers with its own settings, everyone else is held to the rules -------------
def trail_delivery(stack: Stack, **headers: str):
    bucket = stack.bucket_arn(stack.audit_suffix)
    context = {"aws:SecureTransport": "true", "aws:SourceArn": stack.run.by_type(
        "aws:cloudtrail/trail:Trail")[0].outputs["arn"], "s3:x-amz-acl": "bucket-owner-full-control", **headers}
    return stack.s3("cloudtrail.amazonaws.com", "s3:PutObject", f"{bucket}/AWSLogs/123456789012/CloudTrail/x.gz",
                    context)


def test_cloudtrail_delivers_to_the_audit_bucket(stack: Stack) -> None:
    assert trail_delivery(stack).allowed
    assert trail_delivery(stack, **{SSE: "aws:kms", SSE_KEY: stack.key("alias/mlgov/platform/audit").outputs["arn"]})


def test_only_this_trail_delivers_and_only_under_awslogs(stack: Stack) -> None:
    bucket = stack.bucket_arn(stack.audit_suffix)
    other_trail = {"aws:SecureTransport": "true", "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/x",
                   "s3:x-amz-acl": "bucket-owner-full-control"}
    assert not stack.s3("cloudtrail.amazonaws.com", "s3:PutObject", f"{bucket}/AWSLogs/123456789012/x",
                        other_trail).allowed
    assert not stack.s3("cloudtrail.amazonaws.com", "s3:PutObject", f"{bucket}/elsewhere/x", other_trail).allowed


def test_cloudtrail_is_exempt_from_nothing_on_dataset_buckets(stack: Stack) -> None:
    trail = stack.run.by_type("aws:cloudtrail/trail:Trail")[0].outputs["arn"]
    decision = stack.s3("cloudtrail.amazonaws.com", "s3:PutObject", f"{stack.bucket_arn(DATASET)}/AWSLogs/x",
                        {"aws:SecureTransport": "true", "aws:SourceArn": trail})
    assert not decision.allowed and decision.reason == "explicit deny"
