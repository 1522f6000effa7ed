"""mlgov.reports.junit: JUnit XML for CI test tabs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mlgov.reports import render
from tests.mlgov.reports.report_samples import (
    BUCKET,
    KEY,
    NASTY,
    RULES,
    full_report,
    urn,
    violation,
)

# --- junit ---------------------------------------------------------------------------------------------------------


def test_junit_structure_and_mapping():
    out = render("junit", full_report())
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "mlgov"
    cases = suite.findall("testcase")
    assert suite.get("tests") == str(len(cases))
    assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
    assert suite.get("skipped") == str(sum(1 for c in cases if c.find("skipped") is not None))
    assert suite.get("errors") == "0"
    # every rule appears: with its findings, or as one passing testcase
    assert {c.get("classname") for c in cases} == set(RULES)
    assert root.get("failures") == "2"  # = the blocking findings: the CI tab agrees with the gate
    assert root.get("tests") == suite.get("tests")
    assert suite.get("time") == "1.500"

    def case(rule: str, name: str) -> ET.Element:
        (found,) = [c for c in cases if (c.get("classname"), c.get("name")) == (rule, name)]
        return found

    mandatory = case("s3-bucket-encrypted", f"raw-data ({BUCKET})")
    failure = mandatory.find("failure")
    assert failure.get("type") == "mandatory"
    assert NASTY in failure.text  # escaped on the way out, intact on the way in
    assert failure.get("message") == NASTY.splitlines()[0]
    assert "remediation: Set `kms_master_key_id` | on the bucket." in failure.text
    assert urn(BUCKET, "raw-data") in failure.text

    advisory = case("s3-bucket-versioned", f"raw-data ({BUCKET})")
    assert advisory.find("failure") is None and advisory.find("skipped") is None
    assert advisory.find("system-out").text.startswith("ADVISORY: S3 buckets are versioned")

    exempted = case("s3-bucket-logged", f"raw-data ({BUCKET})")
    assert exempted.find("skipped").get("message").startswith("exempted: exempted until 2031-01-01")

    unverifiable = case("kms-key-rotated", f"datasets-key ({KEY})")
    assert unverifiable.find("skipped").get("message").startswith("cannot be verified in preview: can't run policy")

    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["resources_evaluated.update"] == "12" and props["modes"] == "preview,update"


def test_junit_points_at_the_declaring_line_and_reports_errors():
    from mlgov.findings import GateFailure

    report = full_report()
    report.violations[1].file, report.violations[1].line = "infra/data.py", 7
    report.errors = [GateFailure("policy config: no policy named 'x'")]
    root = ET.fromstring(render("junit", report))
    curated = root.find(f"testsuite/testcase[@name='curated ({BUCKET})']")
    assert (curated.get("file"), curated.get("line")) == ("infra/data.py", "7")
    [error] = root.findall("testsuite/testcase[@name='gate']/error")
    assert "no policy named 'x'" in error.get("message") and root.get("errors") == "1"


def test_junit_one_testcase_per_rule_and_resource():
    report = full_report()
    report.violations.append(violation("s3-bucket-encrypted", "mandatory", mode="update", message="second finding"))
    root = ET.fromstring(render("junit", report))
    suite = root.find("testsuite[@name='mlgov']")
    cases = [c for c in suite.findall("testcase") if c.get("classname") == "s3-bucket-encrypted"]
    assert [c.get("name") for c in cases] == [f"curated ({BUCKET})", f"raw-data ({BUCKET})"]
    assert "second finding" in cases[1].find("failure").text and NASTY in cases[1].find("failure").text


def test_junit_escapes_markup_and_characters_xml_cannot_hold():
    report = full_report()
    report.violations[0].message = "</failure><injected/> ]]> \x00\x0b\x1b \ud800 &amp; \ufffe"
    report.violations[0].name = 'a"b<c>'
    root = ET.fromstring(render("junit", report))
    assert root.find(".//injected") is None
    texts = [c.find("failure").text for c in root.iter("testcase") if c.find("failure") is not None]
    assert any("</failure><injected/> ]]> \\x00\\x0b\\x1b \ufffd &amp; \\ufffe" in t for t in texts)
    assert any(c.get("name") == f'a"b<c> ({BUCKET})' for c in root.iter("testcase"))
