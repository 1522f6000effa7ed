"""Reading what a pack's diagnostics mean, beyond the four fields the engine carries.

The engine's diagnostics have policyName, enforcementLevel, message and urn (its JSON output has
no description). A pack following this project's convention reports an exempted finding under
the exempted rule's own policyName, at ADVISORY, with the message's last line
`exempted: <reason> (expires YYYY-MM-DD)` or `exempted: <reason> (no expiry)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXEMPTED_LINE = re.compile(r"^exempted: (?P<reason>.+) \((?:expires (?P<expires>\d{4}-\d{2}-\d{2})|no expiry)\)$")


@dataclass(frozen=True)
class ExemptionNote:
    reason: str
    expires: str | None  # YYYY-MM-DD, or None for no expiry


def exemption(message: str, enforcement: str) -> ExemptionNote | None:
    """The exemption an advisory diagnostic reports, or None when it is not an exempted finding."""
    if enforcement != "advisory":
        return None
    last = message.rsplit("\n", 1)[-1]
    match = _EXEMPTED_LINE.match(last)
    return ExemptionNote(match["reason"], match["expires"]) if match else None
