"""SageMaker rules through the engine path: golden resources, one-mutation failures, preview unknowns,
and real pulumi_aws programs in preview and update mode."""

from __future__ import annotations

import copy
import json

import pytest
from ml_dataset_governance.policies.rules import sagemaker

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

ROLE = "arn:aws:iam::123456789012:role/team"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1c"
TAGS = {"classification": "confidential", "owner": "ml-platform", "project": "ml"}
DOMAIN_RULES = ("sagemaker-domain-iam-auth", "sagemaker-domain-vpc-only", "sagemaker-domain-kms-encrypted",
                "sagemaker-domain-sharing-restricted")
NOTEBOOK_RULES = ("sagemaker-notebook-no-direct-internet", "sagemaker-notebook-root-disabled",
                  "sagemaker-notebook-in-vpc", "sagemaker-notebook-kms-encrypted")


def _without(inputs: dict, path: str) -> dict:
    """A deep copy of `inputs` with the dotted `path` removed."""
    out = copy.deepcopy(inputs)
    *parents, leaf = path.split(".")
    node = out
    for p in parents:
        node = node[p]
    del node[leaf]
    return out


def _with(inputs: dict, path: str, value) -> dict:
    """A deep copy of `inputs` with the dotted `path` set to `value`."""
    out = copy.deepcopy(inputs)
    *parents, leaf = path.split(".")
    node = out
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value
    return out


DOMAIN = {
    "domainName": "studio", "authMode": "IAM", "appNetworkAccessType": "VpcOnly", "kmsKeyId": KEY,
    "vpcId": "vpc-1", "subnetIds": ["subnet-1", "subnet-2"], "tags": TAGS,
    "defaultUserSettings": {"executionRole": ROLE, "securityGroups": ["sg-1"],
                            "sharingSettings": {"notebookOutputOption": "Disabled"}},
}
PROFILE = {"domainId": "d-1", "userProfileName": "alice", "tags": TAGS,
           "userSettings": {"executionRole": ROLE, "securityGroups": ["sg-1"],
                            "sharingSettings": {"notebookOutputOption": "Disabled"}}}
NOTEBOOK = {"instanceType": "ml.t3.medium", "roleArn": ROLE, "directInternetAccess": "Disabled",
            "rootAccess": "Disabled", "subnetId": "subnet-1", "securityGroups": ["sg-1"], "kmsKeyId": KEY,
            "volumeSize": 20.0, "tags": TAGS,
            "instanceMetadataServiceConfiguration": {"minimumInstanceMetadataServiceVersion": "2"}}


def _flags(type_token: str, inputs: dict, rule: str, **kw) -> tuple[set, set]:
    result = evaluate([resource(type_token, "r", inputs)], **kw)
    return result.flagged(rule), result.unverifiable(rule)


# --- domain ----------------------------------------------------------------------------------------

def test_golden_domain_passes():
    result = evaluate([resource(sagemaker.DOMAIN, "r", DOMAIN)], stack=False)
    assert result.diagnostics == []


@pytest.mark.parametrize(("rule", "inputs"), [
    ("sagemaker-domain-iam-auth", _with(DOMAIN, "authMode", "SSO")),
    ("sagemaker-domain-iam-auth", _without(DOMAIN, "authMode")),
    ("sagemaker-domain-vpc-only", _with(DOMAIN, "appNetworkAccessType", "PublicInternetOnly")),
    ("sagemaker-domain-vpc-only", _without(DOMAIN, "appNetworkAccessType")),
    ("sagemaker-domain-kms-encrypted", _without(DOMAIN, "kmsKeyId")),
    ("sagemaker-domain-kms-encrypted", _with(DOMAIN, "kmsKeyId", "")),
    ("sagemaker-domain-sharing-restricted", _without(DOMAIN, "defaultUserSettings.sharingSettings")),
    ("sagemaker-domain-sharing-restricted",
     _with(DOMAIN, "defaultUserSettings.sharingSettings", {"notebookOutputOption": "Allowed"})),
    ("sagemaker-domain-sharing-restricted",
     _with(DOMAIN, "defaultUserSettings.sharingSettings", {"notebookOutputOption": "Allowed", "s3KmsKeyId": KEY})),
    ("sagemaker-domain-sharing-restricted",
     _with(DOMAIN, "defaultUserSettings.sharingSettings", {"s3OutputPath": "s3://shared/"})),
])
def test_domain_mutation_is_blocked(rule, inputs):
    result = evaluate([resource(sagemaker.DOMAIN, "r", inputs)])
    assert result.flagged(rule) == {"r"}
    assert {d.enforcement for d in result.for_policy(rule)} == {"mandatory"}
    others = set(DOMAIN_RULES) - {rule}
    assert not any(result.flagged(o) for o in others), "one mutation, one finding"


