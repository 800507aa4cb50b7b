"""The sandbox's HTTP server: werkzeug's threaded server, with connections kept open.

werkzeug's development server answers one request per connection (``Connection: close``
on every answer), then waits 10 ms for stray request bytes. A client making thousands of
API calls (the benchmarks, the soak) then pays a TCP handshake and a new server thread for
each call, on the same cores as the client being measured. Real providers keep connections
open; so does this server, whenever it is safe:

- the request is HTTP/1.1 and does not ask for the connection to close;
- the client can tell where the answer ends (``Content-Length``, or chunked) and all of it
  was sent: a download that is cut part-way (``cut3`` files, the soak's faults) still
  closes its connection, so the client sees a short body;
- the request's body was read to its end (a small unread rest is read and dropped here);
- nothing failed: a dropped connection, an exception or an injected reset closes it.

A connection waits :data:`IDLE_TIMEOUT` seconds for its next request, then closes (each
holds a thread). When the sandbox stops, :meth:`KeepAliveServer.close_idle` closes the idle
ones at once, and busy ones close after their current answer.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
import traceback
from collections.abc import Iterable
from typing import Any, Final

from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler, connection_dropped_errors
from werkzeug.wsgi import LimitedStream

#: Seconds a kept-open connection waits for its next request.
IDLE_TIMEOUT: Final = 5.0
#: An unread request body up to this size is read and dropped to keep the connection.
_DRAIN_LIMIT: Final = 1 << 20
#: Answers at most this large go out in one write with their headers.
_SMALL: Final = 64 * 1024


class KeepAliveServer(ThreadedWSGIServer):
    """werkzeug's threaded server, knowing which connections wait for a request: those
    idle too long are closed (by the accepting thread, between its polls), and stopping
    the server closes all of them at once."""

    def __init__(self, host: str, port: int, app: Any, handler: type[KeepAliveRequestHandler]) -> None:
        super().__init__(host, port, app, handler)
        self._idle_lock = threading.Lock()
        self._idle: dict[socket.socket, float] = {}  # connection -> when it began to wait
        #: Set by :meth:`close_idle`: no connection waits for another request.
        self.stopping = False

    def waiting(self, connection: socket.socket) -> bool:
        """Mark ``connection`` idle; False if the server is stopping (close it instead)."""
        with self._idle_lock:
            if self.stopping:
                return False
            self._idle[connection] = time.monotonic()
            return True

    def busy(self, connection: socket.socket) -> None:
        with self._idle_lock:
            self._idle.pop(connection, None)

    def service_actions(self) -> None:
        # A timeout on each socket would do too, but switching it off for the answer (a
        # slow download has none) and on again costs two system calls a request.
        expired = time.monotonic() - IDLE_TIMEOUT
        with self._idle_lock:
            stale = [connection for connection, since in self._idle.items() if since < expired]
            for connection in stale:
                del self._idle[connection]
        _close(stale)

    def close_idle(self) -> None:
        """Close the connections waiting for a request; the busy ones close when done."""
        with self._idle_lock:
            self.stopping = True
            idle, self._idle = list(self._idle), {}
        _close(idle)


def _close(connections: list[socket.socket]) -> None:
    """Shut connections down: the thread waiting on each for a request sees their end."""
    for connection in connections:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)


class KeepAliveRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, answering on kept-open HTTP/1.1 connections."""

    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without this, a kept-open connection waits
    # for the client's delayed ACK (40 ms) before the body goes out.
    disable_nagle_algorithm = True
    server: KeepAliveServer
    _headers_buffer: list[bytes]

    def handle_one_request(self) -> None:
        if not self.server.waiting(self.connection):
            self.close_connection = True
            return
        try:
            super().handle_one_request()
        finally:
            self.server.busy(self.connection)

    def parse_request(self) -> bool:
        self.server.busy(self.connection)  # the request line is in
        return super().parse_request()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body = _request_body(environ)
        if self.request_version != "HTTP/1.1":
            self.close_connection = True
        answer = _Answer(self, environ, body)
        try:
            answer.send(self.server.app)
        except connection_dropped_errors as error:
            self.close_connection = True
            self.connection_dropped(error, environ)
            return
        except Exception as error:
            self.close_connection = True
            if self.server.passthrough_errors:
                raise
            if answer.status_sent is None:
                self._headers_buffer = []
                with contextlib.suppress(Exception):
                    _Answer(self, environ, body).send(InternalServerError())
            self.server.log("error", f"Error on request:\n{''.join(traceback.format_exception(error))}")
            _discard_pending(self)
            return
        if not answer.complete:
            self.close_connection = True
        if not self.close_connection and body is not None:
            try:
                body.exhaust()  # a small rest the application left: the next request follows it
            except (HTTPException, OSError):
                self.close_connection = True
        if self.close_connection:
            _discard_pending(self)


