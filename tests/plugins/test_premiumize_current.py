"""Premiumize's current API against recorded answers (``responses``): the choice of API by
the table, every endpoint the provider uses, and every known error message read into its
class, its advice and its failover decision."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from linkresolver.plugins.premiumize import current_provider
from linkresolver.plugins.premiumize.current_client import CurrentClient
from linkresolver.plugins.premiumize.current_errors import (
    FairUseReached,
    FileGone,
    HosterDown,
    HosterNotSupported,
    InvalidKey,
    NotInCache,
    NotPremium,
    PremiumizeRefused,
    TransferExists,
    TransferGone,
    error_for,
)
from linkresolver.plugins.premiumize.current_provider import PremiumizeCurrentProvider
from linkresolver.plugins.premiumize.provider import premiumize_provider
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.device_login import StoredToken, TokenStore
from resolver_core.http import make_session
from resolver_core.provider import Provider, ResolveContext

API = "https://pm.example/api"
KEY = "s3cret-api-key-4711"
LINK = "https://rapidgator.net/file/abc123"
HASH = "1c6b6858d61da9543d4231a71db4b1c9264b0685"
MAGNET = f"magnet:?xt=urn:btih:{HASH}&dn=Holiday.Pack"

#: Registered for redaction around each test (tests/plugins/conftest.py).
SECRETS = [KEY]


def provider(**settings: Any) -> PremiumizeCurrentProvider:
    values: dict[str, Any] = {"key": KEY, "api_base": API} | settings
    chosen = premiumize_provider(ProviderSettings("premiumize", **values))
    assert isinstance(chosen, PremiumizeCurrentProvider)
    return chosen


def context(tmp_path: Path, said: list[str] | None = None) -> ResolveContext:
    return ResolveContext(
        session=make_session(retries=0),
        cache=HosterListCache(tmp_path, 6),
        captcha_solver=lambda challenge: None,
        cancelled=threading.Event(),
        reporter=said.append if said is not None else None,
    )


def success(**fields: Any) -> dict[str, Any]:
    return {"status": "success", **fields}


# -- which API --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "current", "base"),
    [
        ({"key": KEY}, True, "https://www.premiumize.me/api"),
        ({"key": KEY, "api_base": API}, True, API),
        ({"key": KEY, "login": "123456789"}, False, "https://api.premiumize.me/pm-api/v1.php"),
        ({"key": KEY, "login": "123456789", "api_base": "http://127.0.0.1:1/pm-api/v1.php"}, False, None),
        ({"key": KEY, "api_base": "https://api.premiumize.me/pm-api/v1.php"}, False, None),
        ({}, True, "https://www.premiumize.me/api"),
    ],
)
def test_the_table_selects_the_api(settings: dict[str, Any], current: bool, base: str | None) -> None:
    chosen = premiumize_provider(ProviderSettings("premiumize", **settings))
    assert isinstance(chosen, PremiumizeCurrentProvider) is current
    assert chosen.api_base == (base or settings["api_base"])
    assert chosen.may_wait is current and chosen.checks("rapidgator.net") is current
    # Only the current API serves magnets; the core tells claimers by their class.
    assert (type(chosen).claims is not Provider.claims) is current
    assert chosen.claims(MAGNET) == ("magnet" if current else None)


def test_without_a_key_nothing_is_called(api: responses.RequestsMock, tmp_path: Path) -> None:
    with pytest.raises(errors.AuthFailed, match="no API key") as caught:
        provider(key=None).resolve(LINK, "rapidgator.net", context(tmp_path))
    assert "legacy" in str(caught.value)
    assert len(api.calls) == 0


# -- the key goes in a header, never in the URL -----------------------------------------------


def test_directdl_sends_the_key_as_a_bearer_header(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(
        f"{API}/transfer/directdl",
        json=success(location="https://dl.example/f/a.bin", filename="a.bin", filesize="1234"),
    )
    link = provider().resolve(LINK, "rapidgator.net", context(tmp_path))
    request = api.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in str(request.url) and KEY not in str(request.body)
    assert parse_qs(str(request.body)) == {"src": [LINK]}
    assert (link.url, link.filename, link.size) == ("https://dl.example/f/a.bin", "a.bin", 1234)
    assert link.files == ()
    assert KEY not in repr(CurrentClient(make_session(), API, KEY))


def test_a_multi_file_answer_gives_every_file(api: responses.RequestsMock, tmp_path: Path) -> None:
    content = [
        {"path": "Pack/one.mkv", "size": 10, "link": "https://dl.example/one.mkv"},
        {"path": "Pack/two.srt", "size": "5", "link": "https://dl.example/two.srt"},
        {"path": "Pack/bad", "size": 1, "link": "javascript:alert(1)"},
    ]
    api.get(f"{API}/cache/check", json=success(response=[True], filename=["Pack"], filesize=[15]))
    api.post(f"{API}/transfer/directdl", json=success(content=content))
    link = provider().resolve(MAGNET, "magnet", context(tmp_path))
    assert [(f.url, f.filename, f.size) for f in link.files] == [
        ("https://dl.example/one.mkv", "one.mkv", 10),
        ("https://dl.example/two.srt", "two.srt", 5),
    ]
    assert (link.url, link.filename, link.size) == ("https://dl.example/one.mkv", "Holiday.Pack", 15)
    assert parse_qs(urlsplit(str(api.calls[0].request.url)).query) == {"items[]": [HASH]}


def test_a_magnet_not_cached_is_fetched_with_progress(
    api: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(current_provider, "POLL_FIRST", 0.01)
    api.get(f"{API}/cache/check", json=success(response=[False]))
    api.post(f"{API}/transfer/create", json=success(id="t1", name="Holiday.Pack", type="torrent"))
    running = {"id": "t1", "status": "running", "progress": 0.5, "message": "2 MB/s", "src": MAGNET}
    api.get(f"{API}/transfer/list", json=success(transfers=[running]))
    api.get(f"{API}/transfer/list", json=success(transfers=[running | {"status": "finished", "progress": 1}]))
    api.post(f"{API}/transfer/directdl", json=success(location="https://dl.example/p.mkv", filename="p.mkv"))
    said: list[str] = []
    link = provider().resolve(MAGNET, "magnet", context(tmp_path, said))
    assert link.url == "https://dl.example/p.mkv"
    assert said == ["premiumize is fetching it into its cloud (running, 50%): 2 MB/s"]
    assert parse_qs(str(api.calls[1].request.body)) == {"src": [MAGNET]}


def test_a_transfer_poll_without_an_answer_is_made_again_not_the_link(
    api: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the soak: one missed transfer/list answer failed the link, which was then
    asked anew (the cache check, a second transfer/create) while the transfer went on."""
    monkeypatch.setattr(current_provider, "POLL_FIRST", 0.01)
    api.get(f"{API}/cache/check", json=success(response=[False]))
    api.post(f"{API}/transfer/create", json=success(id="t1", name="Holiday.Pack", type="torrent"))
    api.get(f"{API}/transfer/list", status=502, body="<html><h1>502 Bad Gateway</h1></html>")
    api.get(f"{API}/transfer/list", body=requests.ConnectionError("reset"))
    done = {"id": "t1", "status": "finished", "progress": 1, "src": MAGNET}
    api.get(f"{API}/transfer/list", json=success(transfers=[done]))
    api.post(f"{API}/transfer/directdl", json=success(location="https://dl.example/p.mkv", filename="p.mkv"))
    assert provider().resolve(MAGNET, "magnet", context(tmp_path)).url == "https://dl.example/p.mkv"


