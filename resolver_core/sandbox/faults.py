"""Faults on demand: a sandbox whose APIs fail a share of calls and whose file server cuts a
share of connections, the way real services misbehave.

``linkresolver sandbox --fail-rate 0.2 --cut-rate 0.1`` (and ``bench/soak.py``) use it to
show that every link still ends resolved or with a specific error. The kinds of API fault:

- ``http500``, ``http502``: an HTML error page from a front end, no ``Retry-After``;
- ``http503``, ``http509``: the same with ``Retry-After: 1`` (a server that wants to be
  asked again soon says so);
- ``reset``: the connection is reset before any answer;
- ``timeout``: the answer comes only after :attr:`Faults.hang` seconds (longer than the
  client's timeout);
- ``html``: HTTP 200 with a web page instead of the API's JSON (a captive portal, a CDN);
- ``truncated``: HTTP 200 with the API's real answer cut in half.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Final

from werkzeug.wrappers import Request, Response

API_FAULTS: Final = ("http500", "http502", "http503", "http509", "reset", "timeout", "html", "truncated")

_PAGE: Final = (
    "<!DOCTYPE html><html><head><title>{title}</title></head>"
    "<body><h1>{title}</h1><p>Please try again later.</p></body></html>"
)


class Faults:
    """Which calls fail and how; thread-safe, reproducible from ``seed``, and counted."""

    def __init__(
        self, fail_rate: float = 0.0, cut_rate: float = 0.0, *, seed: int | None = None, hang: float = 3.0
    ):
        if not (0 <= fail_rate <= 1 and 0 <= cut_rate <= 1):
            raise ValueError("fault rates are shares between 0 and 1")
        self.fail_rate = fail_rate
        self.cut_rate = cut_rate
        self.hang = hang
        self._random = random.Random(seed)  # noqa: S311 (test faults, not security)
        self._lock = threading.Lock()
        #: Faults injected so far, by kind (``cut`` for download connections).
        self.injected: Counter[str] = Counter()

    def _draw(self, rate: float) -> float | None:
        with self._lock:
            roll = self._random.random()
            return self._random.random() if roll < rate else None

    def cut(self) -> bool:
        """Whether to cut this download connection part-way through."""
        if self.cut_rate <= 0 or self._draw(self.cut_rate) is None:
            return False
        with self._lock:
            self.injected["cut"] += 1
        return True

    def answer(self, request: Request, endpoint: Callable[[], Response]) -> Response:
        """The endpoint's answer, or a fault in its place."""
        pick = self._draw(self.fail_rate) if self.fail_rate > 0 else None
        if pick is None:
            return endpoint()
        kind = API_FAULTS[int(pick * len(API_FAULTS))]
        with self._lock:
            self.injected[kind] += 1
        if kind == "reset":
            _reset(request)
        if kind == "timeout":
            time.sleep(self.hang)
            return endpoint()
        if kind == "html":
            return Response(_PAGE.format(title="Just a moment..."), 200, mimetype="text/html")
        if kind == "truncated":
            real = endpoint()
            data = real.get_data()
            return Response(data[: len(data) // 2], real.status_code, mimetype="application/json")
        status = int(kind[4:])
        headers = {"Retry-After": "1"} if status in (503, 509) else {}
        return Response(_PAGE.format(title=f"{status} Error"), status, headers=headers, mimetype="text/html")

    def summary(self) -> dict[str, int]:
        with self._lock:
            return dict(self.injected)


def _reset(request: Request) -> None:
    """Reset the connection (an RST, no answer). werkzeug takes the ConnectionError for a
    dropped connection; with the reading side shut it finds no next request and closes the
    socket, which SO_LINGER 0 turns into a reset."""
    connection = request.environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RD)
    raise ConnectionResetError("fault injected: connection reset")