def _request_body(environ: dict[str, Any]) -> LimitedStream | None:
    """The request's body as a stream that counts what the application read, or None for
    a chunked body (whose end only the application's reading finds)."""
    if environ.get("wsgi.input_terminated"):
        return None
    try:
        length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        length = 0
    body = LimitedStream(environ["wsgi.input"], length)
    environ["wsgi.input"] = body
    return body


class _Answer:
    """One answer: the WSGI ``start_response``/``write`` pair, knowing whether the answer
    went out whole and whether the connection may stay open after it."""

    def __init__(
        self, handler: KeepAliveRequestHandler, environ: dict[str, Any], body: LimitedStream | None
    ) -> None:
        self.handler = handler
        self.environ = environ
        self.body = body
        self.status_set: str | None = None
        self.headers_set: list[tuple[str, str]] = []
        self.status_sent: str | None = None
        self.length: int | None = None  # the Content-Length sent
        self.sent = 0  # body bytes sent
        self.chunked = False
        self.bodiless = False  # HEAD, 1xx, 204, 304
        self.ended = False  # the last chunk sent

    @property
    def complete(self) -> bool:
        """Whether the client has the whole answer and can tell that it ended."""
        if self.bodiless:
            return True
        if self.chunked:
            return self.ended
        return self.length is not None and self.sent == self.length

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info:
            try:
                if self.status_sent is not None:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status_set is not None:
            raise AssertionError("Headers already set")
        self.status_set, self.headers_set = status, headers
        return self.write

    def write(self, data: bytes) -> None:
        assert self.status_set is not None, "write() before start_response"
        assert isinstance(data, bytes), "applications must write bytes"
        handler = self.handler
        first = self.status_sent is None
        if first:
            self._send_headers(self.status_set)
        payload = b"%x\r\n%s\r\n" % (len(data), data) if self.chunked and data else data
        self.sent += len(data)
        if first and len(payload) <= _SMALL:  # the headers and a small answer in one write
            handler._headers_buffer.append(payload)
            handler.flush_headers()
            return
        if first:
            handler.flush_headers()
        if payload:
            handler.wfile.write(payload)

    def _send_headers(self, status: str) -> None:
        handler = self.handler
        self.status_sent = status
        code_text, _, message = status.partition(" ")
        code = int(code_text)
        handler.send_response(code, message)
        for key, value in self.headers_set:
            handler.send_header(key, value)
            if key.lower() == "content-length":
                with contextlib.suppress(ValueError):
                    self.length = int(value)
        self.bodiless = self.environ["REQUEST_METHOD"] == "HEAD" or 100 <= code < 200 or code in (204, 304)
        if self.length is None and not self.bodiless and handler.request_version == "HTTP/1.1":
            self.chunked = True
            handler.send_header("Transfer-Encoding", "chunked")
        unread = 0 if self.body is None else self.body.limit - self.body.tell()
        if (
            handler.close_connection
            or handler.server.stopping
            or self.body is None
            or unread > _DRAIN_LIMIT
            or not (self.bodiless or self.chunked or self.length is not None)
        ):
            handler.send_header("Connection", "close")  # which sets close_connection
        handler._headers_buffer.append(b"\r\n")

    def send(self, app: Any) -> None:
        chunks: Iterable[bytes] = app(self.environ, self.start_response)
        try:
            for data in chunks:
                self.write(data)
            if self.status_sent is None:
                self.write(b"")
            if self.chunked:
                self.handler.wfile.write(b"0\r\n\r\n")
                self.ended = True
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


def _discard_pending(handler: WSGIRequestHandler) -> None:
    """Before a connection closes, read what the client still sends (a large upload that
    was refused), so that it sees the answer rather than a reset: as werkzeug does."""
    selector = selectors.DefaultSelector()
    try:
        selector.register(handler.connection, selectors.EVENT_READ)
        total, reads = 0, 0
        while selector.select(timeout=0.01):
            data = handler.rfile.read1(10_000_000)
            total, reads = total + len(data), reads + 1
            if not data or total >= 10_000_000_000 or reads > 1000:
                break
    except (OSError, ValueError):
        pass
    finally:
        selector.close()
