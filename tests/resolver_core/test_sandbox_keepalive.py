"""The sandbox keeps connections open (as real providers do), and only when that is safe:
a cut download still ends its connection, an unread body does not become the next
request, idle connections time out, and stopping the sandbox closes them at once."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator

import pytest
from werkzeug.wrappers import Request, Response

from linkresolver.plugins.premiumize.sandbox import API_PATH, LOGIN, PIN
from resolver_core.http import get_json, make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.sandbox import Sandbox, build_sandbox, keepalive
from resolver_core.sandbox.keepalive import KeepAliveServer


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as running:
        running.route("/echo", lambda request: Response("ok", mimetype="text/plain"), name="echo")
        yield running


_OPEN: list[http.client.HTTPConnection] = []


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def connect(sandbox: Sandbox) -> http.client.HTTPConnection:
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    _OPEN.append(connection)
    return connection


def closed_by_server(sock: socket.socket, within: float = 5.0) -> bool:
    """Whether the server ends the connection (the socket reads its end) in time."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_one_connection_serves_many_requests(sandbox: Sandbox) -> None:
    connection = connect(sandbox)
    connection.request("GET", "/echo")
    first = connection.getresponse()
    assert first.read() == b"ok"
    assert first.getheader("Connection") is None
    sock = connection.sock
    for _ in range(5):
        connection.request("GET", "/echo")
        assert connection.getresponse().read() == b"ok"
        assert connection.sock is sock  # not reconnected


def test_a_client_reuses_its_connections(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    accepted: list[object] = []
    original = KeepAliveServer.process_request

    def counting(self: KeepAliveServer, request: socket.socket, address: object) -> None:
        accepted.append(address)
        original(self, request, address)

    monkeypatch.setattr(KeepAliveServer, "process_request", counting)
    session = make_session(retries=0)
    account = {"method": "accountstatus", "params[login]": LOGIN, "params[pass]": PIN}
    for _ in range(20):
        assert get_json(session, sandbox.url + API_PATH, params=account, provider="premiumize")
    assert len(accepted) == 1


def test_a_cut_download_still_ends_its_connection(sandbox: Sandbox) -> None:
    served = sandbox.add_file("cut1.bin", 400_000)
    connection = connect(sandbox)
    connection.request("GET", served.path)
    sock = connection.sock
    answer = connection.getresponse()
    assert sock is not None
    assert answer.getheader("Content-Length") == "400000"
    assert answer.getheader("Connection") is None  # it was to stay open...
    with pytest.raises(http.client.IncompleteRead):
        answer.read()
    assert closed_by_server(sock)  # ...but the answer was cut, and so is the connection
    again = connect(sandbox)
    again.request("GET", served.path)  # only the first connection is cut
    assert len(again.getresponse().read()) == 400_000


def test_an_unread_request_body_is_not_taken_for_the_next_request(sandbox: Sandbox) -> None:
    connection = connect(sandbox)
    connection.request("POST", "/echo", body=b"GET /nothing HTTP/1.1\r\n\r\n" * 100)
    assert connection.getresponse().read() == b"ok"
    sock = connection.sock
    connection.request("GET", "/echo")
    assert connection.getresponse().read() == b"ok"
    assert connection.sock is sock


def test_a_large_unread_body_closes_the_connection_after_the_answer(sandbox: Sandbox) -> None:
    sandbox.route("/refuse", lambda request: Response("no", status=413), name="refuse", api=False)
    connection = connect(sandbox)
    connection.request("POST", "/refuse", body=b"x" * (3 << 20))
    answer = connection.getresponse()
    assert answer.status == 413
    assert answer.getheader("Connection") == "close"


def test_http_1_0_requests_are_answered_and_closed(sandbox: Sandbox) -> None:
    host, port = sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.endswith(b"\r\n\r\nok")
    assert b"Connection: close" in received


def test_an_answer_without_a_length_is_chunked_on_a_kept_connection(sandbox: Sandbox) -> None:
    sandbox.route("/stream", lambda request: Response(iter([b"a", b"bc"])), name="stream", api=False)
    connection = connect(sandbox)
    connection.request("GET", "/stream")
    answer = connection.getresponse()
    assert answer.getheader("Transfer-Encoding") == "chunked"
    assert answer.read() == b"abc"
    connection.request("GET", "/echo")
    assert connection.getresponse().read() == b"ok"


def test_an_endpoint_that_fails_answers_500_and_closes(sandbox: Sandbox) -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("a bug in an emulation")

    sandbox.route("/broken", broken, name="broken", api=False)
    connection = connect(sandbox)
    connection.request("GET", "/broken")
    answer = connection.getresponse()
    assert answer.status == 500
    answer.read()
    assert answer.getheader("Connection") == "close"


def test_idle_connections_time_out(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keepalive, "IDLE_TIMEOUT", 0.3)
    connection = connect(sandbox)
    connection.request("GET", "/echo")
    assert connection.getresponse().read() == b"ok"
    assert connection.sock is not None
    begin = time.monotonic()
    assert closed_by_server(connection.sock)
    assert time.monotonic() - begin < 2


def test_stopping_the_sandbox_closes_idle_connections_at_once() -> None:
    sandbox = build_sandbox(make_plugin_manager(load_entry_points=False)).start()
    sandbox.route("/echo", lambda request: Response("ok"), name="echo")
    connection = connect(sandbox)
    connection.request("GET", "/echo")
    assert connection.getresponse().read() == b"ok"
    begin = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - begin < 1
    assert connection.sock is not None
    assert closed_by_server(connection.sock, within=1.0)