def test_sharing_encrypted_to_a_chosen_path_passes():
    inputs = _with(DOMAIN, "defaultUserSettings.sharingSettings",
                   {"notebookOutputOption": "Allowed", "s3KmsKeyId": KEY, "s3OutputPath": "s3://shared/notebooks/"})
    assert _flags(sagemaker.DOMAIN, inputs, "sagemaker-domain-sharing-restricted") == (set(), set())


def test_sso_passes_when_configured():
    inputs = _with(DOMAIN, "authMode", "SSO")
    config = {"sagemaker-domain-iam-auth": {"allowedAuthModes": ["IAM", "SSO"]}}
    assert _flags(sagemaker.DOMAIN, inputs, "sagemaker-domain-iam-auth", config=config) == (set(), set())


def test_approved_kms_keys_are_enforced():
    config = {"sagemaker-domain-kms-encrypted": {"approvedKmsKeys": ["arn:aws:kms:us-east-1:123456789012:key/other"]}}
    assert _flags(sagemaker.DOMAIN, DOMAIN, "sagemaker-domain-kms-encrypted", config=config) == ({"r"}, set())
    config = {"sagemaker-domain-kms-encrypted": {"approvedKmsKeys": [KEY]}}
    assert _flags(sagemaker.DOMAIN, DOMAIN, "sagemaker-domain-kms-encrypted", config=config) == (set(), set())


def test_preview_key_reference_counts_as_set_but_cannot_be_matched_against_an_approved_list():
    inputs = _with(DOMAIN, "kmsKeyId", UNKNOWN)
    assert _flags(sagemaker.DOMAIN, inputs, "sagemaker-domain-kms-encrypted") == (set(), set())
    config = {"sagemaker-domain-kms-encrypted": {"approvedKmsKeys": [KEY]}}
    assert _flags(sagemaker.DOMAIN, inputs, "sagemaker-domain-kms-encrypted", config=config) == (set(), {"r"})


def test_unknown_sharing_settings_are_unverifiable_not_passed():
    inputs = _with(DOMAIN, "defaultUserSettings.sharingSettings", UNKNOWN)
    assert _flags(sagemaker.DOMAIN, inputs, "sagemaker-domain-sharing-restricted") == (set(), {"r"})
    inputs = _with(DOMAIN, "defaultUserSettings.sharingSettings",
                   {"notebookOutputOption": "Allowed", "s3KmsKeyId": UNKNOWN})
    # the key is unknown but the output path is known to be missing: still a violation
    assert _flags(sagemaker.DOMAIN, inputs, "sagemaker-domain-sharing-restricted")[0] == {"r"}


# --- user profiles ---------------------------------------------------------------------------------

def test_golden_profile_passes():
    assert evaluate([resource(sagemaker.USER_PROFILE, "r", PROFILE)]).diagnostics == []


def test_profile_without_settings_inherits_the_domain():
    inputs = _without(PROFILE, "userSettings")
    result = evaluate([resource(sagemaker.USER_PROFILE, "r", inputs)])
    assert result.flagged("sagemaker-user-profile-sharing-restricted") == set()
    assert result.flagged("sagemaker-user-profile-own-role") == {"r"}  # advisory: no per-persona role


def test_profile_cannot_reopen_sharing_the_domain_closed():
    inputs = _with(PROFILE, "userSettings.sharingSettings", {"notebookOutputOption": "Allowed"})
    result = evaluate([resource(sagemaker.USER_PROFILE, "r", inputs)])
    assert result.flagged("sagemaker-user-profile-sharing-restricted") == {"r"}
    assert result.mandatory()


def test_profile_role_and_security_groups_are_separate_checks():
    inputs = _with(_with(PROFILE, "userSettings.executionRole", UNKNOWN), "userSettings.securityGroups", [])
    flagged, unverifiable = _flags(sagemaker.USER_PROFILE, inputs, "sagemaker-user-profile-own-role")
    assert flagged == {"r"}  # empty security groups are known
    assert unverifiable == set()  # a role ARN computed at deploy time is set


# --- notebook instances ----------------------------------------------------------------------------

def test_golden_notebook_passes():
    assert evaluate([resource(sagemaker.NOTEBOOK, "r", NOTEBOOK)]).diagnostics == []


