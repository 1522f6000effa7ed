"""mlgov.reports.json: the machine-readable contract."""

from __future__ import annotations

import json

from mlgov.reports import render
from tests.mlgov.reports.report_samples import (
    BUCKET,
    KEY,
    NASTY,
    RULES,
    full_report,
    urn,
)

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
