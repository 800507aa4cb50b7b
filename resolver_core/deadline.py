"""One deadline for a whole API call: connecting, the headers, the body, and urllib3's retries.

requests' ``timeout`` bounds each socket operation, not the call: a provider that sends a
byte a second (in its headers or its body) never lets a read time out, and keeps a resolve
waiting forever. Here a call runs inside :func:`api_call`; the connections it uses register
with it (:class:`DeadlineAdapter`'s connections do so on connecting and on each request),
and when the time is up one watchdog thread shuts their sockets down, so whatever read is
blocked returns at once. Connecting is bounded by the time left instead (there is no socket
to shut down before it connects), and no retry starts after the deadline.

Only API calls run under a deadline: downloads stream for minutes and use plain timeouts.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Final

from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError
from urllib3.util.retry import Retry

#: The shortest socket timeout a connection gets (0 would make the socket non-blocking).
_LEAST_SECONDS: Final = 0.001


class Deadline:
    """The end of one API call's time, and the connections to cut off when it comes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds
        self.expired = False
        self._finished = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left, never below zero."""
        return max(0.0, self.expires - time.monotonic())

    def watch(self, connection: Any) -> None:
        """Cut ``connection`` off when the deadline comes (at once if it has come); from now
        on it is this call's, not a call's that used it before from the pool."""
        connection.deadline = self
        with self._lock:
            if self.expired:
                _shut(connection)
                raise ConnectTimeoutError(connection, f"no whole answer within {self.seconds:g} s")
            self._connections.append(connection)

    def expire(self) -> None:
        """The time is up: shut down the sockets of the connections still this call's."""
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for connection in self._connections:
                if connection.deadline is self:
                    _shut(connection)
            self._connections.clear()

    def finish(self) -> None:
        """The call is over: the watchdog leaves its connections alone (they go back to the
        pool and serve other calls)."""
        with self._lock:
            self._finished = True
            self._connections.clear()

    @property
    def finished(self) -> bool:
        return self._finished


def _shut(connection: Any) -> None:
    """Shut down ``connection``'s socket, which wakes a read blocked on it: the one it has, and
    the one its last request went out on (http.client lets go of it when an answer ends with
    the connection, and the answer reads on from it). The plain socket's shutdown, also under
    TLS: ``SSLSocket.shutdown`` would drop its TLS state under a read."""
    for sock in {getattr(connection, "sock", None), getattr(connection, "last_sock", None)}:
        if sock is not None:
            with suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One thread for every deadline: it sleeps until the earliest one still running."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._wakeup:
            heapq.heappush(self._due, (deadline.expires, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="linkresolver-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:  # earlier than the one it sleeps for
                self._wakeup.notify()

    def _run(self) -> None:
        while True:
            self._next_due().expire()

    def _next_due(self) -> Deadline:
        with self._wakeup:
            while True:
                while self._due and self._due[0][2].finished:
                    heapq.heappop(self._due)
                if not self._due:
                    self._wakeup.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._due)[2]
                self._wakeup.wait(wait)


_WATCHDOG: Final = _Watchdog()
_current = threading.local()


def current() -> Deadline | None:
    """The deadline of the API call this thread is making, if it is making one."""
    found: Deadline | None = getattr(_current, "deadline", None)
    return found


@contextmanager
def api_call(seconds: float) -> Iterator[Deadline]:
    """Run one API call in this thread within ``seconds``, all of it (see the module's doc)."""
    deadline = Deadline(seconds)
    outer = current()
    _current.deadline = deadline
    _WATCHDOG.add(deadline)
    try:
        yield deadline
    finally:
        deadline.finish()
        _current.deadline = outer


def _watched(connection: HTTPConnection) -> None:
    """Register ``connection`` with this thread's call, and bound its next socket operations
    by the time the call has left."""
    deadline = current()
    if deadline is None:
        return
    deadline.watch(connection)
    left = max(deadline.remaining(), _LEAST_SECONDS)
    if not isinstance(connection.timeout, (int, float)) or connection.timeout > left:
        connection.timeout = left


class _WatchedHTTPConnection(HTTPConnection):
    """A connection whose connect and request are bounded by the API call in progress; the
    HTTPS one below inherits the same two methods ahead of urllib3's TLS connection."""

    deadline: Deadline | None = None
    last_sock: socket.socket | None = None

    def connect(self) -> None:
        _watched(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)
        self.last_sock = self.sock


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS: Final = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections that keep the deadline of the call using them
    (outside a call, they are requests' own)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: bool | str, cert: str | tuple[str, str] | None = None
    ) -> Any:
        # A CA bundle's path (REQUESTS_CA_BUNDLE) makes requests stat it on every request, to
        # tell a file from a directory. A plain-HTTP URL has no certificate to check: its
        # pool is keyed without one, and the path is left alone. HTTPS is checked as ever.
        if isinstance(verify, str) and (request.url or "")[:7].lower() == "http://":
            verify = True
        return super().build_connection_pool_key_attributes(request, verify, cert)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS brings pools of its own
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


class DeadlineRetry(Retry):
    """urllib3's retries, none once the call's deadline has passed, and no pause before one
    longer than the time the call has left."""

    def is_exhausted(self) -> bool:
        deadline = current()
        return (deadline is not None and deadline.expired) or super().is_exhausted()

    def get_backoff_time(self) -> float:
        pause: float = super().get_backoff_time()
        deadline = current()
        return pause if deadline is None else min(pause, deadline.remaining())
