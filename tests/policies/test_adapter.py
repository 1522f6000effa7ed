"""The adapter's semantics, through the engine path: unknowns, exemptions, bad config, never raising."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.model import Rule
from ml_dataset_governance.policies.server import PackServicer

from mlgov.analyzer import InProcessAnalyzer
from mlgov.policy_config import PolicyConfigError
from mlgov.testing import UNKNOWN, evaluate, resource

DOMAIN = "aws:sagemaker/domain:Domain"
PROFILE = "aws:sagemaker/userProfile:UserProfile"


def _domain(name: str = "studio", **overrides):
    inputs = {
        "authMode": "IAM",
        "appNetworkAccessType": "VpcOnly",
        "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc",
        "tags": {"classification": "confidential", "owner": "ml-platform", "project": "ml"},
        "defaultUserSettings": {"executionRole": "arn:aws:iam::123456789012:role/r",
                                "sharingSettings": {"notebookOutputOption": "Disabled"}},
    }
    inputs.update(overrides)
    return resource(DOMAIN, name, inputs)


def test_compliant_domain_has_no_findings():
    result = evaluate([_domain()])
    assert result.diagnostics == []


def test_an_unknown_property_is_noted_once_and_other_rules_still_decide():
    result = evaluate([_domain(appNetworkAccessType=UNKNOWN, authMode="SSO")])
    assert result.unverifiable("sagemaker-domain-vpc-only") == {"studio"}
    assert result.flagged("sagemaker-domain-vpc-only") == set()
    assert result.flagged("sagemaker-domain-iam-auth") == {"studio"}
    note = result.for_policy("sagemaker-domain-vpc-only")[0]
    assert note.enforcement == "advisory"
    assert "appNetworkAccessType" in note.message and "until update" in note.message


def test_one_unknown_check_does_not_skip_the_other_checks_of_the_same_rule():
    trail = resource("aws:cloudtrail/trail:Trail", "trail", {
        "s3BucketName": "audit", "isMultiRegionTrail": False, "enableLogFileValidation": UNKNOWN,
        "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc", "enableLogging": True})
    result = evaluate([trail], stack=False)
    assert result.flagged("cloudtrail-trail-secure") == {"trail"}
    assert result.unverifiable("cloudtrail-trail-secure") == {"trail"}
    [finding] = [m for m in result.messages("cloudtrail-trail-secure") if "until update" not in m]
    assert "isMultiRegionTrail" in finding
    [note] = [m for m in result.messages("cloudtrail-trail-secure") if "until update" in m]
    assert "enableLogFileValidation" in note


def test_known_violation_is_mandatory_and_names_the_resource():
    result = evaluate([_domain(appNetworkAccessType="PublicInternetOnly")])
    [finding] = result.for_policy("sagemaker-domain-vpc-only")
    assert finding.enforcement == "mandatory"
    assert "'studio'" in finding.message and "'PublicInternetOnly'" in finding.message
    assert finding.message.endswith(".")


def test_unset_network_access_means_public_internet():
    inputs = _domain().inputs
    del inputs["appNetworkAccessType"]
    result = evaluate([resource(DOMAIN, "studio", inputs)])
    assert result.flagged("sagemaker-domain-vpc-only") == {"studio"}
    assert "PublicInternetOnly" in result.messages("sagemaker-domain-vpc-only")[0]


def _exempt(resource_pattern: str, expires: str = "2999-01-01"):
    return {"sagemaker-domain-vpc-only": {"exemptions": [
        {"resource": resource_pattern, "reason": "legacy domain, migration ticket GOV-12", "expires": expires}]}}


@pytest.mark.parametrize("pattern", ["studio", "stud*", "urn:pulumi:test::test::aws:sagemaker/domain:Domain::studio"])
def test_an_exempted_finding_is_reported_as_exempted_not_dropped(pattern):
    result = evaluate([_domain(appNetworkAccessType="PublicInternetOnly")], config=_exempt(pattern))
    assert result.flagged("sagemaker-domain-vpc-only") == set()
    assert not result.mandatory()
    [exempted] = result.exempted()
    assert exempted.policy == "sagemaker-domain-vpc-only"  # under the exempted rule's own name
    assert exempted.enforcement == "advisory"
    assert exempted.message.splitlines()[-1] == "exempted: legacy domain, migration ticket GOV-12 (expires 2999-01-01)"
    assert "'PublicInternetOnly'" in exempted.message  # the finding itself is kept


def test_an_exemption_for_another_resource_does_not_apply():
    result = evaluate([_domain(appNetworkAccessType="PublicInternetOnly")], config=_exempt("other-*"))
    assert result.flagged("sagemaker-domain-vpc-only") == {"studio"}
    assert result.exempted() == []


def test_an_expired_exemption_stops_exempting():
    result = evaluate([_domain(appNetworkAccessType="PublicInternetOnly")], config=_exempt("studio", "2020-01-01"))
    [finding] = result.for_policy("sagemaker-domain-vpc-only")
    assert finding.enforcement == "mandatory"
    assert "exemption expired on 2020-01-01" in finding.message
    assert result.exempted() == []


@pytest.mark.parametrize("bad", [
    {"sagemaker-domain-vpc-only": {"exemptions": [{"resource": "studio"}]}},  # no reason
    {"sagemaker-domain-vpc-only": {"exemptions": [{"resource": "studio", "reason": "short"}]}},
    {"sagemaker-domain-vpc-only": {"exemptions": [{"resource": "studio", "reason": "a real reason here",
                                                   "expires": "next week"}]}},
    {"sagemaker-domain-iam-auth": {"allowedAuthModes": ["PASSWORD"]}},
    {"sagemaker-domain-iam-auth": "sometimes"},
    {"no-such-rule": "mandatory"},
    {"all": "strict"},
])
def test_bad_config_is_rejected_before_any_resource_is_analyzed(bad):
    with pytest.raises(PolicyConfigError):
        evaluate([_domain()], config=bad)


def test_bad_config_that_reaches_the_pack_fails_closed_with_a_clear_message():
    # The engine validates config against the schema; a pack must still not crash or pass if it gets garbage.
    analyzer = _analyzer([r for r in _rules() if r.id == "sagemaker-domain-vpc-only"])
    analyzer.configure({"sagemaker-domain-vpc-only": {"enforcementLevel": "mandatory",
                                                      "exemptions": [{"resource": "studio"}]}})
    [finding] = analyzer.analyze(_domain(appNetworkAccessType="PublicInternetOnly"))
    assert finding.enforcement == "mandatory"
    assert "invalid policy configuration" in finding.message and "reason" in finding.message


def _analyzer(rules) -> InProcessAnalyzer:
    return InProcessAnalyzer(servicer=PackServicer(rules, name="test-pack", version="0.0.1"))


def _rules():
    from ml_dataset_governance.policies.catalog import all_rules

    return all_rules()


def test_a_check_that_raises_fails_closed_instead_of_aborting_the_deployment():
    def broken(_r, _p):
        raise KeyError("bug")
        yield  # pragma: no cover

    rule = Rule(id="test-broken", title="Broken rule", severity="low", enforcement="mandatory", frameworks=(),
                rationale="r", remediation="r", checks=(broken,), resource_types=(DOMAIN,))
    analyzer = _analyzer([rule])
    analyzer.configure({"test-broken": {"enforcementLevel": "mandatory"}})
    [finding] = analyzer.analyze(_domain())
    assert finding.enforcement == "mandatory"
    assert "internal error" in finding.message and "KeyError" in finding.message


def test_all_mandatory_config_raises_every_rule_to_mandatory():
    result = evaluate([_domain(defaultUserSettings={"executionRole": "r"})], config={"all": "mandatory"})
    assert {d.enforcement for d in result.diagnostics} == {"mandatory"}


def test_disabled_rule_reports_nothing():
    result = evaluate([_domain(appNetworkAccessType="PublicInternetOnly")],
                      config={"sagemaker-domain-vpc-only": "disabled"})
    assert result.for_policy("sagemaker-domain-vpc-only") == []


def test_other_resource_types_are_not_checked():
    result = evaluate([resource("aws:ec2/vpc:Vpc", "vpc", {"authMode": "SSO", "cidrBlock": "10.0.0.0/16"})])
    assert result.flagged("sagemaker-domain-iam-auth") == set()
