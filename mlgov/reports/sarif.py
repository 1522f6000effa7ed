"""SARIF 2.1.0 for GitHub code scanning.

One run; tool.driver "mlgov" lists every rule the report knows of (id, name, shortDescription = title,
fullDescription = rationale/description, helpUri = url, help = remediation, properties.tags with the frameworks,
properties["security-severity"] from the severity so GitHub ranks alerts, defaultConfiguration.level from the
configured enforcement). Results map mandatory/remediate → error, advisory → warning, exempted → note with an
external suppression (GitHub shows it as dismissed), unverifiable preview notes → note.

Each result's physical location is the program statement that declared the resource (Violation.file, relative
to the repository root, and line), so code scanning annotates that line; when the source knows no line (a state
export) it is the project's file (Report.source: a file as given, a directory as its Pulumi.yaml) at line 1. Its
logical location is the resource URN (kind "resource"). A finding seen in several modes is one result.
partialFingerprints hash (rule, urn) only, so alerts stay matched across pushes however messages or lines change.
When the gate could not decide, the invocation says so (executionSuccessful false, an error notification).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from mlgov.findings import ADVISORY, DISABLED, EXEMPTED, MANDATORY, REMEDIATE, Report, Violation
from mlgov.reports._common import (
    ADVISORY_CAT,
    BLOCKING,
    EXEMPTED_CAT,
    all_rule_ids,
    category,
    errors_of,
    frameworks,
    json_safe,
    meta_str,
    modes_label,
    ordered,
    resource_label,
    rule_meta,
    severity_of,
    sorted_map,
    tags,
    title_of,
    warnings_of,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "mlgov"
INFORMATION_URI = "https://www.pulumi.com/docs/using-pulumi/crossguard/"
FINGERPRINT_KEY = "mlgov/v2"  # bump the suffix only if the fingerprint's inputs change (it re-opens every alert)
PROGRAM_FILE = "Pulumi.yaml"
# Suffixes of a source that is a file (an export, a program) rather than a project directory.
_FILE_SUFFIXES = {".yaml", ".yml", ".json", ".py", ".ts", ".js", ".go", ".cs", ".java"}
# GitHub's bands: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_ENFORCEMENT_LEVEL = {MANDATORY: "error", REMEDIATE: "error", ADVISORY: "warning", EXEMPTED: "note", DISABLED: "none"}
_CATEGORY_LEVEL = {BLOCKING: "error", ADVISORY_CAT: "warning"}  # exempted, unverifiable, other: note


def tool_version() -> str:
    try:
        return metadata.version("ml-dataset-governance")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def program_uri(source: str) -> str:
    """A URI reference for the program file: relative (GitHub resolves it against the checkout) where possible."""
    text = (source or "").strip()
    if not text:
        return PROGRAM_FILE
    path = Path(text)
    if path.is_absolute():
        try:
            rel = os.path.relpath(path, Path.cwd())
        except ValueError:  # another drive on Windows
            rel = ""
        if rel and not rel.startswith(".."):
            path = Path(rel)
        else:
            target = path if path.suffix.lower() in _FILE_SUFFIXES else path / PROGRAM_FILE
            return target.as_uri()
    posix = PurePosixPath(path.as_posix())
    if posix.suffix.lower() not in _FILE_SUFFIXES:
        posix = posix / PROGRAM_FILE
    rel_text = str(posix)
    while rel_text.startswith("./"):
        rel_text = rel_text[2:]
    return quote(rel_text, safe="/")


def rule_name(rule_id: str) -> str:
    """A PascalCase friendly name for a kebab-case rule id: s3-bucket-encrypted -> S3BucketEncrypted."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", rule_id) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts) or rule_id


