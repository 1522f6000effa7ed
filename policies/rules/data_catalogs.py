"""Data catalogs: the Glue Data Catalog's encryption and Lake Formation's default grants.

A Glue Data Catalog describes every dataset (schemas, locations, partition values, connection
passwords); Lake Formation decides who reads the tables. Its backward-compatible default, "Use only
IAM access control", grants ALL to IAM_ALLOWED_PRINCIPALS on every new database and table, which
makes Lake Formation grants meaningless.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.frameworks import NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.values import as_bool, as_list, get, present

GLUE_ENCRYPTION = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"
LAKE_SETTINGS = "aws:lakeformation/dataLakeSettings:DataLakeSettings"
IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS"

_SETTINGS = "dataCatalogEncryptionSettings"


def _catalog_at_rest(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    at_rest = r.get(f"{_SETTINGS}.encryptionAtRest")
    mode = get(at_rest, "catalogEncryptionMode")
    if mode not in ("SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE"):
        found = "unset" if mode is None else repr(mode)
        yield f"{_SETTINGS}.encryptionAtRest.catalogEncryptionMode is {found}; expected 'SSE-KMS'."
    elif not present(at_rest, "sseAwsKmsKeyId"):
        yield (f"{_SETTINGS}.encryptionAtRest.sseAwsKmsKeyId is not set (AWS-managed key); expected a customer-managed "
               "KMS key.")


def _connection_passwords(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    passwords = r.get(f"{_SETTINGS}.connectionPasswordEncryption")
    if as_bool(get(passwords, "returnConnectionPasswordEncrypted")) is not True:
        yield (f"{_SETTINGS}.connectionPasswordEncryption.returnConnectionPasswordEncrypted is not true; expected "
               "connection passwords returned encrypted, so GetConnection never hands them out in clear.")
    elif not present(passwords, "awsKmsKeyId"):
        yield f"{_SETTINGS}.connectionPasswordEncryption.awsKmsKeyId is not set; expected a customer-managed KMS key."


def _lake_defaults(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for prop in ("createDatabaseDefaultPermissions", "createTableDefaultPermissions"):
        for index, entry in enumerate(as_list(r.get(prop))):
            if get(entry, "principal") == IAM_ALLOWED_PRINCIPALS:
                yield (f"{prop}[{index}] grants {IAM_ALLOWED_PRINCIPALS} ('Use only IAM access control'); expected "
                       "it empty, so Lake Formation grants decide who reads new databases and tables.")


def _lake_external_access(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("allowFullTableExternalDataAccess")) is True:
        yield ("allowFullTableExternalDataAccess is true (third-party engines read whole tables with the caller's "
               "IAM permissions, bypassing Lake Formation filters); expected false.")
    trusted = [a for a in as_list(r.get("trustedResourceOwners")) if isinstance(a, str)]
    allowed = params.get("allowedAccounts") or []
    foreign = [a for a in trusted if a not in allowed]
    if foreign:
        yield (f"trustedResourceOwners trusts {', '.join(foreign)}, not in allowedAccounts; expected only the "
               "organization's data accounts.")


RULES = (
    Rule(
        id="glue-data-catalog-encrypted",
        title="The Glue Data Catalog and its connection passwords are encrypted with a customer-managed KMS key",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("SC-28"), NIST("IA-5")),
        rationale=(
            "The catalog holds every dataset's schema, S3 location and partition values, and Glue connections hold "
            "database passwords. Without SSE-KMS at rest (customer key) and connection-password encryption, "
            "anyone with glue:GetConnection reads the passwords in clear."
        ),
        remediation="""Encrypt the catalog and its connection passwords:

    aws.glue.DataCatalogEncryptionSettings("catalog", data_catalog_encryption_settings={
        "encryption_at_rest": {"catalog_encryption_mode": "SSE-KMS", "sse_aws_kms_key_id": key.arn},
        "connection_password_encryption": {"return_connection_password_encrypted": True,
                                           "aws_kms_key_id": key.arn}})""",
        checks=(_catalog_at_rest, _connection_passwords),
        resource_types=(GLUE_ENCRYPTION,),
        tags=("glue", "encryption"),
    ),
    Rule(
        id="lakeformation-no-iam-allowed-principals-defaults",
        title="Lake Formation grants nothing to IAM_ALLOWED_PRINCIPALS by default",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("AC-6")),
        rationale=(
            "A default permission for IAM_ALLOWED_PRINCIPALS on new databases or tables ('Use only IAM access "
            "control') lets any principal with Glue IAM permissions read every new table, whatever Lake Formation "
            "grants say. The API treats an empty or unset list as Lake Formation access control, which passes."
        ),
        remediation='`aws.lakeformation.DataLakeSettings("lake", admins=[admin_role.arn], '
                    "create_database_default_permissions=[], create_table_default_permissions=[])`.",
        checks=(_lake_defaults,),
        resource_types=(LAKE_SETTINGS,),
        tags=("lakeformation", "access"),
    ),
    Rule(
        id="lakeformation-external-access-restricted",
        title="Lake Formation gives no full-table access to external engines and trusts only allowed accounts",
        severity="medium",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("AC-21")),
        rationale=(
            "allowFullTableExternalDataAccess lets third-party query engines read whole tables without Lake "
            "Formation's row and column filters; trustedResourceOwners lets other accounts' resources be shared "
            "in. Accounts in allowedAccounts are accepted."
        ),
        remediation='`aws.lakeformation.DataLakeSettings("lake", allow_full_table_external_data_access=False, '
                    "trusted_resource_owners=[data_account_id])`.",
        checks=(_lake_external_access,),
        resource_types=(LAKE_SETTINGS,),
        params={"allowedAccounts": {"type": "array", "items": {"type": "string"}, "default": [],
                                    "description": "Accounts Lake Formation may trust as resource owners."}},
        tags=("lakeformation", "access"),
    ),
)
