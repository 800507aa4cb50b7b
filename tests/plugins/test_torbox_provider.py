"""The TorBox provider against a mocked API: its settings and rate, hosters from
webdl/hosters (patterns and domains), a hoster down failing over, web downloads (password,
progress, several files, deletion, keep_downloads, the time allowed), magnets (cached first,
a dead torrent), check through checkcached, and the account."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Final

import pytest
import responses
from responses import matchers

from linkresolver.plugins.torbox import hosts
from linkresolver.plugins.torbox.client import DEFAULT_API_BASE, link_hash
from linkresolver.plugins.torbox.provider import TorBoxProvider
from linkresolver.plugins.torbox.results import Hoster
from linkresolver.plugins.torbox.transfers import StillFetching
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.http import make_session
from resolver_core.models import HosterQuota, LinkState, LinkStatus
from resolver_core.provider import ResolveContext

API: Final = DEFAULT_API_BASE
KEY: Final = "S3NT1NEL-torbox-provider-key"
SECRETS: Final = [KEY]
LINK: Final = "https://hitfile.net/AbC123/movie.mkv"
MAGNET: Final = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=Season.1"
HOSTERS: Final = [
    {"name": "Hitfile", "domains": ["hitfile.net", "hil.to"], "status": True,
     "regex": r"/https?:\/\/(www\.)?(hitfile\.net|hil\.to)\/[A-Za-z0-9]+(\/[^\/?#]+)?/i"},
    {"name": "Gofile", "domains": ["gofile.io"], "status": True},
    {"name": "WeTransfer", "domains": ["wetransfer.com"], "status": False},
]  # fmt: skip


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "error": None, "detail": "Done.", "data": data}


def provider(**extra: Any) -> TorBoxProvider:
    return TorBoxProvider(ProviderSettings("torbox", key=KEY, extra=extra))


def context(tmp_path: Path, reports: list[str] | None = None, password: str | None = None) -> ResolveContext:
    return ResolveContext(
        make_session(retries=0),
        HosterListCache(tmp_path, 1),
        lambda challenge: None,
        threading.Event(),
        reporter=reports.append if reports is not None else None,
        link_password=password,
    )


def item(
    transfer_id: int, state: str, progress: float, files: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    done = files is not None
    return {"id": transfer_id, "name": "Season.1", "size": 300, "download_state": state, "progress": progress,
            "download_finished": done, "download_present": done, "files": files or []}  # fmt: skip


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ResolveContext, "wait_until", lambda self, deadline: None)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"keep_downloads": "yes"}, "'keep_downloads' must be true or false"),
        ({"transfer_timeout_minutes": 0}, "'transfer_timeout_minutes' must be a number above 0"),
        ({"transfer_timeout_minutes": True}, "'transfer_timeout_minutes' must be a number above 0"),
    ],
)
def test_bad_settings_are_named(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(errors.ConfigError, match=words):
        provider(**extra)


def test_without_a_key_it_says_where_the_key_goes(tmp_path: Path) -> None:
    bare = TorBoxProvider(ProviderSettings("torbox"))
    with pytest.raises(errors.AuthFailed, match=r"\[providers.torbox\]"):
        bare.client(context(tmp_path))
    assert not bare.enabled


def test_the_default_rate_stays_under_300_requests_a_minute() -> None:
    assert provider().request_burst + provider().requests_per_second * 60 <= 299


def test_hosters_from_patterns_and_domains_are_cached(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/webdl/hosters", json=ok(HOSTERS))
    ctx = context(tmp_path)
    specs = {spec.name: spec for spec in provider().hosters(ctx)}
    assert set(specs) == {"hitfile.net", "gofile.io", "wetransfer.com"}
    assert specs["hitfile.net"].domains == ("hitfile.net", "hil.to")
    assert {spec.name for spec in provider().hosters(ctx)} == set(specs)  # from the cache: one call
    assert len(api.calls) == 1


def test_a_domain_pattern_takes_the_domains_links_only() -> None:
    import re

    pattern = re.compile(hosts.domain_pattern(["gofile.io"]))
    assert pattern.match("https://gofile.io/d/abc") and pattern.match("https://store1.gofile.io/x")
    assert not pattern.match("https://gofile.io.evil.example/d/abc")
    assert not pattern.match("https://notgofile.io/d/abc")
    assert hosts.undelimited("/a\\/b/i") == "(?i)a\\/b"


def test_down_hosters_are_named_by_their_first_domain() -> None:
    listed = [Hoster.read(entry) for entry in HOSTERS]
    assert hosts.down([h for h in listed if h is not None]) == {"wetransfer.com"}


def test_a_hoster_link_goes_through_a_web_download(api: responses.RequestsMock, tmp_path: Path) -> None:
    reports: list[str] = []
    api.get(f"{API}/webdl/hosters", json=ok(HOSTERS))
    api.post(
        f"{API}/webdl/createwebdownload",
        match=[matchers.urlencoded_params_matcher({"link": LINK, "password": "pw"})],
        json=ok({"webdownload_id": 31}),
    )
    api.get(f"{API}/webdl/mylist", json=ok(item(31, "downloading", 0.4)))
    api.get(
        f"{API}/webdl/mylist",
        json=ok(item(31, "completed", 1.0, [{"id": 0, "short_name": "movie.mkv", "size": 99}])),
    )
    api.get(f"{API}/webdl/requestdl", json=ok("https://cdn.torbox.example/movie.mkv"))
    api.post(
        f"{API}/webdl/controlwebdownload",
        match=[matchers.json_params_matcher({"webdl_id": 31, "operation": "delete"})],
        json=ok(None),
    )
    found = provider().resolve(LINK, "hitfile.net", context(tmp_path, reports, password="pw"))
    assert (found.url, found.filename, found.size, found.provider) == (
        "https://cdn.torbox.example/movie.mkv",
        "movie.mkv",
        99,
        "torbox",
    )
    assert "torbox is fetching the web download (downloading, 40%)" in reports


def test_a_hoster_down_fails_over_without_creating_anything(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/webdl/hosters", json=ok(HOSTERS))
    with pytest.raises(errors.HosterUnavailable) as caught:
        provider().resolve("https://wetransfer.com/downloads/x", "wetransfer.com", context(tmp_path))
    assert caught.value.try_other_provider and "wetransfer.com is down" in str(caught.value)
    assert len(api.calls) == 1


def test_a_cached_magnet_is_ready_at_once_and_deleted(api: responses.RequestsMock, tmp_path: Path) -> None:
    reports: list[str] = []
    files = [{"id": 0, "short_name": "e1.mkv", "size": 100}, {"id": 1, "short_name": "e2.mkv", "size": 200}]
    api.get(f"{API}/torrents/checkcached", json=ok([{"hash": "c" * 40, "name": "Season.1", "size": 300}]))
    api.post(f"{API}/torrents/createtorrent", json=ok({"torrent_id": 5}))
    api.get(f"{API}/torrents/mylist", json=ok(item(5, "cached", 1.0, files)))
    first_file = {"token": KEY, "torrent_id": "5", "file_id": "0", "zip_link": "false"}
    api.get(
        f"{API}/torrents/requestdl",
        match=[matchers.query_param_matcher(first_file)],
        json=ok("https://cdn.example/e1"),
    )
    api.get(f"{API}/torrents/requestdl", json=ok("https://cdn.example/e2"))
    api.post(f"{API}/torrents/controltorrent", json=ok(None))
    found = provider().resolve(MAGNET, "magnet", context(tmp_path, reports))
    assert [(f.url, f.filename, f.size) for f in found.files] == [
        ("https://cdn.example/e1", "e1.mkv", 100),
        ("https://cdn.example/e2", "e2.mkv", 200),
    ]
    assert (found.filename, found.size, found.hoster) == ("Season.1", 300, "magnet")
    assert "torbox has this torrent cached" in reports


def test_keep_downloads_keeps_them(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/torrents/checkcached", json=ok(None))
    api.post(f"{API}/torrents/createtorrent", json=ok({"torrent_id": 5}))
    api.get(f"{API}/torrents/mylist", json=ok(item(5, "completed", 1.0, [{"id": 0, "name": "a.mkv"}])))
    api.get(f"{API}/torrents/requestdl", json=ok("https://cdn.example/a"))
    assert (
        provider(keep_downloads=True).resolve(MAGNET, "magnet", context(tmp_path)).url
        == "https://cdn.example/a"
    )


def test_a_dead_torrent_is_offline_and_deleted(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/torrents/checkcached", json=ok(None))
    api.post(f"{API}/torrents/createtorrent", json=ok({"torrent_id": 5}))
    api.get(f"{API}/torrents/mylist", json=ok(item(5, "stalled (no seeds)", 0.0)))
    deleted = api.post(f"{API}/torrents/controltorrent", json=ok(None))
    with pytest.raises(errors.FileOffline, match="stalled"):
        provider().resolve(MAGNET, "magnet", context(tmp_path))
    assert deleted.call_count == 1


def test_a_transfer_past_its_time_is_kept(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/torrents/checkcached", json=ok(None))
    api.post(f"{API}/torrents/createtorrent", json=ok({"torrent_id": 5}))
    api.get(f"{API}/torrents/mylist", json=ok(item(5, "downloading", 0.1)))
    with pytest.raises(StillFetching, match="torbox torrents info 5"):
        provider(transfer_timeout_minutes=0.0001).resolve(MAGNET, "magnet", context(tmp_path))


def test_a_poll_without_an_answer_is_asked_again(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/webdl/hosters", json=ok(HOSTERS))
    api.post(f"{API}/webdl/createwebdownload", json=ok({"webdownload_id": 31}))
    api.get(f"{API}/webdl/mylist", status=502, body=b"<html>bad gateway</html>")
    api.get(f"{API}/webdl/mylist", json=ok(item(31, "completed", 1.0, [{"id": 0, "name": "m.mkv"}])))
    api.get(f"{API}/webdl/requestdl", json=ok("https://cdn.example/m"))
    api.post(f"{API}/webdl/controlwebdownload", json=ok(None))
    assert provider().resolve(LINK, "hitfile.net", context(tmp_path)).url == "https://cdn.example/m"


def test_check_hoster_links_and_magnets(api: responses.RequestsMock, tmp_path: Path) -> None:
    other = "https://hitfile.net/Zz9/other.bin"
    api.get(f"{API}/webdl/checkcached", match=[matchers.query_param_matcher(
        {"hash": f"{link_hash(LINK)},{link_hash(other)}", "format": "list"})],
        json=ok([{"hash": link_hash(LINK), "name": "movie.mkv", "size": 99}]))  # fmt: skip
    answers = provider().check([LINK, other], "hitfile.net", context(tmp_path))
    assert answers == [
        LinkStatus(LINK, LinkState.ONLINE, "torbox", "hitfile.net", "movie.mkv", 99),
        LinkStatus(other, LinkState.UNKNOWN, "torbox", "hitfile.net"),
    ]
    api.get(f"{API}/torrents/checkcached", json=ok({"c" * 40: {"name": "Season.1", "size": 300}}))
    uncached = "magnet:?xt=urn:btih:" + "d" * 40
    first, second = provider().check([MAGNET, uncached], "magnet", context(tmp_path))
    assert isinstance(first, LinkStatus) and (first.state, first.cached, first.size) == (
        LinkState.ONLINE,
        True,
        300,
    )
    assert isinstance(second, LinkStatus) and (second.state, second.cached) == (LinkState.UNKNOWN, False)


def test_the_account(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(
        f"{API}/user/me", json=ok({"email": "me@x.y", "plan": 0, "cooldown_until": "2999-01-01T00:00:00Z"})
    )
    limited = [
        *HOSTERS,
        {"name": "Kraken", "domains": ["krakenfiles.com"], "status": True,
         "daily_link_limit": 25, "daily_link_used": 22, "daily_bandwidth_limit": 10 << 30,
         "daily_bandwidth_used": 9 << 30},
    ]  # fmt: skip
    api.get(f"{API}/webdl/hosters", json=ok(limited))
    account = provider().account(context(tmp_path))
    assert (account.login, account.type, account.can_download, account.expires) == (
        "me@x.y",
        "free",
        False,
        None,
    )
    assert account.extra[0][0] == "cooldown until"
    # The daily limits, for planning a batch: what is left today of links and bytes.
    assert account.quotas == (
        HosterQuota("krakenfiles.com", links_left=3, bytes_left=1 << 30, resets="daily"),
    )


def test_hoster_terms_say_up_or_down_and_the_daily_limits_left(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    limited = [
        *HOSTERS,
        {"name": "Kraken", "domains": ["krakenfiles.com"], "status": True,
         "daily_link_limit": 25, "daily_link_used": 22, "daily_bandwidth_limit": 10 << 30,
         "daily_bandwidth_used": 9 << 30},
        {"name": "Used", "domains": ["used.example"], "status": True,
         "daily_link_limit": 5, "daily_link_used": 5},
    ]  # fmt: skip
    api.get(f"{API}/webdl/hosters", json=ok(limited))
    tb, ctx = provider(), context(tmp_path)
    tb.hosters(ctx)
    said = tb.hoster_terms(ctx)  # the list just fetched says it: no second call
    assert said["gofile.io"].up is True and said["gofile.io"].terms is None
    assert (said["wetransfer.com"].up, said["wetransfer.com"].terms) == (False, None)
    assert said["krakenfiles.com"].terms == "3 of 25 links left today; 1.0 GiB of 10.0 GiB left today"
    assert (said["used.example"].up, said["used.example"].terms) == (False, "0 of 5 links left today")
    with pytest.raises(errors.HosterUnavailable, match=r"used\.example is down right now \(0 of 5 links"):
        tb.resolve("https://used.example/f/x", "used.example", ctx)
    assert len(api.calls) == 1
