"""Team access: execution roles trusted by SageMaker only; what their policies allow is exactly the catalog's matrix."""

from __future__ import annotations

import json
from collections import defaultdict

from infra_requests import ACCOUNT, S3_VIA, Stack
from infra_stack_helpers import (
    DOMAIN,
    INGRESS_RULE,
    KMS_ALIAS,
    ROLE,
    ROLE_POLICY,
    SECURITY_GROUP,
    USER_PROFILE,
    as_list,
    dependents,
    depends_on,
    one,
    statements,
)
from ml_dataset_governance.infra.access import BUCKET_ACTIONS, KEY_ACTIONS, OBJECT_ACTIONS
from ml_dataset_governance.infra.catalog import StackSettings, bucket_name

from mlgov.program import ProgramRun, RecordedResource

PROJECT, STACK = "ml-dataset-governance", "dev"
READ_OBJECTS = {"s3:GetObject", "s3:GetObjectVersion"}
WRITE_OBJECTS = READ_OBJECTS | {"s3:PutObject", "s3:AbortMultipartUpload"}
BUCKET_LEVEL = {"s3:ListBucket", "s3:GetBucketLocation"}
READ_KEY = {"kms:Decrypt"}
WRITE_KEY = READ_KEY | {"kms:GenerateDataKey", "kms:Encrypt"}


def team_roles(run: ProgramRun, settings: StackSettings) -> dict[str, RecordedResource]:
    """team -> role, found through a member's Studio user profile (the profile runs as the role)."""
    stack = Stack(run, settings)
    return {t.name: stack.team_role(t.name) for t in settings.catalog.teams}


def grants(run: ProgramRun, role: RecordedResource) -> dict[str, set[str]]:
    """resource ARN -> allowed actions, over every Allow of the role's inline policies."""
    result: dict[str, set[str]] = defaultdict(set)
    for policy in dependents(run, ROLE_POLICY, "role", role):
        for stmt in statements(policy.inputs["policy"]):
            if stmt["Effect"] == "Allow":
                for resource in as_list(stmt["Resource"]):
                    result[resource].update(as_list(stmt["Action"]))
    return result


def test_matrix_constants_match_the_documented_grants() -> None:
    assert set(OBJECT_ACTIONS["read"]) == READ_OBJECTS and set(OBJECT_ACTIONS["write"]) == WRITE_OBJECTS
    assert set(BUCKET_ACTIONS) == BUCKET_LEVEL
    assert set(KEY_ACTIONS["read"]) == READ_KEY and set(KEY_ACTIONS["write"]) == WRITE_KEY


