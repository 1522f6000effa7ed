"""Progress on stderr while the gate works: one line per phase per mode, with counts and elapsed time.

Shown only when stderr is a terminal (CI logs stay clean) and not `--quiet`.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

__all__ = ["Progress"]


class Progress:
    def __init__(self, enabled: bool, stream: IO[str] | None = None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._started = time.monotonic()
        self._lock = threading.Lock()

    @classmethod
    def for_terminal(cls, quiet: bool) -> Progress:
        return cls(enabled=not quiet and sys.stderr.isatty())

    def __call__(self, mode: str, phase: str, **counts: Any) -> None:
        if not self.enabled:
            return
        detail = ", ".join(f"{value:,} {name}" for name, value in counts.items())
        label = "state" if mode == "audit" else mode
        with self._lock:
            self.stream.write(f"mlgov: {label}: {phase}{f' ({detail})' if detail else ''} "
                              f"[{time.monotonic() - self._started:.1f}s]\n")
            self.stream.flush()
