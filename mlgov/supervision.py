"""Child processes of one gate run, and how they end.

Every child (a pack process, a per-mode worker) is started by a `Supervisor` in its own session, so it and
anything it starts can be killed as one process group, and with a parent-death signal (Linux), so it dies
with the process that started it even if that process is killed outright. A gate that is signalled or
times out ends its children through the supervisor that owns them: there is no process-wide list.

Linux delivers the parent-death signal when the *thread* that forked the child ends: spawn from a thread
that lives as long as the child (the main thread, in the gate).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["Interrupted", "Supervisor", "exit_code_for", "signals_end_children"]

_PR_SET_PDEATHSIG = 1
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
_ENDING = set(EXIT_CODES)


class Interrupted(Exception):  # noqa: N818 - a signal, not an error
    """The gate received SIGINT or SIGTERM; its children have been ended."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code_for(signum: int) -> int:
    return EXIT_CODES.get(signal.Signals(signum), 128 + int(signum))


def _die_with_parent(parent_pid: int, mask: set[int]) -> None:
    """Runs in the child between fork and exec."""
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # `spawn` blocked the ending signals for the parent only
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGKILL)


class Supervisor:
    """Starts children and ends them: `terminate()` sends SIGTERM to each child's process group, then
    SIGKILL to what is left after `grace` seconds. A context manager: leaving it ends every child.

    `own_groups=False` keeps children in the caller's process group instead (a worker's pack processes),
    so whoever ends the caller's group ends them too."""

    def __init__(self, grace: float = 3.0, *, own_groups: bool = True):
        self.grace = grace
        self.own_groups = own_groups
        self._children: list[subprocess.Popen] = []
        # Re-entrant: the signal handler runs in the thread that may hold it.
        self._lock = threading.RLock()

    def spawn(self, argv: Sequence[str], **popen: Any) -> subprocess.Popen:
        parent = os.getpid()
        # A signal between fork and registration would leave a child no one ends: hold it until registered.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING)
        try:
            proc = subprocess.Popen(list(argv), start_new_session=self.own_groups,
                                    preexec_fn=lambda: _die_with_parent(parent, mask), **popen)
            with self._lock:
                self._children.append(proc)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return proc

    def children(self) -> list[subprocess.Popen]:
        with self._lock:
            return list(self._children)

    def release(self, proc: subprocess.Popen) -> None:
        """End one child (if still running) and forget it."""
        self._end([proc])
        with self._lock:
            if proc in self._children:
                self._children.remove(proc)

    def terminate(self) -> None:
        """End every child and its process group. Safe to call from a signal handler and more than once."""
        self._end(self.children())

    def _end(self, procs: list[subprocess.Popen]) -> None:
        for proc in procs:
            self._signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
            # The group may outlive its leader (a child the pack started): kill what is left.
            self._signal(proc, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1)

    def _signal(self, proc: subprocess.Popen, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.own_groups:
                # start_new_session makes the child its group's leader: its pid is the group id.
                os.killpg(proc.pid, signum)
            elif proc.poll() is None:
                proc.send_signal(signum)

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.terminate()


@contextlib.contextmanager
def signals_end_children(supervisor: Supervisor) -> Iterator[None]:
    """While active (main thread only), SIGINT and SIGTERM end the supervisor's children, then raise
    `Interrupted` where the main thread is. Previous handlers are restored on exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        # Ignore repeats while ending the children, so a second Ctrl-C cannot leave orphans.
        for s in EXIT_CODES:
            signal.signal(s, signal.SIG_IGN)
        supervisor.terminate()
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in EXIT_CODES}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