def test_roles_are_assumable_by_sagemaker_of_this_account_only(any_run: ProgramRun, settings: StackSettings) -> None:
    roles = list(team_roles(any_run, settings).values())
    domain = one(any_run.by_type(DOMAIN), "domain")
    roles += [r for r in any_run.by_type(ROLE) if depends_on(domain, "defaultUserSettings", r)]
    for role in roles:
        for stmt in statements(role.inputs["assumeRolePolicy"]):
            assert stmt["Effect"] == "Allow"
            assert stmt["Principal"] == {"Service": "sagemaker.amazonaws.com"}, role.urn
            assert set(as_list(stmt["Action"])) <= {"sts:AssumeRole", "sts:SetSourceIdentity"}, role.urn
            assert stmt["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012", role.urn


def effective_access(stack: Stack, team: str, dataset: str) -> str:
    """What the generated policies let a team do on a dataset, by request: the bucket (role policy, bucket policy,
    endpoint policy) and the key (role policy, key policy) must both allow. write > read > none."""
    role = stack.team_role(team)
    arn, identity = role.outputs["arn"], stack.policies_of(role)
    objects = f"{stack.bucket_arn(dataset)}/some/object"
    context = stack.through_endpoint()

    def s3(action: str, resource: str = objects) -> bool:
        return stack.s3(arn, action, resource, context, identity=identity, bucket=dataset).allowed

    def kms(action: str) -> bool:
        return stack.kms(arn, f"alias/mlgov/{dataset}", action, {"kms:ViaService": S3_VIA,
                                                                 "kms:CallerAccount": ACCOUNT}, identity=identity)\
            .allowed

    can_read = s3("s3:GetObject") and s3("s3:ListBucket", stack.bucket_arn(dataset)) and kms("kms:Decrypt")
    can_write = can_read and s3("s3:PutObject") and kms("kms:GenerateDataKey")
    return "write" if can_write else "read" if can_read else "none"


def test_exported_matrix_is_what_the_generated_policies_allow(stack: Stack, update_run: ProgramRun,
                                                             stack_config: dict) -> None:
    """Derived independently: from the raw config's owner/readers/writers for the expectation, and from requests
    evaluated over the generated IAM, bucket, endpoint and key policies for the effect."""
    raw = stack_config["ml-dataset-governance:catalog"]
    raw = json.loads(raw) if isinstance(raw, str) else raw
    expected = {
        t["name"]: {d["name"]: "write" if t["name"] == d["owner"] or t["name"] in d.get("writers", [])
                    else "read" if t["name"] in d.get("readers", []) else "none" for d in raw["datasets"]}
        for t in raw["teams"]
    }
    effective = {team: {ds: effective_access(stack, team, ds) for ds in row} for team, row in expected.items()}
    assert effective == expected
    assert update_run.outputs["accessMatrix"] == expected


def test_no_team_role_reaches_the_audit_logs(stack: Stack, settings: StackSettings) -> None:
    logs = f"{stack.bucket_arn(stack.audit_suffix)}/AWSLogs/123456789012/x"
    for team in settings.catalog.teams:
        role = stack.team_role(team.name)
        for action in ("s3:GetObject", "s3:PutObject"):
            assert not stack.s3(role.outputs["arn"], action, logs, stack.through_endpoint(),
                                identity=stack.policies_of(role)).allowed, (team.name, action)


# Actions AWS authorizes on no resource ARN (Service Authorization Reference: no resource types): only these may
# be granted on "*".
RESOURCELESS = {
    "sagemaker:ListApps", "sagemaker:ListDomains", "sagemaker:ListSpaces", "sagemaker:ListUserProfiles",
    "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups", "ecr:GetAuthorizationToken",
    # network interfaces of jobs: ARNs unknown before SageMaker creates them; limited by ec2:Vpc instead
    "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
}


def test_no_wildcard_actions_or_data_resources(update_run: ProgramRun, settings: StackSettings) -> None:
    studio_key = Stack(update_run, settings).key("alias/mlgov/platform/studio").outputs["arn"]
    for team, role in team_roles(update_run, settings).items():
        for resource, actions in grants(update_run, role).items():
            if resource == "*":
                assert actions <= RESOURCELESS, f"{team}: {actions - RESOURCELESS} on *"
            assert not any(a == "*" or a.endswith(":*") for a in actions), f"{team}: {actions}"
            forbidden = {a for a in actions if a.startswith(("s3:Delete", "s3:PutBucket", "kms:Create", "kms:Put"))}
            assert forbidden <= ({"kms:CreateGrant"} if resource == studio_key else set()), f"{team}: {forbidden}"
            assert {a for a in actions if a.startswith("iam:")} <= {"iam:PassRole"}, team
            if resource.startswith("arn:aws:s3:::"):
                assert "*" not in resource.removesuffix("/*"), f"{team}: {resource}"


def test_dataset_key_grants_only_through_s3(update_run: ProgramRun, settings: StackSettings) -> None:
    for role in team_roles(update_run, settings).values():
        for policy in dependents(update_run, ROLE_POLICY, "role", role):
            for stmt in statements(policy.inputs["policy"]):
                if stmt["Sid"].startswith(("ReadKey", "WriteKey")):
                    assert stmt["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_domain_default_role_has_no_grants_only_guardrails(update_run: ProgramRun) -> None:
    domain = one(update_run.by_type(DOMAIN), "domain")
    (default,) = [r for r in update_run.by_type(ROLE) if depends_on(domain, "defaultUserSettings", r)]
    (guardrails,) = dependents(update_run, ROLE_POLICY, "role", default)
    assert {s["Effect"] for s in statements(guardrails.inputs["policy"])} == {"Deny"}
    assert not update_run.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not default.inputs.get("managedPolicyArns") and not default.inputs.get("inlinePolicies")


def test_permissions_boundary_applies_to_every_team_and_persona_role(variant_run: ProgramRun,
                                                                    variant_settings: StackSettings) -> None:
    stack = Stack(variant_run, variant_settings)
    roles = list(team_roles(variant_run, variant_settings).values())
    roles += [stack.persona_role(p) for p in variant_settings.catalog.members]
    for role in roles:
        assert role.inputs["permissionsBoundary"] == variant_settings.permissions_boundary_arn, role.urn


# -- Studio ----------------------------------------------------------------------------------------------------------
def test_domain_is_iam_authenticated_vpc_only_and_encrypted(any_run: ProgramRun) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    assert domain.inputs["authMode"] == "IAM"
    assert domain.inputs["appNetworkAccessType"] == "VpcOnly"
    key_alias = one([a for a in any_run.by_type(KMS_ALIAS) if a.inputs["name"] == "alias/mlgov/platform/studio"], "")
    assert domain.property_dependencies["kmsKeyId"] == key_alias.property_dependencies["targetKeyId"]
    assert domain.inputs["retentionPolicy"] == {"homeEfsFileSystem": "Retain"}
    assert domain.inputs["defaultUserSettings"]["sharingSettings"] == {"notebookOutputOption": "Disabled"}
    assert domain.protect and domain.retain_on_delete


def test_domain_records_the_person_and_runs_no_docker(any_run: ProgramRun) -> None:
    settings = one(any_run.by_type(DOMAIN), "domain").inputs["domainSettings"]
    assert settings["executionRoleIdentityConfig"] == "USER_PROFILE_NAME"
    assert settings["dockerSettings"] == {"enableDockerAccess": "DISABLED"}


def test_domain_defaults_use_the_domain_group_which_admits_nothing(any_run: ProgramRun) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    domain_sg = one([g for g in any_run.by_type(SECURITY_GROUP) if g.name.endswith("studio-domain")], "domain SG")
    for prop in ("defaultUserSettings", "defaultSpaceSettings", "domainSettings"):
        assert depends_on(domain, prop, domain_sg), prop
        groups = domain.inputs[prop].get("securityGroups") or domain.inputs[prop].get("securityGroupIds")
        assert len(groups) == 1, prop
    assert not dependents(any_run, INGRESS_RULE, "securityGroupId", domain_sg)


def test_domain_lives_in_the_private_subnets(any_run: ProgramRun) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    subnets = any_run.by_type("aws:ec2/subnet:Subnet")
    assert set(domain.property_dependencies["subnetIds"]) == {s.urn for s in subnets}
    assert depends_on(domain, "vpcId", one(any_run.by_type("aws:ec2/vpc:Vpc"), "vpc"))


def test_one_profile_per_person_as_the_team_role_in_the_team_group(any_run: ProgramRun,
                                                                    settings: StackSettings) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    profiles = any_run.by_type(USER_PROFILE)
    assert sorted(p.inputs["userProfileName"] for p in profiles) == sorted(settings.catalog.members)
    roles = team_roles(any_run, settings)
    assert len({r.urn for r in roles.values()}) == len(roles), "teams must not share a role"
    groups = {g.name: g for g in any_run.by_type(SECURITY_GROUP)}
    for profile in profiles:
        team = settings.catalog.members[profile.inputs["userProfileName"]]
        assert depends_on(profile, "domainId", domain)
        assert profile.inputs["userSettings"]["sharingSettings"] == {"notebookOutputOption": "Disabled"}
        assert depends_on(profile, "userSettings", roles[team])
        assert depends_on(profile, "userSettings", groups[f"network-team-{team}"])
        assert len(profile.inputs["userSettings"]["securityGroups"]) == 1
        assert profile.inputs["tags"]["team"] == team


def test_stack_exports(update_run: ProgramRun, settings: StackSettings) -> None:
    outputs = update_run.outputs
    domain = one(update_run.by_type(DOMAIN), "domain")
    assert outputs["studioDomainId"] == domain.outputs["id"]
    assert outputs["studioDomainUrl"].startswith("https://")
    assert outputs["datasetBuckets"] == {d.name: bucket_name(PROJECT, STACK, d.name) for d in settings.catalog.datasets}
    roles = team_roles(update_run, settings)
    assert outputs["teamRoleArns"] == {t: r.outputs["arn"] for t, r in roles.items()}
    stack = Stack(update_run, settings)
    assert outputs["personaRoleArns"] == {p: stack.persona_role(p).outputs["arn"] for p in settings.catalog.members}
