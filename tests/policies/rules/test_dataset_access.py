"""The dataset catalog rule through the engine path: grants arriving by every shape, known (update) and unknown
(preview) values, and compliant twins that must not be flagged."""

from __future__ import annotations

import json

import pytest

from mlgov.testing import UNKNOWN, evaluate, resource

RULE = "s3-dataset-access-matches-catalog"
ACCOUNT = "123456789012"
OTHER = "999988887777"
BUCKET = "acme-features"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0d7f0b9e-1111"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
ROOT = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
        "Resource": "*"}
TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                   "Action": "sts:AssumeRole",
                                   "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]})

CATALOG = {
    "useStackCatalog": False,
    "datasets": [{"name": "features", "classification": "confidential", "tag": {"dataset": "features"},
                  "readers": ["science"], "writers": ["engineering"]}],
    "principals": [{"name": "science", "match": {"tag": {"team": "science"}}},
                   {"name": "engineering", "match": {"name": "eng-*"}}],
}
CONFIG = {RULE: CATALOG}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def read_statements(sid="Read"):
    return [{"Sid": sid, "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{BUCKET_ARN}/*"},
            {"Sid": f"{sid}Key", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN}]


def write_statements(sid="Write"):
    return [{"Sid": sid, "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"{BUCKET_ARN}/*"},
            {"Sid": f"{sid}Key", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": KEY_ARN}]


def base(key_policy=None):
    """A confidential dataset bucket encrypted with its own key."""
    return [
        resource("aws:s3/bucket:Bucket", "features", {"bucket": BUCKET, "tags": {"dataset": "features"}},
                 outputs={"bucket": BUCKET, "arn": BUCKET_ARN, "id": BUCKET, "tags": {"dataset": "features"}}),
        resource("aws:kms/key:Key", "features-key", {"policy": key_policy or doc(ROOT)},
                 outputs={"policy": key_policy or doc(ROOT), "arn": KEY_ARN, "keyId": "0d7f0b9e-1111",
                          "id": "0d7f0b9e-1111"}),
        resource(SSE, "features-sse", {"bucket": BUCKET, "rules": [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}}]}),
    ]


def role(name, tags=None, **inputs):
    props = {"name": name, "assumeRolePolicy": TRUST, "tags": tags or {}, **inputs}
    return resource("aws:iam/role:Role", name, props,
                    outputs={**props, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "id": name})


def role_policy(name, role_name, *statements):
    return resource("aws:iam/rolePolicy:RolePolicy", name, {"role": role_name, "policy": doc(*statements)})


def catalogued():
    """The compliant stack: the catalog's reader reads, its writer writes."""
    return [*base(), role("science-role", {"team": "science"}), role("eng-role"),
            role_policy("science-reads", "science-role", *read_statements()),
            role_policy("eng-writes", "eng-role", *write_statements())]


def test_the_catalogued_grants_pass():
    result = evaluate(catalogued(), config=CONFIG)
    assert result.flagged(RULE) == set()
    assert result.unverifiable(RULE) == set()


def test_a_reader_with_write_access_is_flagged_naming_principal_dataset_level_and_statement():
    resources = [*base(), role("science-role", {"team": "science"}),
                 role_policy("science-writes", "science-role", *write_statements("TooMuch"))]
    result = evaluate(resources, config=CONFIG)
    assert result.flagged(RULE) == {"science-writes"}
    [message] = result.messages(RULE)
    assert "principal 'science-role'" in message and "write access to dataset 'features'" in message
    assert "statement 'TooMuch'" in message and "only read" in message


# Each shape a grant can arrive by: extra resources giving principal "rogue" read access, the resource the finding
# names (the one holding the grant), and the principal it names.
def _inline_role_policy():
    return [role("rogue", inlinePolicies=[{"name": "data", "policy": doc(*read_statements())}])]


def _role_policy():
    return [role("rogue"), role_policy("rogue-data", "rogue", *read_statements())]


def _managed_aws_policy():
    return [role("rogue", managedPolicyArns=["arn:aws:iam::aws:policy/AmazonS3FullAccess",
                                             "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"])]


def _customer_policy_attachment():
    arn = f"arn:aws:iam::{ACCOUNT}:policy/rogue-data"
    return [role("rogue"),
            resource("aws:iam/policy:Policy", "rogue-data", {"policy": doc(*read_statements())},
                     outputs={"policy": doc(*read_statements()), "arn": arn, "id": arn, "name": "rogue-data"}),
            resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "rogue-attach",
                     {"role": "rogue", "policyArn": arn})]


def _policy_attachment_to_user():
    arn = f"arn:aws:iam::{ACCOUNT}:policy/rogue-data"
    user = resource("aws:iam/user:User", "rogue", {"name": "rogue"},
                    outputs={"name": "rogue", "id": "rogue", "arn": f"arn:aws:iam::{ACCOUNT}:user/rogue"})
    return [user,
            resource("aws:iam/policy:Policy", "rogue-data", {"policy": doc(*read_statements())},
                     outputs={"policy": doc(*read_statements()), "arn": arn, "id": arn}),
            resource("aws:iam/policyAttachment:PolicyAttachment", "rogue-attach",
                     {"policyArn": arn, "users": ["rogue"]})]


def _group_membership():
    user = resource("aws:iam/user:User", "rogue", {"name": "rogue"},
                    outputs={"name": "rogue", "id": "rogue", "arn": f"arn:aws:iam::{ACCOUNT}:user/rogue"})
    group = resource("aws:iam/group:Group", "readers", {"name": "readers"},
                     outputs={"name": "readers", "id": "readers", "arn": f"arn:aws:iam::{ACCOUNT}:group/readers"})
    return [user, group,
            resource("aws:iam/groupPolicy:GroupPolicy", "readers-data", {"group": "readers",
                                                                         "policy": doc(*read_statements())}),
            resource("aws:iam/groupMembership:GroupMembership", "readers-members",
                     {"group": "readers", "users": ["rogue"]})]


def _bucket_policy_cross_account():
    principal = f"arn:aws:iam::{OTHER}:role/rogue"
    key_policy = doc(ROOT, {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:Decrypt",
                            "Resource": "*"})
    return [resource("aws:s3/bucketPolicy:BucketPolicy", "features-policy", {"bucket": BUCKET, "policy": doc(
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "s3:GetObject",
         "Resource": f"{BUCKET_ARN}/*"})}),
            resource("aws:kms/keyPolicy:KeyPolicy", "features-key-policy",
                     {"keyId": "0d7f0b9e-1111", "policy": key_policy})]


def _kms_grant():
    return [role("rogue"),
            role_policy("rogue-data", "rogue", {"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": f"{BUCKET_ARN}/*"}),
            resource("aws:kms/grant:Grant", "rogue-grant", {"keyId": KEY_ARN, "operations": ["Decrypt"],
                                                            "granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/rogue"})]


def _access_point():
    ap_arn = f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/features-ap"
    policy = doc({"Sid": "ApRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/rogue"},
                  "Action": "s3:GetObject", "Resource": f"{ap_arn}/object/*"})
    return [role("rogue"),
            role_policy("rogue-key", "rogue", {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN}),
            resource("aws:s3/accessPoint:AccessPoint", "features-ap", {"bucket": BUCKET, "name": "features-ap",
                                                                       "policy": policy},
                     outputs={"bucket": BUCKET, "name": "features-ap", "policy": policy, "arn": ap_arn})]


def _access_grant():
    location = resource("aws:s3control/accessGrantsLocation:AccessGrantsLocation", "loc",
                        {"locationScope": f"s3://{BUCKET}/*", "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ag"},
                        outputs={"locationScope": f"s3://{BUCKET}/*", "accessGrantsLocationId": "loc-1",
                                 "id": "loc-1"})
    grant = resource("aws:s3control/accessGrant:AccessGrant", "rogue-grant",
                     {"accessGrantsLocationId": "loc-1", "permission": "READ",
                      "grantee": {"granteeType": "IAM", "granteeIdentifier": f"arn:aws:iam::{ACCOUNT}:role/rogue"}})
    return [role("rogue"), location, grant]


def _lake_formation():
    table = resource("aws:glue/catalogTable:CatalogTable", "features-table",
                     {"databaseName": "ml", "name": "features",
                      "storageDescriptor": {"location": f"s3://{BUCKET}/tables/features/"}})
    perm = resource("aws:lakeformation/permissions:Permissions", "rogue-select",
                    {"principal": f"arn:aws:iam::{ACCOUNT}:role/rogue", "permissions": ["SELECT"],
                     "table": {"databaseName": "ml", "name": "features"}})
    return [role("rogue"), table, perm]


SHAPES = {
    "Role.inlinePolicies": (_inline_role_policy, "rogue", "rogue"),
    "RolePolicy": (_role_policy, "rogue-data", "rogue"),
    "AWS managed policy": (_managed_aws_policy, "rogue", "rogue"),
    "customer managed policy": (_customer_policy_attachment, "rogue-data", "rogue"),
    "PolicyAttachment to a user": (_policy_attachment_to_user, "rogue-data", "rogue"),
    "group membership": (_group_membership, "readers-data", "rogue"),
    "bucket policy, other account": (_bucket_policy_cross_account, "features-policy",
                                     f"arn:aws:iam::{OTHER}:role/rogue"),
    "KMS grant": (_kms_grant, "rogue-data", "rogue"),
    "access point": (_access_point, "features-ap", "rogue"),
    "S3 Access Grant": (_access_grant, "rogue-grant", "rogue"),
    "Lake Formation": (_lake_formation, "rogue-select", "rogue"),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_grant_outside_the_catalog_is_flagged_whatever_its_shape(shape):
    build, flagged_at, principal = SHAPES[shape]
    result = evaluate([*catalogued(), *build()], config=CONFIG)
    messages = result.messages(RULE)
    assert any(f"principal '{principal}'" in m and "the catalog does not list this principal" in m
               for m in messages), messages
    assert flagged_at in result.flagged(RULE)


def test_cross_account_access_to_a_confidential_dataset_needs_the_account_allowed():
    partner = f"arn:aws:iam::{OTHER}:role/rogue"
    catalog = json.loads(json.dumps(CATALOG))
    catalog["datasets"][0]["readers"].append(partner)
    result = evaluate([*catalogued(), *_bucket_policy_cross_account()], config={RULE: catalog})
    [message] = result.messages(RULE)
    assert f"of account {OTHER}" in message and "allowedAccounts" in message
    catalog["datasets"][0]["allowedAccounts"] = [OTHER]
    assert evaluate([*catalogued(), *_bucket_policy_cross_account()], config={RULE: catalog}).flagged(RULE) == set()


def test_s3_permission_without_the_key_reads_nothing():
    """Reading SSE-KMS data needs kms:Decrypt on the bucket's key too: no finding without it."""
    resources = [*catalogued(), role("rogue"),
                 role_policy("rogue-data", "rogue", {"Effect": "Allow", "Action": "s3:GetObject",
                                                     "Resource": f"{BUCKET_ARN}/*"})]
    assert evaluate(resources, config=CONFIG).flagged(RULE) == set()


def test_an_explicit_deny_removes_the_grant():
    resources = [*catalogued(), role("rogue"),
                 role_policy("rogue-data", "rogue", *read_statements(),
                             {"Effect": "Deny", "Action": "s3:*", "Resource": f"{BUCKET_ARN}/*"})]
    assert evaluate(resources, config=CONFIG).flagged(RULE) == set()


def test_a_settings_resource_naming_another_bucket_does_not_count_for_this_one():
    """Linking by value over structure: a known bucket name decides even when a property dependency says otherwise."""
    other = resource("aws:s3/bucketPolicy:BucketPolicy", "elsewhere", {"bucket": "another-bucket", "policy": doc(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::another-bucket/*"})},
        property_dependencies={"bucket": ["urn:pulumi:test::test::aws:s3/bucket:Bucket::features"]})
    assert evaluate([*catalogued(), other], config=CONFIG).flagged(RULE) == set()


def test_preview_decides_object_documents_through_property_dependencies():
    """At preview ARNs are unknown; an Allow whose Resource is unknown refers to what its policy depends on."""
    bucket_urn = "urn:pulumi:test::test::aws:s3/bucket:Bucket::features"
    key_urn = "urn:pulumi:test::test::aws:kms/key:Key::features-key"
    preview_base = [
        resource("aws:s3/bucket:Bucket", "features", {"bucket": BUCKET, "tags": {"dataset": "features"}},
                 outputs={"bucket": BUCKET, "arn": UNKNOWN, "id": UNKNOWN, "tags": {"dataset": "features"}}),
        resource("aws:kms/key:Key", "features-key", {"policy": doc(ROOT)},
                 outputs={"policy": doc(ROOT), "arn": UNKNOWN, "keyId": UNKNOWN, "id": UNKNOWN}),
        resource(SSE, "features-sse", {"bucket": UNKNOWN, "rules": [
            {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}}]},
            property_dependencies={"bucket": [bucket_urn], "rules": [key_urn]}),
        resource("aws:iam/role:Role", "rogue", {"assumeRolePolicy": TRUST},
                 outputs={"assumeRolePolicy": TRUST, "arn": UNKNOWN, "id": UNKNOWN, "name": UNKNOWN}),
    ]
    role_urn = "urn:pulumi:test::test::aws:iam/role:Role::rogue"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": UNKNOWN},
        {"Sid": "Key", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": UNKNOWN}]}
    grant = resource("aws:iam/rolePolicy:RolePolicy", "rogue-data", {"role": UNKNOWN, "policy": policy},
                     property_dependencies={"role": [role_urn], "policy": [bucket_urn, key_urn]})
    result = evaluate([*preview_base, grant], config=CONFIG)
    assert result.flagged(RULE) == {"rogue-data"}
    assert result.unverifiable(RULE) == set()


def test_preview_of_json_text_documents_is_deferred_to_update():
    grant = resource("aws:iam/rolePolicy:RolePolicy", "rogue-data", {"role": "rogue", "policy": UNKNOWN})
    result = evaluate([*catalogued(), role("rogue"), grant], config=CONFIG)
    assert result.flagged(RULE) == set()
    [note] = result.messages(RULE)
    assert "cannot be verified until update: RolePolicy 'rogue-data'.policy" in note


def test_an_aws_managed_policy_outside_the_snapshot_fails_closed():
    resources = [*catalogued(), role("rogue", managedPolicyArns=["arn:aws:iam::aws:policy/SomeNewPolicy"])]
    messages = evaluate(resources, config=CONFIG).messages(RULE)
    assert any("SomeNewPolicy is not in the snapshot" in m for m in messages)


def test_an_invalid_catalog_is_a_finding_not_a_crash():
    result = evaluate(catalogued(), config={RULE: {"useStackCatalog": False, "datasets": [{"name": "x"}]}})
    assert any("cannot be read" in m for m in result.messages(RULE))


def test_the_stack_catalog_comes_from_pulumi_config(monkeypatch):
    stack_catalog = {"teams": [{"name": "science"}, {"name": "eng"}],
                     "datasets": [{"name": "features", "classification": "confidential", "owner": "eng",
                                   "readers": ["science"]}]}
    monkeypatch.setenv("PULUMI_PROJECT", "proj")
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"proj:catalog": json.dumps(stack_catalog)}))
    resources = [*base(), role("science-role", {"team": "science"}), role("eng-role", {"team": "eng"}),
                 role_policy("science-reads", "science-role", *read_statements()),
                 role_policy("eng-writes", "eng-role", *write_statements())]
    assert evaluate(resources).flagged(RULE) == set()
    resources.append(role_policy("science-writes", "science-role", *write_statements("Extra")))
    assert evaluate(resources).flagged(RULE) == {"science-writes"}


def test_the_stacks_admin_roles_are_managers_of_every_dataset(monkeypatch):
    """The stack's `adminRoleArns` deploy it and administer its bucket and key policies: catalog managers."""
    admin = f"arn:aws:iam::{ACCOUNT}:role/platform-admin"
    stack_catalog = {"teams": [{"name": "science"}, {"name": "eng"}],
                     "datasets": [{"name": "features", "classification": "confidential", "owner": "eng",
                                   "readers": ["science"]}]}
    # As the bundled stack does: the account and the key administrators manage the key and cannot use it, and the
    # bucket policy denies deleting objects to everyone; so an administrator can manage the dataset, nothing more.
    manage_only = {**ROOT, "Action": ["kms:DescribeKey", "kms:PutKeyPolicy", "kms:DisableKey"]}
    key_admin = {"Sid": "KeyAdmins", "Effect": "Allow", "Principal": {"AWS": admin},
                 "Action": ["kms:PutKeyPolicy", "kms:DescribeKey"], "Resource": "*"}
    users = {"Sid": "Users", "Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/science-role",
                                                                     f"arn:aws:iam::{ACCOUNT}:role/eng-role"]},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}
    no_deletes = resource("aws:s3/bucketPolicy:BucketPolicy", "features-policy", {"bucket": BUCKET, "policy": doc(
        {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"], "Resource": f"{BUCKET_ARN}/*"})})
    resources = [*base(doc(manage_only, key_admin, users)), no_deletes, role("science-role", {"team": "science"}),
                 role("eng-role", {"team": "eng"}),
                 role_policy("science-reads", "science-role", *read_statements()),
                 role_policy("eng-writes", "eng-role", *write_statements())]
    monkeypatch.setenv("PULUMI_PROJECT", "proj")
    config = {"proj:catalog": json.dumps(stack_catalog)}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    [unlisted] = evaluate(resources).messages(RULE)
    assert f"principal '{admin}' has manage access" in unlisted, "an unlisted key administrator manages the data"
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({**config, "proj:adminRoleArns": json.dumps([admin])}))
    assert evaluate(resources).flagged(RULE) == set()


def test_preview_knows_the_account_from_a_management_only_root_statement():
    """A key policy may give the account root management but no use (no kms:*) and name its users by ARN: at
    preview the account still comes from that root, so a role named in it is the stack's role, not an outsider."""
    bucket_urn = "urn:pulumi:test::test::aws:s3/bucket:Bucket::features"
    key_urn = "urn:pulumi:test::test::aws:kms/key:Key::features-key"
    role_urn = "urn:pulumi:test::test::aws:iam/role:Role::science-role"
    manage_only = {**ROOT, "Action": ["kms:DescribeKey", "kms:PutKeyPolicy", "kms:DisableKey"]}
    use = {"Sid": "Readers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/science-role"},
           "Action": "kms:Decrypt", "Resource": "*"}
    key_policy = doc(manage_only, use)
    science = {"name": "science-role", "assumeRolePolicy": TRUST, "tags": {"team": "science"}}
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": UNKNOWN},
        {"Sid": "Key", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": UNKNOWN}]}
    resources = [
        resource("aws:s3/bucket:Bucket", "features", {"bucket": BUCKET, "tags": {"dataset": "features"}},
                 outputs={"bucket": BUCKET, "arn": UNKNOWN, "id": UNKNOWN, "tags": {"dataset": "features"}}),
        resource("aws:kms/key:Key", "features-key", {"policy": key_policy},
                 outputs={"policy": key_policy, "arn": UNKNOWN, "keyId": UNKNOWN, "id": UNKNOWN}),
        resource(SSE, "features-sse", {"bucket": UNKNOWN, "rules": [
            {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}}]},
            property_dependencies={"bucket": [bucket_urn], "rules": [key_urn]}),
        resource("aws:iam/role:Role", "science-role", science,
                 outputs={**science, "arn": UNKNOWN, "id": UNKNOWN}),
        resource("aws:iam/rolePolicy:RolePolicy", "science-reads", {"role": UNKNOWN, "policy": policy},
                 property_dependencies={"role": [role_urn], "policy": [bucket_urn, key_urn]}),
    ]
    assert evaluate(resources, config=CONFIG).flagged(RULE) == set()


def test_an_unknown_bucket_policy_defers_what_its_denials_could_remove():
    """At preview a bucket policy may still be unknown: a Deny in it could remove a grant, so the grant is decided
    at update (reported as unverifiable now), never failed in preview on a guess."""
    rogue = [role("rogue"), role_policy("rogue-reads", "rogue", *read_statements("Rogue"))]
    unknown_policy = resource("aws:s3/bucketPolicy:BucketPolicy", "features-policy",
                              {"bucket": BUCKET, "policy": UNKNOWN})
    deferred = evaluate([*catalogued(), *rogue, unknown_policy], config=CONFIG)
    assert deferred.flagged(RULE) == set()
    assert any("BucketPolicy 'features-policy'.policy" in m for m in deferred.messages(RULE))
    assert evaluate([*catalogued(), *rogue], config=CONFIG).flagged(RULE) == {"rogue-reads"}
