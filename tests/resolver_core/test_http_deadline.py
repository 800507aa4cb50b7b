"""Every API call ends by its deadline, however slowly a provider drips its answer.

requests' timeout bounds each socket read: a server sending a byte every half second is never
"timed out" by it. These tests run such servers on loopback and ask the real client.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import responses

from resolver_core import cooldowns, deadline, errors
from resolver_core.http import get_json, get_text, make_session, post_json
from resolver_core.models import CaptchaChallenge
from resolver_core.provider import fetch_captcha_image

from .dripping import (
    ANSWER,
    DRIP_SECONDS,
    JSON_HEAD,
    Answer,
    LoopbackServer,
    drip_headers,
    drip_without_length,
    gzip_drip,
    headers_then_drip,
    read_request,
    serving,
)

TIMEOUT = 2.0
#: The bound the tests assert: the deadline, with room for a slow machine.
LATEST = 2 * TIMEOUT + 2


def _late(call: Callable[[], object]) -> tuple[errors.ResolverError, float]:
    started = time.monotonic()
    with pytest.raises(errors.ResolverError) as caught:
        call()
    return caught.value, time.monotonic() - started


def _assert_no_answer_in_time(error: errors.ResolverError, elapsed: float) -> None:
    assert elapsed < LATEST, f"the call took {elapsed:.1f} s with a {TIMEOUT:g} s timeout"
    assert isinstance(error, errors.ProviderOutage)
    assert cooldowns.is_silent(error), "a deadline is no answer: the pipeline asks again"
    assert error.provider == "dripper"
    assert "did not answer in time" in str(error)
    assert error.__cause__ is None and error.__suppress_context__


@pytest.mark.parametrize(
    "talk", [headers_then_drip, drip_headers, drip_without_length, gzip_drip], ids=lambda t: t.__name__
)
def test_a_dripping_answer_ends_by_the_deadline(talk: Answer) -> None:
    with serving(talk) as server:
        session = make_session(timeout=TIMEOUT)
        error, elapsed = _late(lambda: get_json(session, server.url, provider="dripper"))
    _assert_no_answer_in_time(error, elapsed)
    assert elapsed >= TIMEOUT - 0.1  # the whole time was given
    assert server.connections == 1, "no retry starts once the deadline has passed"


def test_a_post_and_a_text_answer_have_the_deadline_too() -> None:
    with serving(headers_then_drip) as server:
        session = make_session(timeout=TIMEOUT)
        error, elapsed = _late(lambda: post_json(session, server.url, data={"a": "b"}, provider="dripper"))
        _assert_no_answer_in_time(error, elapsed)
        error, elapsed = _late(lambda: get_text(session, server.url, provider="dripper"))
        _assert_no_answer_in_time(error, elapsed)


def test_a_prompt_answer_is_untouched_and_its_connection_reused() -> None:
    def prompt(server: LoopbackServer, client: socket.socket) -> None:
        while True:
            client.sendall(JSON_HEAD % len(ANSWER) + ANSWER)
            read_request(client)

    with serving(prompt) as server:
        session = make_session(timeout=1.0)
        for _ in range(3):
            assert get_json(session, server.url, provider="dripper")["status"] == "success"
        time.sleep(1.2)  # past the calls' deadlines: the watchdog must leave the pooled socket alone
        assert get_json(session, server.url, provider="dripper")["status"] == "success"
    assert server.connections == 1


def test_a_retry_is_made_while_there_is_time() -> None:
    """A connection reset before the deadline is retried as before (GET)."""

    def reset_once(server: LoopbackServer, client: socket.socket) -> None:
        if server.connections == 1:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            return
        client.sendall(JSON_HEAD % len(ANSWER) + ANSWER)

    with serving(reset_once) as server:
        session = make_session(timeout=TIMEOUT)
        assert get_json(session, server.url, provider="dripper")["status"] == "success"
    assert server.connections == 2


def test_connecting_after_the_deadline_is_refused() -> None:
    """A connection that would start after the deadline (a retry, say) is not made."""
    with deadline.api_call(0.0) as call:
        time.sleep(0.05)
        assert call.expired or _wait_until(lambda: call.expired)
        session = make_session(timeout=TIMEOUT)
        with pytest.raises(requests.ConnectTimeout):
            session.get("http://127.0.0.1:9/never")


def _wait_until(condition: Callable[[], bool]) -> bool:
    stop = time.monotonic() + 2
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_the_deadline_spares_a_connection_another_call_took_over() -> None:
    class Connection:
        sock: socket.socket | None = None
        deadline: deadline.Deadline | None = None

    first, second = deadline.Deadline(60), deadline.Deadline(60)
    left, right = socket.socketpair()
    with left, right:
        shared = Connection()
        shared.sock = left
        first.watch(shared)
        second.watch(shared)  # back from the pool, now the second call's
        first.expire()
        right.sendall(b"x")
        assert left.recv(1) == b"x", "the second call's socket still works"
        second.expire()
        assert left.recv(1) == b"", "shut down when its own call's time is up"
    never_connected = Connection()
    second.expire()  # twice is harmless
    with pytest.raises(Exception, match="no whole answer within 60 s"):
        second.watch(never_connected)


def test_a_finished_call_is_not_cut_off() -> None:
    call = deadline.Deadline(60)
    left, right = socket.socketpair()
    with left, right:

        class Connection:
            sock = left
            deadline: deadline.Deadline | None = None

        call.watch(Connection())
        call.finish()
        call.expire()
        assert not call.expired
        right.sendall(b"x")
        assert left.recv(1) == b"x"
    assert call.remaining() > 50


def test_deadlines_expire_in_order_whatever_order_they_began() -> None:
    with deadline.api_call(5) as late, deadline.api_call(0.2) as early:
        assert deadline.current() is early
        assert _wait_until(lambda: early.expired)
        assert not late.expired
    assert deadline.current() is None


@responses.activate
def test_sessions_outside_a_call_and_mocked_answers_are_untouched() -> None:
    responses.get("https://api.example/x", json={"ok": 1})
    session = make_session()
    assert session.get("https://api.example/x").json() == {"ok": 1}
    assert get_json(session, "https://api.example/x", provider="dripper") == {"ok": 1}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("talk", [headers_then_drip, drip_headers], ids=lambda t: t.__name__)
def test_a_dripping_tls_answer_ends_by_the_deadline(talk: Answer, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with serving(talk, tls) as server:
        session = make_session(timeout=TIMEOUT)
        session.verify = str(cert)
        error, elapsed = _late(lambda: get_json(session, server.url, provider="dripper"))
    _assert_no_answer_in_time(error, elapsed)
    assert server.connections == 1


def test_connections_outside_a_call_keep_plain_timeouts() -> None:
    """A download's connection (no API call around it) is not watched; a call's own shorter
    timeout is kept."""

    def prompt(server: LoopbackServer, client: socket.socket) -> None:
        client.sendall(JSON_HEAD % len(ANSWER) + ANSWER)

    with serving(prompt) as server:
        session = make_session(timeout=TIMEOUT)
        assert session.get(server.url).json()["status"] == "success"
        with deadline.api_call(60):
            assert session.get(server.url, timeout=5).json()["status"] == "success"
    assert server.connections == 2


def test_a_call_through_a_proxy_has_the_deadline_too() -> None:
    """The loopback server plays an HTTP proxy that drips the answer."""
    with serving(headers_then_drip) as server:
        session = make_session(timeout=TIMEOUT)
        session.proxies = {"http": f"http://127.0.0.1:{server.port}"}
        error, elapsed = _late(lambda: get_json(session, "http://api.example/x", provider="dripper"))
    _assert_no_answer_in_time(error, elapsed)


def test_socks_proxies_keep_their_own_connections() -> None:
    adapter = make_session().get_adapter("http://x")
    assert isinstance(adapter, deadline.DeadlineAdapter)
    pools = adapter.proxy_manager_for("socks5://127.0.0.1:1080").pool_classes_by_scheme
    assert "socks" in pools["http"].__name__.lower()  # urllib3's, or yt-dlp's when it is loaded
    assert "socks" in pools["https"].__name__.lower()


def test_no_pause_before_a_retry_outlasts_the_deadline() -> None:
    retry = deadline.DeadlineRetry(total=5, backoff_factor=10)
    for _ in range(3):
        retry = retry.increment("GET", "/x", error=requests.exceptions.ConnectionError())
    assert retry.get_backoff_time() == 40  # outside a call: urllib3's own
    with deadline.api_call(1):
        assert 0 < retry.get_backoff_time() <= 1


def _drip_an_image(server: LoopbackServer, client: socket.socket) -> None:
    read_request(client)
    client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(100):
        client.sendall(b"x")
        time.sleep(DRIP_SECONDS)


def test_a_dripping_captcha_image_ends_by_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    """The image of a captcha is fetched under the same whole-call deadline: without it, a
    server sending a byte every half second kept the link waiting as long as it dripped."""
    challenge = CaptchaChallenge(provider="dripper", link="https://host.example/f/1", image_url="")
    with serving(_drip_an_image) as server:
        session = make_session(timeout=TIMEOUT)
        started = time.monotonic()
        fetched = fetch_captcha_image(session, replace(challenge, image_url=server.url))
        elapsed = time.monotonic() - started
    assert elapsed < LATEST, f"the image took {elapsed:.1f} s with a {TIMEOUT:g} s timeout"
    assert fetched.image is None  # a cut-off image is no image
    assert "no whole image within 2 s" in caplog.text
