"""Key policies with separated duties, proved by requests: administrators manage and cannot use; only the dataset's
catalog roles use a dataset key, through S3, in this account; nobody gets wildcard use."""

from __future__ import annotations

import pytest
from infra_requests import ACCOUNT, ADMIN_IDENTITY, S3_VIA, Stack
from infra_stack_helpers import KMS_KEY, statements
from ml_dataset_governance.infra.catalog import StackSettings
from ml_dataset_governance.infra.keys import MANAGEMENT_ACTIONS

from mlgov.program import ProgramRun

ADMIN = "arn:aws:iam::123456789012:role/mlgov-platform-admin"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
# An IAM principal of the account with kms:* in its own policies: a careless or compromised administrator.
IAM_ADMIN = "arn:aws:iam::123456789012:role/account-admin"
USE_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
               "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:CreateGrant")
THROUGH_S3 = {"kms:ViaService": S3_VIA, "kms:CallerAccount": ACCOUNT}
ALL_ALIASES = ("alias/mlgov/clickstream-raw", "alias/mlgov/customer-features", "alias/mlgov/training-ledger",
               "alias/mlgov/platform/audit", "alias/mlgov/platform/studio", "alias/mlgov/platform/logs")


@pytest.mark.parametrize("alias", ALL_ALIASES)
@pytest.mark.parametrize("principal", [ADMIN, IAM_ADMIN, ROOT])
def test_administrators_cannot_use_any_key(stack: Stack, alias: str, principal: str) -> None:
    for action in USE_ACTIONS:
        for context in ({}, THROUGH_S3, {"kms:ViaService": "sagemaker.us-east-1.amazonaws.com"}):
            decision = stack.kms(principal, alias, action, context, identity=[ADMIN_IDENTITY])
            assert not decision.allowed, (principal, alias, action, context, decision.reason)


@pytest.mark.parametrize("alias", ALL_ALIASES)
def test_administrators_can_manage_every_key(stack: Stack, alias: str) -> None:
    """The key stays manageable: the named admin role directly, any IAM admin of the account by delegation."""
    for action in ("kms:DescribeKey", "kms:PutKeyPolicy", "kms:DisableKey", "kms:ScheduleKeyDeletion",
                   "kms:EnableKeyRotation"):
        assert stack.kms(ADMIN, alias, action, {}).allowed, (alias, action)
        assert stack.kms(IAM_ADMIN, alias, action, {}, identity=[ADMIN_IDENTITY]).allowed, (alias, action)
        assert not stack.kms(IAM_ADMIN, alias, action, {}).allowed, "delegation needs the IAM policy too"


def test_only_the_datasets_catalog_roles_use_its_key_at_their_level(stack: Stack, settings: StackSettings) -> None:
    catalog = settings.catalog
    for dataset in catalog.datasets:
        alias = f"alias/mlgov/{dataset.name}"
        for team in catalog.teams:
            role = stack.team_role(team.name)
            arn, identity = role.outputs["arn"], stack.policies_of(role)
            access = dataset.access_for(team.name)
            decrypt = stack.kms(arn, alias, "kms:Decrypt", THROUGH_S3, identity=identity).allowed
            generate = stack.kms(arn, alias, "kms:GenerateDataKey", THROUGH_S3, identity=identity).allowed
            assert (decrypt, generate) == {None: (False, False), "read": (True, False),
                                           "write": (True, True)}[access], (team.name, dataset.name)


