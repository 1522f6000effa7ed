"""Finding credentials embedded in scripts (lifecycle configurations) without ever echoing them.

Lifecycle-configuration content arrives base64-encoded; it is decoded when it decodes to text,
otherwise scanned as is. A finding names the kind of secret and the line, never the value.
Assignments whose value is a variable or a command substitution (`$TOKEN`, `$(aws secretsmanager
get-secret-value ...)`) are how secrets should be read, and pass.
"""

from __future__ import annotations

import base64
import binascii
import re

_PATTERNS = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("an AWS secret access key", re.compile(
        r"(?i)aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b")),
    ("a private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("a password or token assignment", re.compile(
        r"(?i)(?<![a-z0-9])[a-z0-9_]*?(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)\b"
        r"[\"']?\s*[=:]\s*"
        r"(?![\"']?\$)[\"']?[^\s\"'$]{6,}")),
    ("credentials in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:(?!\$)[^/\s@]{3,}@")),
)


def decode(content: str) -> str:
    """Base64 text decoded (lifecycle configs are base64); anything that does not decode to text is kept."""
    compact = "".join(content.split())
    if compact and len(compact) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/]+=*", compact):
        try:
            return base64.b64decode(compact, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
    return content


def findings(text: str) -> list[tuple[str, int]]:
    """(kind, line number) for each embedded secret, first kind per line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in _PATTERNS:
            if pattern.search(line):
                found.append((kind, number))
                break
    return found
