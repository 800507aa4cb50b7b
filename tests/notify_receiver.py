"""A loopback HTTP receiver for notification tests: what Apprise's ``json://``,
``form://`` and ``xml://`` targets post, kept for the test to read."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    content_type: str
    body: bytes
    authorization: str | None


class Receiver:
    """Requests received on 127.0.0.1:``port``; answers each with ``status`` (after
    ``delay`` seconds: a slow service)."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.port: int = server.server_address[1]
        self.status = 200
        self.delay = 0.0
        self.received: queue.Queue[Received] = queue.Queue()

    def next(self, timeout: float = 15.0) -> Received:
        return self.received.get(timeout=timeout)

    def nothing_more(self, within: float) -> bool:
        try:
            self.received.get(timeout=within)
        except queue.Empty:
            return True
        return False


@contextmanager
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            this = holder[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            this.received.put(
                Received(
                    self.path, self.headers.get("Content-Type", ""), body, self.headers.get("Authorization")
                )
            )
            threading.Event().wait(this.delay)
            self.send_response(this.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, name="notify-receiver", daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
