"""Studio and notebook hardening rules through the engine path: lifecycle secrets (never echoed),
IMDSv2, platforms, Docker access, weakening overrides, security groups within the domain."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from ml_dataset_governance.policies.rules import sagemaker_studio as studio

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

ROLE = "arn:aws:iam::123456789012:role/team"
FAKE_KEY_ID = "AKIA" + "Z7QXJ3LDVN5PKW2E"  # shaped like an access key id, assembled so scanners of this repo stay quiet
SECRET_VALUE = "hunter2-but-longer"
TAGS = {"classification": "confidential", "owner": "ml-platform", "project": "ml"}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _flags(type_token: str, inputs: dict, rule: str, **kw) -> tuple[set, set]:
    result = evaluate([resource(type_token, "r", inputs)], **kw)
    return result.flagged(rule), result.unverifiable(rule)


# --- lifecycle secrets -----------------------------------------------------------------------------

CLEAN_SCRIPT = ("#!/bin/bash\nset -e\nTOKEN=$(aws secretsmanager get-secret-value --secret-id t --query SecretString)"
                "\nPASSWORD=$TOKEN\npip install -q pandas\n")


@pytest.mark.parametrize("type_token,prop", [(studio.STUDIO_LIFECYCLE, "studioLifecycleConfigContent"),
                                             (studio.NOTEBOOK_LIFECYCLE, "onStart")])
def test_clean_lifecycle_script_passes(type_token, prop):
    assert _flags(type_token, {prop: _b64(CLEAN_SCRIPT)}, "sagemaker-lifecycle-config-no-secrets") == (set(), set())


@pytest.mark.parametrize(("line", "kind"), [
    (f"export AWS_ACCESS_KEY_ID={FAKE_KEY_ID}", "AWS access key id"),
    ("-----BEGIN RSA PRIVATE KEY-----", "private key"),
    (f"password = '{SECRET_VALUE}'", "password or token assignment"),
    (f"git clone https://bot:{SECRET_VALUE}@git.example.com/repo.git", "credentials in a URL"),
])
@pytest.mark.parametrize("encode", [True, False], ids=["base64", "plain"])
def test_embedded_secret_is_blocked_without_echoing_it(line, kind, encode):
    script = CLEAN_SCRIPT + line + "\n"
    content = _b64(script) if encode else script
    result = evaluate([resource(studio.STUDIO_LIFECYCLE, "r", {"studioLifecycleConfigContent": content,
                                                                "studioLifecycleConfigAppType": "JupyterLab"})])
    assert result.flagged("sagemaker-lifecycle-config-no-secrets") == {"r"}
    text = " ".join(result.messages("sagemaker-lifecycle-config-no-secrets"))
    assert kind in text and "line 6" in text
    assert FAKE_KEY_ID not in text and SECRET_VALUE not in text


def test_unknown_lifecycle_content_is_noted():
    assert _flags(studio.NOTEBOOK_LIFECYCLE, {"onCreate": UNKNOWN}, "sagemaker-lifecycle-config-no-secrets") == (
        set(), {"r"})


# --- notebook instances ----------------------------------------------------------------------------

NOTEBOOK = {"instanceType": "ml.t3.medium", "roleArn": ROLE, "directInternetAccess": "Disabled",
            "rootAccess": "Disabled", "subnetId": "subnet-1", "securityGroups": ["sg-1"],
            "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k", "platformIdentifier": "notebook-al2023-v1",
            "instanceMetadataServiceConfiguration": {"minimumInstanceMetadataServiceVersion": "2"}, "tags": TAGS}


def test_golden_notebook_passes_every_rule():
    assert evaluate([resource(studio.NOTEBOOK, "r", NOTEBOOK)]).diagnostics == []


@pytest.mark.parametrize(("imds", "flagged"), [(None, {"r"}), ({"minimumInstanceMetadataServiceVersion": "1"}, {"r"}),
                                               ({"minimumInstanceMetadataServiceVersion": "2"}, set())])
def test_notebook_imdsv2(imds, flagged):
    inputs = {k: v for k, v in NOTEBOOK.items() if k != "instanceMetadataServiceConfiguration"}
    if imds is not None:
        inputs["instanceMetadataServiceConfiguration"] = imds
    assert _flags(studio.NOTEBOOK, inputs, "sagemaker-notebook-imdsv2")[0] == flagged


@pytest.mark.parametrize(("platform", "flagged"), [("notebook-al1-v1", {"r"}), ("notebook-al2-v1", {"r"}),
                                                   ("notebook-al2-v3", set()), (None, set())])
def test_notebook_platform(platform, flagged):
    inputs = {k: v for k, v in NOTEBOOK.items() if k != "platformIdentifier"}
    if platform:
        inputs["platformIdentifier"] = platform
    result = evaluate([resource(studio.NOTEBOOK, "r", inputs)])
    assert result.flagged("sagemaker-notebook-supported-platform") == flagged
    assert {d.enforcement for d in result.for_policy("sagemaker-notebook-supported-platform")} <= {"advisory"}


def test_security_hub_platform_list_can_be_configured():
    inputs = {**NOTEBOOK, "platformIdentifier": "notebook-al2-v3"}
    config = {"sagemaker-notebook-supported-platform": {"supportedPlatforms": ["notebook-al2023-v1"]}}
    assert _flags(studio.NOTEBOOK, inputs, "sagemaker-notebook-supported-platform", config=config)[0] == {"r"}


# --- domain, profiles, spaces ----------------------------------------------------------------------

DOMAIN = {"domainName": "studio", "authMode": "IAM", "appNetworkAccessType": "VpcOnly",
          "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k", "vpcId": "vpc-1", "subnetIds": ["subnet-1"],
          "defaultUserSettings": {"executionRole": ROLE, "securityGroups": ["sg-1"],
                                  "sharingSettings": {"notebookOutputOption": "Disabled"}},
          "defaultSpaceSettings": {"executionRole": ROLE, "securityGroups": ["sg-1"]}, "tags": TAGS}
PROFILE = {"domainId": "d-1", "userProfileName": "alice", "tags": TAGS,
           "userSettings": {"executionRole": ROLE, "securityGroups": ["sg-1"],
                            "sharingSettings": {"notebookOutputOption": "Disabled"}}}
SPACE = {"domainId": "d-1", "spaceName": "alice-lab", "tags": TAGS,
         "ownershipSettings": {"ownerUserProfileName": "alice"},
         "spaceSharingSettings": {"sharingType": "Private"}, "spaceSettings": {"appType": "JupyterLab"}}


def _with(inputs: dict, path: str, value) -> dict:
    out = copy.deepcopy(inputs)
    *parents, leaf = path.split(".")
    node = out
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value
    return out


@pytest.mark.parametrize(("type_token", "inputs"), [(studio.DOMAIN, DOMAIN), (studio.USER_PROFILE, PROFILE),
                                                    (studio.SPACE, SPACE)])
def test_golden_studio_resources_pass(type_token, inputs):
    assert evaluate([resource(type_token, "r", inputs)], stack=False).diagnostics == []


@pytest.mark.parametrize(("docker", "config", "flagged"), [
    ({"enableDockerAccess": "DISABLED"}, None, set()),
    ({"enableDockerAccess": "ENABLED"}, None, {"r"}),
    ({"enableDockerAccess": "ENABLED", "vpcOnlyTrustedAccounts": ["123456789012"]}, ["123456789012"], set()),
    ({"enableDockerAccess": "ENABLED", "vpcOnlyTrustedAccounts": ["999999999999"]}, ["123456789012"], {"r"}),
])
def test_domain_docker(docker, config, flagged):
    inputs = _with(DOMAIN, "domainSettings", {"dockerSettings": docker})
    cfg = {"sagemaker-domain-docker-restricted": {"allowedAccounts": config}} if config else None
    assert _flags(studio.DOMAIN, inputs, "sagemaker-domain-docker-restricted", config=cfg)[0] == flagged


@pytest.mark.parametrize(("type_token", "inputs"), [
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.customPosixUserConfig", {"uid": 0.0, "gid": 100.0})),
    (studio.DOMAIN, _with(DOMAIN, "defaultSpaceSettings.customPosixUserConfig", {"uid": 1000.0, "gid": 0.0})),
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.customFileSystemConfigs",
                                [{"efsFileSystemConfigs": [{"fileSystemId": "fs-other-team"}]}])),
    (studio.SPACE, _with(SPACE, "spaceSettings.customFileSystems", [{"efsFileSystem": {"fileSystemId": "fs-9"}}])),
    (studio.SPACE, _with(SPACE, "spaceSharingSettings.sharingType", "Shared")),
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.canvasAppSettings",
                                {"workspaceSettings": {"s3ArtifactPath": "s3://canvas/"}})),
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.canvasAppSettings", {"modelRegisterSettings": {
        "status": "ENABLED", "crossAccountModelRegisterRoleArn": "arn:aws:iam::999999999999:role/registry"}})),
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.jupyterLabAppSettings", {"codeRepositories": [
        {"repositoryUrl": f"https://bot:{SECRET_VALUE}@git.example.com/r.git"}]})),
])
def test_weakening_override_is_blocked(type_token, inputs):
    result = evaluate([resource(type_token, "r", inputs)])
    assert result.flagged("sagemaker-studio-settings-not-weakened") == {"r"}
    assert SECRET_VALUE not in " ".join(result.messages("sagemaker-studio-settings-not-weakened"))


@pytest.mark.parametrize(("type_token", "inputs", "config"), [
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.customPosixUserConfig", {"uid": 1001.0, "gid": 100.0}), None),
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.customFileSystemConfigs",
                                [{"efsFileSystemConfigs": [{"fileSystemId": "fs-shared"}]}]),
     {"allowedFileSystemIds": ["fs-shared"]}),
    (studio.SPACE, _with(SPACE, "spaceSharingSettings.sharingType", "Shared"), {"allowSharedSpaces": True}),
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.canvasAppSettings",
                                {"workspaceSettings": {"s3ArtifactPath": "s3://canvas/", "s3KmsKeyId": "k"}}), None),
    (studio.USER_PROFILE, _with(PROFILE, "userSettings.jupyterLabAppSettings", {"codeRepositories": [
        {"repositoryUrl": "https://git.example.com/r.git"}]}), None),
])
def test_compliant_twins_pass(type_token, inputs, config):
    cfg = {"sagemaker-studio-settings-not-weakened": config} if config else None
    assert _flags(type_token, inputs, "sagemaker-studio-settings-not-weakened", config=cfg) == (set(), set())


# --- security groups within the domain -------------------------------------------------------------

def _studio_stack(profile_groups, domain_groups=("sg-1",)):
    domain = resource(studio.DOMAIN, "studio", {**_with(DOMAIN, "defaultUserSettings.securityGroups",
                                                        list(domain_groups)), "id": "d-1"})
    groups = [resource(studio.SECURITY_GROUP, "sg-1", {"id": "sg-1", "vpcId": "vpc-1"}),
              resource(studio.SECURITY_GROUP, "sg-open", {"id": "sg-open", "vpcId": "vpc-1", "egress": [
                  {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]})]
    profile = _with(PROFILE, "userSettings.securityGroups", profile_groups)
    return [domain, *groups, resource(studio.USER_PROFILE, "alice", profile,
                                      property_dependencies={"domainId": [domain.urn]})]


@pytest.mark.parametrize(("profile_groups", "flagged"), [(["sg-1"], set()), (["sg-1", "sg-open"], {"alice"}),
                                                         (["sg-open"], {"alice"})])
def test_profile_groups_must_be_the_domains(profile_groups, flagged):
    result = evaluate(_studio_stack(profile_groups))
    assert result.flagged("sagemaker-studio-security-groups-within-domain") == flagged


TEAM_RULES = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
              "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")


def _team_stack(team_ingress_from: str, preview: bool = False):
    """A domain group reaching the endpoints' group; a team group open to itself and reaching the endpoints, plus
    one ingress rule from `team_ingress_from` ("self", or another team's group)."""
    domain_sg = resource(studio.SECURITY_GROUP, "domain-sg", {"id": "sg-d", "vpcId": "vpc-1"})
    endpoints = resource(studio.SECURITY_GROUP, "endpoints-sg", {"id": "sg-e", "vpcId": "vpc-1"})
    team = resource(studio.SECURITY_GROUP, "team-a", {"id": "sg-a", "vpcId": "vpc-1"})
    other = resource(studio.SECURITY_GROUP, "team-b", {"id": "sg-b", "vpcId": "vpc-1"})

    def rule(name, kind, group, peer):
        inputs = {"securityGroupId": UNKNOWN if preview else group.inputs["id"], "ipProtocol": "-1",
                  "referencedSecurityGroupId": UNKNOWN if preview else peer.inputs["id"]}
        return resource(TEAM_RULES[kind], name, inputs, property_dependencies={
            "securityGroupId": [group.urn], "referencedSecurityGroupId": [peer.urn]})

    peer = team if team_ingress_from == "self" else other
    rules = [rule("domain-to-endpoints", 1, domain_sg, endpoints), rule("team-to-endpoints", 1, team, endpoints),
             rule("team-to-self", 1, team, team), rule("team-from-peer", 0, team, peer)]
    domain = resource(studio.DOMAIN, "studio", {**_with(DOMAIN, "defaultUserSettings.securityGroups", ["sg-d"]),
                                                "id": "d-1"})
    profile = resource(studio.USER_PROFILE, "alice", _with(PROFILE, "userSettings.securityGroups", ["sg-a"]),
                       property_dependencies={"domainId": [domain.urn]})
    return [domain, domain_sg, endpoints, team, other, *rules, profile]


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_a_team_group_open_only_to_itself_passes_and_one_admitting_another_team_does_not(preview):
    """One group per team (AWS's advice for VpcOnly domains) is no more open than the domain's groups."""
    rule = "sagemaker-studio-security-groups-within-domain"
    isolated = evaluate(_team_stack("self", preview))
    assert isolated.flagged(rule) == set() and isolated.unverifiable(rule) == set()
    joined = evaluate(_team_stack("other", preview))
    assert joined.flagged(rule) == {"alice"}
    assert "team-a" in joined.messages(rule)[0]


def test_first_preview_groups_are_compared_by_dependency():
    stack = _studio_stack([UNKNOWN])
    domain, sg1, open_sg, profile = stack
    domain.property_dependencies["defaultUserSettings"] = [sg1.urn]
    domain.inputs["defaultUserSettings"]["securityGroups"] = [UNKNOWN]
    domain.outputs["defaultUserSettings"]["securityGroups"] = [UNKNOWN]
    for urn, flagged in ((sg1.urn, set()), (open_sg.urn, {"alice"})):
        profile.property_dependencies["userSettings"] = [urn]
        result = evaluate(stack)
        assert result.flagged("sagemaker-studio-security-groups-within-domain") == flagged
        assert result.unverifiable("sagemaker-studio-security-groups-within-domain") == set()


# --- real programs ---------------------------------------------------------------------------------

def _studio_program(weak: bool):
    def program() -> None:
        import pulumi_aws as aws

        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        studio_sg = aws.ec2.SecurityGroup("studio-sg", vpc_id=vpc.id)
        open_sg = aws.ec2.SecurityGroup("open-sg", vpc_id=vpc.id, egress=[
            {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}])
        domain = aws.sagemaker.Domain(
            "studio", domain_name="studio", auth_mode="IAM", vpc_id=vpc.id, subnet_ids=["subnet-1"],
            app_network_access_type="VpcOnly",
            domain_settings={"docker_settings": {"enable_docker_access": "ENABLED" if weak else "DISABLED"}},
            default_user_settings={"execution_role": ROLE, "security_groups": [studio_sg.id],
                                   "sharing_settings": {"notebook_output_option": "Disabled"}})
        aws.sagemaker.UserProfile(
            "alice", domain_id=domain.id, user_profile_name="alice",
            user_settings={"execution_role": ROLE,
                           "security_groups": [open_sg.id] if weak else [studio_sg.id]})
        script = "#!/bin/bash\n" + (f"export AWS_ACCESS_KEY_ID={FAKE_KEY_ID}\n" if weak else "echo ok\n")
        aws.sagemaker.StudioLifecycleConfig(
            "setup", studio_lifecycle_config_name="setup", studio_lifecycle_config_app_type="JupyterLab",
            studio_lifecycle_config_content=_b64(script))

    return program


RULES = ("sagemaker-domain-docker-restricted", "sagemaker-studio-security-groups-within-domain",
         "sagemaker-lifecycle-config-no-secrets", "sagemaker-studio-settings-not-weakened")


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_compliant_studio_passes_in_both_modes(preview):
    result = evaluate_program(_studio_program(False), preview=preview)
    for rule in RULES:
        assert result.flagged(rule) == set() and result.unverifiable(rule) == set(), rule


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_weakened_studio_is_blocked_in_both_modes(preview):
    result = evaluate_program(_studio_program(True), preview=preview)
    assert result.flagged("sagemaker-domain-docker-restricted") == {"studio"}
    assert result.flagged("sagemaker-studio-security-groups-within-domain") == {"alice"}
    assert result.flagged("sagemaker-lifecycle-config-no-secrets") == {"setup"}
    assert FAKE_KEY_ID not in json.dumps([d.message for d in result.diagnostics])