def fingerprint(v: Violation) -> str:
    h = hashlib.sha256()
    for part in (v.policy, v.urn):
        h.update(str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def _rule(report: Report, rule_id: str) -> dict[str, Any]:
    meta = rule_meta(report, rule_id)
    title = meta_str(meta, "title", "display_name", "description") or rule_id
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": rule_name(rule_id),
        "shortDescription": {"text": title},
    }
    full = meta_str(meta, "rationale", "description")
    if full:
        rule["fullDescription"] = {"text": full}
    url = meta_str(meta, "url", "helpUri")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", url):  # helpUri must be an absolute URI
        rule["helpUri"] = url
    remediation = meta_str(meta, "remediation")
    fws = frameworks(meta)
    if remediation:
        markdown = remediation
        if fws:
            markdown += "\n\n**Frameworks:** " + ", ".join(fws)
        if "helpUri" in rule:
            markdown += f"\n\n[Documentation]({url})"
        rule["help"] = {"text": remediation, "markdown": markdown}
    enforcement = meta_str(meta, "enforcement", "default_enforcement")
    level = _ENFORCEMENT_LEVEL.get(enforcement, "warning")
    config: dict[str, Any] = {"level": level}
    if enforcement == DISABLED:
        config["enabled"] = False
    rule["defaultConfiguration"] = config
    severity = meta_str(meta, "severity").lower()
    props: dict[str, Any] = {"tags": list(dict.fromkeys(["security", "compliance", *fws, *tags(meta)]))}
    if severity:
        props["severity"] = severity
    if severity in SECURITY_SEVERITY:
        props["security-severity"] = SECURITY_SEVERITY[severity]
    if enforcement:
        props["enforcement"] = enforcement
    props["precision"] = "very-high"  # a policy verdict on declared state, not a heuristic
    rule["properties"] = props
    return rule


def _result(report: Report, v: Violation, uri: str, rule_index: dict[str, int]) -> dict[str, Any]:
    cat = category(v)
    name = resource_label(v)
    where = f"{name} ({v.type})" if v.type else name
    result: dict[str, Any] = {
        "ruleId": v.policy,
        "ruleIndex": rule_index[v.policy],
        "level": _CATEGORY_LEVEL.get(cat, "note"),
        "message": {"text": f"[{modes_label(v)}] {where}: {v.message or title_of(report, v)}"},
        "locations": [{
            "physicalLocation": _physical(v, uri),
            "logicalLocations": [{"name": name, "fullyQualifiedName": v.urn or name, "kind": "resource"}],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(v)},
    }
    if cat == EXEMPTED_CAT:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": v.exemption or v.message or "exempted by the policy config"}]
    result["properties"] = {
        "enforcement": v.enforcement,
        "severity": severity_of(report, v),
        "mode": v.mode,
        "modes": list(v.modes),
        "category": cat,
        "unverifiable": bool(v.unverifiable),
        "urn": v.urn,
        "resourceType": v.type,
        "resourceName": v.name,
    }
    return result


def _physical(v: Violation, fallback_uri: str) -> dict[str, Any]:
    if v.file and v.line:
        path = PurePosixPath(v.file)
        uri = Path(v.file).as_uri() if path.is_absolute() else quote(path.as_posix(), safe="/")
        return {"artifactLocation": {"uri": uri},
                "region": {"startLine": int(v.line)}}
    return {"artifactLocation": {"uri": fallback_uri}, "region": {"startLine": 1}}


def document(report: Report) -> dict[str, Any]:
    rule_ids = all_rule_ids(report)
    rule_index = {rid: i for i, rid in enumerate(rule_ids)}
    uri = program_uri(report.source)
    summary = report.summary()
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    notifications = [{"level": "error", "message": {"text": e}} for e in errors_of(report)]
    notifications += [{"level": "warning", "message": {"text": w}} for w in warnings_of(report)]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    if report.timings:
        invocation["properties"] = {"timings": sorted_map(dict(report.timings))}
    run = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": tool_version(),
            "informationUri": INFORMATION_URI,
            "rules": [_rule(report, rid) for rid in rule_ids],
        }},
        "automationDetails": {"id": f"{TOOL_NAME}/{report.project}/{report.stack}/"},
        "invocations": [invocation],
        "results": [_result(report, v, uri, rule_index) for v in ordered(report)],
        "properties": {
            "project": report.project,
            "stack": report.stack,
            "pack": report.pack,
            "packVersion": report.pack_version,
            "modes": list(report.modes),
            "passed": summary["passed"],
            "summary": {**summary, "resources": sorted_map(dict(summary.get("resources") or {}))},
        },
    }
    return json_safe({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]})


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
