"""The pm-api client and provider against recorded answers (``responses``): every method,
every status code of seed 002, and the failures a network and a server can produce."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from linkresolver.plugins.premiumize.client import PremiumizeClient
from linkresolver.plugins.premiumize.hosterlist import STORED_FORMAT, HosterList
from linkresolver.plugins.premiumize.provider import PremiumizeProvider
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.http import make_session
from resolver_core.provider import ResolveContext

API = "https://api.premiumize.example/pm-api/v1.php"
PIN = "s3cret-pin"
LINK = "https://rapidgator.net/file/abc123"


#: Registered for redaction around each test (tests/plugins/conftest.py).
SECRETS = [PIN]


@pytest.fixture
def client() -> PremiumizeClient:
    return PremiumizeClient(make_session(retries=0), API, "123456789", PIN)


def answer(api: responses.RequestsMock, result: Any = None, status: Any = 200, message: str = "OK") -> None:
    api.get(API, json={"result": result, "status": status, "statusmessage": message})


def query(api: responses.RequestsMock, call: int = 0) -> dict[str, list[str]]:
    url = api.calls[call].request.url
    assert url is not None
    return parse_qs(urlsplit(url).query)


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert PIN not in str(text)


# -- accountstatus --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"account_name": "john", "type": "Premium", "expires": 1349617332, "fairuse_left": 0.77},
            ("john", "premium", 1349617332, 0.77, True),
        ),
        (
            {"type": "trial", "expires": "1349617332", "fairuse_left": "1.5"},
            (None, "trial", 1349617332, 1.0, True),
        ),
        ({"type": "prepaid", "expires": None, "fairuse_left": -0.2}, (None, "prepaid", None, 0.0, True)),
        ({"type": "free", "expires": False, "fairuse_left": False}, (None, "free", None, None, False)),
        ({}, (None, "unknown", None, None, False)),
    ],
)
def test_account_status(
    api: responses.RequestsMock, client: PremiumizeClient, raw: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    answer(api, raw)
    status = client.account_status()
    assert (
        status.account_name,
        status.type,
        status.expires,
        status.fairuse_left,
        status.can_download,
    ) == expected
    sent = query(api)
    assert sent["method"] == ["accountstatus"]
    assert sent["params[login]"] == ["123456789"] and sent["params[pass]"] == [PIN]


# -- hosterlist ------------------------------------------------------------------------------


def test_hoster_list_is_returned_raw(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    raw = {
        "hosters": {
            "rapidgator.net": {"tlds": ["rapidgator.net"], "regexes": ["https?:\\/\\/rapidgator\\.net\\/.+"]}
        },
        "tldlist": ["rapidgator.net"],
    }
    answer(api, raw)
    assert client.hoster_list() == raw
    assert query(api)["method"] == ["hosterlist"]


def test_hoster_list_that_is_not_an_object(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    answer(api, ["rapidgator.net"])
    with pytest.raises(errors.ProviderOutage, match="hosterlist"):
        client.hoster_list()


# -- directdownloadlink ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "filename", "filesize"),
    [
        (
            {"location": "https://dl.example/f", "filename": "a.rar", "filesize": 361357875},
            "a.rar",
            361357875,
        ),
        (
            {"location": "https://dl.example/f", "filename": "a.rar", "filesize": "361357875"},
            "a.rar",
            361357875,
        ),
        ({"location": "http://dl.example/f"}, None, None),
        ({"location": "https://dl.example/f", "filesize": False}, None, None),
    ],
)
def test_direct_download_link(
    api: responses.RequestsMock,
    client: PremiumizeClient,
    result: dict[str, Any],
    filename: str | None,
    filesize: int | None,
) -> None:
    answer(api, result)
    direct = client.direct_download_link(LINK)
    assert (direct.location, direct.filename, direct.filesize) == (result["location"], filename, filesize)
    sent = query(api)
    assert sent["method"] == ["directdownloadlink"] and sent["params[link]"] == [LINK]


@pytest.mark.parametrize("location", [None, "", "ftp://dl.example/f", "javascript:alert(1)", 42])
def test_unusable_location(api: responses.RequestsMock, client: PremiumizeClient, location: Any) -> None:
    answer(api, {"location": location})
    with pytest.raises(errors.ProviderOutage, match="location"):
        client.direct_download_link(LINK)


SEED_002_CODES = [
    (400, errors.BadLink, "no valid link", False, None, ""),
    (401, errors.AuthFailed, "login failed", False, None, "check the login and key"),
    (402, errors.PaymentRequired, "payment required", True, None, "premium"),
    (403, errors.PermissionDenied, "forbidden", True, None, ""),
    (404, errors.FileOffline, "file not found", False, None, ""),
    (428, errors.HosterUnavailable, "hoster currently not available", True, None, "another provider"),
    (502, errors.ProviderOutage, "unknown technical error", True, 180.0, "3 minutes"),
    (503, errors.ProviderOutage, "maintenance", True, 180.0, "3 minutes"),
    (509, errors.QuotaExhausted, "fair use limit exhausted", True, 600.0, "10 minutes"),
]


@pytest.mark.parametrize(
    ("code", "error_class", "message", "failover", "retry_after", "advice"), SEED_002_CODES
)
@pytest.mark.parametrize("as_text", [False, True], ids=["number", "string"])
def test_every_status_code_of_seed_002(
    api: responses.RequestsMock,
    client: PremiumizeClient,
    code: int,
    error_class: type[errors.ResolverError],
    message: str,
    failover: bool,
    retry_after: float | None,
    advice: str,
    as_text: bool,
) -> None:
    answer(api, None, str(code) if as_text else code, message)
    with pytest.raises(errors.ResolverError) as caught:
        client.direct_download_link(LINK)
    error = caught.value
    assert type(error) is error_class
    assert (error.code, error.provider, error.link) == (code, "premiumize", LINK)
    assert error.try_other_provider is failover
    assert error.retry_after == retry_after
    assert message in str(error)
    assert advice in error.for_person()
    assert_no_secret(error, error.for_person())


# -- what networks and servers do -------------------------------------------------------------


def test_html_error_page(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    api.get(API, body="<html>502 Bad Gateway</html>", status=500)
    with pytest.raises(errors.ProviderOutage, match="HTML page") as caught:
        client.account_status()
    assert caught.value.code == 500


def test_invalid_json(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    api.get(API, body='{"result": {"location": ', status=200)
    with pytest.raises(errors.ProviderOutage, match="not JSON"):
        client.direct_download_link(LINK)


def test_answer_that_is_not_an_object(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    api.get(API, json=[1, 2, 3])
    with pytest.raises(errors.ProviderOutage, match="list, not an object"):
        client.account_status()


def test_missing_status(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    api.get(API, json={"result": {}})
    with pytest.raises(errors.ProviderOutage, match="without a status code"):
        client.account_status()


@pytest.mark.parametrize("status", [" 404 ", "404"])
def test_status_as_padded_text(api: responses.RequestsMock, client: PremiumizeClient, status: str) -> None:
    answer(api, None, status, "file not found")
    with pytest.raises(errors.FileOffline) as caught:
        client.direct_download_link(LINK)
    assert caught.value.code == 404


@pytest.mark.parametrize("status", ["\u00b2", "9" * 5000], ids=["superscript-two", "5000-digits"])
def test_malformed_status_text_is_an_outage(
    api: responses.RequestsMock, client: PremiumizeClient, status: str
) -> None:
    answer(api, None, status, "?")
    with pytest.raises(errors.ProviderOutage):
        client.direct_download_link(LINK)


def test_status_message_echoing_the_pin_is_redacted(
    api: responses.RequestsMock, client: PremiumizeClient
) -> None:
    answer(api, None, 401, f"login 123456789 with pass {PIN} failed")
    with pytest.raises(errors.AuthFailed) as caught:
        client.account_status()
    assert "123456789" in str(caught.value)
    assert_no_secret(caught.value, caught.value.for_person())


def test_html_error_page_from_a_front_end(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    api.get(API, body="  <!doctype html><h1>503 Service Unavailable</h1>", status=503)
    with pytest.raises(errors.ProviderOutage, match="HTTP 503 with an HTML page") as caught:
        client.direct_download_link(LINK)
    assert (caught.value.code, caught.value.link, caught.value.retry_after) == (503, LINK, 180.0)


@pytest.mark.parametrize(
    "said",
    [
        f"Max retries exceeded with url: /pm-api/v1.php?method=accountstatus&params[pass]={PIN}",
        f"Max retries exceeded with url: /pm-api/v1.php?params%5Bpass%5D={PIN}&method=accountstatus",
        f"proxy refused CONNECT for {PIN}",  # only the registered secret gives it away
    ],
    ids=["query", "encoded-query", "bare"],
)
def test_connection_error_never_shows_the_pin(
    api: responses.RequestsMock, client: PremiumizeClient, said: str
) -> None:
    api.get(API, body=requests.ConnectionError(said))
    with pytest.raises(errors.ProviderOutage, match="cannot be reached") as caught:
        client.account_status()
    assert_no_secret(caught.value, caught.value.for_person(), repr(caught.value.args))


def test_timeout(api: responses.RequestsMock, client: PremiumizeClient) -> None:
    api.get(API, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(errors.ProviderOutage, match="did not answer in time"):
        client.account_status()


def test_debug_log_never_shows_the_pin(
    api: responses.RequestsMock, client: PremiumizeClient, caplog: pytest.LogCaptureFixture
) -> None:
    answer(api, {"type": "free"})
    with caplog.at_level(logging.DEBUG, logger="linkresolver.http"):
        client.account_status()
    assert "HTTP 200" in caplog.text
    assert_no_secret(caplog.text)


def test_repr_hides_the_pin(client: PremiumizeClient) -> None:
    assert_no_secret(repr(client))
    assert "123456789" in repr(client)


# -- the provider ----------------------------------------------------------------------------


def context(tmp_path: Path, ttl_hours: float = 6) -> ResolveContext:
    return ResolveContext(
        session=make_session(retries=0),
        cache=HosterListCache(tmp_path, ttl_hours),
        captcha_solver=lambda challenge: None,
        cancelled=threading.Event(),
    )


def provider(**settings: Any) -> PremiumizeProvider:
    values: dict[str, Any] = {"login": "123456789", "key": PIN, "api_base": API} | settings
    return PremiumizeProvider(ProviderSettings("premiumize", **values))


HOSTERLIST = {
    "hosters": {
        "rapidgator.net": {
            "tlds": ["rapidgator.net", "rg.to"],
            "regexes": ["https?:\\/\\/(www\\.)?rapidgator\\.net\\/file\\/.+"],
        }
    },
    "connection_settings": {"rapidgator.net": {"max_connections_per_file": 2, "resume": True}},
}


def test_provider_resolve_and_account(api: responses.RequestsMock, tmp_path: Path) -> None:
    answer(api, {"location": "https://dl.example/f", "filename": "a.rar", "filesize": "10"})
    link = provider().resolve(LINK, "rapidgator.net", context(tmp_path))
    assert (link.url, link.filename, link.size, link.provider, link.hoster, link.input) == (
        "https://dl.example/f",
        "a.rar",
        10,
        "premiumize",
        "rapidgator.net",
        LINK,
    )
    answer(api, {"account_name": "john", "type": "premium", "expires": 99, "fairuse_left": 0.5})
    info = provider().account(context(tmp_path))
    assert (info.provider, info.login, info.type, info.can_download, info.expires, info.fair_use_left) == (
        "premiumize",
        "john",
        "premium",
        True,
        99,
        0.5,
    )


@pytest.mark.parametrize("missing", [{"key": None}, {"login": None}, {"login": "", "key": ""}])
def test_provider_without_credentials_makes_no_call(
    api: responses.RequestsMock, tmp_path: Path, missing: dict[str, Any]
) -> None:
    with pytest.raises(errors.AuthFailed, match="customer id") as caught:
        provider(**missing).resolve(LINK, "rapidgator.net", context(tmp_path))
    assert caught.value.provider == "premiumize"
    with pytest.raises(errors.AuthFailed):
        provider(**missing).account(context(tmp_path))
    with pytest.raises(errors.AuthFailed):
        list(provider(**missing).hosters(context(tmp_path)))
    assert len(api.calls) == 0


def test_provider_password_stands_in_for_the_key(api: responses.RequestsMock, tmp_path: Path) -> None:
    answer(api, {"type": "free", "expires": None})
    info = provider(key=None, password="other-pin").account(context(tmp_path))
    assert query(api)["params[pass]"] == ["other-pin"]
    assert (info.login, info.type, info.can_download, info.expires) == ("123456789", "free", False, None)


def test_hosters_fetched_once_and_cached(api: responses.RequestsMock, tmp_path: Path) -> None:
    answer(api, HOSTERLIST)
    first = provider()
    specs = list(first.hosters(context(tmp_path)))
    assert [(s.name, s.domains) for s in specs] == [("rapidgator.net", ("rapidgator.net", "rg.to"))]
    assert first.connection_settings["rapidgator.net"].max_connections_per_file == 2
    cached = json.loads((tmp_path / "hosterlist-premiumize.json").read_text())
    # Kept as read (see test_premiumize_hosterlist.py), and read back as the same list.
    assert cached["format"] == STORED_FORMAT
    assert HosterList.from_result(cached) == HosterList.from_result(HOSTERLIST)
    assert list(provider().hosters(context(tmp_path))) == specs
    assert len(api.calls) == 1  # the second came from the cache


def test_failed_refresh_never_poisons_the_cache(api: responses.RequestsMock, tmp_path: Path) -> None:
    answer(api, HOSTERLIST)
    list(provider().hosters(context(tmp_path)))
    cached = (tmp_path / "hosterlist-premiumize.json").read_bytes()
    answer(api, None, 503, "maintenance")
    specs = list(provider().hosters(context(tmp_path, ttl_hours=0)))
    assert [s.name for s in specs] == ["rapidgator.net"]
    assert (tmp_path / "hosterlist-premiumize.json").read_bytes() == cached
    answer(api, {"hosters": {}})  # an empty list is not a list worth caching either
    assert [s.name for s in provider().hosters(context(tmp_path, ttl_hours=0))] == ["rapidgator.net"]
    assert (tmp_path / "hosterlist-premiumize.json").read_bytes() == cached


def test_failed_fetch_without_a_cache_is_an_error(api: responses.RequestsMock, tmp_path: Path) -> None:
    answer(api, None, 401, "login failed")
    with pytest.raises(errors.AuthFailed):
        list(provider().hosters(context(tmp_path)))
