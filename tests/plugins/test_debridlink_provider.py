"""The Debrid-Link provider against a mocked API: its settings, the key before a stored
login, hosters from downloader/hosts (delimited patterns, maintenance), folders, the
password, no check, the account, and magnets (progress, removal, keep_torrents, a timeout
that keeps the torrent)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Final

import pytest
import responses
from responses import matchers

from linkresolver.plugins.debridlink.client import DEFAULT_API_BASE
from linkresolver.plugins.debridlink.hosts import undelimited
from linkresolver.plugins.debridlink.provider import DebridLinkProvider
from linkresolver.plugins.debridlink.seedbox import SeedboxTimeout
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.device_login import StoredToken, TokenStore
from resolver_core.http import make_session
from resolver_core.provider import ResolveContext

API: Final = DEFAULT_API_BASE
TOKEN: Final = "S3NT1NEL-debridlink-provider-key"
SECRETS: Final = [TOKEN]
LINK: Final = "https://1fichier.com/?abc123def"
MAGNET: Final = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=Season.1"
HOSTS: Final = [
    {"name": "1fichier", "status": 1, "domains": ["1fichier.com"],
     "regexs": [r"/https?:\/\/(www\.)?1fichier\.com\/\?\w+/i"]},
    {"name": "dropapk", "status": 0, "domains": ["dropapk.to"], "regexs": [r"dropapk\.to/\w+"]},
]  # fmt: skip


def provider(**extra: Any) -> DebridLinkProvider:
    return DebridLinkProvider(ProviderSettings("debridlink", key=TOKEN, extra=extra))


def context(tmp_path: Path, reports: list[str] | None = None) -> ResolveContext:
    return ResolveContext(
        make_session(retries=0),
        HosterListCache(tmp_path, 1),
        lambda challenge: None,
        threading.Event(),
        reporter=reports.append if reports is not None else None,
    )


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ResolveContext, "wait_until", lambda self, deadline: None)


def ok(value: Any) -> dict[str, Any]:
    return {"success": True, "value": value}


def torrent(percent: float, *, files: int = 2) -> dict[str, Any]:
    done = percent >= 100
    return {
        "id": "t-42",
        "name": "Season.1",
        "hashString": "c" * 40,
        "downloadPercent": percent,
        "totalSize": 300,
        "files": [
            {"name": f"e{n}.mkv", "size": 100, "downloadPercent": percent,
             "downloadUrl": f"https://dl.example/{n}" if done else ""}
            for n in range(files)
        ],
    }  # fmt: skip


def test_settings_are_checked() -> None:
    with pytest.raises(errors.ConfigError, match="'keep_torrents' must be true or false"):
        provider(keep_torrents="yes")
    with pytest.raises(errors.ConfigError, match="'torrent_timeout_minutes' must be a number above 0"):
        provider(torrent_timeout_minutes=0)


def test_without_a_key_or_login_it_says_how_to_get_one(tmp_path: Path) -> None:
    bare = DebridLinkProvider(ProviderSettings("debridlink"), store=TokenStore("debridlink", tmp_path))
    assert not bare.enabled
    with pytest.raises(errors.AuthFailed, match="run `linkresolver debridlink login`"):
        bare.token(make_session())


def test_a_stored_login_enables_it_and_a_configured_key_goes_first(tmp_path: Path) -> None:
    store = TokenStore("debridlink", tmp_path)
    store.save(StoredToken("S3NT1NEL-debridlink-stored", "refresh", client_id="c", expires_at=4102444800.0))
    logged_in = DebridLinkProvider(ProviderSettings("debridlink"), store=store)
    assert logged_in.enabled and logged_in.token(make_session()) == "S3NT1NEL-debridlink-stored"
    both = DebridLinkProvider(ProviderSettings("debridlink", key=TOKEN), store=store)
    assert both.token(make_session()) == TOKEN


def test_delimited_patterns_are_read() -> None:
    assert undelimited(r"/https?:\/\/x\.com/i") == r"(?i)https?:\/\/x\.com"
    assert undelimited(r"x\.com/\w+") == r"x\.com/\w+"


def test_hosters_and_a_link(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/downloader/hosts", json=ok(HOSTS))
    api.post(
        f"{API}/downloader/add",
        match=[matchers.urlencoded_params_matcher({"url": LINK})],
        json=ok({"id": "l1", "name": "a.bin", "downloadUrl": "https://dl.example/a.bin", "size": 5}),
    )
    dl, ctx = provider(), context(tmp_path)
    specs = {spec.name: spec for spec in dl.hosters(ctx)}
    assert set(specs) == {"1fichier", "dropapk"} and specs["1fichier"].domains == ("1fichier.com",)
    found = dl.resolve(LINK, "1fichier", ctx)
    assert (found.url, found.filename, found.size, found.files) == (
        "https://dl.example/a.bin",
        "a.bin",
        5,
        (),
    )
    assert not dl.checks("1fichier") and not dl.checks("magnet")


def test_the_link_password_is_sent(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/downloader/hosts", json=ok(HOSTS))
    api.post(
        f"{API}/downloader/add",
        match=[matchers.urlencoded_params_matcher({"url": LINK, "password": "pw"})],
        json=ok([{"name": f"p{n}.rar", "downloadUrl": f"https://dl.example/{n}", "size": n} for n in (1, 2)]),
    )
    dl, ctx = provider(), context(tmp_path)
    ctx.link_password = "pw"
    dl.hosters(ctx)
    found = dl.resolve(LINK, "1fichier", ctx)
    assert [f.filename for f in found.files] == ["p1.rar", "p2.rar"]


def test_a_hoster_in_maintenance_fails_over_without_a_call(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/downloader/hosts", json=ok(HOSTS))
    dl, ctx = provider(), context(tmp_path)
    dl.hosters(ctx)
    with pytest.raises(errors.HosterUnavailable, match="has dropapk in maintenance") as caught:
        dl.resolve("https://dropapk.to/abc", "dropapk", ctx)
    assert caught.value.try_other_provider


def test_a_magnet_is_polled_reported_and_removed(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(f"{API}/seedbox/add", json=ok(torrent(0)))
    api.get(f"{API}/seedbox/list", json=ok([torrent(40)]))
    api.get(f"{API}/seedbox/list", json=ok([torrent(100)]))
    removed = api.delete(f"{API}/seedbox/t-42/remove", json=ok(["t-42"]))
    reports: list[str] = []
    found = provider().resolve(MAGNET, "magnet", context(tmp_path, reports))
    assert [f.url for f in found.files] == ["https://dl.example/0", "https://dl.example/1"]
    assert found.filename == "Season.1" and found.size == 300
    assert reports == [
        "downloading at Debrid-Link: 0% of Season.1",
        "downloading at Debrid-Link: 40% of Season.1",
    ]
    assert removed.call_count == 1


def test_keep_torrents_keeps_it(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(f"{API}/seedbox/add", json=ok(torrent(100, files=1)))
    found = provider(keep_torrents=True).resolve(MAGNET, "magnet", context(tmp_path))
    assert found.url == "https://dl.example/0" and found.files == ()


def test_a_torrent_that_takes_too_long_is_kept(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(f"{API}/seedbox/add", json=ok(torrent(0)))
    api.get(f"{API}/seedbox/list", json=ok([torrent(1)]))  # answered again and again
    with pytest.raises(SeedboxTimeout, match="kept in the seedbox"):
        provider(torrent_timeout_minutes=0.0002).resolve(MAGNET, "magnet", context(tmp_path))
    # no DELETE was mocked: removing it would have failed the test


def test_a_failed_magnet_is_removed(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(f"{API}/seedbox/add", json=ok(torrent(0)))
    api.get(f"{API}/seedbox/list", json={"success": False, "error": "internalError"}, status=500)
    removed = api.delete(f"{API}/seedbox/t-42/remove", json=ok(["t-42"]))
    with pytest.raises(errors.ProviderOutage):
        provider().resolve(MAGNET, "magnet", context(tmp_path))
    assert removed.call_count == 1


def test_the_account(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/account/infos", json=ok({"username": "me", "accountType": 1, "premiumLeft": 10 * 86400}))
    account = provider().account(context(tmp_path))
    assert (account.login, account.type, account.can_download) == ("me", "premium", True)
    assert account.expires is not None and account.extra == (("premium left", "10 days"),)


def test_hoster_terms_say_which_hosters_are_in_maintenance(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/downloader/hosts", json=ok(HOSTS))
    dl, ctx = provider(), context(tmp_path)
    dl.hosters(ctx)
    said = dl.hoster_terms(ctx)  # the statuses of the list just fetched: no second call
    assert (said["dropapk"].up, said["dropapk"].terms) == (False, "in maintenance")
    assert said["1fichier"].up is True
    assert len(api.calls) == 1