def test_three_transfer_polls_in_a_row_without_an_answer_fail_the_link(
    api: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(current_provider, "POLL_FIRST", 0.01)
    api.get(f"{API}/cache/check", json=success(response=[False]))
    api.post(f"{API}/transfer/create", json=success(id="t1", name="Holiday.Pack", type="torrent"))
    for _ in range(3):
        api.get(f"{API}/transfer/list", body=requests.ConnectionError("reset"))
    with pytest.raises(errors.ProviderOutage, match="cannot be reached"):
        provider().resolve(MAGNET, "magnet", context(tmp_path))


@pytest.mark.parametrize(("status", "error_class"), [("error", errors.Refused), ("deleted", FileGone)])
def test_a_failed_transfer_ends_the_link(
    api: responses.RequestsMock, tmp_path: Path, status: str, error_class: type[errors.ResolverError]
) -> None:
    api.get(f"{API}/cache/check", json=success(response=[False]))
    api.post(f"{API}/transfer/create", json=success(id="t1"))
    failed = {"id": "t1", "status": status, "message": "no peers", "src": MAGNET}
    api.get(f"{API}/transfer/list", json=success(transfers=[failed]))
    with pytest.raises(error_class, match="no peers"):
        provider().resolve(MAGNET, "magnet", context(tmp_path))


def test_a_transfer_already_added_is_followed(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/cache/check", json=success(response=[False]))
    api.post(f"{API}/transfer/create", json={"status": "error", "message": "You already added this job."})
    done = {"id": "t9", "status": "seeding", "src": MAGNET}
    api.get(f"{API}/transfer/list", json=success(transfers=[done]))
    api.get(f"{API}/transfer/list", json=success(transfers=[done]))
    api.post(f"{API}/transfer/directdl", json=success(location="https://dl.example/x"))
    assert provider().resolve(MAGNET, "magnet", context(tmp_path)).url == "https://dl.example/x"


def test_check_asks_the_cache_of_many_at_once(api: responses.RequestsMock, tmp_path: Path) -> None:
    links = [f"https://rapidgator.net/file/{n}" for n in range(3)]
    answer = success(response=[True, False], filename=["a.bin", None], filesize=[7])
    api.get(f"{API}/cache/check", json=answer)
    statuses = provider().check(links[:2], "rapidgator.net", context(tmp_path))
    assert [(s.state.value, s.cached, s.filename, s.size) for s in statuses] == [  # type: ignore[union-attr]
        ("online", True, "a.bin", 7),
        ("unknown", False, None, None),
    ]
    assert parse_qs(urlsplit(str(api.calls[0].request.url)).query) == {"items[]": links[:2]}


def test_check_batches_long_lists(api: responses.RequestsMock) -> None:
    items = [f"{n:040x}" for n in range(250)]
    for size in (100, 100, 50):
        api.get(f"{API}/cache/check", json=success(response=[True] * size))
    assert len(CurrentClient(make_session(retries=0), API, KEY).cache_check(items)) == 250
    assert len(api.calls) == 3


def test_hosters_come_from_services_list_and_are_cached(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(
        f"{API}/services/list",
        json={
            "directdl": ["rapidgator.net"],
            "cache": ["rapidgator.net", "cacheonly.example"],
            "aliases": {"rapidgator.net": ["rg.to"]},
            "regexpatterns": {
                "rapidgator.net": [r"https?://(www\.)?(rapidgator\.net|rg\.to)/file/\w+"],
                "cacheonly.example": [r"https?://cacheonly\.example/\w+"],
            },
            "fairusefactor": {"rapidgator.net": 4},
        },
    )
    chosen = provider()
    specs = {spec.name: spec for spec in chosen.hosters(context(tmp_path))}
    assert set(specs) == {"rapidgator.net", "cacheonly.example"}
    assert specs["rapidgator.net"].domains == ("rapidgator.net", "rg.to")
    assert chosen.fair_use_factor == {"rapidgator.net": 4.0}
    again = {spec.name for spec in provider().hosters(context(tmp_path))}  # from the cache
    assert again == set(specs) and len(api.calls) == 1
    assert (tmp_path / "hosterlist-premiumize-current.json").exists()


def test_account_reads_premium_and_fair_use(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(
        f"{API}/account/info",
        json=success(customer_id=123456789, premium_until=4_102_444_800, limit_used=0.25, space_used=1e9),
    )
    info = provider().account(context(tmp_path))
    assert (info.login, info.type, info.can_download) == ("123456789", "premium", True)
    assert info.expires == 4_102_444_800
    assert info.fair_use_left == pytest.approx(0.75)
    assert ("fair_use_used", "25% of the limit") in info.extra


def test_an_account_without_premium_cannot_download(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/account/info", json=success(customer_id="1", premium_until=False, limit_used=0))
    info = provider().account(context(tmp_path))
    assert (info.type, info.can_download, info.expires) == ("free", False, None)


# -- every known error message ----------------------------------------------------------------

KNOWN: list[tuple[str, type[errors.ResolverError], bool, str]] = [
    ("Not logged in.", InvalidKey, False, "API key"),
    ("Not logged in. Please log in first.", InvalidKey, False, "API key"),
    ("customer_id and pin param missing or not logged in", InvalidKey, False, "API key"),
    ("Invalid API key", InvalidKey, False, "API key"),
    ("Fair use limit reached", FairUseReached, True, "fair-use points"),
    ("Fair use limit reached!", FairUseReached, True, "fair-use points"),
    ("You have reached your daily limit", FairUseReached, True, "fair-use points"),
    ("daily limit exceeded", FairUseReached, True, "fair-use points"),
    ("Your account is not premium", NotPremium, True, "premium membership"),
    ("Hoster not supported", HosterNotSupported, True, "linkresolver hosts"),
    ("This hoster is not supported.", HosterNotSupported, True, "linkresolver hosts"),
    ("Network error", HosterDown, True, "another provider may work"),
    ("Hoster currently not available", HosterDown, True, "another provider may work"),
    ("Link not found", FileGone, False, "deleted"),
    ("File not found", FileGone, False, "deleted"),
    ("content not in cache", NotInCache, True, "cloud first"),
    ("You already added this job.", TransferExists, True, ""),
    ("Transfer not found", TransferGone, True, "resolve the link again"),
    ("Too many requests", errors.RateLimited, True, "waits"),
    ("no src found", errors.BadLink, False, ""),
    ("Invalid magnet link", errors.BadLink, False, ""),
    ("An error occured. Please try again later", errors.ProviderOutage, True, "3 minutes"),
    ("Service is in maintenance", errors.ProviderOutage, True, "3 minutes"),
]


@pytest.mark.parametrize(("message", "error_class", "fails_over", "advice"), KNOWN)
def test_each_known_message_has_its_class_advice_and_failover(
    api: responses.RequestsMock,
    tmp_path: Path,
    message: str,
    error_class: type[errors.ResolverError],
    fails_over: bool,
    advice: str,
) -> None:
    api.post(f"{API}/transfer/directdl", json={"status": "error", "message": message})
    with pytest.raises(errors.ResolverError) as caught:
        provider().resolve(LINK, "rapidgator.net", context(tmp_path))
    error = caught.value
    assert type(error) is error_class
    assert error.try_other_provider is fails_over
    assert advice in error.advice()
    assert message.rstrip(".!") in str(error) and error.link == LINK and error.provider == "premiumize"


def test_an_unknown_message_is_a_clear_generic_refusal() -> None:
    error = error_for("Something new \x1b[2J happened", link=LINK)
    assert type(error) is PremiumizeRefused and error.try_other_provider
    assert str(error) == 'premiumize refused this (it said "Something new [2J happened")'
    assert str(error_for(None)) == "premiumize answered with an error and no message"


@pytest.mark.parametrize(
    ("body", "status", "error_class"),
    [
        ({"status": "error"}, 200, PremiumizeRefused),
        ({"status": "error", "message": "whatever"}, 401, InvalidKey),
        ({"message": "Unauthorized"}, 401, InvalidKey),
        ({"status": "pending"}, 200, errors.ProviderOutage),
        (["not", "an", "object"], 200, errors.ProviderOutage),
        ({"status": "success"}, 200, errors.ProviderOutage),  # no link at all
    ],
)
def test_odd_answers_are_errors_never_tracebacks(
    api: responses.RequestsMock,
    tmp_path: Path,
    body: Any,
    status: int,
    error_class: type[errors.ResolverError],
) -> None:
    api.post(f"{API}/transfer/directdl", json=body, status=status)
    with pytest.raises(error_class) as caught:
        provider().resolve(LINK, "rapidgator.net", context(tmp_path))
    assert KEY not in str(caught.value)


# -- a device login instead of a key ------------------------------------------------------------

OAUTH = "https://pm.example"
ACCESS, RENEWED, REFRESH = "access-4711-abc", "access-4712-def", "refresh-0815-xyz"


def logged_in(tmp_path: Path, *, expires_at: float | None = None) -> PremiumizeCurrentProvider:
    store = TokenStore("premiumize", tmp_path / "state")
    store.save(StoredToken(ACCESS, REFRESH, expires_at=expires_at, client_id="app-1"))
    settings = ProviderSettings("premiumize", api_base=API, extra={"oauth_base": OAUTH})
    return PremiumizeCurrentProvider(settings, store=store)


def test_a_stored_login_enables_the_provider_and_its_token_is_sent(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    provider = logged_in(tmp_path)
    assert provider.enabled
    assert not PremiumizeCurrentProvider(
        ProviderSettings("premiumize"), store=TokenStore("x", tmp_path)
    ).enabled
    api.post(f"{API}/transfer/directdl", json=success(location="https://dl.example/a.bin", filename="a.bin"))
    provider.resolve(LINK, "rapidgator.net", context(tmp_path))
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {ACCESS}"


def test_a_refused_token_is_renewed_once_and_the_call_asked_again(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    provider = logged_in(tmp_path)
    api.post(f"{API}/transfer/directdl", json={"status": "error", "message": "Not logged in."})
    api.post(f"{OAUTH}/token", json={"access_token": RENEWED, "expires_in": 3600, "refresh_token": REFRESH})
    api.post(f"{API}/transfer/directdl", json=success(location="https://dl.example/a.bin", filename="a.bin"))
    link = provider.resolve(LINK, "rapidgator.net", context(tmp_path))
    assert link.url == "https://dl.example/a.bin"
    sent = [call.request.headers.get("Authorization") for call in api.calls]
    assert sent == [f"Bearer {ACCESS}", None, f"Bearer {RENEWED}"]
    assert provider.store.load().access_token == RENEWED  # type: ignore[union-attr]


def test_a_token_refused_again_after_renewal_asks_for_a_login(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    provider = logged_in(tmp_path)
    api.post(f"{API}/transfer/directdl", json={"status": "error", "message": "Not logged in."})
    api.post(f"{OAUTH}/token", json={"access_token": RENEWED, "expires_in": 3600, "refresh_token": REFRESH})
    api.post(f"{API}/transfer/directdl", json={"status": "error", "message": "Not logged in."})
    with pytest.raises(errors.AuthFailed):
        provider.resolve(LINK, "rapidgator.net", context(tmp_path))
    assert len(api.calls) == 3  # renewed once, never in a loop


def test_a_configured_key_goes_before_a_stored_login_and_is_never_renewed(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    store = TokenStore("premiumize", tmp_path / "state")
    store.save(StoredToken(ACCESS, REFRESH))
    provider = PremiumizeCurrentProvider(ProviderSettings("premiumize", key=KEY, api_base=API), store=store)
    api.post(f"{API}/transfer/directdl", json={"status": "error", "message": "Not logged in."})
    with pytest.raises(InvalidKey):
        provider.resolve(LINK, "rapidgator.net", context(tmp_path))
    assert [call.request.headers["Authorization"] for call in api.calls] == [f"Bearer {KEY}"]


def test_hoster_terms_are_the_fair_use_factors_of_the_list(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(
        f"{API}/services/list",
        json={
            "directdl": ["rapidgator.net", "nitroflare.com"],
            "cache": ["cacheonly.example"],
            "regexpatterns": {
                "rapidgator.net": [r"https?://rapidgator\.net/file/\w+"],
                "nitroflare.com": [r"https?://nitroflare\.com/view/\w+"],
                "cacheonly.example": [r"https?://cacheonly\.example/\w+"],
            },
            "fairusefactor": {"rapidgator.net": 1, "nitroflare.com": 4},
        },
    )
    said = provider().hoster_terms(context(tmp_path))  # the list asked for when not yet read
    assert (said["nitroflare.com"].cost, said["nitroflare.com"].terms) == (4.0, "fair use x4")
    assert (said["rapidgator.net"].cost, said["rapidgator.net"].terms) == (1.0, None)
    assert said["cacheonly.example"].terms == "cached files only" and said["cacheonly.example"].up is None
