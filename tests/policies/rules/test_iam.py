"""IAM rules through the engine path: every way admin access is attached, SageMaker trust, data-action scope."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ml_dataset_governance.policies.rules import iam

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

ADMIN = "iam-no-admin-access"
ADMIN_ATTACHED = "iam-no-admin-access-attached"
TRUST = "iam-sagemaker-role-trusts-sagemaker-only"
EXEC_TRUST = "iam-sagemaker-execution-role-trust"
DATA = "iam-policy-no-wildcard-resource-data-actions"

ACCOUNT = "123456789012"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
BUCKET_ARN = "arn:aws:s3:::mlgov-reviews"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0d7f0b9e-1111-2222-3333-444455556666"
SAGEMAKER = {"Service": "sagemaker.amazonaws.com"}
VIA_S3 = "s3.us-east-1.amazonaws.com"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, res="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": res, **extra}


SCOPED = doc(allow(["s3:GetObject", "s3:GetObjectVersion"], f"{BUCKET_ARN}/*"),
             allow("s3:ListBucket", BUCKET_ARN),
             allow("kms:Decrypt", KEY_ARN, Condition={"StringEquals": {"kms:ViaService": VIA_S3}}),
             allow(["sagemaker:*", "logs:*"], "*"))
ADMIN_DOC = doc(allow("s3:GetObject", f"{BUCKET_ARN}/*"), {"Sid": "Everything", **allow("*")})


def trust(*principals, **condition):
    statements = [{"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"} for p in principals]
    if condition:
        statements[0]["Condition"] = condition
    return doc(*statements)


SAGEMAKER_TRUST = trust(SAGEMAKER, StringEquals={"aws:SourceAccount": ACCOUNT})


def role(name, *, assume=SAGEMAKER_TRUST, managed=None, inline=None, outputs=None):
    inputs = {"assumeRolePolicy": assume}
    if managed is not None:
        inputs["managedPolicyArns"] = managed
    if inline is not None:
        inputs["inlinePolicies"] = [{"name": f"p{i}", "policy": p} for i, p in enumerate(inline)]
    if outputs is not None:
        outputs = {**inputs, **outputs}
    return resource(iam.ROLE, name, inputs, outputs=outputs)


# --- iam-no-admin-access -------------------------------------------------------------------------

def test_golden_role_passes():
    result = evaluate([role("r", managed=[READ_ONLY_ARN], inline=[SCOPED])])
    for rule in (ADMIN, ADMIN_ATTACHED, TRUST, EXEC_TRUST, DATA):
        assert result.flagged(rule) == set(), rule
        assert result.unverifiable(rule) == set(), rule


@pytest.mark.parametrize("arn", [ADMIN_ARN, "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
                                 "arn:aws-cn:iam::aws:policy/AdministratorAccess"])
def test_role_managed_admin_is_flagged_in_any_partition(arn):
    result = evaluate([role("r", managed=[READ_ONLY_ARN, arn])])
    assert result.flagged(ADMIN) == {"r"}
    assert result.mandatory()


@pytest.mark.parametrize(("type_", "prop", "value"), [
    (iam.ROLE_POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.USER_POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.GROUP_POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.POLICY_ATTACHMENT, "policyArn", ADMIN_ARN),
    (iam.ROLE_ATTACHMENTS_EXCLUSIVE, "policyArns", [READ_ONLY_ARN, ADMIN_ARN]),
    (iam.USER_ATTACHMENTS_EXCLUSIVE, "policyArns", [ADMIN_ARN]),
    (iam.GROUP_ATTACHMENTS_EXCLUSIVE, "policyArns", [ADMIN_ARN]),
])
def test_attachments_of_administrator_access_are_flagged(type_, prop, value):
    bad = resource(type_, "bad", {prop: value})
    good = resource(type_, "good", {prop: [READ_ONLY_ARN] if isinstance(value, list) else READ_ONLY_ARN})
    assert evaluate([bad, good]).flagged(ADMIN) == {"bad"}


@pytest.mark.parametrize("type_", [iam.POLICY, iam.ROLE_POLICY, iam.USER_POLICY, iam.GROUP_POLICY])
def test_documents_allowing_everything_are_flagged(type_):
    result = evaluate([resource(type_, "bad", {"policy": ADMIN_DOC}), resource(type_, "good", {"policy": SCOPED})])
    assert result.flagged(ADMIN) == {"bad"}
    assert "Sid Everything" in result.messages(ADMIN)[0]


@pytest.mark.parametrize("statement", [allow("*"), allow("*:*"), allow(["s3:*", "*"]),
                                       {"Effect": "Allow", "Action": "*", "NotResource": BUCKET_ARN},
                                       # judged by effect: every action but IAM's, an ARN-shaped wildcard, escalation
                                       {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                                       allow("*", "arn:aws:*:*:*:*"),
                                       allow(["iam:AttachRolePolicy", "iam:CreatePolicyVersion"]),
                                       allow("iam:Put*Policy", "arn:aws:iam::123456789012:role/*")])
def test_admin_statement_forms(statement):
    assert evaluate([role("r", inline=[doc(statement)])]).flagged(ADMIN) == {"r"}


@pytest.mark.parametrize("statement", [allow("s3:*"), allow("*", BUCKET_ARN), {**allow("*"), "Effect": "Deny"},
                                       allow("iam:Get*"),
                                       allow("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/one")])
def test_non_admin_statements_pass(statement):
    assert evaluate([role("r", inline=[doc(statement)])]).flagged(ADMIN) == set()


def test_document_given_as_object_is_read():
    policy = {"Statement": [allow("*")]}
    assert evaluate([resource(iam.ROLE_POLICY, "rp", {"policy": policy})]).flagged(ADMIN) == {"rp"}


def test_malformed_document_is_a_violation():
    result = evaluate([resource(iam.POLICY, "p", {"policy": "{nope"})])
    assert result.flagged(ADMIN) == {"p"}
    assert result.flagged(DATA) == set()  # reported once, by iam-no-admin-access


def test_unknown_parts_are_unverifiable_and_known_admin_still_flagged():
    inline_unknown = role("a", managed=[ADMIN_ARN], inline=[UNKNOWN])
    managed_unknown = role("b", managed=[READ_ONLY_ARN, UNKNOWN], inline=[ADMIN_DOC])
    all_unknown = role("c", managed=UNKNOWN, inline=[SCOPED])
    clean_later = resource(iam.ROLE_POLICY_ATTACHMENT, "d", {"policyArn": UNKNOWN, "role": UNKNOWN})
    result = evaluate([inline_unknown, managed_unknown, all_unknown, clean_later])
    assert result.flagged(ADMIN) == {"a", "b"}
    assert result.unverifiable(ADMIN) == {"a", "b", "c", "d"}


def test_additional_forbidden_arns():
    # IAMFullAccess is admin by effect now (see below); the globs name policies the pack cannot read.
    config = {ADMIN: {"additionalForbiddenPolicyArns": [f"arn:*:iam::{ACCOUNT}:policy/legacy-*"]}}
    r = role("r", managed=[f"arn:aws:iam::{ACCOUNT}:policy/legacy-ops"])
    assert evaluate([r]).flagged(ADMIN) == set()
    assert evaluate([r], config=config).flagged(ADMIN) == {"r"}


def test_admin_role_can_be_exempted_with_a_reason():
    config = {ADMIN: {"exemptions": [{"resource": "break-glass", "reason": "break-glass role, approved by CISO"}]}}
    result = evaluate([role("break-glass", managed=[ADMIN_ARN])], config=config)
    assert result.flagged(ADMIN) == set()
    assert len(result.exempted()) == 1


# --- iam-no-admin-access-attached (stack) --------------------------------------------------------

def test_attachments_of_an_admin_customer_policy_are_flagged():
    admin_policy = resource(iam.POLICY, "admin", {"policy": ADMIN_DOC},
                            outputs={"policy": ADMIN_DOC, "arn": f"arn:aws:iam::{ACCOUNT}:policy/admin"})
    scoped_policy = resource(iam.POLICY, "scoped", {"policy": SCOPED},
                             outputs={"policy": SCOPED, "arn": f"arn:aws:iam::{ACCOUNT}:policy/scoped"})
    by_urn = resource(iam.ROLE_POLICY_ATTACHMENT, "by-urn", {"policyArn": UNKNOWN, "role": "r"},
                      property_dependencies={"policyArn": [admin_policy.urn]})
    by_arn = resource(iam.USER_POLICY_ATTACHMENT, "by-arn", {"policyArn": f"arn:aws:iam::{ACCOUNT}:policy/admin",
                                                             "user": "u"})
    exclusive = resource(iam.ROLE_ATTACHMENTS_EXCLUSIVE, "exclusive", {"policyArns": [UNKNOWN], "roleName": "r"},
                         property_dependencies={"policyArns": [admin_policy.urn]})
    via_role = resource(iam.ROLE, "via-role", {"assumeRolePolicy": SAGEMAKER_TRUST, "managedPolicyArns": [UNKNOWN]},
                        property_dependencies={"managedPolicyArns": [admin_policy.urn]})
    fine = resource(iam.POLICY_ATTACHMENT, "fine", {"policyArn": UNKNOWN},
                    property_dependencies={"policyArn": [scoped_policy.urn]})
    result = evaluate([admin_policy, scoped_policy, by_urn, by_arn, exclusive, via_role, fine])
    assert result.flagged(ADMIN_ATTACHED) == {"by-urn", "by-arn", "exclusive", "via-role"}
    assert result.flagged(ADMIN) == {"admin"}  # the policy itself is refused before creation


def test_attachment_of_a_policy_unknown_in_preview_is_unverifiable():
    later = resource(iam.POLICY, "later", {"policy": UNKNOWN}, outputs={"policy": UNKNOWN, "arn": UNKNOWN})
    attachment = resource(iam.ROLE_POLICY_ATTACHMENT, "att", {"policyArn": UNKNOWN},
                          property_dependencies={"policyArn": [later.urn]})
    result = evaluate([later, attachment])
    assert result.flagged(ADMIN_ATTACHED) == set()
    assert result.unverifiable(ADMIN_ATTACHED) == {""}  # a stack-level note
    assert "att.policyArn" in result.messages(ADMIN_ATTACHED)[0]


# --- iam-sagemaker-role-trusts-sagemaker-only ----------------------------------------------------

@pytest.mark.parametrize("extra", [{"Service": "ec2.amazonaws.com"}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                   "*", {"AWS": "*"}, {"Federated": "cognito-identity.amazonaws.com"}])
def test_sagemaker_role_trusting_another_principal_is_flagged(extra):
    result = evaluate([role("r", assume=trust(SAGEMAKER, extra))])
    assert result.flagged(TRUST) == {"r"}
    assert result.mandatory()


def test_other_principal_in_the_same_statement_is_flagged():
    both = trust({"Service": ["sagemaker.amazonaws.com", "lambda.amazonaws.com"]})
    assert evaluate([role("r", assume=both)]).flagged(TRUST) == {"r"}


def test_not_principal_is_flagged():
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:*"}
    assert evaluate([role("r", assume=doc(trust_statement(), statement))]).flagged(TRUST) == {"r"}


def trust_statement():
    return {"Effect": "Allow", "Principal": SAGEMAKER, "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}


def test_roles_not_trusting_sagemaker_and_sagemaker_only_roles_pass():
    lambda_role = role("lambda", assume=trust({"Service": "lambda.amazonaws.com"}, {"Service": "ec2.amazonaws.com"}))
    deny_other = doc(trust_statement(), {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"})
    as_object = role("obj", assume={"Statement": [trust_statement()]})
    result = evaluate([lambda_role, role("sm"), role("deny", assume=deny_other), as_object])
    assert result.flagged(TRUST) == set()


def test_trust_unknown_is_unverifiable():
    result = evaluate([role("r", assume=UNKNOWN, managed=[ADMIN_ARN])])
    assert result.unverifiable(TRUST) == {"r"}
    assert result.flagged(ADMIN) == {"r"}


# --- iam-sagemaker-execution-role-trust (stack) --------------------------------------------------

EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})


def role_with_arn(name, assume):
    return role(name, assume=assume, outputs={"arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"})


def users_of(roles, *, known_arns=False):
    """One SageMaker resource per reference kind, each pointing at the matching role of `roles`."""
    kinds = [
        (iam.SAGEMAKER_DOMAIN, "domain", "defaultUserSettings", "executionRole"),
        (iam.SAGEMAKER_DOMAIN, "domain-space", "defaultSpaceSettings", "executionRole"),
        (iam.SAGEMAKER_USER_PROFILE, "profile", "userSettings", "executionRole"),
        (iam.SAGEMAKER_NOTEBOOK, "notebook", "roleArn", None),
        (iam.SAGEMAKER_MODEL, "model", "executionRoleArn", None),
    ]
    out = []
    for (type_, name, top, nested), target in zip(kinds, roles, strict=True):
        value = target.outputs["arn"] if known_arns else UNKNOWN
        props = {top: {nested: value, "securityGroups": ["sg-1"]}} if nested else {top: value}
        deps = {} if known_arns else {top: [target.urn]}
        out.append(resource(type_, name, props, property_dependencies=deps))
    return out


@pytest.mark.parametrize("known_arns", [False, True], ids=["by-dependency", "by-arn"])
def test_execution_roles_must_trust_only_sagemaker(known_arns):
    roles = [role_with_arn(f"role-{i}", EC2_TRUST if i % 2 == 0 else SAGEMAKER_TRUST) for i in range(5)]
    result = evaluate(roles + users_of(roles, known_arns=known_arns))
    assert result.flagged(EXEC_TRUST) == {"role-0", "role-2", "role-4"}
    assert result.unverifiable(EXEC_TRUST) == set()


def test_execution_role_trusting_sagemaker_and_more_is_flagged_per_user():
    mixed = role_with_arn("mixed", trust(SAGEMAKER, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    good = role_with_arn("good", SAGEMAKER_TRUST)
    result = evaluate([mixed, good] + users_of([mixed, good, good, good, mixed]))
    assert result.flagged(EXEC_TRUST) == {"mixed"}
    messages = [m for m in result.messages(EXEC_TRUST) if "can't run" not in m]
    assert len(messages) == 2  # one per referencing resource (domain and model)


def test_domain_with_two_role_dependencies_uses_the_known_arn():
    execution = role_with_arn("exec", EC2_TRUST)
    other = role_with_arn("other", SAGEMAKER_TRUST)
    domain = resource(iam.SAGEMAKER_DOMAIN, "d",
                      {"defaultUserSettings": {"executionRole": execution.outputs["arn"]}},
                      property_dependencies={"defaultUserSettings": [execution.urn, other.urn]})
    assert evaluate([execution, other, domain]).flagged(EXEC_TRUST) == {"exec"}


def test_ambiguous_or_unknown_references_are_unverifiable():
    a = role_with_arn("a", EC2_TRUST)
    b = role_with_arn("b", SAGEMAKER_TRUST)
    ambiguous = resource(iam.SAGEMAKER_DOMAIN, "d", {"defaultUserSettings": {"executionRole": UNKNOWN}},
                         property_dependencies={"defaultUserSettings": [a.urn, b.urn]})
    result = evaluate([a, b, ambiguous])
    assert result.flagged(EXEC_TRUST) == set()
    assert "d.defaultUserSettings.executionRole" in result.messages(EXEC_TRUST)[0]

    unknown_trust = role("later", assume=UNKNOWN, outputs={"arn": UNKNOWN})
    notebook = resource(iam.SAGEMAKER_NOTEBOOK, "nb", {"roleArn": UNKNOWN},
                        property_dependencies={"roleArn": [unknown_trust.urn]})
    result = evaluate([unknown_trust, notebook, role_with_arn("bad", EC2_TRUST),
                       resource(iam.SAGEMAKER_MODEL, "m", {"executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/bad"})])
    assert result.flagged(EXEC_TRUST) == {"bad"}  # the known problem is reported alongside the unknown one
    assert any("later.assumeRolePolicy" in m for m in result.messages(EXEC_TRUST) if m.startswith("can't run"))


def test_roles_outside_the_stack_and_unset_roles_are_not_flagged():
    external = resource(iam.SAGEMAKER_MODEL, "m", {"executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/elsewhere"})
    unset = resource(iam.SAGEMAKER_DOMAIN, "d", {"authMode": "IAM"})
    result = evaluate([external, unset, role_with_arn("unused", EC2_TRUST)])
    assert result.flagged(EXEC_TRUST) == set()
    assert result.unverifiable(EXEC_TRUST) == set()


# --- iam-policy-no-wildcard-resource-data-actions ------------------------------------------------

@pytest.mark.parametrize("statement", [
    allow("s3:*"),
    allow("s3:Get*"),
    allow(["s3:GetObject"], "arn:aws:s3:::*/*"),
    allow("s3:PutObject", ["arn:aws:s3:::*"]),
    allow("kms:Decrypt"),
    allow("kms:*", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"),
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::*/*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET_ARN}/*"},
    allow("kms:Decrypt", Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}),
    allow("s3:GetObject", Condition={"StringNotEquals": {"aws:ResourceTag/dataset": "x"}}),
])
def test_data_actions_on_every_resource_are_flagged(statement):
    result = evaluate([role("r", inline=[doc(statement)])])
    assert result.flagged(DATA) == {"r"}
    assert {d.enforcement for d in result.for_policy(DATA)} == {"advisory"}
    assert result.flagged(ADMIN) == set()


@pytest.mark.parametrize("statement", [
    allow("sagemaker:*"),
    allow(["logs:*", "ec2:Describe*", "s3:ListAllMyBuckets", "kms:ListKeys"]),
    allow("s3:GetObject", f"{BUCKET_ARN}/*"),
    allow("kms:Decrypt", KEY_ARN),
    allow("s3:GetObject", Condition={"StringEquals": {"aws:ResourceTag/dataset": "reviews"}}),
    {**allow("s3:*"), "Effect": "Deny"},
    allow("*"),  # reported by iam-no-admin-access instead
])
def test_scoped_or_non_data_grants_pass(statement):
    assert evaluate([role("r", inline=[doc(statement)])]).flagged(DATA) == set()


@pytest.mark.parametrize("type_", [iam.POLICY, iam.ROLE_POLICY, iam.USER_POLICY, iam.GROUP_POLICY])
def test_data_rule_covers_every_document_type(type_):
    result = evaluate([resource(type_, "bad", {"policy": doc(allow("s3:*"))}), resource(type_, "ok",
                                                                                        {"policy": SCOPED})])
    assert result.flagged(DATA) == {"bad"}


def test_data_actions_are_configurable():
    r = role("r", inline=[doc(allow("secretsmanager:GetSecretValue"))])
    assert evaluate([r]).flagged(DATA) == set()
    assert evaluate([r], config={DATA: {"dataActions": ["secretsmanager:GetSecretValue"]}}).flagged(DATA) == {"r"}


def test_data_rule_unknown_document_is_unverifiable_and_others_still_decide():
    result = evaluate([role("r", inline=[UNKNOWN, doc(allow("s3:*"))])])
    assert result.flagged(DATA) == {"r"}
    assert result.unverifiable(DATA) == {"r"}


# --- random documents never break the rules ------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
texts = st.one_of(st.text(max_size=8), st.sampled_from(["*", "*:*", "s3:*", "kms:Decrypt", "sagemaker.amazonaws.com",
                                                        "arn:aws:s3:::*", ADMIN_ARN]))
values = st.one_of(texts, finite, st.none(), st.lists(st.one_of(texts, finite), max_size=3))
statement = st.fixed_dictionaries({}, optional={
    "Effect": st.sampled_from(["Allow", "Deny", 0]), "Action": values, "NotAction": values, "Resource": values,
    "NotResource": values, "Principal": st.one_of(values, st.dictionaries(st.sampled_from(["AWS", "Service"]), values)),
    "Condition": st.dictionaries(texts, st.one_of(values, st.dictionaries(texts, values))), "Sid": values})
documents = st.one_of(
    st.fixed_dictionaries({"Statement": st.one_of(statement, st.lists(statement, max_size=3))}).map(json.dumps),
    st.fixed_dictionaries({"Statement": st.lists(statement, max_size=3)}), texts, st.just(UNKNOWN), finite)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents, arns=values, inline=st.one_of(values, st.lists(st.one_of(
    st.fixed_dictionaries({"name": values, "policy": documents}), values), max_size=2)))
def test_random_iam_documents_never_raise(document, arns, inline):
    resources = [
        resource(iam.ROLE, "r", {"assumeRolePolicy": document, "managedPolicyArns": arns, "inlinePolicies": inline},
                 outputs={"assumeRolePolicy": document, "arn": f"arn:aws:iam::{ACCOUNT}:role/r"}),
        resource(iam.POLICY, "p", {"policy": document}),
        resource(iam.ROLE_POLICY_ATTACHMENT, "a", {"policyArn": arns}),
        resource(iam.SAGEMAKER_DOMAIN, "d", {"defaultUserSettings": {"executionRole": arns}}),
    ]
    resources[2].property_dependencies = {"policyArn": [resources[1].urn]}
    resources[3].property_dependencies = {"defaultUserSettings": [resources[0].urn]}
    result = evaluate(resources)
    for d in result.diagnostics:
        assert "internal error" not in d.message, d.message


# --- a real program, preview and update ----------------------------------------------------------

def _program():
    import pulumi
    import pulumi_aws as aws

    key = aws.kms.Key("key", enable_key_rotation=True)
    good = aws.iam.Role("good", assume_role_policy=SAGEMAKER_TRUST)
    aws.iam.RolePolicy("good-data", role=good.id, policy=pulumi.Output.json_dumps({"Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key.arn}]}))
    aws.iam.Role("admin", assume_role_policy=trust(SAGEMAKER, {"Service": "ec2.amazonaws.com"}),
                 managed_policy_arns=[ADMIN_ARN],
                 inline_policies=[aws.iam.RoleInlinePolicyArgs(name="all", policy=doc(allow("*")))])
    ec2 = aws.iam.Role("ec2", assume_role_policy=EC2_TRUST)
    wide = aws.iam.Policy("wide", policy=doc(allow("*")))
    aws.iam.RolePolicyAttachment("wide-attachment", role=good.name, policy_arn=wide.arn)
    aws.iam.RolePolicy("wide-data", role=ec2.id, policy=pulumi.Output.json_dumps({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {
            "StringEquals": {"aws:SourceAccount": key.arn}}}]}))
    aws.sagemaker.Domain("domain", auth_mode="IAM", domain_name="d", subnet_ids=["subnet-1"], vpc_id="vpc-1",
                         default_user_settings=aws.sagemaker.DomainDefaultUserSettingsArgs(execution_role=good.arn))
    aws.sagemaker.NotebookInstance("notebook", instance_type="ml.t3.medium", role_arn=ec2.arn)


@pytest.mark.parametrize("preview", [True, False])
def test_program(preview):
    result = evaluate_program(_program, preview=preview)
    assert result.flagged(ADMIN) == {"admin", "wide"}
    assert result.flagged(TRUST) == {"admin"}
    assert result.flagged(EXEC_TRUST) == {"ec2"}
    assert result.flagged(ADMIN_ATTACHED) == {"wide-attachment"}
    # Documents built from outputs are unknown in preview and decided at update.
    assert result.unverifiable(ADMIN) == ({"good-data", "wide-attachment", "wide-data"} if preview else set())
    assert result.flagged(DATA) == (set() if preview else {"wide-data"})
    assert result.unverifiable(DATA) == ({"good-data", "wide-data"} if preview else set())


# --- admin judged by effect: AWS managed policies expanded from the snapshot ----------------------

@pytest.mark.parametrize("arn", ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/IAMFullAccess",
                                 "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"])
def test_aws_managed_policies_granting_admin_by_effect_are_flagged(arn):
    result = evaluate([role("r", managed=[arn]), resource(iam.ROLE_POLICY_ATTACHMENT, "a", {"role": "r",
                                                                                           "policyArn": arn})])
    assert result.flagged(ADMIN) == {"r", "a"}
    assert arn in result.messages(ADMIN)[0]


@pytest.mark.parametrize("arn", ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/SecurityAudit",
                                 "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
def test_aws_managed_policies_without_admin_pass(arn):
    assert evaluate([role("r", managed=[arn])]).flagged(ADMIN) == set()


# --- iam-role-trust-restricted: every role ------------------------------------------------------

ROLE_TRUST = "iam-role-trust-restricted"
LAMBDA = {"Service": "lambda.amazonaws.com"}
CONFINED = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def plain_role(name, assume):
    outputs = {"assumeRolePolicy": assume, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "name": name}
    return resource(iam.ROLE, name, {"assumeRolePolicy": assume}, outputs=outputs)


@pytest.mark.parametrize(("assume", "found"), [
    (trust("*"), "lets anyone"),
    (trust({"AWS": "arn:aws:iam::*:root"}), "lets anyone"),
    (trust({"AWS": "*"}, StringEqualsIfExists={"aws:PrincipalAccount": ACCOUNT}), "lets anyone"),  # passes if absent
    (trust({"AWS": "*"}, StringEquals={"aws:PrincipalAccount": "${aws:ResourceAccount}"}), "lets anyone"),
    (trust({"AWS": "arn:aws:iam::999988887777:root"}), "trusts another account"),
    (trust(LAMBDA), "without aws:SourceAccount"),
    (trust({"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}),
     "without any condition"),
])
def test_every_role_trusting_too_widely_is_flagged(assume, found):
    result = evaluate([plain_role("r", assume)])
    assert result.flagged(ROLE_TRUST) == {"r"}
    assert found in result.messages(ROLE_TRUST)[0]


@pytest.mark.parametrize("assume", [
    trust(LAMBDA, **CONFINED),
    trust({"Service": "vpc-flow-logs.amazonaws.com"}, ArnLike={"aws:SourceArn": f"arn:aws:ec2:*:{ACCOUNT}:*"}),
    trust({"AWS": f"arn:aws:iam::{ACCOUNT}:role/deployer"}),
    trust({"AWS": "*"}, StringEquals={"aws:PrincipalOrgID": "o-abc123"}),
])
def test_roles_trusting_named_principals_pass(assume):
    assert evaluate([plain_role("r", assume)]).flagged(ROLE_TRUST) == set()


def test_trusted_accounts_are_configurable():
    assume = trust({"AWS": "arn:aws:iam::999988887777:role/ci"})
    assert evaluate([plain_role("r", assume)]).flagged(ROLE_TRUST) == {"r"}
    config = {ROLE_TRUST: {"trustedAccounts": ["999988887777"]}}
    assert evaluate([plain_role("r", assume)], config=config).flagged(ROLE_TRUST) == set()


def test_other_account_trust_waits_for_the_stacks_account_in_preview():
    assume = trust({"AWS": "arn:aws:iam::999988887777:role/ci"})
    preview = resource(iam.ROLE, "r", {"assumeRolePolicy": assume},
                       outputs={"assumeRolePolicy": assume, "arn": UNKNOWN})
    result = evaluate([preview])
    assert result.flagged(ROLE_TRUST) == set()
    assert result.unverifiable(ROLE_TRUST)
