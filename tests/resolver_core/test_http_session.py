"""The API session's short cut past requests' merging sends exactly what requests would, and
requests' own code still runs whenever there is something to merge (cookies, headers, auth,
session params, proxies)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
import responses.matchers

from resolver_core.http import USER_AGENT, get_json, make_session, post_json

API = "https://api.example/v1"


def merges_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time requests merges a session's settings the slow way (two cookie-jar copies)."""
    seen: list[str] = []
    real: Any = requests.sessions.merge_cookies

    def merge_cookies(jar: object, cookies: object) -> object:
        seen.append("cookies")
        return real(jar, cookies)

    monkeypatch.setattr(requests.sessions, "merge_cookies", merge_cookies)
    return seen


@responses.activate
def test_a_plain_call_sends_what_requests_would(monkeypatch: pytest.MonkeyPatch) -> None:
    merged = merges_counted(monkeypatch)
    ours, theirs = make_session(), requests.Session()
    theirs.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
    params = {
        "method": "directdl",
        "params[pass]": "s3cret pin",
        "params[link]": "https://h.example/f?a=1&b=2",
    }
    responses.get(API, json={"status": 200})
    get_json(ours, API, params=params, provider="p")
    assert merged == []  # the short cut was taken
    theirs.get(API, params=params)
    sent, expected = responses.calls[0].request, responses.calls[1].request
    assert sent.url == expected.url
    assert dict(parse_qsl(urlsplit(sent.url or "").query)) == params
    assert dict(sent.headers) == dict(expected.headers)
    assert sent.headers["User-Agent"] == USER_AGENT


@responses.activate
def test_a_form_post_and_the_session_hooks_go_through() -> None:
    session = make_session()
    seen: list[str] = []
    session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(response.url))
    responses.post(
        API, json={"status": 200}, match=[responses.matchers.urlencoded_params_matcher({"a": "1"})]
    )
    assert post_json(session, API, data={"a": "1"}, provider="p") == {"status": 200}
    assert seen == [API]


@responses.activate
def test_cookies_take_requests_own_way(monkeypatch: pytest.MonkeyPatch) -> None:
    merged = merges_counted(monkeypatch)
    session = make_session()
    session.cookies.set("connect.sid", "login-cookie", domain="api.example")
    responses.get(API, json={"status": 200})
    get_json(session, API, provider="p", cookies={"extra": "1"})
    assert merged  # requests' own merging ran
    cookie = responses.calls[0].request.headers["Cookie"]
    assert "connect.sid=login-cookie" in cookie and "extra=1" in cookie


@responses.activate
def test_session_params_and_headers_are_still_merged() -> None:
    session = make_session()
    session.params = {"key": "from-session"}
    responses.get(API, json={"status": 200})
    get_json(session, API, params={"method": "x"}, provider="p")
    assert dict(parse_qsl(urlsplit(responses.calls[0].request.url or "").query)) == {
        "key": "from-session",
        "method": "x",
    }


@responses.activate
def test_a_calls_own_headers_go_with_it_alone_and_with_the_sessions() -> None:
    """A key as ``Authorization: Bearer`` (never in the URL) goes with its call, not with
    the session's next one, and the session's own headers still go along."""
    session = make_session()
    responses.get(API, json={"status": 200})
    responses.post(API, json={"status": 200})
    get_json(session, API, provider="p", headers={"Authorization": "Bearer k-1"})
    post_json(session, API, data={"a": "1"}, provider="p", headers={"Authorization": "Bearer k-2"})
    get_json(session, API, provider="p")
    sent = [call.request.headers for call in responses.calls]
    assert [h.get("Authorization") for h in sent] == ["Bearer k-1", "Bearer k-2", None]
    assert all(h["User-Agent"] == USER_AGENT for h in sent)
    assert all("k-" not in (call.request.url or "") for call in responses.calls)


def test_a_proxy_in_the_environment_keeps_requests_in_charge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = make_session()
    assert session.trust_env
    settings = session.merge_environment_settings(API, {}, None, None, None)
    assert settings["proxies"].get("https") == "http://proxy.example:3128"


def test_the_ca_path_is_not_looked_at_for_plain_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read here", encoding="utf-8")
    adapter = make_session().get_adapter("https://x")
    looked: list[str] = []
    real = os.path.isdir

    def isdir(path: object) -> bool:
        looked.append(str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os.path, "isdir", isdir)
    plain = requests.Request("GET", "http://127.0.0.1:8080/api").prepare()
    _, kwargs = adapter.build_connection_pool_key_attributes(plain, str(bundle))  # type: ignore[attr-defined]
    assert looked == [] and "ca_certs" not in kwargs
    secure = requests.Request("GET", "https://api.example/").prepare()
    _, kwargs = adapter.build_connection_pool_key_attributes(secure, str(bundle))  # type: ignore[attr-defined]
    assert kwargs["ca_certs"] == str(bundle) and kwargs["cert_reqs"] == "CERT_REQUIRED"
