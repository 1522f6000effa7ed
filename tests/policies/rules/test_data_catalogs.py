"""Glue Data Catalog encryption and Lake Formation defaults through the engine path and a real program."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.rules import data_catalogs as catalogs

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
GLUE = {"dataCatalogEncryptionSettings": {
    "encryptionAtRest": {"catalogEncryptionMode": "SSE-KMS", "sseAwsKmsKeyId": KEY},
    "connectionPasswordEncryption": {"returnConnectionPasswordEncrypted": True, "awsKmsKeyId": KEY}}}
RULE = "glue-data-catalog-encrypted"


def _glue(**changes):
    settings = {k: dict(v) for k, v in GLUE["dataCatalogEncryptionSettings"].items()}
    for path, value in changes.items():
        block, key = path.split("__")
        if value is None:
            settings[block].pop(key, None)
        else:
            settings[block][key] = value
    return {"dataCatalogEncryptionSettings": settings}


@pytest.mark.parametrize(("inputs", "flagged"), [
    (GLUE, set()),
    (_glue(encryptionAtRest__catalogEncryptionMode="DISABLED"), {"r"}),
    (_glue(encryptionAtRest__sseAwsKmsKeyId=None), {"r"}),
    (_glue(connectionPasswordEncryption__returnConnectionPasswordEncrypted=False), {"r"}),
    (_glue(connectionPasswordEncryption__awsKmsKeyId=None), {"r"}),
    (_glue(encryptionAtRest__sseAwsKmsKeyId=UNKNOWN, connectionPasswordEncryption__awsKmsKeyId=UNKNOWN), set()),
])
def test_glue_catalog_encryption(inputs, flagged):
    result = evaluate([resource(catalogs.GLUE_ENCRYPTION, "r", inputs)])
    assert result.flagged(RULE) == flagged
    assert result.unverifiable(RULE) == set()


LAKE = {"admins": ["arn:aws:iam::123456789012:role/lake-admin"], "createDatabaseDefaultPermissions": [],
        "createTableDefaultPermissions": []}


@pytest.mark.parametrize(("inputs", "rule", "flagged"), [
    (LAKE, "lakeformation-no-iam-allowed-principals-defaults", set()),
    ({"admins": LAKE["admins"]}, "lakeformation-no-iam-allowed-principals-defaults", set()),
    ({**LAKE, "createTableDefaultPermissions": [{"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["ALL"]}]},
     "lakeformation-no-iam-allowed-principals-defaults", {"r"}),
    ({**LAKE, "createDatabaseDefaultPermissions": [{"principal": "IAM_ALLOWED_PRINCIPALS",
                                                    "permissions": ["ALL"]}]},
     "lakeformation-no-iam-allowed-principals-defaults", {"r"}),
    ({**LAKE, "allowFullTableExternalDataAccess": True}, "lakeformation-external-access-restricted", {"r"}),
    ({**LAKE, "trustedResourceOwners": ["999999999999"]}, "lakeformation-external-access-restricted", {"r"}),
])
def test_lake_formation_settings(inputs, rule, flagged):
    assert evaluate([resource(catalogs.LAKE_SETTINGS, "r", inputs)]).flagged(rule) == flagged


def test_allowed_trusted_owner_passes():
    config = {"lakeformation-external-access-restricted": {"allowedAccounts": ["111122223333"]}}
    inputs = {**LAKE, "trustedResourceOwners": ["111122223333"]}
    result = evaluate([resource(catalogs.LAKE_SETTINGS, "r", inputs)], config=config)
    assert result.flagged("lakeformation-external-access-restricted") == set()


def _program(weak: bool):
    def program() -> None:
        import pulumi_aws as aws

        key = aws.kms.Key("catalog", enable_key_rotation=True)
        aws.glue.DataCatalogEncryptionSettings("catalog", data_catalog_encryption_settings={
            "encryption_at_rest": {"catalog_encryption_mode": "DISABLED" if weak else "SSE-KMS",
                                   "sse_aws_kms_key_id": None if weak else key.arn},
            "connection_password_encryption": {"return_connection_password_encrypted": True,
                                               "aws_kms_key_id": key.arn}})
        aws.lakeformation.DataLakeSettings(
            "lake", admins=["arn:aws:iam::123456789012:role/lake-admin"],
            create_table_default_permissions=[{"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["ALL"]}]
            if weak else [])

    return program


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_in_both_modes(preview):
    rules = (RULE, "lakeformation-no-iam-allowed-principals-defaults")
    good = evaluate_program(_program(False), preview=preview)
    for rule in rules:
        assert good.flagged(rule) == set() and good.unverifiable(rule) == set(), rule
    bad = evaluate_program(_program(True), preview=preview)
    assert bad.flagged(RULE) == {"catalog"}
    assert bad.flagged("lakeformation-no-iam-allowed-principals-defaults") == {"lake"}
