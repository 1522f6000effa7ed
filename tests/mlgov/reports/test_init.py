"""mlgov.reports: the format registry and what every format shares."""

from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mlgov.findings import Report, Violation
from mlgov.reports import FORMATS, render
from tests.mlgov.reports.report_samples import (
    RULES,
    _load_sarif_validator,
    assert_tables_intact,
    assert_valid_sarif,
    empty_report,
    full_report,
    violation,
)

# --- registry and properties every format shares -------------------------------------------------------------------


def test_registry_lists_the_five_formats_and_rejects_others():
    assert FORMATS == ("text", "json", "sarif", "junit", "markdown")
    with pytest.raises(ValueError, match="unknown report format 'html'"):
        render("html", full_report())


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic_whatever_the_finding_order(fmt):
    report = full_report()
    first = render(fmt, report)
    for seed in range(3):
        shuffled = full_report()
        random.Random(seed).shuffle(shuffled.violations)
        assert render(fmt, shuffled) == first
    assert first.endswith("\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_ansi_escape_unless_colour_is_asked_for(fmt):
    report = full_report()
    report.violations[0].message = "evil \x1b[2J\x1b]0;title\x07 message"
    out = render(fmt, report, color=False)
    assert "\x1b" not in out and "\x07" not in out  # JSON/SARIF carry it as \u001b, the others show it as \x1b


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_report_renders_as_a_passing_run(fmt):
    out = render(fmt, empty_report())
    if fmt == "text":
        assert "no policy violations" in out
        assert out.rstrip().endswith("0 mandatory, 0 advisory, 0 exempted, 0 cannot be verified in preview — PASSED")
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["passed"] is True and doc["violations"] == [] and doc["summary"]["total"] == 0
    elif fmt == "sarif":
        run = json.loads(out)["runs"][0]
        assert run["results"] == [] and [r["id"] for r in run["tool"]["driver"]["rules"]] == ["s3-bucket-encrypted"]
    elif fmt == "junit":
        root = ET.fromstring(out)
        assert root.get("failures") == "0" and root.get("tests") == "1"
        assert [s.get("name") for s in root] == ["mlgov"]
    else:
        assert out.startswith("## ✅ mlgov PASSED: proj/dev")
        assert "No policy violations." in out


def test_a_report_with_no_modes_and_no_rules_still_renders():
    report = Report(project="p", stack="s", pack="", pack_version="", modes=[], violations=[])
    for fmt in FORMATS:
        assert render(fmt, report)
    junit = ET.fromstring(render("junit", report))
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == ("1", "0", "0")


def test_unicode_survives_utf8_round_trip_in_every_format():
    for fmt in FORMATS:
        out = render(fmt, full_report())
        assert out.encode("utf-8").decode("utf-8") == out
        assert "ünïcødé ✓ 日本語 🙂" in out



# --- property: arbitrary text never breaks a format ---------------------------------------------------------------

any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=60)  # incl. controls and surrogates
violations = st.builds(
    Violation,
    policy=st.sampled_from(sorted(RULES)) | st.text(min_size=1, max_size=20),
    enforcement=st.sampled_from(["mandatory", "advisory", "remediate", "exempted", "disabled", "weird"]),
    severity=st.sampled_from(["low", "medium", "high", "critical", ""]),
    urn=any_text,
    type=any_text,
    name=any_text,
    message=any_text,
    mode=st.sampled_from(["preview", "update", "audit"]),
    unverifiable=st.booleans(),
    title=any_text,
)


@settings(max_examples=100, deadline=None)
@given(found=st.lists(violations, max_size=6), project=any_text, warning=any_text)
@example(found=[violation("iam-no-wildcards", "mandatory", "", message=""),  # regressions hypothesis found
                violation("iam-no-wildcards", "mandatory", "", message="0\u20280")], project="\x08", warning="")
def test_arbitrary_strings_never_break_any_format(found, project, warning):
    sarif_validator = _load_sarif_validator()
    report = Report(project=project, stack="dev", pack="mlgov-pack", pack_version="1", modes=["preview", "update"],
                    violations=found, rules=RULES, source="infra")
    report.warnings = [warning]
    outputs = {fmt: render(fmt, report) for fmt in FORMATS}
    for out in outputs.values():
        out.encode("utf-8")  # no lone surrogates
    doc = json.loads(outputs["json"])
    assert len(doc["violations"]) == len(found)
    for v in found:
        if not re.search("[\ud800-\udfff]", v.message):
            assert v.message in {d["message"] for d in doc["violations"]}
    if sarif_validator is not None:
        assert_valid_sarif(sarif_validator, json.loads(outputs["sarif"]))
    root = ET.fromstring(outputs["junit"].encode("utf-8"))
    assert int(root.get("failures")) == sum(
        1 for key in {(v.policy, v.urn, v.name, v.type) for v in found if v.blocking()})
    assert "\x1b" not in outputs["text"] and "\x1b" not in outputs["markdown"] and "\x1b" not in outputs["junit"]
    assert_tables_intact(outputs["markdown"])
