"""Diagnostics, as the engine receives them, turned into the gate's findings.

- The resource: name and type from the diagnostic's URN (a stack-level diagnostic without one is about
  the Stack), and the program line that declared it when the source knows it.
- Exempted findings: the pack reports them under the exempted rule's own name, at advisory, with the
  message's last line `exempted: <reason> (expires YYYY-MM-DD)` or `exempted: <reason> (no expiry)`.
  `decode_exemption` is the one place that reads that line.
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

__all__ = ["Exemption", "SECRET_MASK", "decode_exemption", "parse_urn", "redact", "to_violations"]

SECRET_MASK = "[secret]"
_EXEMPTED_LINE = re.compile(r"^exempted: (?P<reason>.+) \((?:expires (?P<expires>\d{4}-\d{2}-\d{2})|no expiry)\)$")
# Transitional: packs built before the format above reported through two reporter policies.
_LEGACY_REPORTERS = ("pack-exemptions-reported", "pack-stack-exemptions-reported")
_LEGACY = re.compile(r"^EXEMPTED \[(?P<rule>[^\]]+)\] (?P<finding>.*) \(reason: (?P<reason>.*?)"
                     r"(?:; expires (?P<expires>\d{4}-\d{2}-\d{2}))?\)$", re.DOTALL)


@dataclass(frozen=True)
class Exemption:
    reason: str
    expires: str  # YYYY-MM-DD, or "" for no expiry


def decode_exemption(policy: str, message: str) -> tuple[str, str, Exemption] | None:
    """(exempted rule, the finding without its exemption line, the exemption) if the diagnostic reports
    an exempted finding, else None."""
    if policy in _LEGACY_REPORTERS:
        legacy = _LEGACY.match(message)
        if legacy:
            return legacy["rule"], legacy["finding"], Exemption(legacy["reason"], legacy["expires"] or "")
    head, _, last = message.rstrip("\n").rpartition("\n")
    match = _EXEMPTED_LINE.match(last.strip())
    if match is None:
        return None
    return policy, head.rstrip(), Exemption(match["reason"], match["expires"] or "")


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
        policy, enforcement, message, exemption = d.policy, d.enforcement, d.message, ""
        decoded = decode_exemption(policy, message)
        if decoded is not None:
            policy, message, found = decoded
            enforcement = EXEMPTED
            exemption = found.reason + (f" (expires {found.expires})" if found.expires else " (no expiry)")
        meta = policies.get(policy)
        urn = d.urn or stack_urn
        type_, name = parse_urn(urn)
        record = resources.get(urn)
        source = record.source if record is not None else None
        out.append(Violation(
            policy=policy,
            enforcement=enforcement,
            # An exempted finding keeps its own rule's severity, whoever reported it.
            severity=(meta.severity if meta and decoded else "") or d.severity or (meta.severity if meta else ""),
            urn=urn,
            type=type_,
            name=name,
            message=redact(message, secrets),
            mode=mode,
            unverifiable=d.unverifiable,
            title=(meta.display_name or meta.description) if meta else "",
            file=source.file if source else "",
            line=source.line if source else 0,
            exemption=redact(exemption, secrets),
        ))
    return out
