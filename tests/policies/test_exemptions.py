"""Exemptions: matching, expiry, the exempted line on the wire, and the hygiene report."""

from __future__ import annotations

import datetime as dt

import pytest
from ml_dataset_governance.policies.exemptions import EXEMPTIONS_SCHEMA, Exemption, exempted_line, find, hygiene

from mlgov.diagnostics import exemption as decode
from mlgov.testing import evaluate, resource

URN = "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::access-logs"
REASON = "S3 server access logs are delivered with SSE-S3"


@pytest.mark.parametrize(("pattern", "matches"), [
    (URN, True), ("access-logs", True), ("access-*", True), ("*::aws:s3/bucket:Bucket::*", True),
    ("access", False), ("other-*", False), ("urn:pulumi:prod::*", False),
])
def test_an_exemption_matches_the_urn_or_the_logical_name(pattern, matches):
    assert Exemption(pattern, REASON).matches(URN, "access-logs") is matches


def test_an_exemption_expires_the_day_after_its_date():
    exemption = Exemption("x", REASON, dt.date(2027, 6, 30))
    assert not exemption.expired(dt.date(2027, 6, 30)) and exemption.expired(dt.date(2027, 7, 1))
    assert not Exemption("x", REASON).expired(dt.date(9999, 1, 1))


def test_the_first_matching_exemption_applies():
    first, second = Exemption("access-*", REASON), Exemption("access-logs", "another reason entirely")
    assert find([first, second], URN, "access-logs") is first and find([second], URN, "other") is None


def test_the_exempted_line_is_one_line_that_the_gate_decodes():
    line = exempted_line(Exemption("x", "logs are\n  delivered with SSE-S3", dt.date(2027, 6, 30)))
    assert line == "exempted: logs are delivered with SSE-S3 (expires 2027-06-30)"
    assert decode(f"title\nfinding\n{line}", "advisory").reason == "logs are delivered with SSE-S3"
    assert exempted_line(Exemption("x", REASON)).endswith("(no expiry)")


def test_hygiene_names_expired_exemptions_and_ones_that_match_nothing():
    exemptions = [Exemption("access-*", REASON), Exemption("gone-*", REASON),
                  Exemption("access-logs", REASON, dt.date(2020, 1, 1))]
    messages = hygiene("rule-id", exemptions, [(URN, "access-logs")], dt.date(2026, 1, 1))
    assert messages == [
        "rule-id: the exemption for 'gone-*' matches no resource of this stack; expected it removed or its "
        "pattern corrected.",
        "rule-id: the exemption for 'access-logs' expired on 2020-01-01; expected it renewed with a new date or "
        "removed.",
    ]


def _domain(name: str = "studio"):
    return resource("aws:sagemaker/domain:Domain", name, {
        "authMode": "IAM", "appNetworkAccessType": "PublicInternetOnly", "kmsKeyId": "k",
        "tags": {"classification": "internal", "owner": "x", "project": "p"},
        "defaultUserSettings": {"executionRole": "r", "sharingSettings": {"notebookOutputOption": "Disabled"}}})


def test_the_stack_reporter_reports_hygiene_and_the_resource_reporter_nothing():
    config = {"sagemaker-domain-vpc-only": {"exemptions": [
        {"resource": "studio", "reason": REASON, "expires": "2999-01-01"},
        {"resource": "retired-domain", "reason": REASON}]}}
    result = evaluate([_domain()], config=config)
    [note] = result.for_policy("pack-stack-exemptions-reported")
    assert note.enforcement == "advisory" and note.urn == ""
    assert "'retired-domain' matches no resource" in note.message
    assert result.for_policy("pack-exemptions-reported") == []
    [exempted] = result.exempted()
    assert exempted.policy == "sagemaker-domain-vpc-only"


def test_hygiene_can_be_disabled():
    config = {"pack-stack-exemptions-reported": "disabled",
              "sagemaker-domain-vpc-only": {"exemptions": [{"resource": "retired-domain", "reason": REASON}]}}
    result = evaluate([_domain()], config=config)
    assert result.for_policy("pack-stack-exemptions-reported") == []
    assert result.flagged("sagemaker-domain-vpc-only") == {"studio"}


@pytest.mark.parametrize(("expires", "valid"), [("2027-06-30", True), ("2027-02-30", False), ("2027-13-01", False)])
def test_the_declared_schema_refuses_impossible_dates_to_any_format_checking_validator(expires, valid):
    # The gate (and the engine) validate config against this schema before the pack sees it: an impossible date
    # must be a config error there, not a violation at analysis time.
    import jsonschema

    validator = jsonschema.Draft7Validator(EXEMPTIONS_SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = list(validator.iter_errors([{"resource": "studio", "reason": "a reviewed reason", "expires": expires}]))
    assert (not errors) == valid, errors
