"""JUnit XML, for CI test tabs.

<testsuites> holds one <testsuite name="mlgov"> for the run (each finding once, whichever modes saw it; the
modes and resources evaluated per mode are suite properties). Each (rule, resource) with findings is one
<testcase classname="<rule>" name="<resource> (<type>)"> whose `file` and `line` attributes point at the
statement that declared the resource, and each rule with no finding is one passing <testcase name="no
violations">. When the gate could not decide, one <testcase classname="mlgov" name="gate"> holds an <error> per
reason, so a JUnit publisher shows the run as broken. The mapping keeps the failure count equal to the verdict:

- mandatory / remediate (blocking) → <failure type="mandatory"> with the messages;
- advisory → a passing testcase whose <system-out> carries the messages (advisories never fail the gate);
- exempted → <skipped message="exempted: …"> (waived on purpose, so neither a pass nor a failure);
- cannot be verified in preview → <skipped message="cannot be verified in preview: …"> (the check did not run).

A (rule, resource) with findings of several kinds takes the strongest: failure, then skipped, then system-out;
every message is in the body. Text is escaped by ElementTree; characters XML 1.0 cannot carry are shown as \\xNN.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from mlgov.findings import Report, Violation
from mlgov.reports._common import (
    ADVISORY_CAT,
    BLOCKING,
    EXEMPTED_CAT,
    UNVERIFIABLE,
    all_rule_ids,
    category,
    errors_of,
    location,
    meta_str,
    mode_label,
    mode_order,
    mode_timing,
    modes_label,
    ordered,
    resource_label,
    rule_meta,
    severity_of,
    title_of,
    unverifiable_label,
    xml_text,
)

PASSING_NAME = "no violations"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = xml_text(text)
    return el


def _testcase_name(v: Violation) -> str:
    name = resource_label(v)
    return f"{name} ({v.type})" if v.type else name


def _details(report: Report, group: list[Violation]) -> str:
    first = group[0]
    meta = rule_meta(report, first.policy)
    title = title_of(report, first)
    lines = [title if title == first.policy else f"{title} [{first.policy}]"]
    for v in group:
        label = unverifiable_label(report) if v.unverifiable else v.enforcement
        lines.append(f"- {label} ({severity_of(report, v)}): {v.message}")
    lines.append(f"resource: {first.urn or resource_label(first)}")
    lines.append(f"seen in: {modes_label(first)}")
    if location(first):
        lines.append(f"declared at: {location(first)}")
    remediation = meta_str(meta, "remediation")
    if remediation:
        lines.append(f"remediation: {remediation}")
    url = meta_str(meta, "url")
    if url:
        lines.append(f"see: {url}")
    return "\n".join(lines)


def _first_line(text: str, limit: int = 200) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def document(report: Report) -> ET.Element:
    root = ET.Element("testsuites", {"name": xml_text(f"mlgov {report.project}/{report.stack}".strip())})
    modes = mode_order(report)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suite = _el(root, "testsuite", name="mlgov")
    props = _el(suite, "properties")
    for key, value in (("project", report.project), ("stack", report.stack), ("pack", report.pack),
                       ("pack_version", report.pack_version), ("modes", ",".join(mode_label(m) for m in modes))):
        if value not in (None, ""):
            _el(props, "property", name=key, value=value)
    for mode in modes:
        evaluated = (report.resources_evaluated or {}).get(mode)
        if evaluated is not None:
            _el(props, "property", name=f"resources_evaluated.{mode_label(mode)}", value=evaluated)
    errors = errors_of(report)
    if errors:
        counts["tests"] += 1
        counts["errors"] += len(errors)
        case = _el(suite, "testcase", classname="mlgov", name="gate")
        for message in errors:
            _el(case, "error", message, message=_first_line(message), type="gate-error")
    groups: dict[tuple[str, str, str, str], list[Violation]] = {}
    for v in ordered(report):
        groups.setdefault((v.policy, v.urn, v.name, v.type), []).append(v)
    for rule_id in all_rule_ids(report):  # each rule's testcases together, rules alphabetically
        for (policy, *_), group in groups.items():
            if policy != rule_id:
                continue
            counts["tests"] += 1
            first = group[0]
            case = _el(suite, "testcase", classname=policy, name=_testcase_name(first),
                       file=first.file or None, line=str(first.line) if first.line else None)
            cats = {category(v) for v in group}
            body = _details(report, group)
            if BLOCKING in cats:
                counts["failures"] += 1
                blocking = next(v for v in group if category(v) == BLOCKING)
                _el(case, "failure", body, message=_first_line(blocking.message), type=blocking.enforcement)
            elif EXEMPTED_CAT in cats or UNVERIFIABLE in cats:
                counts["skipped"] += 1
                kind = "exempted" if EXEMPTED_CAT in cats else unverifiable_label(report)
                skipped = next(v for v in group if category(v) in (EXEMPTED_CAT, UNVERIFIABLE))
                _el(case, "skipped", message=f"{kind}: {_first_line(skipped.message)}")
                _el(case, "system-out", body)
            else:  # advisory (or an enforcement that does not block): passes, with a note
                prefix = "ADVISORY" if ADVISORY_CAT in cats else "NOTE"
                _el(case, "system-out", f"{prefix}: {body}")
        if not any(policy == rule_id for policy, *_ in groups):
            counts["tests"] += 1
            _el(suite, "testcase", classname=rule_id, name=PASSING_NAME)
    if not counts["tests"]:  # no rule known and nothing found: still show the run passed
        counts["tests"] += 1
        _el(suite, "testcase", classname=report.pack or "mlgov", name=PASSING_NAME)
    seconds = sum(t for t in (mode_timing(report, m) for m in modes) if t is not None)
    for el in (suite, root):
        for k, n in counts.items():
            el.set(k, str(n))
    if any(mode_timing(report, m) is not None for m in modes):
        suite.set("time", f"{seconds:.3f}")
        root.set("time", f"{seconds:.3f}")
    return root


def render(report: Report) -> str:
    root = document(report)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
