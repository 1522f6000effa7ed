"""KMS rules through the engine path: golden key, one-mutation failures, preview unknowns, a real program."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ml_dataset_governance.policies.rules import kms

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

KEY = kms.KEY
KEY_POLICY = kms.KEY_POLICY
ROTATION = "kms-key-rotation-enabled"
PUBLIC = "kms-key-policy-no-public-principal"
WINDOW = "kms-key-deletion-window"
PROTECTED = "kms-key-protected"
ALL = (ROTATION, PUBLIC, WINDOW, PROTECTED)

ACCOUNT = "123456789012"
ROOT = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
        "Resource": "*"}
OPEN = {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


GOLDEN = {
    "description": "dataset key",
    "keyUsage": "ENCRYPT_DECRYPT",
    "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
    "enableKeyRotation": True,
    "deletionWindowInDays": 30.0,
    "policy": policy(ROOT),
}


def key(name="k", protect=True, **changes):
    inputs = {**GOLDEN, **changes}
    inputs = {k: v for k, v in inputs.items() if v is not None}
    return resource(KEY, name, inputs, protect=protect)


def unset(prop):
    inputs = dict(GOLDEN)
    del inputs[prop]
    return resource(KEY, "k", inputs, protect=True)


def test_golden_key_passes_every_rule():
    result = evaluate([key()])
    for rule in ALL:
        assert result.flagged(rule) == set(), rule
        assert result.unverifiable(rule) == set(), rule


# --- rotation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("mutation", [{"enableKeyRotation": False}, {"enableKeyRotation": "false"}])
def test_rotation_disabled_is_flagged(mutation):
    result = evaluate([key(**mutation)])
    assert result.flagged(ROTATION) == {"k"}
    assert result.mandatory()


def test_rotation_unset_is_flagged_because_aws_defaults_to_off():
    result = evaluate([unset("enableKeyRotation")])
    assert result.flagged(ROTATION) == {"k"}
    assert "unset" in result.messages(ROTATION)[0]


@pytest.mark.parametrize("mutation", [
    {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"},
    {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY"},
    {"customerMasterKeySpec": "HMAC_256", "keyUsage": "GENERATE_VERIFY_MAC"},
    {"customerMasterKeySpec": "RSA_4096"},
    {"keyUsage": "KEY_AGREEMENT"},
    {"customKeyStoreId": "cks-1234"},
])
def test_keys_aws_cannot_rotate_are_not_flagged(mutation):
    result = evaluate([key(enableKeyRotation=False, **mutation)])
    assert result.flagged(ROTATION) == set()


def test_rotation_unknown_is_unverifiable_and_other_rules_still_decide():
    result = evaluate([key(enableKeyRotation=UNKNOWN, deletionWindowInDays=7.0, protect=False)])
    assert result.unverifiable(ROTATION) == {"k"}
    assert result.flagged(ROTATION) == set()
    assert result.flagged(WINDOW) == {"k"}
    assert result.flagged(PROTECTED) == {"k"}


def test_rotation_off_with_unknown_key_spec_is_unverifiable():
    result = evaluate([key(enableKeyRotation=False, customerMasterKeySpec=UNKNOWN)])
    assert result.unverifiable(ROTATION) == {"k"}
    assert result.flagged(ROTATION) == set()


def test_rotation_period_longer_than_the_maximum_is_flagged():
    assert evaluate([key(rotationPeriodInDays=730.0)]).flagged(ROTATION) == {"k"}
    assert evaluate([key(rotationPeriodInDays=365.0)]).flagged(ROTATION) == set()
    assert evaluate([key(rotationPeriodInDays=180.0)], config={ROTATION: {"maximumRotationPeriodDays": 90}}
                    ).flagged(ROTATION) == {"k"}
    assert evaluate([key()], config={ROTATION: {"maximumRotationPeriodDays": 180}}).flagged(ROTATION) == {"k"}


# --- key policy ----------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    OPEN,
    {**OPEN, "Principal": {"AWS": "*"}},
    {**OPEN, "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}},
    {**OPEN, "Principal": {"AWS": "arn:aws:iam::*:root"}},
    {**OPEN, "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}},
    {**OPEN, "Condition": {"StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT}}},
    {**OPEN, "Condition": {"StringEquals": {"kms:CallerAccount": "*"}}},
])
def test_wildcard_principal_without_restriction_is_flagged(statement):
    result = evaluate([key(policy=policy(ROOT, statement))])
    assert result.flagged(PUBLIC) == {"k"}
    assert result.mandatory()


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
    {"StringEquals": {"kms:CallerAccount": 123456789012.0}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
    {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    {"StringEquals": {"aws:SourceVpce": "vpce-0123"}},
    {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}},
])
def test_wildcard_principal_restricted_by_condition_passes(condition):
    result = evaluate([key(policy=policy(ROOT, {**OPEN, "Condition": condition}))])
    assert result.flagged(PUBLIC) == set()


def test_deny_with_wildcard_principal_passes():
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    assert evaluate([key(policy=policy(ROOT, deny))]).flagged(PUBLIC) == set()


def test_policy_given_as_object_is_read():
    document = {"Statement": [ROOT, OPEN]}
    assert evaluate([key(policy=document)]).flagged(PUBLIC) == {"k"}
    assert evaluate([key(policy={"Statement": [ROOT]})]).flagged(PUBLIC) == set()


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]", '{"Statement": 5}', "42"])
def test_malformed_policy_is_a_violation(bad):
    result = evaluate([key(policy=bad)])
    assert result.flagged(PUBLIC) == {"k"}
    assert not any("internal error" in m for m in result.messages(PUBLIC))


def test_unset_policy_means_aws_default_and_passes():
    assert evaluate([unset("policy")]).flagged(PUBLIC) == set()


def test_unknown_policy_is_unverifiable_while_rotation_still_decides():
    result = evaluate([key(policy=UNKNOWN, enableKeyRotation=False)])
    assert result.unverifiable(PUBLIC) == {"k"}
    assert result.flagged(PUBLIC) == set()
    assert result.flagged(ROTATION) == {"k"}


def test_message_does_not_echo_the_document():
    message = evaluate([key(policy=policy(ROOT, OPEN))]).messages(PUBLIC)[0]
    assert "Sid Open" in message
    assert ACCOUNT not in message


def test_key_policy_resource_is_checked():
    good = resource(KEY_POLICY, "good", {"keyId": UNKNOWN, "policy": policy(ROOT)})
    bad = resource(KEY_POLICY, "bad", {"keyId": UNKNOWN, "policy": policy(ROOT, OPEN)})
    later = resource(KEY_POLICY, "later", {"keyId": UNKNOWN, "policy": UNKNOWN})
    result = evaluate([good, bad, later])
    assert result.flagged(PUBLIC) == {"bad"}
    assert result.unverifiable(PUBLIC) == {"later"}
    # The key-only rules do not apply to the KeyPolicy resource.
    assert result.flagged(ROTATION) | result.flagged(PROTECTED) == set()


# --- deletion window and protection --------------------------------------------------------------

@pytest.mark.parametrize(("days", "flagged"), [(7.0, True), (29.0, True), (30.0, False), (None, False),
                                               ("soon", True)])
def test_deletion_window(days, flagged):
    result = evaluate([key(deletionWindowInDays=days)])
    assert result.flagged(WINDOW) == ({"k"} if flagged else set())
    if flagged:
        assert all(d.enforcement == "advisory" for d in result.for_policy(WINDOW))


def test_deletion_window_minimum_is_configurable():
    assert evaluate([key(deletionWindowInDays=14.0)], config={WINDOW: {"minimumDays": 7}}).flagged(WINDOW) == set()
    assert evaluate([key(deletionWindowInDays=14.0)], config={WINDOW: {"minimumDays": 20}}).flagged(WINDOW) == {"k"}


def test_deletion_window_unknown_is_unverifiable():
    result = evaluate([key(deletionWindowInDays=UNKNOWN)])
    assert result.unverifiable(WINDOW) == {"k"}


def test_unprotected_key_is_flagged_as_advisory():
    result = evaluate([key(protect=False), key("kept", protect=True)])
    assert result.flagged(PROTECTED) == {"k"}
    assert {d.enforcement for d in result.for_policy(PROTECTED)} == {"advisory"}


def test_unprotected_key_can_be_exempted():
    config = {PROTECTED: {"exemptions": [{"resource": "k", "reason": "throw-away test key for CI"}]}}
    result = evaluate([key(protect=False)], config=config)
    assert result.flagged(PROTECTED) == set()
    assert result.exempted()


# --- random documents never break the rules ------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)  # the wire cannot carry NaN or infinities
principal = st.one_of(st.just("*"), st.text(max_size=8),
                      st.dictionaries(st.sampled_from(["AWS", "Service", "Federated", "x"]),
                                      st.one_of(st.just("*"), finite, st.lists(st.text(max_size=6), max_size=3))))
condition_values = st.one_of(st.text(max_size=8), finite, st.none(), st.lists(st.text(max_size=4)))
condition = st.dictionaries(st.sampled_from(["StringEquals", "StringLike", "IpAddress", "Bool", "x"]),
                            st.one_of(st.text(max_size=4),
                                      st.dictionaries(st.sampled_from(["kms:CallerAccount", "aws:SourceIp", "k"]),
                                                      condition_values)))
statement = st.fixed_dictionaries({}, optional={
    "Effect": st.sampled_from(["Allow", "Deny", "allow", 1]), "Principal": principal, "NotPrincipal": principal,
    "Action": st.one_of(st.just("kms:*"), st.lists(st.text(max_size=6))), "Resource": st.just("*"),
    "Condition": st.one_of(condition, st.text(max_size=3))})
documents = st.one_of(
    st.fixed_dictionaries({"Statement": st.one_of(statement, st.lists(statement, max_size=4))}).map(json.dumps),
    st.fixed_dictionaries({"Statement": st.lists(statement, max_size=4)}),
    st.text(max_size=20), st.just(UNKNOWN), st.none(), finite, st.lists(st.integers(-10, 10)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents, rotation=st.one_of(st.booleans(), st.none(), st.text(max_size=5), st.just(UNKNOWN)),
       days=st.one_of(st.none(), finite, st.text(max_size=3)), spec=st.one_of(st.none(), st.text(max_size=8)))
def test_random_key_documents_never_raise(document, rotation, days, spec):
    inputs = {"policy": document, "enableKeyRotation": rotation, "deletionWindowInDays": days,
              "customerMasterKeySpec": spec}
    result = evaluate([resource(KEY, "k", inputs), resource(KEY_POLICY, "kp", {"policy": document})], stack=False)
    for d in result.diagnostics:
        assert "internal error" not in d.message, d.message


# --- a real program, preview and update ----------------------------------------------------------

def _program():
    import pulumi
    import pulumi_aws as aws

    good = aws.kms.Key("good", enable_key_rotation=True, deletion_window_in_days=30,
                       customer_master_key_spec="SYMMETRIC_DEFAULT",
                       policy=json.dumps({"Version": "2012-10-17", "Statement": [ROOT]}),
                       opts=pulumi.ResourceOptions(protect=True))
    aws.kms.Key("bad", deletion_window_in_days=7, policy=json.dumps({"Statement": [ROOT, OPEN]}))
    aws.kms.Key("signing", customer_master_key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY",
                opts=pulumi.ResourceOptions(protect=True))
    # A key policy that names the key's own ARN: unknown in preview, decided at update.
    aws.kms.KeyPolicy("open-later", key_id=good.id, policy=pulumi.Output.json_dumps({"Statement": [
        ROOT, {**OPEN, "Resource": good.arn}]}))


@pytest.mark.parametrize("preview", [True, False])
def test_program(preview):
    result = evaluate_program(_program, preview=preview)
    assert result.flagged(ROTATION) == {"bad"}
    assert result.flagged(WINDOW) == {"bad"}
    assert result.flagged(PROTECTED) == {"bad"}
    if preview:
        assert result.flagged(PUBLIC) == {"bad"}
        assert result.unverifiable(PUBLIC) == {"open-later"}
    else:
        assert result.flagged(PUBLIC) == {"bad", "open-later"}
        assert result.unverifiable(PUBLIC) == set()
