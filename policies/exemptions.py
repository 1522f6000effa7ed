"""Per-resource exemptions: a rule may be waived for named resources, with a reason and an expiry.

Configured per rule, next to its enforcement level:

    {"s3-bucket-kms-encrypted": {"exemptions": [
        {"resource": "access-logs*", "reason": "S3 server access logs only support SSE-S3", "expires": "2027-06-30"}]}}

`resource` is an exact URN, or a glob matched against the URN or the logical name. The schema
below decides what is valid (jsonschema, in `policies.config`); `parse_exemptions` only converts.

On the wire an exempted finding keeps the exempted rule's own policyName, goes out at ADVISORY,
and its message's last line is `exempted: <reason> (expires YYYY-MM-DD)` or `(no expiry)`: the
engine's diagnostics carry only policyName, enforcementLevel, message and urn, so that line is
the one place a gate can read it from (mlgov.diagnostics decodes it). An expired exemption stops
exempting; the finding says when it expired.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

EXEMPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Resources this rule does not block, each with a reason and an optional expiry date.",
    "items": {
        "type": "object",
        "properties": {
            "resource": {"type": "string", "minLength": 1, "description": "URN, or glob on URN or logical name"},
            "reason": {"type": "string", "pattern": r"^\s*\S[\s\S]{8,}\S\s*$",
                       "description": "Why the exemption is acceptable (at least 10 characters)"},
            "expires": {"type": "string", "pattern": DATE_PATTERN, "format": "date",
                        "description": "YYYY-MM-DD, UTC"},
            "approvedBy": {"type": "string"},
        },
        "required": ["resource", "reason"],
        "additionalProperties": False,
    },
    "default": [],
}

# Kept in GetAnalyzerInfo because users' configs name them (an unknown policy name is an error).
# pack-stack-exemptions-reported reports exemption hygiene once per AnalyzeStack: configured
# exemptions that have expired, and ones that match no resource of the stack. Exempted findings
# themselves are reported under the exempted rule, so pack-exemptions-reported reports nothing.
EXEMPTIONS_POLICY = "pack-exemptions-reported"
STACK_EXEMPTIONS_POLICY = "pack-stack-exemptions-reported"
EXEMPTION_REPORTERS = (EXEMPTIONS_POLICY, STACK_EXEMPTIONS_POLICY)
EXEMPTED_PREFIX = "exempted: "


class ExemptionError(ValueError):
    pass


@dataclass(frozen=True)
class Exemption:
    resource: str
    reason: str
    expires: dt.date | None = None

    def matches(self, urn: str, name: str) -> bool:
        if self.resource in (urn, name):
            return True
        return fnmatch.fnmatchcase(urn, self.resource) or fnmatch.fnmatchcase(name, self.resource)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


def exempted_line(exemption: Exemption) -> str:
    """The last line of an exempted finding's message."""
    until = f"expires {exemption.expires.isoformat()}" if exemption.expires else "no expiry"
    reason = " ".join(exemption.reason.split())  # one line, whatever the config held
    return f"{EXEMPTED_PREFIX}{reason} ({until})"


def parse_exemptions(raw: Iterable[Mapping[str, Any]]) -> tuple[Exemption, ...]:
    """Convert schema-valid `exemptions` entries; raises ExemptionError for a date that does not exist."""
    out = []
    for i, entry in enumerate(raw):
        expires = entry.get("expires")
        try:
            date = dt.date.fromisoformat(expires) if expires is not None else None
        except ValueError:
            raise ExemptionError(f"exemptions[{i}] ({entry['resource']}) expires {expires!r} is not a date") from None
        out.append(Exemption(entry["resource"], entry["reason"].strip(), date))
    return tuple(out)


def today() -> dt.date:
    """UTC today; MLGOV_TODAY=YYYY-MM-DD pins it (for reproducible audits and tests)."""
    pinned = os.environ.get("MLGOV_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            pass
    return dt.datetime.now(dt.timezone.utc).date()


def find(exemptions: Iterable[Exemption], urn: str, name: str) -> Exemption | None:
    for exemption in exemptions:
        if exemption.matches(urn, name):
            return exemption
    return None


def hygiene(rule_id: str, exemptions: Iterable[Exemption], urns_and_names: Iterable[tuple[str, str]],
            on: dt.date) -> list[str]:
    """Messages for `rule_id`'s exemptions that have expired or match no resource of the stack."""
    exemptions = list(exemptions)
    unmatched = set(range(len(exemptions)))
    for urn, name in urns_and_names:
        if not unmatched:
            break
        unmatched -= {i for i in unmatched if exemptions[i].matches(urn, name)}
    out = []
    for i, exemption in enumerate(exemptions):
        if exemption.expired(on):
            out.append(f"{rule_id}: the exemption for '{exemption.resource}' expired on "
                       f"{exemption.expires.isoformat()}; expected it renewed with a new date or removed.")
        elif i in unmatched:
            out.append(f"{rule_id}: the exemption for '{exemption.resource}' matches no resource of this stack; "
                       "expected it removed or its pattern corrected.")
    return out
