"""The Offcloud client, its result readers and its session storage against recorded answers
(``responses``): every endpoint of seed 004, the two ways to authenticate, every
``not_available`` reason, the ``{"error": ...}`` answers, and what a network and a server can
get wrong.

Where the document leaves the shape of an answer open, the answers here are the shapes the
project's notes record (``cloud/status`` nested or flat, ``cache`` as ``{"cachedItems": [...]}``).
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from linkresolver.plugins.offcloud.client import (
    CACHE_BATCH,
    DEFAULT_API_BASE,
    SESSION_COOKIE,
    NotAvailable,
    OffcloudClient,
    check_answer,
)
from linkresolver.plugins.offcloud.results import Login, Proxy, RemoteAccount, Request, Status
from linkresolver.plugins.offcloud.session import (
    SESSION_FILE,
    StoredSession,
    authenticated_client,
    load_session,
    login_and_store,
    save_session,
    session_path,
)
from resolver_core import errors
from resolver_core.config import Config, ProviderSettings
from resolver_core.redact import MASK, clear_secrets, redact, register_secrets

API: Final = "https://offcloud.com/api"
#: The document's example API key and account (seed 004).
KEY: Final = "VHK7OoGO57kH1JOO9VlNo8AdRVF0qLD8"
EMAIL: Final = "test@test.com"
USER_ID: Final = "53f89e52822c8bf413000008"
PASSWORD: Final = "test-password-9"
#: A connect.sid as Express sets it: signed, URL-encoded.
SESSION: Final = "s%3AbW9ja2Vk-c2Vzc2lvbg.Zm9yIHRlc3Rz"
SET_COOKIE: Final = f"{SESSION_COOKIE}={SESSION}; Path=/; HttpOnly"
LINK: Final = "http://www.cnn.com"
REQUEST_ID: Final = "5a1d2b3c4d5e6f7a8b9c0d1e"
HASH_A: Final = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
HASH_B: Final = "08ada5a7a6183aae1e09d831df6748d566095a10"

INSTANT_ANSWER: Final = {
    "requestId": REQUEST_ID,
    "fileName": "index.html",
    "url": f"https://offcloud.com/instant/{REQUEST_ID}/index.html",
    "site": "cnn.com",
    "status": "created",
    "originalLink": LINK,
    "createdOn": "2014-08-23T18:20:13.000Z",
}


#: Registered for redaction around each test (tests/plugins/conftest.py).
SECRETS = [KEY]


# -- helpers ----------------------------------------------------------------------------------


def by_key() -> OffcloudClient:
    return OffcloudClient(requests.Session(), API, key=KEY)


def by_session() -> OffcloudClient:
    return OffcloudClient(requests.Session(), API, session_cookie=SESSION)


def url(endpoint: str) -> str:
    return f"{API}/{endpoint}"


def keyed() -> Any:
    """Exactly ``?key=KEY`` in the query."""
    return matchers.query_param_matcher({"key": KEY})


def form(api: responses.RequestsMock, call: int = 0) -> dict[str, list[str]]:
    """The POST variables of a call, repeated ones as lists."""
    body = api.calls[call].request.body
    text = body.decode() if isinstance(body, bytes) else (body or "")
    return parse_qs(text, keep_blank_values=True)


def query(api: responses.RequestsMock, call: int = 0) -> dict[str, list[str]]:
    request_url = api.calls[call].request.url
    assert request_url is not None
    return parse_qs(urlsplit(request_url).query)


def cookie_header(api: responses.RequestsMock, call: int = 0) -> str | None:
    return api.calls[call].request.headers.get("Cookie")


def body_text(api: responses.RequestsMock, call: int = 0) -> str:
    body = api.calls[call].request.body
    return body.decode() if isinstance(body, bytes) else (body or "")


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert KEY not in str(text)


# -- every endpoint, for the authentication tests ------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    invoke: Callable[[OffcloudClient], object]
    #: JSON, or text (cloud/list).
    answer: Any


ENDPOINTS: Final = [
    pytest.param(Endpoint("POST", "instant", lambda c: c.instant(LINK), INSTANT_ANSWER), id="instant"),
    pytest.param(Endpoint("POST", "cloud", lambda c: c.cloud(LINK), INSTANT_ANSWER), id="cloud"),
    pytest.param(
        Endpoint("POST", "remote", lambda c: c.remote(LINK, remote_option_id="7"), INSTANT_ANSWER),
        id="remote",
    ),
    pytest.param(Endpoint("POST", "proxy", lambda c: c.proxies(), []), id="proxy"),
    pytest.param(
        Endpoint("POST", "cloud/status", lambda c: c.cloud_status(REQUEST_ID), {"status": "created"}),
        id="cloud-status",
    ),
    pytest.param(
        Endpoint("POST", "remote/status", lambda c: c.remote_status(REQUEST_ID), {"status": "created"}),
        id="remote-status",
    ),
    pytest.param(Endpoint("POST", "cache", lambda c: c.cache([HASH_A]), {"cachedItems": []}), id="cache"),
    pytest.param(Endpoint("POST", "remote/accounts", lambda c: c.remote_accounts(), []), id="accounts"),
    pytest.param(Endpoint("POST", "key", lambda c: c.api_key(), {"email": EMAIL, "apiKey": KEY}), id="key"),
    pytest.param(Endpoint("GET", "check", lambda c: c.logged_in(), {"loggedIn": 1}), id="check"),
    pytest.param(
        Endpoint("GET", f"cloud/explore/{REQUEST_ID}", lambda c: c.explore(REQUEST_ID), []), id="explore"
    ),
    pytest.param(
        Endpoint(
            "GET", f"cloud/list/{REQUEST_ID}", lambda c: c.list_links(REQUEST_ID), "https://a.example/1\n"
        ),
        id="list",
    ),
    pytest.param(
        Endpoint("GET", f"cloud/retry/{REQUEST_ID}", lambda c: c.cloud_retry(REQUEST_ID), {"success": True}),
        id="cloud-retry",
    ),
    pytest.param(
        Endpoint(
            "GET", f"remote/retry/{REQUEST_ID}", lambda c: c.remote_retry(REQUEST_ID), {"success": True}
        ),
        id="remote-retry",
    ),
]


def register(api: responses.RequestsMock, endpoint: Endpoint, match: list[Any] | None = None) -> None:
    if isinstance(endpoint.answer, str):
        api.add(endpoint.method, url(endpoint.path), body=endpoint.answer, match=match or [])
    else:
        api.add(endpoint.method, url(endpoint.path), json=endpoint.answer, match=match or [])


# -- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_with_a_key_every_call_carries_key_in_the_query_and_no_cookie(
    api: responses.RequestsMock, endpoint: Endpoint
) -> None:
    register(api, endpoint, [keyed()])
    endpoint.invoke(by_key())
    assert len(api.calls) == 1
    assert api.calls[0].request.method == endpoint.method
    assert cookie_header(api) is None
    assert KEY not in body_text(api)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_with_a_session_every_call_carries_the_cookie_and_no_key(
    api: responses.RequestsMock, endpoint: Endpoint
) -> None:
    register(api, endpoint, [matchers.query_param_matcher({})])
    endpoint.invoke(by_session())
    assert cookie_header(api) == f"{SESSION_COOKIE}={SESSION}"
    request_url = api.calls[0].request.url
    assert request_url is not None and "key=" not in request_url


def test_the_key_wins_over_a_session_cookie(api: responses.RequestsMock) -> None:
    api.post(url("instant"), json=INSTANT_ANSWER, match=[keyed()])
    OffcloudClient(requests.Session(), API, key=KEY, session_cookie=SESSION).instant(LINK)
    assert cookie_header(api) is None


def test_the_post_body_carries_the_parameters_never_the_key(api: responses.RequestsMock) -> None:
    api.post(
        url("instant"),
        json=INSTANT_ANSWER,
        match=[keyed(), matchers.urlencoded_params_matcher({"url": LINK, "proxyId": "3"})],
    )
    by_key().instant(LINK, proxy_id="3")
    assert "key" not in form(api)


def test_without_credentials_nothing_is_sent_and_the_client_is_not_authenticated(
    api: responses.RequestsMock,
) -> None:
    client = OffcloudClient(requests.Session(), API)
    assert not client.authenticated
    api.get(url("check"), json={"loggedIn": 0}, match=[matchers.query_param_matcher({})])
    assert client.logged_in() is False
    assert cookie_header(api) is None


def test_the_default_api_base_is_the_documents() -> None:
    assert DEFAULT_API_BASE == "https://offcloud.com/api"
    assert OffcloudClient(requests.Session(), key=KEY).api_base == API


def test_a_trailing_slash_of_the_api_base_is_dropped(api: responses.RequestsMock) -> None:
    api.get(url("check"), json={"loggedIn": 1}, match=[keyed()])
    assert OffcloudClient(requests.Session(), f"{API}/", key=KEY).logged_in()


def test_repr_says_how_but_never_shows_the_key_or_the_cookie() -> None:
    assert "by key" in repr(by_key())
    assert "by session" in repr(by_session())
    assert "no credentials" in repr(OffcloudClient(requests.Session(), API))
    for client in (by_key(), by_session()):
        assert KEY not in repr(client) and SESSION not in repr(client)


# -- login, check, key ------------------------------------------------------------------------


def test_login_posts_username_and_password_and_keeps_the_session_cookie(
    api: responses.RequestsMock,
) -> None:
    api.post(
        url("login"),
        json={"email": EMAIL, "userId": USER_ID},
        headers={"Set-Cookie": SET_COOKIE},
        match=[
            matchers.urlencoded_params_matcher({"username": EMAIL, "password": PASSWORD}),
            matchers.query_param_matcher({}),
        ],
    )
    client = OffcloudClient(requests.Session(), API)
    login = client.login(EMAIL, PASSWORD)
    assert login == Login(email=EMAIL, user_id=USER_ID, session=SESSION)
    assert client.authenticated
    assert "by session" in repr(client)


def test_after_login_calls_carry_the_session_cookie(api: responses.RequestsMock) -> None:
    api.post(url("login"), json={"email": EMAIL, "userId": USER_ID}, headers={"Set-Cookie": SET_COOKIE})
    api.get(url("check"), json={"loggedIn": 1}, match=[matchers.query_param_matcher({})])
    client = OffcloudClient(requests.Session(), API)
    client.login(EMAIL, PASSWORD)
    assert client.logged_in()
    header = cookie_header(api, 1)
    assert header is not None and f"{SESSION_COOKIE}={SESSION}" in header


def test_login_error_answer_is_auth_failed_with_the_message(api: responses.RequestsMock) -> None:
    api.post(url("login"), json={"error": "Please enter a valid email address."})
    with pytest.raises(errors.AuthFailed) as caught:
        OffcloudClient(requests.Session(), API).login("not-an-email", PASSWORD)
    assert '"Please enter a valid email address."' in str(caught.value)
    assert caught.value.provider == "offcloud"
    assert "check the login and key" in caught.value.for_person()


def test_login_accepted_without_a_session_cookie_is_auth_failed(api: responses.RequestsMock) -> None:
    api.post(url("login"), json={"email": EMAIL, "userId": USER_ID})
    client = OffcloudClient(requests.Session(), API)
    with pytest.raises(errors.AuthFailed, match="no session cookie"):
        client.login(EMAIL, PASSWORD)
    assert not client.authenticated


def test_login_refused_with_http_401_is_auth_failed(api: responses.RequestsMock) -> None:
    api.post(url("login"), json={"error": "Wrong password"}, status=401)
    with pytest.raises(errors.AuthFailed, match="Wrong password"):
        OffcloudClient(requests.Session(), API).login(EMAIL, PASSWORD)


def test_login_error_echoing_the_password_is_redacted(api: responses.RequestsMock) -> None:
    register_secrets([PASSWORD])
    api.post(url("login"), json={"error": f"password {PASSWORD} is wrong for {EMAIL}"})
    with pytest.raises(errors.AuthFailed) as caught:
        OffcloudClient(requests.Session(), API).login(EMAIL, PASSWORD)
    assert EMAIL in str(caught.value)
    assert PASSWORD not in str(caught.value) and PASSWORD not in caught.value.for_person()


@pytest.mark.parametrize(
    ("logged_in", "expected"), [(1, True), ("1", True), (0, False), ("0", False), (True, True)]
)
def test_check_says_whether_logged_in(api: responses.RequestsMock, logged_in: Any, expected: bool) -> None:
    api.get(url("check"), json={"loggedIn": logged_in})
    assert by_session().logged_in() is expected
    assert api.calls[0].request.method == "GET"


def test_check_answering_something_else_is_not_logged_in(api: responses.RequestsMock) -> None:
    api.get(url("check"), json=[1])
    assert by_session().logged_in() is False


def test_key_gives_email_and_api_key(api: responses.RequestsMock) -> None:
    api.post(url("key"), json={"email": EMAIL, "apiKey": KEY}, match=[matchers.query_param_matcher({})])
    assert by_session().api_key() == (EMAIL, KEY)
    assert api.calls[0].request.method == "POST"


@pytest.mark.parametrize("answer", [{"email": EMAIL}, {"email": EMAIL, "apiKey": ""}, {"apiKey": None}])
def test_key_without_an_api_key_is_auth_failed(api: responses.RequestsMock, answer: dict[str, Any]) -> None:
    api.post(url("key"), json=answer)
    with pytest.raises(errors.AuthFailed, match="without an API key"):
        by_session().api_key()


# -- instant, cloud, remote ---------------------------------------------------------------------


def test_instant_sends_the_url_and_reads_every_documented_field(api: responses.RequestsMock) -> None:
    api.post(
        url("instant"),
        json=INSTANT_ANSWER,
        match=[keyed(), matchers.urlencoded_params_matcher({"url": LINK})],
    )
    assert by_key().instant(LINK) == Request(
        request_id=REQUEST_ID,
        file_name="index.html",
        url=f"https://offcloud.com/instant/{REQUEST_ID}/index.html",
        site="cnn.com",
        status="created",
        original_link=LINK,
        created_on="2014-08-23T18:20:13.000Z",
    )


def test_instant_sends_the_preferred_proxy(api: responses.RequestsMock) -> None:
    api.post(
        url("instant"),
        json=INSTANT_ANSWER,
        match=[matchers.urlencoded_params_matcher({"url": LINK, "proxyId": "us-2"})],
    )
    by_key().instant(LINK, proxy_id="us-2")


def test_instant_without_a_proxy_sends_no_proxy_id(api: responses.RequestsMock) -> None:
    api.post(url("instant"), json=INSTANT_ANSWER)
    by_key().instant(LINK)
    assert form(api) == {"url": [LINK]}


def test_cloud_sends_the_url_and_reads_the_answer(api: responses.RequestsMock) -> None:
    answer = INSTANT_ANSWER | {"status": "downloaded", "url": "https://cdn.offcloud.com/f/index.html"}
    api.post(url("cloud"), json=answer, match=[keyed(), matchers.urlencoded_params_matcher({"url": LINK})])
    request = by_key().cloud(LINK)
    assert (request.request_id, request.status, request.url) == (
        REQUEST_ID,
        "downloaded",
        "https://cdn.offcloud.com/f/index.html",
    )


def test_remote_sends_url_remote_option_and_folder(api: responses.RequestsMock) -> None:
    answer = {k: v for k, v in INSTANT_ANSWER.items() if k != "url"}
    api.post(
        url("remote"),
        json=answer,
        match=[
            keyed(),
            matchers.urlencoded_params_matcher(
                {"url": LINK, "remoteOptionId": "acc-1", "folderId": "0B1x-drive-folder"}
            ),
        ],
    )
    request = by_key().remote(LINK, remote_option_id="acc-1", folder_id="0B1x-drive-folder")
    assert (request.request_id, request.url, request.site) == (REQUEST_ID, None, "cnn.com")


def test_remote_without_a_folder_sends_no_folder_id(api: responses.RequestsMock) -> None:
    api.post(url("remote"), json=INSTANT_ANSWER)
    by_key().remote(LINK, remote_option_id="acc-1")
    assert form(api) == {"url": [LINK], "remoteOptionId": ["acc-1"]}


@pytest.mark.parametrize(
    ("field", "value", "attribute", "expected"),
    [
        ("requestId", 12345, "request_id", "12345"),
        ("status", "Created", "status", "created"),
        ("status", "", "status", None),
        ("url", "javascript:alert(1)", "url", None),
        ("url", False, "url", None),
        ("fileName", "  a.rar  ", "file_name", "a.rar"),
        ("createdOn", None, "created_on", None),
    ],
)
def test_request_fields_read_loosely(
    api: responses.RequestsMock, field: str, value: Any, attribute: str, expected: Any
) -> None:
    api.post(url("instant"), json=INSTANT_ANSWER | {field: value})
    assert getattr(by_key().instant(LINK), attribute) == expected


# -- not_available and error answers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("premium", "premium downloading add-on"),
        ("links", "link increase add-on"),
        ("proxy", "proxy downloading add-on"),
        ("cloud", "cloud downloading upgrade add-on"),
        ("video", "video sharing site"),
        ("torrent", "not available to this account (torrent)"),
    ],
)
def test_every_not_available_reason_names_the_add_on_to_buy(
    api: responses.RequestsMock, reason: str, words: str
) -> None:
    api.post(url("instant"), json={"not_available": reason})
    with pytest.raises(NotAvailable) as caught:
        by_key().instant(LINK)
    error = caught.value
    assert isinstance(error, errors.PaymentRequired)
    assert words in str(error)
    assert str(error).startswith("offcloud says")
    assert (error.reason, error.link, error.provider, error.kind) == (
        reason,
        LINK,
        "offcloud",
        "not_available",
    )
    assert error.try_other_provider is True
    assert error.retry_after is None
    assert "retrying will not" in error.for_person()


@pytest.mark.parametrize(
    ("endpoint", "reason", "invoke"),
    [
        pytest.param("cloud", "cloud", lambda c: c.cloud(LINK), id="cloud"),
        pytest.param("remote", "proxy", lambda c: c.remote(LINK, remote_option_id="1"), id="remote"),
        pytest.param("cache", "premium", lambda c: c.cache([HASH_A]), id="cache"),
    ],
)
def test_not_available_from_cloud_remote_and_cache(
    api: responses.RequestsMock, endpoint: str, reason: str, invoke: Callable[[OffcloudClient], object]
) -> None:
    api.post(url(endpoint), json={"not_available": reason})
    with pytest.raises(NotAvailable) as caught:
        invoke(by_key())
    assert caught.value.reason == reason


def test_an_error_answer_is_refused_with_the_message_quoted(api: responses.RequestsMock) -> None:
    api.post(url("instant"), json={"error": "Please enter a valid URL."})
    with pytest.raises(errors.Refused) as caught:
        by_key().instant(LINK)
    error = caught.value
    assert 'it said "Please enter a valid URL."' in str(error)
    assert (error.provider, error.link) == ("offcloud", LINK)
    assert error.try_other_provider is True


@pytest.mark.parametrize("status", [401, 403])
def test_an_error_answer_with_http_401_or_403_is_auth_failed(
    api: responses.RequestsMock, status: int
) -> None:
    api.post(url("cloud"), json={"error": "Not authorized"}, status=status)
    with pytest.raises(errors.AuthFailed, match="Not authorized"):
        by_key().cloud(LINK)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_an_error_answer_with_http_5xx_is_an_outage(api: responses.RequestsMock, status: int) -> None:
    api.post(url("cloud"), json={"error": "Internal error"}, status=status)
    with pytest.raises(errors.ProviderOutage, match="Internal error") as caught:
        by_key().cloud(LINK)
    assert caught.value.retry_after == 180.0


def test_an_error_answer_echoing_the_key_is_redacted(api: responses.RequestsMock) -> None:
    api.post(url("instant"), json={"error": f"key {KEY} is unknown for {EMAIL}"})
    with pytest.raises(errors.Refused) as caught:
        by_key().instant(LINK)
    assert EMAIL in str(caught.value)
    assert_no_secret(caught.value, caught.value.for_person())


@pytest.mark.parametrize(
    ("body", "status", "error_class", "code"),
    [
        ({"error": "x"}, 200, errors.Refused, None),
        ({"error": "x"}, 404, errors.Refused, None),
        ({"error": "x"}, 401, errors.AuthFailed, None),
        ({"error": "x"}, 503, errors.ProviderOutage, 503),  # the code: a 5xx rests the provider
        ({}, 401, errors.AuthFailed, 401),
        ({}, 403, errors.AuthFailed, 403),
        ({}, 404, errors.Refused, 404),
        ([], 500, errors.ProviderOutage, 500),
        ({"not_available": "premium", "error": "x"}, 200, NotAvailable, None),
    ],
)
def test_check_answer(
    body: Any, status: int, error_class: type[errors.ResolverError], code: int | None
) -> None:
    with pytest.raises(errors.ResolverError) as caught:
        check_answer(body, status, link=LINK)
    assert type(caught.value) is error_class
    assert (caught.value.code, caught.value.link, caught.value.provider) == (code, LINK, "offcloud")


@pytest.mark.parametrize("body", [{"requestId": "1"}, {"error": None}, {"error": False}, [1, 2], "ok"])
def test_check_answer_passes_answers_without_an_error(body: Any) -> None:
    assert check_answer(body, 200) == body


def test_check_answer_for_a_login_makes_every_error_auth_failed() -> None:
    with pytest.raises(errors.AuthFailed):
        check_answer({"error": "Please enter a valid email address."}, 200, auth=True)


# -- answers a server gets wrong ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "error_class", "words"),
    [
        ("<html><body>Bad Gateway</body></html>", 200, errors.ProviderOutage, "HTML page"),
        ("  <!doctype html><h1>503</h1>", 503, errors.ProviderOutage, "HTTP 503 with an HTML page"),
        ("<html>Not Found</html>", 404, errors.ResolverError, "HTTP 404 with an HTML page"),
        ('{"requestId": ', 200, errors.ProviderOutage, "not JSON"),
    ],
)
def test_an_answer_that_is_not_json(
    api: responses.RequestsMock, body: str, status: int, error_class: type[errors.ResolverError], words: str
) -> None:
    api.post(url("instant"), body=body, status=status)
    with pytest.raises(errors.ResolverError, match=words) as caught:
        by_key().instant(LINK)
    assert isinstance(caught.value, error_class)
    assert caught.value.code == status


def test_a_get_answer_that_is_html_is_an_outage(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/explore/{REQUEST_ID}"), body="<html>maintenance</html>")
    with pytest.raises(errors.ProviderOutage, match="HTML page"):
        by_key().explore(REQUEST_ID)


@pytest.mark.parametrize(
    ("endpoint", "invoke"),
    [
        pytest.param("instant", lambda c: c.instant(LINK), id="instant"),
        pytest.param("cloud", lambda c: c.cloud(LINK), id="cloud"),
        pytest.param("remote", lambda c: c.remote(LINK, remote_option_id="1"), id="remote"),
        pytest.param("cloud/status", lambda c: c.cloud_status(REQUEST_ID), id="cloud-status"),
        pytest.param("remote/status", lambda c: c.remote_status(REQUEST_ID), id="remote-status"),
        pytest.param("key", lambda c: c.api_key(), id="key"),
    ],
)
@pytest.mark.parametrize("answer", [[INSTANT_ANSWER], "created", None], ids=["list", "str", "null"])
def test_a_result_of_the_wrong_type_where_an_object_belongs_is_an_outage(
    api: responses.RequestsMock, endpoint: str, invoke: Callable[[OffcloudClient], object], answer: Any
) -> None:
    api.post(url(endpoint), body=json.dumps(answer), content_type="application/json")
    with pytest.raises(errors.ProviderOutage, match=f"answered {endpoint} with") as caught:
        invoke(by_key())
    assert caught.value.try_other_provider is True


@pytest.mark.parametrize(
    "said",
    [
        f"Max retries exceeded with url: /api/instant?key={KEY}",
        f"HTTPSConnectionPool(host='offcloud.com', port=443): /api/instant?url=x&key={KEY}",
        f"proxy refused CONNECT for {KEY}",  # only the registered secret gives it away
    ],
    ids=["query", "second-parameter", "bare"],
)
def test_a_transport_error_is_an_outage_that_never_shows_the_key(
    api: responses.RequestsMock, said: str
) -> None:
    api.post(url("instant"), body=requests.ConnectionError(said))
    with pytest.raises(errors.ProviderOutage, match="cannot be reached") as caught:
        by_key().instant(LINK)
    assert caught.value.link == LINK
    assert_no_secret(caught.value, caught.value.for_person(), repr(caught.value.args))


def test_a_transport_error_on_a_get_never_shows_the_key(api: responses.RequestsMock) -> None:
    api.get(
        url(f"cloud/list/{REQUEST_ID}"),
        body=requests.ConnectionError(f"Max retries exceeded with url: /api/cloud/list/x?key={KEY}"),
    )
    with pytest.raises(errors.ProviderOutage, match="cannot be reached") as caught:
        by_key().list_links(REQUEST_ID)
    assert_no_secret(caught.value, caught.value.for_person())


def test_a_timeout_is_an_outage(api: responses.RequestsMock) -> None:
    api.post(url("cloud/status"), body=requests.ReadTimeout(f"read timed out key={KEY}"))
    with pytest.raises(errors.ProviderOutage, match="did not answer in time") as caught:
        by_key().cloud_status(REQUEST_ID)
    assert_no_secret(caught.value)


# -- proxy --------------------------------------------------------------------------------------


def test_proxy_lists_id_name_and_region(api: responses.RequestsMock) -> None:
    api.post(
        url("proxy"),
        json=[
            {"id": "5", "name": "Proxy US 1", "region": "United States"},
            {"id": 7, "name": "Proxy EU", "region": "Europe"},
        ],
        match=[keyed()],
    )
    assert by_key().proxies() == [
        Proxy("5", "Proxy US 1", "United States"),
        Proxy("7", "Proxy EU", "Europe"),
    ]
    assert api.calls[0].request.method == "POST"


def test_proxy_entries_without_an_id_or_not_objects_are_skipped(api: responses.RequestsMock) -> None:
    api.post(url("proxy"), json={"list": [{"name": "nameless"}, "x", {"id": "1"}]})
    assert by_key().proxies() == [Proxy("1", None, None)]


@pytest.mark.parametrize("answer", [{}, [], {"list": "none"}, "no proxies"])
def test_proxy_with_nothing_usable_is_an_empty_list(api: responses.RequestsMock, answer: Any) -> None:
    api.post(url("proxy"), json=answer)
    assert by_key().proxies() == []


# -- cloud/status and remote/status ----------------------------------------------------------------

STATUS_FIELDS: Final = {
    "requestId": REQUEST_ID,
    "status": "downloading",
    "fileName": "ubuntu.iso",
    "fileSize": "2000",
    "amount": 500,
    "isDirectory": False,
    "url": "https://cdn.offcloud.com/f/ubuntu.iso",
}
EXPECTED_STATUS: Final = Status(
    request_id=REQUEST_ID,
    status="downloading",
    file_name="ubuntu.iso",
    file_size=2000,
    amount=500,
    is_directory=False,
    url="https://cdn.offcloud.com/f/ubuntu.iso",
    message=None,
)


@pytest.mark.parametrize("nested", [True, False], ids=["nested", "flat"])
@pytest.mark.parametrize(
    ("method", "endpoint"), [("cloud_status", "cloud/status"), ("remote_status", "remote/status")]
)
def test_status_is_read_nested_and_flat_and_sends_the_request_id(
    api: responses.RequestsMock, nested: bool, method: str, endpoint: str
) -> None:
    api.post(
        url(endpoint),
        json={"status": STATUS_FIELDS} if nested else STATUS_FIELDS,
        match=[keyed(), matchers.urlencoded_params_matcher({"requestId": REQUEST_ID})],
    )
    status = getattr(by_key(), method)(REQUEST_ID)
    assert status == EXPECTED_STATUS
    assert status.progress == 0.25
    assert not status.finished


@pytest.mark.parametrize(
    ("file_size", "amount", "expected_size", "expected_amount"),
    [
        ("2000", "500", 2000, 500),
        (2000, 500, 2000, 500),
        (2000.0, 500.0, 2000, 500),
        (False, None, None, None),
        ("unknown", "", None, None),
    ],
)
def test_status_sizes_as_strings_or_numbers(
    api: responses.RequestsMock,
    file_size: Any,
    amount: Any,
    expected_size: int | None,
    expected_amount: int | None,
) -> None:
    api.post(
        url("cloud/status"),
        json={"status": {"status": "downloading", "fileSize": file_size, "amount": amount}},
    )
    status = by_key().cloud_status(REQUEST_ID)
    assert (status.file_size, status.amount) == (expected_size, expected_amount)


@pytest.mark.parametrize(
    ("file_size", "amount", "progress"),
    [(100, 50, 0.5), (100, 0, 0.0), (100, 150, 1.0), (0, 10, None), (None, 10, None), (100, None, None)],
)
def test_status_progress(file_size: int | None, amount: int | None, progress: float | None) -> None:
    status = Status.read({"fileSize": file_size, "amount": amount})
    assert status.progress == progress


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (False, False), ("true", False), (None, False)]
)
def test_status_is_directory_only_when_true(value: Any, expected: bool) -> None:
    assert Status.read({"status": {"status": "downloaded", "isDirectory": value}}).is_directory is expected


@pytest.mark.parametrize(
    ("state", "finished"),
    [("downloaded", True), ("Downloaded", True), ("error", True), ("canceled", True), ("created", False)],
)
def test_status_finished(state: str, finished: bool) -> None:
    status = Status.read({"status": state})
    assert status.finished is finished
    assert status.status == state.lower()


def test_status_of_a_failed_request_carries_its_message(api: responses.RequestsMock) -> None:
    api.post(
        url("cloud/status"),
        json={"status": {"requestId": REQUEST_ID, "status": "error", "errorMessage": "Hoster is down"}},
    )
    status = by_key().cloud_status(REQUEST_ID)
    assert (status.status, status.message, status.finished) == ("error", "Hoster is down", True)


def test_status_error_answer_is_refused(api: responses.RequestsMock) -> None:
    api.post(url("remote/status"), json={"error": "Request not found"})
    with pytest.raises(errors.Refused, match="Request not found"):
        by_key().remote_status(REQUEST_ID)


# -- cache ---------------------------------------------------------------------------------------


def test_cache_sends_hashes_as_repeated_hashes_variables(api: responses.RequestsMock) -> None:
    api.post(url("cache"), json={"cachedItems": [HASH_A]}, match=[keyed()])
    assert by_key().cache([HASH_A, HASH_B]) == {HASH_A}
    assert form(api) == {"hashes[]": [HASH_A, HASH_B]}
    assert api.calls[0].request.method == "POST"


@pytest.mark.parametrize(
    "answer",
    [
        {"cachedItems": [HASH_A]},
        [HASH_A],
        {HASH_A: True, HASH_B: False},
        {"cachedItems": [HASH_A.upper()]},
        {HASH_A.upper(): True},
    ],
    ids=["cached-items", "list", "object", "cached-items-upper", "object-upper"],
)
def test_cache_answers_of_every_shape_are_understood(api: responses.RequestsMock, answer: Any) -> None:
    api.post(url("cache"), json=answer)
    assert by_key().cache([HASH_A, HASH_B]) == {HASH_A}


@pytest.mark.parametrize(
    "answer", [{"cachedItems": []}, [], {}, {HASH_A: "true", HASH_B: 1}, "none", {"cachedItems": [1, None]}]
)
def test_cache_answers_naming_nothing_cached(api: responses.RequestsMock, answer: Any) -> None:
    api.post(url("cache"), json=answer)
    assert by_key().cache([HASH_A, HASH_B]) == set()


def test_cache_of_250_hashes_takes_three_calls_of_100_100_and_50(api: responses.RequestsMock) -> None:
    hashes = [f"{n:040x}" for n in range(250)]
    for _ in range(3):
        api.post(url("cache"), json={"cachedItems": hashes[::2]})
    assert by_key().cache(hashes) == set(hashes[::2])
    sent = [form(api, n)["hashes[]"] for n in range(len(api.calls))]
    assert [len(batch) for batch in sent] == [100, 100, 50]
    assert [h for batch in sent for h in batch] == hashes
    assert CACHE_BATCH == 100


def test_cache_sends_duplicates_and_upper_case_hashes_once_in_lower_case(api: responses.RequestsMock) -> None:
    api.post(url("cache"), json={"cachedItems": [HASH_B]})
    assert by_key().cache([HASH_A.upper(), HASH_A, HASH_B, HASH_B.upper(), HASH_A]) == {HASH_B}
    assert form(api)["hashes[]"] == [HASH_A, HASH_B]


def test_cache_ignores_hashes_it_was_not_asked_about(api: responses.RequestsMock) -> None:
    api.post(url("cache"), json={"cachedItems": [HASH_A, "f" * 40]})
    assert by_key().cache([HASH_A]) == {HASH_A}


def test_cache_of_no_hashes_asks_nothing(api: responses.RequestsMock) -> None:
    assert by_key().cache([]) == set()
    assert len(api.calls) == 0


def test_cache_error_answer_is_refused(api: responses.RequestsMock) -> None:
    api.post(url("cache"), json={"error": "Too many hashes"})
    with pytest.raises(errors.Refused, match="Too many hashes"):
        by_key().cache([HASH_A])


# -- cloud/explore and cloud/list ---------------------------------------------------------------

FILE_LINKS: Final = [
    f"https://cdn.offcloud.com/{REQUEST_ID}/a/01.mkv",
    f"https://cdn.offcloud.com/{REQUEST_ID}/a/02.mkv",
]


def test_explore_gets_the_links_of_an_archive(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/explore/{REQUEST_ID}"), json=FILE_LINKS, match=[keyed()])
    assert by_key().explore(REQUEST_ID) == FILE_LINKS


def test_explore_drops_items_that_are_not_links(api: responses.RequestsMock) -> None:
    api.get(
        url(f"cloud/explore/{REQUEST_ID}"),
        json=[FILE_LINKS[0], "readme.txt", 42, None, {"url": FILE_LINKS[1]}, "ftp://x/y", FILE_LINKS[1]],
    )
    assert by_key().explore(REQUEST_ID) == FILE_LINKS


@pytest.mark.parametrize("answer", [{}, "none", None])
def test_explore_answering_no_array_is_no_links(api: responses.RequestsMock, answer: Any) -> None:
    api.get(url(f"cloud/explore/{REQUEST_ID}"), body=json.dumps(answer), content_type="application/json")
    assert by_key().explore(REQUEST_ID) == []


def test_explore_error_answer_is_refused(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/explore/{REQUEST_ID}"), json={"error": "Not an archive"})
    with pytest.raises(errors.Refused, match="Not an archive"):
        by_key().explore(REQUEST_ID)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(401, errors.AuthFailed), (403, errors.AuthFailed), (503, errors.ProviderOutage)],
)
def test_explore_error_answer_follows_the_http_status(
    api: responses.RequestsMock, status: int, error_class: type[errors.ResolverError]
) -> None:
    api.get(url(f"cloud/explore/{REQUEST_ID}"), json={"error": "No"}, status=status)
    with pytest.raises(error_class):
        by_key().explore(REQUEST_ID)


def test_list_gets_one_link_a_line(api: responses.RequestsMock) -> None:
    api.get(
        url(f"cloud/list/{REQUEST_ID}"),
        body="\n".join(FILE_LINKS) + "\n",
        content_type="text/plain",
        match=[keyed()],
    )
    assert by_key().list_links(REQUEST_ID) == FILE_LINKS


def test_list_ignores_blank_lines_padding_and_what_is_not_a_link(api: responses.RequestsMock) -> None:
    body = f"\r\n  {FILE_LINKS[0]}  \r\n\r\nnot a link\r\n{FILE_LINKS[1]}"
    api.get(url(f"cloud/list/{REQUEST_ID}"), body=body, content_type="text/plain")
    assert by_key().list_links(REQUEST_ID) == FILE_LINKS


def test_list_error_answer_as_json_raises(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/list/{REQUEST_ID}"), json={"error": "Request not found"})
    with pytest.raises(errors.Refused, match="Request not found"):
        by_key().list_links(REQUEST_ID)


def test_list_error_answer_with_http_401_is_auth_failed(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/list/{REQUEST_ID}"), json={"error": "Not logged in"}, status=401)
    with pytest.raises(errors.AuthFailed):
        by_session().list_links(REQUEST_ID)


def test_list_not_available_answer_raises(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/list/{REQUEST_ID}"), json={"not_available": "cloud"})
    with pytest.raises(NotAvailable, match="cloud downloading upgrade add-on"):
        by_key().list_links(REQUEST_ID)


def test_list_answered_by_a_5xx_page_is_an_outage(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/list/{REQUEST_ID}"), body="<html>503 Service Unavailable</html>", status=503)
    with pytest.raises(errors.ProviderOutage):
        by_key().list_links(REQUEST_ID)


# -- remote/accounts -----------------------------------------------------------------------------


def test_remote_accounts_are_typed(api: responses.RequestsMock) -> None:
    api.post(
        url("remote/accounts"),
        json=[
            {
                "accountId": "acc-1",
                "type": "ftp",
                "username": "uploader",
                "status": "active",
                "host": "ftp.example.com",
                "port": "21",
                "usage": "1073741824",
            },
            {"accountId": 2, "type": "gdrive", "username": EMAIL, "status": "active", "usage": 0},
        ],
        match=[keyed()],
    )
    assert by_key().remote_accounts() == [
        RemoteAccount("acc-1", "ftp", "uploader", "active", "ftp.example.com", 21, 1073741824),
        RemoteAccount("2", "gdrive", EMAIL, "active", None, None, 0),
    ]
    assert api.calls[0].request.method == "POST"


def test_remote_accounts_wrapped_in_data_and_odd_entries(api: responses.RequestsMock) -> None:
    api.post(
        url("remote/accounts"),
        json={"data": [{"type": "ftp"}, "acc-9", {"accountId": "acc-3", "port": 70000, "usage": False}]},
    )
    assert by_key().remote_accounts() == [RemoteAccount("acc-3", None, None, None, None, None, None)]


@pytest.mark.parametrize("answer", [[], {}, {"data": None}, "none"])
def test_remote_accounts_with_nothing_usable_is_an_empty_list(
    api: responses.RequestsMock, answer: Any
) -> None:
    api.post(url("remote/accounts"), json=answer)
    assert by_key().remote_accounts() == []


# -- cloud/retry and remote/retry ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("cloud_retry", "cloud/retry"), ("remote_retry", "remote/retry")]
)
@pytest.mark.parametrize("answer", [{"success": True}, True, {}])
def test_retry_gets_the_request_id_path(
    api: responses.RequestsMock, method: str, path: str, answer: Any
) -> None:
    api.get(url(f"{path}/{REQUEST_ID}"), json=answer, match=[keyed()])
    assert getattr(by_key(), method)(REQUEST_ID) is None


@pytest.mark.parametrize(
    ("method", "path"), [("cloud_retry", "cloud/retry"), ("remote_retry", "remote/retry")]
)
@pytest.mark.parametrize("answer", [{"success": False}, False])
def test_retry_that_is_not_confirmed_is_refused(
    api: responses.RequestsMock, method: str, path: str, answer: Any
) -> None:
    api.get(url(f"{path}/{REQUEST_ID}"), json=answer)
    with pytest.raises(errors.Refused, match=f"did not confirm {path}"):
        getattr(by_key(), method)(REQUEST_ID)


def test_retry_error_answer_is_refused(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/retry/{REQUEST_ID}"), json={"error": "Request is not failed"})
    with pytest.raises(errors.Refused, match="Request is not failed"):
        by_key().cloud_retry(REQUEST_ID)


def test_retry_answered_with_http_503_is_an_outage(api: responses.RequestsMock) -> None:
    api.get(url(f"cloud/retry/{REQUEST_ID}"), json={}, status=503)
    with pytest.raises(errors.ProviderOutage):
        by_key().cloud_retry(REQUEST_ID)


@pytest.mark.parametrize("request_id", ["a/b", "..", "../key", "", "%2e%2e", "abc?key=1", "ид"])
@pytest.mark.parametrize(
    "invoke",
    [
        pytest.param(lambda c, i: c.cloud_retry(i), id="cloud-retry"),
        pytest.param(lambda c, i: c.remote_retry(i), id="remote-retry"),
        pytest.param(lambda c, i: c.explore(i), id="explore"),
        pytest.param(lambda c, i: c.list_links(i), id="list"),
    ],
)
def test_a_request_id_that_is_not_one_is_refused_without_a_request(
    api: responses.RequestsMock, request_id: str, invoke: Callable[[OffcloudClient, str], object]
) -> None:
    with pytest.raises(errors.ConfigError, match="is not an Offcloud request id"):
        invoke(by_key(), request_id)
    assert len(api.calls) == 0


# -- session storage ------------------------------------------------------------------------------


def test_session_path_is_beside_the_configuration_file(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "conf" / "linkresolver.toml", providers={})
    assert session_path(config) == tmp_path / "conf" / SESSION_FILE


def test_save_session_writes_mode_600_with_session_and_key_but_no_password(tmp_path: Path) -> None:
    path = tmp_path / "sub" / SESSION_FILE
    save_session(path, StoredSession(EMAIL, SESSION, KEY))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"email": EMAIL, "session": SESSION, "api_key": KEY}
    assert [p.name for p in path.parent.iterdir()] == [SESSION_FILE]  # no temporary file left


def test_save_session_over_a_readable_file_makes_it_private(tmp_path: Path) -> None:
    path = tmp_path / SESSION_FILE
    path.write_text("{}")
    os.chmod(path, 0o644)
    save_session(path, StoredSession(None, SESSION, None))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["session"] == SESSION


def test_load_session_reads_back_and_registers_the_secrets(tmp_path: Path) -> None:
    path = tmp_path / SESSION_FILE
    path.write_text(json.dumps({"email": EMAIL, "session": SESSION, "api_key": "stored-key-123"}))
    clear_secrets()
    assert load_session(path) == StoredSession(EMAIL, SESSION, "stored-key-123")
    assert redact(f"cookie {SESSION} key stored-key-123") == f"cookie {MASK} key {MASK}"


def test_load_session_of_a_missing_file_is_none(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        assert load_session(tmp_path / SESSION_FILE) is None
    assert caplog.records == []


@pytest.mark.parametrize("content", ['{"session": ', "\x00\xff garbage", ""])
def test_load_session_of_a_corrupt_file_is_none_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str
) -> None:
    path = tmp_path / SESSION_FILE
    path.write_text(content, encoding="latin-1")
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        assert load_session(path) is None
    assert "linkresolver offcloud login" in caplog.text


def test_load_session_of_a_json_that_is_not_an_object_is_none(tmp_path: Path) -> None:
    path = tmp_path / SESSION_FILE
    path.write_text("[1, 2]")
    assert load_session(path) is None


def test_load_session_keeps_only_strings(tmp_path: Path) -> None:
    path = tmp_path / SESSION_FILE
    path.write_text(json.dumps({"email": 5, "session": SESSION, "api_key": ["x"]}))
    assert load_session(path) == StoredSession(None, SESSION, None)


def stored(tmp_path: Path, session: str | None = SESSION, api_key: str | None = None) -> Path:
    path = tmp_path / SESSION_FILE
    save_session(path, StoredSession(EMAIL, session, api_key))
    return path


def settings(**values: Any) -> ProviderSettings:
    return ProviderSettings("offcloud", **values)


def answer_login(api: responses.RequestsMock) -> None:
    api.post(
        url("login"),
        json={"email": EMAIL, "userId": USER_ID},
        headers={"Set-Cookie": SET_COOKIE},
        match=[matchers.urlencoded_params_matcher({"username": EMAIL, "password": PASSWORD})],
    )


def test_authenticated_client_prefers_the_configured_key(api: responses.RequestsMock, tmp_path: Path) -> None:
    path = stored(tmp_path, api_key="stored-key-123")
    client = authenticated_client(
        requests.Session(), settings(login=EMAIL, key=KEY, password=PASSWORD), API, path
    )
    assert len(api.calls) == 0
    api.get(url("check"), json={"loggedIn": 1}, match=[keyed()])
    assert client.logged_in()
    assert cookie_header(api) is None


def test_authenticated_client_uses_the_stored_api_key(api: responses.RequestsMock, tmp_path: Path) -> None:
    path = stored(tmp_path, api_key="stored-key-123")
    client = authenticated_client(requests.Session(), settings(login=EMAIL, password=PASSWORD), API, path)
    api.get(
        url("check"), json={"loggedIn": 1}, match=[matchers.query_param_matcher({"key": "stored-key-123"})]
    )
    assert client.logged_in()
    assert cookie_header(api) is None


def test_authenticated_client_uses_the_stored_session(api: responses.RequestsMock, tmp_path: Path) -> None:
    path = stored(tmp_path)
    client = authenticated_client(requests.Session(), settings(), API, path)
    api.get(url("check"), json={"loggedIn": 1}, match=[matchers.query_param_matcher({})])
    assert client.logged_in()
    assert cookie_header(api) == f"{SESSION_COOKIE}={SESSION}"


def test_authenticated_client_logs_in_and_stores_the_session(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    answer_login(api)
    api.post(url("key"), json={"email": EMAIL, "apiKey": "fetched-key-456"})
    path = tmp_path / SESSION_FILE
    client = authenticated_client(requests.Session(), settings(login=EMAIL, password=PASSWORD), API, path)
    assert [call.request.url for call in api.calls] == [url("login"), url("key")]
    header = cookie_header(api, 1)
    assert header is not None and f"{SESSION_COOKIE}={SESSION}" in header
    assert load_session(path) == StoredSession(EMAIL, SESSION, "fetched-key-456")
    assert PASSWORD not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert redact(PASSWORD) == MASK
    api.get(
        url("check"), json={"loggedIn": 1}, match=[matchers.query_param_matcher({"key": "fetched-key-456"})]
    )
    assert client.logged_in()


def test_after_a_login_the_key_client_sends_no_cookie(api: responses.RequestsMock, tmp_path: Path) -> None:
    answer_login(api)
    api.post(url("key"), json={"email": EMAIL, "apiKey": "fetched-key-456"})
    client = authenticated_client(
        requests.Session(), settings(login=EMAIL, password=PASSWORD), API, tmp_path / SESSION_FILE
    )
    api.get(url("check"), json={"loggedIn": 1})
    client.logged_in()
    assert cookie_header(api, 2) is None


def test_login_whose_key_cannot_be_had_stores_and_uses_the_session(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    answer_login(api)
    api.post(url("key"), json={"error": "Not available"})
    path = tmp_path / SESSION_FILE
    client = login_and_store(requests.Session(), EMAIL, PASSWORD, API, path)
    assert load_session(path) == StoredSession(EMAIL, SESSION, None)
    assert "by session" in repr(client)


def test_authenticated_client_logs_in_when_the_stored_file_is_corrupt(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / SESSION_FILE
    path.write_text("{not json")
    answer_login(api)
    api.post(url("key"), json={"email": EMAIL, "apiKey": "fetched-key-456"})
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        authenticated_client(requests.Session(), settings(login=EMAIL, password=PASSWORD), API, path)
    assert "cannot be read" in caplog.text
    assert load_session(path) == StoredSession(EMAIL, SESSION, "fetched-key-456")


def test_a_stored_file_without_credentials_leads_to_a_login(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    path = stored(tmp_path, session=None, api_key=None)
    answer_login(api)
    api.post(url("key"), json={"email": EMAIL, "apiKey": "fetched-key-456"})
    authenticated_client(requests.Session(), settings(login=EMAIL, password=PASSWORD), API, path)
    assert len(api.calls) == 2


def test_a_refused_login_stores_nothing(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(url("login"), json={"error": "Wrong email or password"})
    path = tmp_path / SESSION_FILE
    with pytest.raises(errors.AuthFailed, match="Wrong email or password"):
        authenticated_client(requests.Session(), settings(login=EMAIL, password=PASSWORD), API, path)
    assert not path.exists()


@pytest.mark.parametrize(
    "values",
    [{}, {"login": EMAIL}, {"password": PASSWORD}, {"login": "", "key": "", "password": ""}],
    ids=["nothing", "login-only", "password-only", "empty"],
)
def test_authenticated_client_without_credentials_names_the_login_command(
    api: responses.RequestsMock, tmp_path: Path, values: dict[str, Any]
) -> None:
    with pytest.raises(errors.AuthFailed, match="`linkresolver offcloud login`") as caught:
        authenticated_client(requests.Session(), settings(**values), API, tmp_path / SESSION_FILE)
    assert caught.value.provider == "offcloud"
    assert len(api.calls) == 0
