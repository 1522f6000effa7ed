"""Each mode in its own process, so preview and update run side by side on two cores.

The parent (`run_in_workers`) starts `python -m mlgov.worker` per source through its `Supervisor`, sends
it a JSON job on stdin and reads JSON lines back: `{"phase": ...}` while it works, then one
`{"result": ...}`. The worker's stdout is reserved for those lines (the program's prints go to stderr,
which the parent keeps only for a worker that dies). The parent bounds the whole run: past the deadline
it ends every worker (and so its pack) and says which phase each was in.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any

from mlgov.supervision import Supervisor, signals_end_children

__all__ = ["main", "run_in_workers"]


def run_in_workers(sources: Sequence[Any], options: Any, on_phase: Callable[..., None]) -> list[Any]:
    from mlgov.gate import GateError, ModeResult

    events: queue.Queue[tuple[int, dict[str, Any] | None]] = queue.Queue()
    phases = {i: "starting" for i in range(len(sources))}
    results: dict[int, ModeResult] = {}
    stderr: dict[int, list[str]] = {i: [] for i in range(len(sources))}
    deadline = time.monotonic() + options.timeout if options.timeout else None
    with Supervisor() as supervisor, signals_end_children(supervisor):
        procs = []
        for i, source in enumerate(sources):
            proc = supervisor.spawn([sys.executable, "-m", "mlgov.worker"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            job = json.dumps({"source": source.describe(), "options": options.to_json()}).encode()
            threading.Thread(target=_send, args=(proc, job), daemon=True).start()
            threading.Thread(target=_read_events, args=(i, proc.stdout, events), daemon=True).start()
            threading.Thread(target=_read_lines, args=(proc.stderr, stderr[i]), daemon=True).start()
            procs.append(proc)
        open_streams = len(sources)
        while open_streams:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                supervisor.terminate()
                doing = "; ".join(f"{sources[i].mode}: {phases[i]}" for i in phases if i not in results)
                raise GateError(f"timed out after {options.timeout:g}s ({doing}); the gate could not decide")
            try:
                i, event = events.get(timeout=min(remaining, 0.5) if remaining is not None else 0.5)
            except queue.Empty:
                continue
            if event is None:
                open_streams -= 1
            elif "phase" in event:
                phases[i] = event["phase"]
                on_phase(sources[i].mode, event["phase"], **event.get("counts", {}))
            elif "print" in event:
                sys.stderr.write(event["print"])
            elif "result" in event:
                results[i] = ModeResult.from_json(event["result"])
        for i, proc in enumerate(procs):
            try:
                code = proc.wait(timeout=10 if i in results else 30)
            except subprocess.TimeoutExpired:  # done but lingering: the supervisor ends it on the way out
                code = None
            if i not in results:
                last = next((line for line in reversed(stderr[i]) if line.strip()), "").strip()
                results[i] = ModeResult(mode=sources[i].mode, error=(
                    f"the {sources[i].mode} run ended unexpectedly (exit {code})" + (f": {last}" if last else "")))
    return [results[i] for i in range(len(sources))]


def _send(proc: subprocess.Popen, job: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(job)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _read_events(index: int, stream: IO[bytes], events: queue.Queue) -> None:
    for line in iter(stream.readline, b""):
        try:
            events.put((index, json.loads(line)))
        except ValueError:
            continue
    events.put((index, None))


def _read_lines(stream: IO[bytes], sink: list[str]) -> None:
    for line in iter(stream.readline, b""):
        sink.append(line.decode(errors="replace"))
        del sink[:-50]


class _Forward(io.TextIOBase):
    def __init__(self, emit: Callable[[dict[str, Any]], None]):
        self._emit = emit

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self._emit({"print": text})
        return len(text)


def main() -> int:
    """The worker: evaluate one source, report phases and the result on the original stdout."""
    job = json.loads(sys.stdin.read())
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what is written to fd 1 below Python goes to stderr, which the parent keeps for a crash

    def emit(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    # The program's own print()s reach the user (on the parent's stderr); SDK and asyncio noise does not.
    sys.stdout = _Forward(emit)

    from mlgov.gate import GateOptions, evaluate_source
    from mlgov.sources import from_description

    source = from_description(job["source"])
    options = GateOptions.from_json(job["options"])
    # Pack processes stay in this worker's process group: ending the worker's group ends them too.
    with Supervisor(own_groups=False) as supervisor:
        result = evaluate_source(source, options, supervisor,
                                 lambda mode, phase, **counts: emit({"phase": phase, "counts": counts}))
    emit({"result": result.to_json()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