@pytest.mark.parametrize(("rule", "inputs"), [
    ("sagemaker-notebook-no-direct-internet", _without(NOTEBOOK, "directInternetAccess")),
    ("sagemaker-notebook-no-direct-internet", _with(NOTEBOOK, "directInternetAccess", "Enabled")),
    ("sagemaker-notebook-root-disabled", _without(NOTEBOOK, "rootAccess")),
    ("sagemaker-notebook-root-disabled", _with(NOTEBOOK, "rootAccess", "Enabled")),
    ("sagemaker-notebook-in-vpc", _without(NOTEBOOK, "subnetId")),
    ("sagemaker-notebook-kms-encrypted", _without(NOTEBOOK, "kmsKeyId")),
])
def test_notebook_mutation_is_blocked(rule, inputs):
    result = evaluate([resource(sagemaker.NOTEBOOK, "r", inputs)])
    assert result.flagged(rule) == {"r"}
    assert not any(result.flagged(o) for o in set(NOTEBOOK_RULES) - {rule})


def test_unknown_internet_access_does_not_hide_known_root_access():
    inputs = _with(_with(NOTEBOOK, "directInternetAccess", UNKNOWN), "rootAccess", "Enabled")
    result = evaluate([resource(sagemaker.NOTEBOOK, "r", inputs)])
    assert result.unverifiable("sagemaker-notebook-no-direct-internet") == {"r"}
    assert result.flagged("sagemaker-notebook-no-direct-internet") == set()
    assert result.flagged("sagemaker-notebook-root-disabled") == {"r"}


# --- endpoint configurations and models ------------------------------------------------------------

ENDPOINT_CONFIG = {"kmsKeyArn": KEY, "productionVariants": [{"modelName": "m", "initialInstanceCount": 2.0,
                                                             "instanceType": "ml.m5.large", "variantName": "v"}],
                   "tags": TAGS}
MODEL = {"executionRoleArn": ROLE, "enableNetworkIsolation": True, "primaryContainer": {"image": "img"},
         "tags": TAGS}


def test_endpoint_config_needs_a_key():
    assert _flags(sagemaker.ENDPOINT_CONFIG, ENDPOINT_CONFIG, "sagemaker-endpoint-config-kms-encrypted") == (
        set(), set())
    assert _flags(sagemaker.ENDPOINT_CONFIG, _without(ENDPOINT_CONFIG, "kmsKeyArn"),
                  "sagemaker-endpoint-config-kms-encrypted") == ({"r"}, set())


@pytest.mark.parametrize(("inputs", "expected"), [
    (MODEL, (set(), set())),
    (_without(MODEL, "enableNetworkIsolation"), ({"r"}, set())),
    (_with(MODEL, "enableNetworkIsolation", False), ({"r"}, set())),
    (_with(_without(MODEL, "enableNetworkIsolation"), "vpcConfig",
           {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]}), (set(), set())),
    (_with(_without(MODEL, "enableNetworkIsolation"), "vpcConfig",
           {"subnets": [UNKNOWN], "securityGroupIds": UNKNOWN}), (set(), set())),
    (_with(_without(MODEL, "enableNetworkIsolation"), "vpcConfig", {"subnets": ["subnet-1"]}), ({"r"}, set())),
    (_with(MODEL, "enableNetworkIsolation", UNKNOWN), (set(), {"r"})),
])
def test_model_isolation(inputs, expected):
    assert _flags(sagemaker.MODEL, inputs, "sagemaker-model-network-isolated") == expected


# --- real programs ---------------------------------------------------------------------------------

def _studio_program(network_access: str | None, sharing: str):
    def program() -> None:
        import pulumi_aws as aws

        key = aws.kms.Key("studio-key", enable_key_rotation=True)
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
        role = aws.iam.Role("team", assume_role_policy=json.dumps(trust))
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        subnet = aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
        aws.sagemaker.Domain(
            "studio", domain_name="studio", auth_mode="IAM", vpc_id=vpc.id, subnet_ids=[subnet.id],
            kms_key_id=key.arn, app_network_access_type=network_access,
            default_user_settings=aws.sagemaker.DomainDefaultUserSettingsArgs(
                execution_role=role.arn,
                sharing_settings=aws.sagemaker.DomainDefaultUserSettingsSharingSettingsArgs(
                    notebook_output_option=sharing)))

    return program


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_compliant_domain_passes_in_both_modes(preview):
    result = evaluate_program(_studio_program("VpcOnly", "Disabled"), preview=preview)
    for rule in DOMAIN_RULES:
        assert result.flagged(rule) == set(), rule
        assert result.unverifiable(rule) == set(), rule  # decided even in a first preview


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_weakened_domain_is_blocked_in_both_modes(preview):
    result = evaluate_program(_studio_program(None, "Allowed"), preview=preview)
    assert result.flagged("sagemaker-domain-vpc-only") == {"studio"}
    assert result.flagged("sagemaker-domain-sharing-restricted") == {"studio"}
    assert {d.policy for d in result.mandatory()} >= {"sagemaker-domain-vpc-only",
                                                      "sagemaker-domain-sharing-restricted"}
