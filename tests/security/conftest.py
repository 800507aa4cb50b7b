"""A web server on 127.0.0.1 that answers whatever a test tells it to (gigabytes, bombs,
hostile names), and remembers every request it got, as it got it."""

from __future__ import annotations

import functools
import http.server
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

MIB = 1 << 20
GIB = 1 << 30


@dataclass(frozen=True)
class Route:
    body: Callable[[str], Iterable[bytes]]  # from the request's path and query
    headers: dict[str, str]
    status: int


@dataclass(frozen=True)
class Seen:
    """A request as it arrived: its request line (the bytes, without CRLF) and headers."""

    request_line: bytes
    headers: list[tuple[str, str]]


@dataclass
class HostileServer:
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    httpd: http.server.ThreadingHTTPServer | None = None

    def serve(
        self,
        path: str,
        body: bytes | Callable[[], Iterable[bytes]],
        *,
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> str:
        """Answer GET ``path`` with ``body`` (bytes, with their length; or a generator
        factory, streamed until the client hangs up); the URL to ask."""
        headers = dict(headers or {})
        if isinstance(body, bytes):
            data = body
            headers.setdefault("Content-Length", str(len(data)))
            self.routes[path] = Route(lambda _: [data], headers, status)
        else:
            factory = body
            self.routes[path] = Route(lambda _: factory(), headers, status)
        return self.url(path)

    def answer(
        self, path: str, answer: Callable[[str], bytes], *, headers: dict[str, str] | None = None
    ) -> str:
        """Answer GET ``path`` with what ``answer`` makes of the request's path and query."""
        self.routes[path] = Route(lambda request: [answer(request)], dict(headers or {}), 200)
        return self.url(path)

    def url(self, path: str) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


def _handler(server: HostileServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body ends when the connection does

        def do_GET(self) -> None:
            server.seen.append(Seen(self.requestline.encode("iso-8859-1"), list(self.headers.items())))
            route = server.routes.get(self.path.split("?", 1)[0])
            if route is None:
                self.send_error(404)
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                for chunk in route.body(self.path):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: that is the point

        def do_POST(self) -> None:  # an upload's answer: the request body read, then as GET
            length = self.headers.get("Content-Length")
            if length is not None:
                self.rfile.read(int(length))
            elif self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                while (size := int(self.rfile.readline().split(b";")[0], 16)) > 0:
                    self.rfile.read(size + 2)
                self.rfile.readline()
            self.do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.httpd = httpd
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="hostile-server", daemon=True
    )
    thread.start()
    yield server
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


# -- bombs: small on the wire, huge once inflated ---------------------------------------------


@functools.cache
def gzip_member() -> bytes:
    """One gzip member of 1 MiB of zeros: about a kilobyte."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(bytes(MIB)) + packer.flush()


def gzip_members(mib: int) -> Callable[[], Iterator[bytes]]:
    """A multi-member gzip body of ``mib`` MiB of zeros (each member exactly 1 MiB)."""

    def body() -> Iterator[bytes]:
        member = gzip_member()
        for _ in range(mib):
            yield member

    return body


def deflate_stream(mib: int, *, wbits: int, prefix: bytes = b"") -> Callable[[], Iterator[bytes]]:
    """One compressed stream (gzip: 31, zlib: 15, raw deflate: -15) of ``prefix`` and
    ``mib`` MiB of zeros, compressed as it is sent."""

    def body() -> Iterator[bytes]:
        packer = zlib.compressobj(1, zlib.DEFLATED, wbits)
        block = bytes(MIB)
        yield packer.compress(prefix)
        for _ in range(mib):
            out = packer.compress(block)
            if out:
                yield out
        yield packer.flush()

    return body


@functools.cache
def gzip_twice() -> bytes:
    """``Content-Encoding: gzip, gzip``: a kilobyte that is a megabyte that is a gibibyte."""
    inner = gzip_member() * 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(inner) + packer.flush()


def peak_mib(action: Callable[[], Any]) -> tuple[float, Any]:
    """The most memory Python held while ``action`` ran (MiB), and what it raised or returned."""
    tracemalloc.start()
    try:
        try:
            result: Any = action()
        except Exception as exc:  # noqa: BLE001 (the caller asserts on it)
            result = exc
        return tracemalloc.get_traced_memory()[1] / MIB, result
    finally:
        tracemalloc.stop()
