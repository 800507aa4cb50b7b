"""The Real-Debrid provider against a mocked API: its settings, the token, hosters from
hosts/regex and hosts/domains, a hoster that hosts/status says is down, folders, check,
the account, and magnets (selected files, progress, the torrent's end states, deletion)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any, Final

import pytest
import requests
import responses
from responses import matchers

from linkresolver.plugins.realdebrid.client import DEFAULT_API_BASE
from linkresolver.plugins.realdebrid.provider import RealDebridProvider
from linkresolver.plugins.realdebrid.results import TorrentFile
from linkresolver.plugins.realdebrid.torrents import chosen
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.device_login import StoredToken, TokenStore
from resolver_core.http import make_session
from resolver_core.magnets import info_hash
from resolver_core.models import HosterQuota, LinkState, LinkStatus
from resolver_core.provider import ResolveContext

API: Final = DEFAULT_API_BASE
TOKEN: Final = "S3NT1NEL-realdebrid-provider-token"
SECRETS: Final = [TOKEN]
LINK: Final = "https://rapidgator.net/file/abc123/movie.mkv"
MAGNET: Final = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=Season.1"
OAUTH: Final = "https://rd.example/oauth/v2"
STORED: Final = "S3NT1NEL-realdebrid-stored-access"
RENEWED: Final = "S3NT1NEL-realdebrid-renewed-access"
UP: Final = {"rapidgator.net": {"name": "Rapidgator", "supported": 1, "status": "up"}}


def provider(**extra: Any) -> RealDebridProvider:
    return RealDebridProvider(ProviderSettings("realdebrid", key=TOKEN, extra=extra))


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


def test_without_a_key_it_says_how_to_get_one(tmp_path: Path) -> None:
    bare = RealDebridProvider(ProviderSettings("realdebrid"), store=TokenStore("realdebrid", tmp_path))
    with pytest.raises(errors.AuthFailed, match="run `linkresolver realdebrid login`"):
        bare.token(make_session())
    assert not bare.enabled


def logged_in(tmp_path: Path) -> RealDebridProvider:
    store = TokenStore("realdebrid", tmp_path / "state")
    store.save(StoredToken(STORED, "refresh-1", client_id="client-1", client_secret="secret-1"))
    return RealDebridProvider(ProviderSettings("realdebrid", extra={"oauth_base": OAUTH}), store=store)


@responses.activate
def test_a_stored_login_enables_the_provider_and_a_refused_token_is_renewed_once(tmp_path: Path) -> None:
    provider = logged_in(tmp_path)
    assert provider.enabled
    responses.get(f"{API}/user", json={"error": "bad_token", "error_code": 8}, status=401)
    responses.post(
        f"{OAUTH}/token", json={"access_token": RENEWED, "expires_in": 3600, "refresh_token": "refresh-2"}
    )
    responses.get(f"{API}/user", json={"username": "me", "type": "premium", "expiration": None})
    provider.client(context(tmp_path)).user()
    sent = [call.request.headers.get("Authorization") for call in responses.calls]
    assert sent == [f"Bearer {STORED}", None, f"Bearer {RENEWED}"]
    assert provider.store.load().access_token == RENEWED  # type: ignore[union-attr]


@responses.activate
def test_a_configured_api_token_is_never_renewed(tmp_path: Path) -> None:
    responses.get(f"{API}/user", json={"error": "bad_token", "error_code": 8}, status=401)
    with pytest.raises(errors.AuthFailed):
        provider().client(context(tmp_path)).user()
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"remote_traffic": "yes"}, "'remote_traffic' must be true or false"),
        ({"keep_torrents": 1}, "'keep_torrents' must be true or false"),
        ({"select_files": "some"}, '\'select_files\' must be "all" or "video"'),
        ({"torrent_timeout_minutes": 0}, "'torrent_timeout_minutes' must be a number above 0"),
    ],
)
def test_bad_settings_are_named(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(errors.ConfigError, match=words):
        provider(**extra)


def test_the_default_rate_stays_under_250_requests_a_minute() -> None:
    assert provider().request_burst + provider().requests_per_second * 60 <= 249


def test_hosters_come_from_regex_and_domains_and_are_cached(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/hosts/regex", json=[r"/(https?:\/\/)?(www\.)?(rapidgator\.net|rg\.to)\/file\/\w+/"])
    api.get(f"{API}/hosts/domains", json=["rapidgator.net", "rg.to"])
    ctx = context(tmp_path)
    [spec] = provider().hosters(ctx)
    assert spec.name == "rapidgator.net" and spec.domains == ("rapidgator.net", "rg.to")
    assert provider().hosters(ctx) == [spec]  # from the cache: no second call


def test_a_link_is_unrestricted_with_remote_traffic_when_configured(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/hosts/status", json=UP)
    api.post(
        f"{API}/unrestrict/link",
        match=[matchers.urlencoded_params_matcher({"link": LINK, "remote": "1"})],
        json={
            "filename": "movie.mkv",
            "filesize": 99,
            "download": "https://dl.example/movie.mkv",
            "chunks": 4,
            "mimeType": "video/x-matroska",
        },
    )
    link = provider(remote_traffic=True).resolve(LINK, "rapidgator.net", context(tmp_path))
    assert (link.url, link.filename, link.size, link.content_type) == (
        "https://dl.example/movie.mkv",
        "movie.mkv",
        99,
        "video/x-matroska",
    )
    assert link.download_limits().max_connections == 4


def test_the_link_password_the_person_gave_goes_with_the_link(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/hosts/status", json=UP)
    api.post(
        f"{API}/unrestrict/check",
        match=[matchers.urlencoded_params_matcher({"link": LINK, "password": "S3NT1NEL-link-pass"})],
        json={
            "host": "rapidgator.net",
            "link": LINK,
            "filename": "movie.mkv",
            "filesize": 99,
            "supported": 1,
        },
    )
    api.post(
        f"{API}/unrestrict/link",
        match=[matchers.urlencoded_params_matcher({"link": LINK, "password": "S3NT1NEL-link-pass"})],
        json={"filename": "movie.mkv", "filesize": 99, "download": "https://dl.example/movie.mkv"},
    )
    ctx = dataclasses.replace(context(tmp_path), link_password="S3NT1NEL-link-pass")
    assert provider().resolve(LINK, "rapidgator.net", ctx).url == "https://dl.example/movie.mkv"
    (status,) = provider().check([LINK], "rapidgator.net", ctx)
    assert not isinstance(status, errors.ResolverError) and status.state is LinkState.ONLINE


def test_a_hoster_down_at_real_debrid_fails_over_without_unrestricting(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(
        f"{API}/hosts/status",
        json={"rapidgator.net": {"name": "Rapidgator", "supported": 1, "status": "down"}},
    )
    with pytest.raises(errors.HosterUnavailable, match="Rapidgator is down right now") as caught:
        provider().resolve(LINK, "rapidgator.net", context(tmp_path))
    assert caught.value.try_other_provider


def test_a_status_that_cannot_be_had_does_not_stop_the_link(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/hosts/status", status=502, body=b"<html>bad gateway</html>")
    api.post(f"{API}/unrestrict/link", json={"download": "https://dl.example/x"})
    assert provider().resolve(LINK, "rapidgator.net", context(tmp_path)).url == "https://dl.example/x"


def test_a_folder_is_each_of_its_files(api: responses.RequestsMock, tmp_path: Path) -> None:
    folder = "https://rapidgator.net/folder/123/Season"
    api.get(f"{API}/hosts/status", json=UP)
    api.post(
        f"{API}/unrestrict/folder", json=["https://rapidgator.net/file/a", "https://rapidgator.net/file/b"]
    )
    for name in ("a", "b"):
        api.post(
            f"{API}/unrestrict/link",
            match=[matchers.urlencoded_params_matcher({"link": f"https://rapidgator.net/file/{name}"})],
            json={"filename": f"{name}.mkv", "filesize": 5, "download": f"https://dl.example/{name}.mkv"},
        )
    link = provider().resolve(folder, "rapidgator.net", context(tmp_path))
    assert [f.url for f in link.files] == ["https://dl.example/a.mkv", "https://dl.example/b.mkv"]
    assert link.url == "https://dl.example/a.mkv"


def test_a_folder_file_whose_call_gets_no_answer_is_asked_again_alone(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    """Found by the soak: one missed answer among a folder's calls failed the whole folder."""
    folder = "https://rapidgator.net/folder/123/Season"
    api.get(f"{API}/hosts/status", json=UP)
    api.post(
        f"{API}/unrestrict/folder", json=["https://rapidgator.net/file/a", "https://rapidgator.net/file/b"]
    )
    answer = {"filename": "a.mkv", "filesize": 5, "download": "https://dl.example/a.mkv"}
    api.post(f"{API}/unrestrict/link", json=answer)
    api.post(f"{API}/unrestrict/link", status=503, headers={"Retry-After": "1"})
    api.post(f"{API}/unrestrict/link", json={**answer, "download": "https://dl.example/b.mkv"})
    link = provider().resolve(folder, "rapidgator.net", context(tmp_path))
    assert [f.url for f in link.files] == ["https://dl.example/a.mkv", "https://dl.example/b.mkv"]
    assert len([c for c in api.calls if str(c.request.url).endswith("/unrestrict/folder")]) == 1


