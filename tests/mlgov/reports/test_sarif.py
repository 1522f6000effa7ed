"""mlgov.reports.sarif: SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgov.findings import Report
from mlgov.reports import render, sarif
from tests.mlgov.reports.report_samples import (
    BUCKET,
    NASTY,
    RULES,
    assert_valid_sarif,
    empty_report,
    full_report,
    urn,
    violation,
)

# --- sarif ---------------------------------------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema(sarif_validator):
    for report in (full_report(), empty_report()):
        assert_valid_sarif(sarif_validator, json.loads(render("sarif", report)))


def test_sarif_rules_and_results():
    doc = json.loads(render("sarif", full_report()))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mlgov"
    rules = {r["id"]: r for r in driver["rules"]}
    assert list(rules) == sorted(RULES)
    enc = rules["s3-bucket-encrypted"]
    assert enc["name"] == "S3BucketEncrypted"
    assert enc["shortDescription"]["text"] == RULES["s3-bucket-encrypted"]["title"]
    assert enc["fullDescription"]["text"] == "Datasets hold personal data."
    assert enc["helpUri"] == "https://example.com/rules/s3-bucket-encrypted"
    assert enc["help"]["text"] == RULES["s3-bucket-encrypted"]["remediation"]
    assert {"NIST 800-53 r5 SC-28", "AWS FSBP S3.17", "security"} <= set(enc["properties"]["tags"])
    assert enc["properties"]["security-severity"] == "8.0"
    assert enc["defaultConfiguration"]["level"] == "error"
    assert rules["s3-bucket-versioned"]["defaultConfiguration"]["level"] == "warning"
    logged = rules["s3-bucket-logged"]["properties"]["tags"]
    assert "CIS AWS Foundations 3.0.0 2.1.4" in logged and "NIST 800-53 r5 AU-2" in logged and "s3" in logged
    assert not any(t.startswith("framework:") for t in logged)

    results = run["results"]
    assert [driver["rules"][r["ruleIndex"]]["id"] for r in results] == [r["ruleId"] for r in results]
    levels = [(r["properties"]["mode"], r["ruleId"], r["level"]) for r in results]
    assert levels == [
        ("preview", "s3-bucket-versioned", "warning"),
        ("preview", "kms-key-rotated", "note"),  # unverifiable
        ("update", "s3-bucket-encrypted", "error"),
        ("update", "s3-bucket-encrypted", "error"),
        ("update", "s3-bucket-versioned", "warning"),
        ("update", "s3-bucket-logged", "note"),  # exempted
    ]
    exempted = results[-1]
    assert exempted["suppressions"] == [{"kind": "external", "status": "accepted",
                                         "justification": "exempted until 2031-01-01 by SEC-42: log bucket is itself"}]
    assert all("suppressions" not in r for r in results[:-1])
    (location,) = results[3]["locations"]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "examples/governed/Pulumi.yaml"}
    assert location["logicalLocations"] == [
        {"name": "raw-data", "fullyQualifiedName": urn(BUCKET, "raw-data"), "kind": "resource"}]
    assert NASTY in results[3]["message"]["text"]
    assert run["automationDetails"]["id"] == "mlgov/proj/dev/"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == full_report().warnings


def test_sarif_fingerprints_are_stable_per_rule_and_urn():
    def fingerprints(report: Report) -> list[str]:
        return [r["partialFingerprints"]["mlgov/v2"] for r in json.loads(render("sarif", report))["runs"][0]["results"]]

    base = fingerprints(full_report())
    changed = full_report()
    for v in changed.violations:
        v.message += " (reworded)"
        v.severity = "low"
        v.mode, v.modes = "preview", ["preview", "update"]  # the same issue, whichever mode saw it
        v.file, v.line = "infra/moved.py", 99
    changed.source = "elsewhere"
    assert sorted(fingerprints(changed)) == sorted(base)
    other_resource = full_report()
    other_resource.violations[0].urn = urn(BUCKET, "renamed")
    assert fingerprints(other_resource)[:1] != base[:1] or set(fingerprints(other_resource)) != set(base)


def test_sarif_points_at_the_declaring_line_and_reports_errors(sarif_validator):
    from mlgov.findings import GateFailure

    report = full_report()
    report.violations[0].file, report.violations[0].line = "infra/data.py", 42
    report.errors = [GateFailure("the program failed in update mode at infra/x.py:3: KeyError: 'a'", "update")]
    doc = json.loads(render("sarif", report))
    assert_valid_sarif(sarif_validator, doc)
    run = doc["runs"][0]
    located = [r["locations"][0]["physicalLocation"] for r in run["results"]
               if r["properties"]["resourceName"] == "raw-data" and r["ruleId"] == "s3-bucket-encrypted"]
    assert located == [{"artifactLocation": {"uri": "infra/data.py"}, "region": {"startLine": 42}}]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
    assert "infra/x.py:3" in invocation["toolExecutionNotifications"][0]["message"]["text"]


@pytest.mark.parametrize(("source", "uri"), [
    ("", "Pulumi.yaml"),
    (".", "Pulumi.yaml"),
    ("./infra", "infra/Pulumi.yaml"),
    ("infra/", "infra/Pulumi.yaml"),
    ("Pulumi.yaml", "Pulumi.yaml"),
    ("exports/stack export.json", "exports/stack%20export.json"),
    ("infra/__main__.py", "infra/__main__.py"),
])
def test_sarif_program_uri(source, uri):
    assert sarif.program_uri(source) == uri


def test_sarif_program_uri_of_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sarif.program_uri(str(tmp_path / "stacks" / "ml")) == "stacks/ml/Pulumi.yaml"
    outside = Path("/") / "elsewhere" / "proj"
    assert sarif.program_uri(str(outside)) == "file:///elsewhere/proj/Pulumi.yaml"


def test_sarif_disabled_rule_and_rule_only_known_from_a_finding(sarif_validator):
    report = empty_report()
    report.rules = {"old-rule": {"enforcement": "disabled", "url": "not a url"}}
    report.violations = [violation("unknown-rule", "remediate", mode="preview")]
    doc = json.loads(render("sarif", report))
    assert_valid_sarif(sarif_validator, doc)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["old-rule"]["defaultConfiguration"] == {"level": "none", "enabled": False}
    assert "helpUri" not in rules["old-rule"]
    assert rules["unknown-rule"]["shortDescription"]["text"] == "unknown-rule"
    assert doc["runs"][0]["results"][0]["level"] == "error"
