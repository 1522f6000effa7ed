"""KMS key quality wherever a key is referenced, imported key material, replica keys and grants,
through the engine path and real programs."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies.rules import kms_quality as quality

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

KEY = "aws:kms/key:Key"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0b1c"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
DOMAIN = "aws:sagemaker/domain:Domain"
REF = "kms-key-reference-customer-managed"


def _key(name="data", **props):
    return resource(KEY, name, {"enableKeyRotation": True, "arn": KEY_ARN, "keyId": "0b1c", **props})


def _sse(key_ref, **kw):
    return resource(SSE, "sse", {"bucket": "clicks", "rules": [{"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_ref}}]}, **kw)


@pytest.mark.parametrize(("key_props", "ref", "flagged"), [
    ({}, KEY_ARN, set()),
    ({}, "alias/aws/s3", {"sse"}),
    ({}, "arn:aws:kms:us-east-1:123456789012:alias/aws/s3", {"sse"}),
    ({}, "arn:aws:kms:us-east-1:999999999999:key/foreign", {"sse"}),
    ({"enableKeyRotation": False}, KEY_ARN, {"sse"}),
    ({"isEnabled": False}, KEY_ARN, {"sse"}),
    ({"enableKeyRotation": False, "customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}, KEY_ARN, set()),
])
def test_key_references(key_props, ref, flagged):
    result = evaluate([_key(**key_props), _sse(ref)])
    assert result.flagged(REF) == flagged


def test_foreign_account_is_judged_against_the_configured_accounts():
    foreign = "arn:aws:kms:us-east-1:999999999999:key/shared"
    config = {REF: {"allowedKeyAccounts": ["123456789012", "999999999999"]}}
    assert evaluate([_key(), _sse(foreign)], config=config).flagged(REF) == set()


def test_alias_reference_resolves_to_its_target_key():
    key = _key(enableKeyRotation=False)
    alias = resource(quality.ALIAS, "alias", {"name": "alias/data", "targetKeyId": "0b1c"},
                     property_dependencies={"targetKeyId": [key.urn]})
    assert evaluate([key, alias, _sse("alias/data")]).flagged(REF) == {"sse"}


def test_first_preview_reference_is_resolved_by_dependency():
    for rotation, flagged in ((True, set()), (False, {"sse"})):
        key = _key(enableKeyRotation=rotation)
        result = evaluate([key, _sse(UNKNOWN, property_dependencies={"rules": [key.urn]})])
        assert result.flagged(REF) == flagged
        assert result.unverifiable(REF) == set()


def test_unresolvable_unknown_reference_is_noted_not_passed():
    result = evaluate([_sse(UNKNOWN)])
    assert result.unverifiable(REF)  # one stack-level "cannot be verified until update" note
    assert result.flagged(REF) == set()


def test_nested_job_references_are_found():
    domain = {"domainName": "d", "authMode": "IAM", "kmsKeyId": "alias/aws/sagemaker",
              "defaultUserSettings": {"sharingSettings": {"s3KmsKeyId": KEY_ARN}}}
    result = evaluate([_key(), resource(DOMAIN, "studio", domain)])
    assert result.flagged(REF) == {"studio"}
    assert any("kmsKeyId refers to an AWS-managed key" in m for m in result.messages(REF))


def test_imported_key_material_is_referenced_only_when_allowed():
    external = resource(quality.EXTERNAL_KEY, "imported", {"arn": KEY_ARN, "keyId": "0b1c"})
    assert evaluate([external, _sse(KEY_ARN)]).flagged(REF) == {"sse"}
    config = {REF: {"allowExternalKeys": True}}
    assert evaluate([external, _sse(KEY_ARN)], config=config).flagged(REF) == set()


# --- external and replica keys --------------------------------------------------------------------

EXT = "kms-external-key-not-used"


def test_external_key_is_flagged_and_material_never_echoed():
    material = "c2VjcmV0LWtleS1tYXRlcmlhbC0zMi1ieXRlcyEhISE="
    result = evaluate([resource(quality.EXTERNAL_KEY, "imported", {"keyMaterialBase64": material,
                                                                  "validTo": "2027-01-01T00:00:00Z"})])
    assert result.flagged(EXT) == {"imported"}
    text = " ".join(result.messages(EXT))
    assert material not in text and "keyMaterialBase64" in text and "validTo" in text


def test_external_key_without_material_in_state_passes_when_allowed():
    config = {EXT: {"allowExternalKeys": True}}
    assert evaluate([resource(quality.EXTERNAL_KEY, "imported", {"description": "hsm"})],
                    config=config).flagged(EXT) == set()


PUBLIC_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]})


@pytest.mark.parametrize("type_token", [quality.REPLICA_KEY, quality.EXTERNAL_KEY, quality.REPLICA_EXTERNAL_KEY,
                                        "aws:kms/keyPolicy:KeyPolicy"])
def test_every_key_kind_gets_the_key_policy_check(type_token):
    result = evaluate([resource(type_token, "k", {"policy": PUBLIC_POLICY, "primaryKeyArn": KEY_ARN,
                                                 "keyId": "0b1c"})])
    assert result.flagged("kms-key-policy-no-public-principal") == {"k"}


def test_replica_key_deletion_window_is_checked():
    result = evaluate([resource(quality.REPLICA_KEY, "k", {"primaryKeyArn": KEY_ARN, "deletionWindowInDays": 7.0})])
    assert result.flagged("kms-key-deletion-window") == {"k"}


# --- grants ---------------------------------------------------------------------------------------

GRANT = {"keyId": KEY_ARN, "granteePrincipal": "arn:aws:iam::123456789012:role/job",
         "operations": ["Decrypt", "GenerateDataKey"], "retiringPrincipal": "arn:aws:iam::123456789012:role/admin"}


@pytest.mark.parametrize(("change", "rule"), [
    ({"granteePrincipal": "*"}, "kms-grant-least-privilege"),
    ({"granteePrincipal": "arn:aws:iam::999999999999:role/x"}, "kms-grant-least-privilege"),
    ({"granteePrincipal": "arn:aws:iam::123456789012:root"}, "kms-grant-least-privilege"),
    ({"operations": ["Decrypt", "CreateGrant"]}, "kms-grant-least-privilege"),
    ({"retiringPrincipal": None}, "kms-grant-retirable"),
])
def test_grant_mutations(change, rule):
    inputs = {k: v for k, v in {**GRANT, **change}.items() if v is not None}
    result = evaluate([resource(quality.GRANT, "g", inputs)])
    assert result.flagged(rule) == {"g"}
    others = {"kms-grant-least-privilege", "kms-grant-retirable"} - {rule}
    assert not any(result.flagged(o) for o in others)


def test_golden_grant_and_retire_on_delete_twin():
    assert evaluate([resource(quality.GRANT, "g", GRANT)]).diagnostics == []
    twin = {k: v for k, v in GRANT.items() if k != "retiringPrincipal"} | {"retireOnDelete": True}
    assert evaluate([resource(quality.GRANT, "g", twin)]).diagnostics == []


# --- real program ---------------------------------------------------------------------------------

def _program(weak: bool):
    def program() -> None:
        import pulumi_aws as aws

        key = aws.kms.Key("data", enable_key_rotation=not weak)
        bucket = aws.s3.Bucket("clicks")
        aws.s3.BucketServerSideEncryptionConfiguration(
            "sse", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": key.arn}}])
        aws.cloudwatch.LogGroup("logs", kms_key_id="alias/aws/logs" if weak else key.arn)

    return program


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_in_both_modes(preview):
    good = evaluate_program(_program(False), preview=preview)
    assert good.flagged(REF) == set() and good.unverifiable(REF) == set()
    bad = evaluate_program(_program(True), preview=preview)
    assert bad.flagged(REF) == {"sse", "logs"}
