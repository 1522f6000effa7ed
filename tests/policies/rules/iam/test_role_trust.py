"""iam.role_trust through the engine path: the trust policy of every role."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.rules import iam

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.iam.iam_helpers import (
    ACCOUNT,
    trust,
)

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


SERVICE_TRUST = "iam-role-service-trust-confined"


def test_an_unconfined_service_is_advisory_hardening_not_an_exposure():
    result = evaluate([plain_role("r", trust(LAMBDA))])
    assert result.flagged(ROLE_TRUST) == set()
    assert result.flagged(SERVICE_TRUST) == {"r"}
    assert "without aws:SourceAccount" in result.messages(SERVICE_TRUST)[0]
    assert {d.enforcement for d in result.for_policy(SERVICE_TRUST)} == {"advisory"}
    assert evaluate([plain_role("r", trust(LAMBDA, **CONFINED))]).flagged(SERVICE_TRUST) == set()


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