def test_an_empty_folder_is_offline(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(f"{API}/hosts/status", json=UP)
    api.post(f"{API}/unrestrict/folder", json=[])
    with pytest.raises(errors.FileOffline, match="no files"):
        provider().resolve("https://rapidgator.net/folder/9", "rapidgator.net", context(tmp_path))


def test_check_reads_each_link(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(f"{API}/unrestrict/check", json={"filename": "movie.mkv", "filesize": 10, "supported": 1})
    api.post(f"{API}/unrestrict/check", status=503, json={"error": "file_unavailable", "error_code": 24})
    api.post(f"{API}/unrestrict/check", status=400, json={"error": "hoster_unsupported", "error_code": 16})
    online, offline, unsupported = provider().check(
        [LINK, LINK + "2", LINK + "3"], "rapidgator.net", context(tmp_path)
    )
    assert not isinstance(online, errors.ResolverError) and online.state is LinkState.ONLINE
    assert online.filename == "movie.mkv"
    assert not isinstance(offline, errors.ResolverError) and offline.state is LinkState.OFFLINE
    assert isinstance(unsupported, errors.UnsupportedLink)


def test_a_check_without_an_answer_fails_only_its_own_link(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    """Found by the soak: links were checked 50 to a batch, one call each, so one call
    without an answer failed the check of every link in the batch (all of the soak's)."""
    checker = provider()
    api.post(f"{API}/unrestrict/check", json={"filename": "a.mkv", "filesize": 10, "supported": 1})
    api.post(f"{API}/unrestrict/check", status=502, body="<html><h1>502 Bad Gateway</h1></html>")
    api.post(f"{API}/unrestrict/check", json={"filename": "c.mkv", "filesize": 10, "supported": 1})
    urls = [LINK, LINK + "2", LINK + "3"]
    answers: list[LinkStatus | errors.ResolverError] = []
    for start in range(0, len(urls), checker.check_batch_size):  # as the core sends them
        batch = urls[start : start + checker.check_batch_size]
        try:
            answers += checker.check(batch, "rapidgator.net", context(tmp_path))
        except errors.ResolverError as exc:  # the core makes it each link's outcome
            answers += [exc] * len(batch)
    first, missed, third = answers
    assert not isinstance(first, errors.ResolverError) and first.state is LinkState.ONLINE
    assert isinstance(missed, errors.ProviderOutage) and missed.no_answer
    assert not isinstance(third, errors.ResolverError) and third.state is LinkState.ONLINE


def test_the_account_has_type_expiry_and_traffic(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(
        f"{API}/user",
        json={
            "username": "me",
            "type": "premium",
            "premium": 100,
            "points": 3,
            "expiration": "2027-01-01T00:00:00.000Z",
        },
    )
    api.get(
        f"{API}/traffic",
        json={
            "rapidgator.net": {"left": 5, "type": "gigabytes", "reset": "daily"},
            "1fichier.com": {"left": 95, "type": "links", "reset": "daily"},
            "odd.example": {"left": 1, "type": "parsecs"},
        },
    )
    account = provider().account(context(tmp_path))
    assert (account.login, account.type, account.can_download, account.expires) == (
        "me",
        "premium",
        True,
        1798761600,
    )
    assert dict(account.extra) == {
        "points": "3",
        "traffic 1fichier.com": "95 links left (daily)",
        "traffic odd.example": "1 parsecs left (?)",
        "traffic rapidgator.net": "5 gigabytes left (daily)",
    }
    # For planning a batch: links or bytes left; a unit it does not document is left out.
    assert account.quotas == (
        HosterQuota("1fichier.com", links_left=95, resets="daily"),
        HosterQuota("rapidgator.net", bytes_left=5 << 30, resets="daily"),
    )


# -- magnets ---------------------------------------------------------------------------------------


def info(status: str, **more: Any) -> dict[str, Any]:
    return {"id": "T1", "filename": "Season.1", "bytes": 30, "status": status, **more}


FILES: Final = [
    {"id": 1, "path": "/Season.1/e1.mkv", "bytes": 10, "selected": 0},
    {"id": 2, "path": "/Season.1/e2.mkv", "bytes": 10, "selected": 0},
    {"id": 3, "path": "/Season.1/info.nfo", "bytes": 10, "selected": 0},
]


def test_a_magnet_selects_the_video_files_reports_progress_and_deletes_the_torrent(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    reports: list[str] = []
    api.post(f"{API}/torrents/addMagnet", status=201, json={"id": "T1"})
    api.get(f"{API}/torrents/info/T1", json=info("magnet_conversion"))
    api.get(f"{API}/torrents/info/T1", json=info("waiting_files_selection", files=FILES))
    api.post(
        f"{API}/torrents/selectFiles/T1",
        match=[matchers.urlencoded_params_matcher({"files": "1,2"})],
        status=204,
    )
    api.get(f"{API}/torrents/info/T1", json=info("downloading", progress=50))
    links = ["https://real-debrid.com/d/E1", "https://real-debrid.com/d/E2"]
    api.get(f"{API}/torrents/info/T1", json=info("downloaded", progress=100, links=links))
    for n in (1, 2):
        api.post(
            f"{API}/unrestrict/link",
            match=[matchers.urlencoded_params_matcher({"link": f"https://real-debrid.com/d/E{n}"})],
            json={"filename": f"e{n}.mkv", "filesize": 10, "download": f"https://dl.example/e{n}.mkv"},
        )
    api.delete(f"{API}/torrents/delete/T1", status=204)
    link = provider(select_files="video").resolve(MAGNET, "magnet", context(tmp_path, reports))
    assert [f.filename for f in link.files] == ["e1.mkv", "e2.mkv"]
    assert (link.filename, link.size, link.hoster) == ("Season.1", 30, "magnet")
    assert reports == [
        "realdebrid is fetching the torrent (magnet conversion)",
        "realdebrid is fetching the torrent (downloading, 50%)",
    ]


def test_a_cached_magnet_is_ready_at_once_and_kept_when_asked(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    reports: list[str] = []
    api.post(f"{API}/torrents/addMagnet", status=201, json={"id": "T1"})
    api.get(f"{API}/torrents/info/T1", json=info("waiting_files_selection", files=FILES[:1]))
    api.post(
        f"{API}/torrents/selectFiles/T1",
        match=[matchers.urlencoded_params_matcher({"files": "all"})],
        status=204,
    )
    api.get(f"{API}/torrents/info/T1", json=info("downloaded", links=["https://real-debrid.com/d/E1"]))
    api.post(
        f"{API}/unrestrict/link",
        json={"filename": "e1.mkv", "filesize": 10, "download": "https://dl.example/e1.mkv"},
    )
    link = provider(keep_torrents=True).resolve(MAGNET, "magnet", context(tmp_path, reports))
    assert (link.url, link.filename, link.files) == ("https://dl.example/e1.mkv", "e1.mkv", ())
    assert reports == ["realdebrid has this torrent cached: its files are ready at once"]


@pytest.mark.parametrize(
    ("status", "error_class", "words"),
    [
        ("dead", errors.FileOffline, "nobody seeds it"),
        ("virus", errors.Refused, "virus"),
        ("error", errors.Refused, "download failed"),
        ("magnet_error", errors.Refused, "could not be read"),
    ],
)
def test_a_torrent_that_ends_badly_says_why_and_is_deleted(
    api: responses.RequestsMock,
    tmp_path: Path,
    status: str,
    error_class: type[errors.ResolverError],
    words: str,
) -> None:
    api.post(f"{API}/torrents/addMagnet", status=201, json={"id": "T1"})
    api.get(f"{API}/torrents/info/T1", json=info(status))
    api.delete(f"{API}/torrents/delete/T1", status=204)
    with pytest.raises(error_class, match=words):
        provider(keep_torrents=True).resolve(MAGNET, "magnet", context(tmp_path))


def test_a_torrent_that_takes_too_long_is_kept_and_named(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.post(f"{API}/torrents/addMagnet", status=201, json={"id": "T1"})
    api.get(f"{API}/torrents/info/T1", json=info("downloading", progress=1))
    with pytest.raises(errors.ProviderOutage, match="torrents info T1"):
        provider(torrent_timeout_minutes=0.0001).resolve(MAGNET, "magnet", context(tmp_path))


def test_calls_on_an_added_torrent_that_get_no_answer_are_made_again_without_adding_it_anew(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    """Found by the soak: one missed answer among a magnet's six to eight calls failed the
    link (and asking it again added the torrent anew), so most magnets ended in an outage."""
    api.post(f"{API}/torrents/addMagnet", status=201, json={"id": "T1"})
    api.get(f"{API}/torrents/info/T1", status=502, body="<html><h1>502 Bad Gateway</h1></html>")
    api.get(f"{API}/torrents/info/T1", json=info("waiting_files_selection", files=FILES[:1]))
    api.post(f"{API}/torrents/selectFiles/T1", body=requests.ConnectionError("reset"))
    api.post(f"{API}/torrents/selectFiles/T1", status=202)  # the first went through after all
    api.get(f"{API}/torrents/info/T1", status=503, headers={"Retry-After": "1"})
    api.get(f"{API}/torrents/info/T1", json=info("downloaded", links=["https://real-debrid.com/d/E1"]))
    api.post(f"{API}/unrestrict/link", body='{"filename": "e1')  # JSON cut short
    api.post(
        f"{API}/unrestrict/link",
        json={"filename": "e1.mkv", "filesize": 10, "download": "https://dl.example/e1.mkv"},
    )
    api.delete(f"{API}/torrents/delete/T1", body=requests.ConnectionError("reset"))
    api.delete(f"{API}/torrents/delete/T1", status=204)
    link = provider().resolve(MAGNET, "magnet", context(tmp_path))
    assert link.url == "https://dl.example/e1.mkv"
    assert len([c for c in api.calls if str(c.request.url).endswith("/addMagnet")]) == 1


def test_a_torrent_call_is_made_three_times_at_most_and_a_refusal_only_once(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.post(f"{API}/torrents/addMagnet", status=201, json={"id": "T1"})
    for _ in range(3):
        api.get(f"{API}/torrents/info/T1", body=requests.ConnectionError("reset"))
    api.delete(f"{API}/torrents/delete/T1", json={"error": "unknown_ressource", "error_code": 7}, status=404)
    with pytest.raises(errors.ProviderOutage, match="cannot be reached"):
        provider().resolve(MAGNET, "magnet", context(tmp_path))
    assert len([c for c in api.calls if "/torrents/info/" in str(c.request.url)]) == 3
    assert len([c for c in api.calls if "/torrents/delete/" in str(c.request.url)]) == 1


def test_magnets_are_claimed_by_their_hash() -> None:
    assert provider().claims(MAGNET) == "magnet"
    assert provider().claims("magnet:?dn=nothing") is None
    assert provider().claims(LINK) is None
    assert info_hash("magnet:?xt=urn:btih:" + "A" * 32) == "00" * 20


def test_video_selection_falls_back_to_every_file() -> None:
    nfo = (TorrentFile(1, "/a.nfo", 1, False),)
    assert chosen(nfo, "video") is None
    assert chosen((TorrentFile(4, "/A.MKV", 1, False), *nfo), "video") == [4]
    assert chosen(nfo, "all") is None


def test_hoster_terms_are_hosts_status_the_same_answer_resolve_uses(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.get(f"{API}/hosts/regex", json=[r"/(https?:\/\/)?(www\.)?(rapidgator\.net|rg\.to)\/file\/\w+/"])
    api.get(f"{API}/hosts/domains", json=["rapidgator.net", "rg.to", "turbobit.net"])
    api.get(
        f"{API}/hosts/status",
        json={"rg.to": {"name": "Rapidgator", "supported": 1, "status": "down"}},
    )
    rd, ctx = provider(), context(tmp_path)
    rd.hosters(ctx)
    said = rd.hoster_terms(ctx)
    assert (said["rapidgator.net"].up, said["rapidgator.net"].cost) == (False, None)  # found by its domain
    with pytest.raises(errors.HosterUnavailable, match="Rapidgator is down"):
        rd.resolve(LINK, "rapidgator.net", ctx)  # hosts/status asked once for both
