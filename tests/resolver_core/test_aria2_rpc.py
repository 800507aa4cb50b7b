"""aria2's RPC: a secret never crosses the internet in clear text, and a missing aria2 is
said in one short, whole sentence (requests' own text is a paragraph, and was cut mid-word)."""

from __future__ import annotations

import socket

import pytest
import requests
import responses

from resolver_core.errors import ConfigError
from resolver_core.handoff.aria2 import Aria2Error, Aria2Rpc, check_rpc_url

SECRET = "aria2-unit-secret-4711"
ADVICE = "start it with `aria2c --enable-rpc` or give --aria2-rpc URL"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6800/jsonrpc",
        "http://localhost:6800/jsonrpc",
        "http://[::1]:6800/jsonrpc",
        "http://192.168.1.20:6800/jsonrpc",  # the NAS at home
        "http://10.0.0.5:6800/jsonrpc",
        "http://[fd00::5]:6800/jsonrpc",
        "https://aria2.example.com/jsonrpc",  # encrypted: fine anywhere
    ],
)
def test_the_secret_may_go_to_local_addresses_or_over_https(url: str) -> None:
    check_rpc_url(url, SECRET)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com:6800/jsonrpc",
        "http://8.8.8.8:6800/jsonrpc",
        "HTTP://93.184.216.34:6800/jsonrpc",
        "http://[2606:4700:4700::1111]:6800/jsonrpc",
    ],
)
def test_the_secret_is_not_sent_over_plain_http_to_a_public_host(url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_rpc_url(url, SECRET)
    said = str(raised.value)
    assert "refusing to send the RPC secret over plain http" in said and "use https" in said
    assert SECRET not in said


def test_without_a_secret_plain_http_to_a_public_host_is_allowed() -> None:
    check_rpc_url("http://example.com:6800/jsonrpc", None)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/jsonrpc", "127.0.0.1:6800", "http://"])
def test_an_rpc_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="is not an http"):
        check_rpc_url(url, None)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_aria2_not_running_is_one_whole_sentence() -> None:
    url = f"http://127.0.0.1:{closed_port()}/jsonrpc"
    with pytest.raises(Aria2Error) as raised:
        Aria2Rpc(requests.Session(), url, SECRET).add("http://files.test/a.bin", {})
    assert str(raised.value) == f"aria2 does not answer at {url} (connection refused); {ADVICE}"


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (requests.exceptions.ConnectTimeout("HTTPConnectionPool(host='127.0.0.1', port=68"), "no connection"),
        (requests.exceptions.ReadTimeout("read timed out"), "no answer within the timeout"),
        (requests.exceptions.SSLError("certificate verify failed: " + "x" * 300), "the TLS handshake failed"),
        (
            requests.exceptions.ConnectionError("HTTPConnectionPool(host=" + "y" * 300),
            "the connection failed",
        ),
    ],
)
def test_each_failure_is_said_in_a_few_words(failure: Exception, reason: str) -> None:
    url = "http://127.0.0.1:6800/jsonrpc"
    with responses.RequestsMock() as api:
        api.add(responses.POST, url, body=failure)
        with pytest.raises(Aria2Error) as raised:
            Aria2Rpc(requests.Session(), url, SECRET).add("http://files.test/a.bin", {})
    said = str(raised.value)
    assert said.startswith(f"aria2 does not answer at {url} ({reason}") and said.endswith(ADVICE)
    assert "HTTPConnectionPool" not in said and SECRET not in said and len(said) < 160


def test_aria2_refusal_words_reach_the_terminal_without_escapes() -> None:
    url = "http://127.0.0.1:6800/jsonrpc"
    with responses.RequestsMock() as api:
        api.add(responses.POST, url, json={"error": {"code": 1, "message": "bad\x1b[2J option"}})
        with pytest.raises(Aria2Error) as raised:
            Aria2Rpc(requests.Session(), url).add("http://files.test/a.bin", {})
    assert str(raised.value) == "aria2 refused aria2.addUri: bad[2J option"
