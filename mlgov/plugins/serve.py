"""Serve a gRPC plugin the way the engine expects: port on the first stdout line, exit on signal or EOF."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent import futures

import grpc

# The engine sends whole resource graphs and policy packs can be large: no small message caps.
GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024),
                ("grpc.max_send_message_length", 400 * 1024 * 1024)]


def serve(register: Callable[[grpc.Server], None], banner: str, on_stop: Callable[[], None] | None = None) -> int:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=GRPC_OPTIONS)
    register(server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The engine reads the port from the first stdout line; anything before it would break the launch.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    sys.stderr.write(banner + "\n")
    sys.stderr.flush()

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def watch_stdin() -> None:
        # The engine holds our stdin open; EOF means it is gone, so do not linger as an orphan.
        # os.read, not sys.stdin: a buffered reader blocked at interpreter shutdown aborts Python.
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()
    if on_stop is not None:
        on_stop()  # e.g. end child processes an in-flight call is waiting on
    server.stop(grace=1).wait(2)
    sys.stdout.flush()
    sys.stderr.flush()
    return 0
