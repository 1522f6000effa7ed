"""Diagnostics, as the engine receives them, turned into the gate's findings.

- The resource: name and type from the diagnostic's URN (a stack-level diagnostic without one is about
  the Stack), and the program line that declared it when the source knows it.
- Exempted findings: the pack reports them under the exempted rule's own name, at advisory, with the
  message's last line `exempted: <reason> (expires YYYY-MM-DD)` or `exempted: <reason> (no expiry)`.
  `exemption` is the one place that reads that line.
- Preview notes (the SDK's "can't run policy ... during preview") are marked unverifiable.
- Secret plaintext is redacted from every message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mlgov.analyzer import AnalyzerInfo, Diagnostic
from mlgov.findings import EXEMPTED, Violation
from mlgov.resources import RecordedResource

__all__ = ["SECRET_MASK", "ExemptionNote", "exemption", "parse_urn", "redact", "to_violations"]

SECRET_MASK = "[secret]"
_EXEMPTED_LINE = re.compile(r"^exempted: (?P<reason>.+) \((?:expires (?P<expires>\d{4}-\d{2}-\d{2})|no expiry)\)$")


@dataclass(frozen=True)
class ExemptionNote:
    reason: str
    expires: str | None  # YYYY-MM-DD, or None for no expiry

    def describe(self) -> str:
        return f"{self.reason} ({f'expires {self.expires}' if self.expires else 'no expiry'})"


def exemption(message: str, enforcement: str) -> ExemptionNote | None:
    """The exemption an advisory diagnostic reports, or None when it is not an exempted finding."""
    if enforcement != "advisory":
        return None
    match = _EXEMPTED_LINE.match(message.rstrip("\n").rsplit("\n", 1)[-1])
    return ExemptionNote(match["reason"], match["expires"]) if match else None


def without_exemption_line(message: str) -> str:
    return message.rstrip("\n").rsplit("\n", 1)[0].rstrip() if "\n" in message.rstrip("\n") else ""


def parse_urn(urn: str) -> tuple[str, str]:
    """(type, logical name) of an engine URN `urn:pulumi:stack::project::parent$type::name`."""
    parts = urn.split("::", 3)
    if len(parts) == 4 and parts[0].startswith("urn:pulumi:"):
        return parts[2].rsplit("$", 1)[-1], parts[3]
    return "", urn


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every plaintext secret (longest first, so overlaps cannot leak a tail) with a mask."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, SECRET_MASK)
    return text


def to_violations(diagnostics: Iterable[Diagnostic], *, mode: str, info: AnalyzerInfo, stack_urn: str,
                  secrets: Iterable[str] = (),
                  resources: Mapping[str, RecordedResource] | None = None) -> list[Violation]:
    """One Violation per diagnostic; `resources` (by URN) gives each its declaring program line."""
    secrets = set(secrets)
    policies = {p.name: p for p in info.policies}
    resources = resources or {}
    out: list[Violation] = []
    for d in diagnostics:
        enforcement, message = d.enforcement, d.message
        decoded = exemption(message, enforcement)
        if decoded is not None:
            enforcement, message = EXEMPTED, without_exemption_line(message)
        meta = policies.get(d.policy)
        urn = d.urn or stack_urn
        type_, name = parse_urn(urn)
        record = resources.get(urn)
        source = record.source if record is not None else None
        out.append(Violation(
            policy=d.policy,
            enforcement=enforcement,
            severity=d.severity or (meta.severity if meta else ""),
            urn=urn,
            type=type_,
            name=name,
            message=redact(message, secrets),
            mode=mode,
            unverifiable=d.unverifiable,
            title=(meta.display_name or meta.description) if meta else "",
            file=source.file if source else "",
            line=source.line if source else 0,
            exemption=redact(decoded.describe(), secrets) if decoded else "",
        ))
    return out
