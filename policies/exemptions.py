"""Per-resource exemptions: a rule may be waived for named resources, with a reason and an expiry.

Configured per rule, next to its enforcement level:

    {"s3-bucket-kms-encrypted": {"exemptions": [
        {"resource": "access-logs*", "reason": "S3 server access logs only support SSE-S3", "expires": "2027-06-30"}]}}

`resource` is an exact URN, or a glob matched against the URN or the logical name. An
exempted finding is still reported (as exempted); an expired exemption stops exempting.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

EXEMPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Resources this rule does not block, each with a reason and an optional expiry date.",
    "items": {
        "type": "object",
        "properties": {
            "resource": {"type": "string", "minLength": 1, "description": "URN, or glob on URN or logical name"},
            "reason": {"type": "string", "minLength": 10, "description": "Why the exemption is acceptable"},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "YYYY-MM-DD, UTC"},
            "approvedBy": {"type": "string"},
        },
        "required": ["resource", "reason"],
        "additionalProperties": False,
    },
    "default": [],
}


# The two advisory policies that report exempted findings, and their message format. mlgov parses it
# back (`parse_exempted_message`) to report the finding under the exempted rule's id.
EXEMPTIONS_POLICY = "pack-exemptions-reported"
STACK_EXEMPTIONS_POLICY = "pack-stack-exemptions-reported"
EXEMPTION_REPORTERS = (EXEMPTIONS_POLICY, STACK_EXEMPTIONS_POLICY)
_EXEMPTED_MESSAGE = re.compile(r"^EXEMPTED \[(?P<rule>[^\]]+)\] (?P<rest>.*)$", re.DOTALL)


def exempted_message(rule_id: str, finding: str, exemption: Exemption) -> str:
    return f"EXEMPTED [{rule_id}] {finding} ({exemption.describe()})"


def parse_exempted_message(message: str) -> tuple[str, str] | None:
    """(rule id, the finding with its exemption) from a reporter's message, or None."""
    match = _EXEMPTED_MESSAGE.match(message)
    return (match["rule"], match["rest"]) if match else None


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

    def describe(self) -> str:
        until = f"; expires {self.expires.isoformat()}" if self.expires else ""
        return f"reason: {self.reason}{until}"


def parse_exemptions(raw: Any) -> tuple[Exemption, ...]:
    """Read the `exemptions` config value; raises ExemptionError naming the bad entry."""
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise ExemptionError("exemptions must be a list")
    out = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ExemptionError(f"exemptions[{i}] must be an object")
        resource, reason, expires = entry.get("resource"), entry.get("reason"), entry.get("expires")
        if not isinstance(resource, str) or not resource:
            raise ExemptionError(f"exemptions[{i}].resource must be a non-empty string")
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise ExemptionError(f"exemptions[{i}] ({resource}) needs a reason of at least 10 characters")
        date = None
        if expires is not None:
            try:
                date = dt.date.fromisoformat(expires) if isinstance(expires, str) else None
            except ValueError:
                date = None
            if date is None:
                raise ExemptionError(f"exemptions[{i}] ({resource}) expires must be a YYYY-MM-DD date")
        unknown_keys = set(entry) - {"resource", "reason", "expires", "approvedBy"}
        if unknown_keys:
            raise ExemptionError(f"exemptions[{i}] ({resource}) has unknown keys: {', '.join(sorted(unknown_keys))}")
        out.append(Exemption(resource, reason.strip(), date))
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
