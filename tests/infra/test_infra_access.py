"""Team access: execution roles trusted by SageMaker only, grants exactly the catalog's access matrix."""

from __future__ import annotations

from collections import defaultdict

from infra_stack_helpers import (
    BUCKET,
    DOMAIN,
    KMS_ALIAS,
    KMS_KEY,
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
from ml_dataset_governance.infra.catalog import StackSettings, access_matrix, bucket_name
from ml_dataset_governance.infra.report import exportable_matrix

from mlgov.program import ProgramRun, RecordedResource

PROJECT, STACK = "ml-dataset-governance", "dev"
READ_OBJECTS = {"s3:GetObject", "s3:GetObjectVersion"}
WRITE_OBJECTS = READ_OBJECTS | {"s3:PutObject", "s3:AbortMultipartUpload"}
BUCKET_LEVEL = {"s3:ListBucket", "s3:GetBucketLocation"}
READ_KEY = {"kms:Decrypt"}
WRITE_KEY = READ_KEY | {"kms:GenerateDataKey", "kms:Encrypt"}


def team_roles(run: ProgramRun, settings: StackSettings) -> dict[str, RecordedResource]:
    """team -> role, found through the team's Studio user profile (the profile runs as the role)."""
    roles = {}
    for team in settings.catalog.teams:
        profile = one([p for p in run.by_type(USER_PROFILE) if p.inputs["userProfileName"] == team.name],
                      f"profile {team.name}")
        roles[team.name] = one([r for r in run.by_type(ROLE) if depends_on(profile, "userSettings", r)],
                               f"role of {team.name}")
    return roles


def grants(run: ProgramRun, role: RecordedResource) -> dict[str, set[str]]:
    """resource ARN -> allowed actions, over every inline policy of the role (conditions checked separately)."""
    result: dict[str, set[str]] = defaultdict(set)
    for policy in dependents(run, ROLE_POLICY, "role", role):
        for stmt in statements(policy.inputs["policy"]):
            assert stmt["Effect"] == "Allow"
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


def test_every_team_gets_exactly_the_catalog_permissions(update_run: ProgramRun, settings: StackSettings) -> None:
    matrix = access_matrix(settings.catalog)
    roles = team_roles(update_run, settings)
    bucket_arns = {b.inputs["bucket"]: b.outputs["arn"] for b in update_run.by_type(BUCKET)}
    key_arns = {}
    for alias in update_run.by_type(KMS_ALIAS):
        key = one([k for k in update_run.by_type(KMS_KEY) if depends_on(alias, "targetKeyId", k)], "key")
        key_arns[alias.inputs["name"]] = key.outputs["arn"]
    all_data_arns = set(bucket_arns.values()) | {f"{a}/*" for a in bucket_arns.values()} | set(key_arns.values())

    for team, row in matrix.items():
        granted = grants(update_run, roles[team])
        for dataset, access in row.items():
            bucket = bucket_arns[bucket_name(PROJECT, STACK, dataset)]
            key = key_arns[f"alias/mlgov/{dataset}"]
            expected = {
                None: (set(), set(), set()),
                "read": (READ_OBJECTS, BUCKET_LEVEL, READ_KEY),
                "write": (WRITE_OBJECTS, BUCKET_LEVEL, WRITE_KEY),
            }[access]
            actual = (granted.get(f"{bucket}/*", set()), granted.get(bucket, set()), granted.get(key, set()))
            assert actual == expected, f"{team} on {dataset}: expected {access}"
        # Nothing on any other data resource (e.g. the audit bucket or platform keys).
        reachable = {bucket_arns[bucket_name(PROJECT, STACK, d)] for d, a in row.items() if a}
        reachable |= {f"{a}/*" for a in reachable}
        reachable |= {key_arns[f"alias/mlgov/{d}"] for d, a in row.items() if a}
        assert (set(granted) & all_data_arns) == reachable, team


def test_no_wildcard_actions_or_data_resources(update_run: ProgramRun, settings: StackSettings) -> None:
    for team, role in team_roles(update_run, settings).items():
        for resource, actions in grants(update_run, role).items():
            assert resource != "*", team
            assert not any(a == "*" or a.endswith(":*") for a in actions), f"{team}: {actions}"
            assert not any(a.startswith(("s3:Delete", "s3:PutBucket", "kms:Create", "iam:")) for a in actions), team
            if resource.startswith("arn:aws:s3:::"):
                assert "*" not in resource.removesuffix("/*"), f"{team}: {resource}"


def test_key_grants_only_through_s3(update_run: ProgramRun, settings: StackSettings) -> None:
    for role in team_roles(update_run, settings).values():
        for policy in dependents(update_run, ROLE_POLICY, "role", role):
            for stmt in statements(policy.inputs["policy"]):
                if any(a.startswith("kms:") for a in as_list(stmt["Action"])):
                    assert stmt["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_studio_and_log_grants_are_scoped_to_the_team(update_run: ProgramRun, settings: StackSettings) -> None:
    domain_id = one(update_run.by_type(DOMAIN), "domain").outputs["id"]
    for team, role in team_roles(update_run, settings).items():
        for resource, actions in grants(update_run, role).items():
            if any(a.startswith("sagemaker:") for a in actions):
                assert resource in {
                    f"arn:aws:sagemaker:us-east-1:123456789012:user-profile/{domain_id}/{team}",
                    f"arn:aws:sagemaker:us-east-1:123456789012:domain/{domain_id}",
                    f"arn:aws:sagemaker:us-east-1:123456789012:app/{domain_id}/{team}/*",
                }, f"{team}: {resource}"
            if any(a.startswith("logs:") for a in actions):
                assert resource == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/*", team


def test_domain_default_role_has_no_grants(any_run: ProgramRun) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    (default,) = [r for r in any_run.by_type(ROLE) if depends_on(domain, "defaultUserSettings", r)]
    assert not dependents(any_run, ROLE_POLICY, "role", default)
    assert not any_run.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not default.inputs.get("managedPolicyArns") and not default.inputs.get("inlinePolicies")


def test_permissions_boundary_applies_to_every_team_role(variant_run: ProgramRun,
                                                         variant_settings: StackSettings) -> None:
    for role in team_roles(variant_run, variant_settings).values():
        assert role.inputs["permissionsBoundary"] == variant_settings.permissions_boundary_arn, role.urn


def test_access_matrix_is_exported(any_run: ProgramRun, settings: StackSettings) -> None:
    assert any_run.outputs["accessMatrix"] == exportable_matrix(access_matrix(settings.catalog))


# -- Studio ----------------------------------------------------------------------------------------------------------
def test_domain_is_iam_authenticated_vpc_only_and_encrypted(any_run: ProgramRun) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    assert domain.inputs["authMode"] == "IAM"
    assert domain.inputs["appNetworkAccessType"] == "VpcOnly"
    key_alias = one([a for a in any_run.by_type(KMS_ALIAS) if a.inputs["name"] == "alias/mlgov/platform/studio"], "")
    assert domain.property_dependencies["kmsKeyId"] == key_alias.property_dependencies["targetKeyId"]
    assert domain.inputs["retentionPolicy"] == {"homeEfsFileSystem": "Retain"}
    assert domain.inputs["defaultUserSettings"]["sharingSettings"] == {"notebookOutputOption": "Disabled"}
    studio_sg = next(sg for sg in any_run.by_type(SECURITY_GROUP) if "studio" in sg.name)
    assert depends_on(domain, "defaultUserSettings", studio_sg)
    assert depends_on(domain, "defaultSpaceSettings", studio_sg)
    assert len(domain.inputs["defaultSpaceSettings"]["securityGroups"]) == 1
    assert domain.protect and domain.retain_on_delete


def test_domain_lives_in_the_private_subnets(any_run: ProgramRun) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    subnets = any_run.by_type("aws:ec2/subnet:Subnet")
    assert set(domain.property_dependencies["subnetIds"]) == {s.urn for s in subnets}
    assert depends_on(domain, "vpcId", one(any_run.by_type("aws:ec2/vpc:Vpc"), "vpc"))


def test_one_profile_per_team_with_its_role_and_no_sharing(any_run: ProgramRun, settings: StackSettings) -> None:
    domain = one(any_run.by_type(DOMAIN), "domain")
    studio_sg = next(sg for sg in any_run.by_type(SECURITY_GROUP) if "studio" in sg.name)
    profiles = any_run.by_type(USER_PROFILE)
    assert sorted(p.inputs["userProfileName"] for p in profiles) == sorted(t.name for t in settings.catalog.teams)
    roles = team_roles(any_run, settings)
    assert len({r.urn for r in roles.values()}) == len(roles), "teams must not share a role"
    for profile in profiles:
        assert depends_on(profile, "domainId", domain)
        assert profile.inputs["userSettings"]["sharingSettings"] == {"notebookOutputOption": "Disabled"}
        assert depends_on(profile, "userSettings", studio_sg)


def test_stack_exports(update_run: ProgramRun, settings: StackSettings) -> None:
    outputs = update_run.outputs
    domain = one(update_run.by_type(DOMAIN), "domain")
    assert outputs["studioDomainId"] == domain.outputs["id"]
    assert outputs["studioDomainUrl"].startswith("https://")
    assert outputs["datasetBuckets"] == {d.name: bucket_name(PROJECT, STACK, d.name) for d in settings.catalog.datasets}
    roles = team_roles(update_run, settings)
    assert outputs["teamRoleArns"] == {t: r.outputs["arn"] for t, r in roles.items()}