def test_dataset_keys_are_usable_only_through_s3_of_this_account(stack: Stack) -> None:
    role = stack.team_role("data-engineering")
    arn, identity = role.outputs["arn"], stack.policies_of(role)
    alias = "alias/mlgov/clickstream-raw"
    assert stack.kms(arn, alias, "kms:Decrypt", THROUGH_S3, identity=identity).allowed
    for context in ({}, {"kms:CallerAccount": ACCOUNT},
                    {"kms:ViaService": "sagemaker.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT},
                    {"kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}):
        assert not stack.kms(arn, alias, "kms:Decrypt", context, identity=identity).allowed, context


def test_studio_key_serves_the_team_roles_through_studio_storage_only(stack: Stack, settings: StackSettings) -> None:
    alias = "alias/mlgov/platform/studio"
    for team in settings.catalog.teams:
        role = stack.team_role(team.name)
        arn, identity = role.outputs["arn"], stack.policies_of(role)
        for service in ("sagemaker", "elasticfilesystem", "ec2"):
            context = {"kms:ViaService": f"{service}.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}
            assert stack.kms(arn, alias, "kms:CreateGrant", context, identity=identity).allowed, (team.name, service)
        assert not stack.kms(arn, alias, "kms:Decrypt", {"kms:CallerAccount": ACCOUNT}, identity=identity).allowed
        assert not stack.kms(arn, alias, "kms:Encrypt", {"kms:ViaService": "sagemaker.us-east-1.amazonaws.com",
                                                         "kms:CallerAccount": ACCOUNT}, identity=identity).allowed
        # and no team role uses another platform key
        for other in ("alias/mlgov/platform/audit", "alias/mlgov/platform/logs"):
            assert not stack.kms(arn, other, "kms:Decrypt", THROUGH_S3, identity=identity).allowed


def test_deployers_create_the_domains_storage_grants_for_aws_resources_only(stack: Stack) -> None:
    alias = "alias/mlgov/platform/studio"
    via = {"kms:ViaService": "elasticfilesystem.us-east-1.amazonaws.com"}
    assert stack.kms(ADMIN, alias, "kms:CreateGrant", {**via, "kms:GrantIsForAWSResource": "true"}).allowed
    assert not stack.kms(ADMIN, alias, "kms:CreateGrant", {**via, "kms:GrantIsForAWSResource": "false"}).allowed
    assert not stack.kms(ADMIN, alias, "kms:CreateGrant", {"kms:GrantIsForAWSResource": "true"}).allowed


def test_cloudtrail_encrypts_for_this_trail_only(stack: Stack, update_run: ProgramRun) -> None:
    trail = update_run.by_type("aws:cloudtrail/trail:Trail")[0].outputs["arn"]
    alias = "alias/mlgov/platform/audit"
    ok = {"aws:SourceArn": trail, "kms:EncryptionContext:aws:cloudtrail:arn": trail}
    assert stack.kms("cloudtrail.amazonaws.com", alias, "kms:GenerateDataKey", ok).allowed
    other = "arn:aws:cloudtrail:us-east-1:123456789012:trail/other"
    assert not stack.kms("cloudtrail.amazonaws.com", alias, "kms:GenerateDataKey",
                         {"aws:SourceArn": other, "kms:EncryptionContext:aws:cloudtrail:arn": other}).allowed
    assert not stack.kms("cloudtrail.amazonaws.com", "alias/mlgov/clickstream-raw", "kms:GenerateDataKey", ok).allowed


def test_log_files_are_readable_by_delegation_and_nothing_else(stack: Stack, update_run: ProgramRun) -> None:
    """IAM policies of the account may grant decrypting this trail's log files; no other use of the audit key."""
    trail = update_run.by_type("aws:cloudtrail/trail:Trail")[0].outputs["arn"]
    alias = "alias/mlgov/platform/audit"
    log_file = {"kms:CallerAccount": ACCOUNT, "kms:EncryptionContext:aws:cloudtrail:arn": trail}
    reader_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": stack.key(alias).outputs["arn"]}]}
    assert stack.kms(IAM_ADMIN, alias, "kms:Decrypt", log_file, identity=[reader_policy]).allowed
    assert not stack.kms(IAM_ADMIN, alias, "kms:Decrypt", log_file).allowed
    assert not stack.kms(IAM_ADMIN, alias, "kms:Decrypt", {"kms:CallerAccount": ACCOUNT},
                         identity=[ADMIN_IDENTITY]).allowed
    assert not stack.kms(IAM_ADMIN, alias, "kms:Encrypt", log_file, identity=[ADMIN_IDENTITY]).allowed


def test_logs_key_serves_cloudwatch_logs_for_this_stacks_groups(stack: Stack) -> None:
    alias = "alias/mlgov/platform/logs"
    service = "logs.us-east-1.amazonaws.com"
    for group in ("/aws/vpc/flow-logs/ml-dataset-governance-dev", "/aws/sagemaker/TrainingJobs"):
        context = {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}"}
        assert stack.kms(service, alias, "kms:GenerateDataKey", context).allowed, group
    foreign = {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/other"}
    assert not stack.kms(service, alias, "kms:GenerateDataKey", foreign).allowed
    assert not stack.kms("logs.eu-west-1.amazonaws.com", alias, "kms:GenerateDataKey", {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/x"}).allowed


def test_no_key_policy_names_a_wildcard_principal(any_run: ProgramRun) -> None:
    for key in any_run.by_type(KMS_KEY):
        for stmt in statements(key.inputs["policy"]):
            assert "NotPrincipal" not in stmt and stmt["Principal"] != "*", key.urn
            assert "*" not in stmt["Principal"].get("AWS", []), key.urn


def test_management_actions_hold_no_use() -> None:
    """The list the root and admin statements share: no cryptographic operation, no grant creation."""
    assert not {a for a in MANAGEMENT_ACTIONS if a in USE_ACTIONS or "Crypt" in a or "GenerateDataKey" in a}


def test_keys_wait_for_the_roles_their_policies_name(any_run: ProgramRun, settings: StackSettings) -> None:
    """KMS refuses a key policy naming a principal that does not exist yet: every key depends on every team role."""
    stack = Stack(any_run, settings)
    roles = {stack.team_role(t.name).urn for t in settings.catalog.teams}
    for key in any_run.by_type(KMS_KEY):
        assert roles <= set(key.dependencies), key.urn
