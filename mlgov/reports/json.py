"""The JSON report: the machine-readable contract.

Top-level keys, in this order: format, version, project, stack, pack, pack_version, modes, source, passed,
error (null, or why the gate could not decide: exit 2), errors (each with message and mode), summary
(Report.summary(): counts issues, each once), violations, rules (metadata of every rule the report knows of),
warnings, timings. Each violation has policy, enforcement, severity, urn, type, name, message, mode (the first
mode it was seen in), modes (every mode), unverifiable, title, file and line (the program statement that declared
the resource, relative to the repository root; "" and 0 when unknown), exemption, then the derived category
(blocking | advisory | exempted | unverifiable | other) and blocking. Consumers must ignore keys
they do not know: new ones may be added, existing ones are not renamed. Indent 2, UTF-8 (not ASCII-escaped).
"""

from __future__ import annotations

import json
from typing import Any

from mlgov.findings import Report
from mlgov.reports._common import (
    all_rule_ids,
    category,
    errors_of,
    json_safe,
    ordered,
    rule_meta,
    sorted_map,
    warnings_of,
)

FORMAT_NAME = "mlgov-report"
FORMAT_VERSION = 1
VIOLATION_KEYS = (
    "policy", "enforcement", "severity", "urn", "type", "name", "message", "mode", "modes", "unverifiable", "title",
    "file", "line", "exemption",
)


def document(report: Report) -> dict[str, Any]:
    """The report as the JSON document's dict (keys in contract order)."""
    violations = []
    for v in ordered(report):
        data = v.to_json()
        item = {k: data.get(k) for k in VIOLATION_KEYS}
        item.update((k, data[k]) for k in sorted(data) if k not in item)  # fields added to Violation later
        item["category"] = category(v)
        item["blocking"] = v.blocking()
        violations.append(item)
    summary = report.summary()
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "project": report.project,
        "stack": report.stack,
        "pack": report.pack,
        "pack_version": report.pack_version,
        "modes": list(report.modes),
        "source": report.source,
        "passed": summary["passed"],
        "error": "; ".join(errors_of(report)) or None,
        "errors": [{"message": e.message, "mode": e.mode} for e in report.errors],
        "summary": {**summary, "resources": sorted_map(dict(summary.get("resources") or {}))},
        "violations": violations,
        "rules": {rid: sorted_map(rule_meta(report, rid)) for rid in all_rule_ids(report)},
        "warnings": warnings_of(report),
        "timings": sorted_map(dict(report.timings or {})),
    }
    return json_safe(doc)


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
