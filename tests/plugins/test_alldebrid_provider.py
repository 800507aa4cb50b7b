"""The AllDebrid provider against a mocked API: its settings, the key (configured or a
stored PIN login), hosters from hosts and user/hosts (redirectors remembered), a delayed
link polled, redirectors and folders, batched checks, the account, and magnets (cached,
progress, failed, deleted or kept); and the PIN login's two calls."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Final

import pytest
import responses

from linkresolver.plugins.alldebrid.client import DEFAULT_API_BASE, AllDebridClient
from linkresolver.plugins.alldebrid.login import PinLogin
from linkresolver.plugins.alldebrid.provider import AllDebridProvider
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.device_login import DeviceCode, StoredToken, TokenStore, run_device_login
from resolver_core.http import make_session
from resolver_core.models import HosterQuota, LinkState, LinkStatus
from resolver_core.provider import ResolveContext

API: Final = DEFAULT_API_BASE
API41: Final = "https://api.alldebrid.com/v4.1"
KEY: Final = "S3NT1NEL-alldebrid-provider-key"
STORED: Final = "S3NT1NEL-alldebrid-stored-key"
SECRETS: Final = [KEY, STORED]
LINK: Final = "https://hitfile.net/abc123/movie.mkv"
MAGNET: Final = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=Season.1"
HOSTS: Final = {
    "hosts": {
        "hitfile": {
            "name": "hitfile",
            "domains": ["hitfile.net", "hil.to"],
            "regexp": r"https?:\/\/hitfile\.net\/\w+",
        },
        "gone": {
            "name": "gone",
            "domains": ["gone.example"],
            "regexp": r"gone\.example\/\w+",
            "status": False,
        },
    },
    "redirectors": {"ouo": {"name": "ouo", "domains": ["ouo.io"], "regexp": r"https?:\/\/ouo\.io\/\w+"}},
}
USER_HOSTS: Final = {
    "hosts": {
        "hitfile": {
            "name": "hitfile",
            "domains": ["hitfile.net"],
            "regexps": [r"https?:\/\/hitfile\.net\/\w+"],
        }
    }
}


def ok(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


def provider(tmp_path: Path | None = None, **extra: Any) -> AllDebridProvider:
    store = TokenStore("alldebrid", (tmp_path or Path("/nonexistent")) / "state")
    return AllDebridProvider(ProviderSettings("alldebrid", key=KEY, extra=extra), store=store)


def context(tmp_path: Path, reports: list[str] | None = None) -> ResolveContext:
    return ResolveContext(
        make_session(retries=0),
        HosterListCache(tmp_path, 1),
        lambda challenge: None,
        threading.Event(),
        reporter=reports.append if reports is not None else None,
        link_password="pw",
    )


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ResolveContext, "wait_until", lambda self, deadline: None)


# -- settings and the key -----------------------------------------------------------------------


def test_without_a_key_it_says_how_to_get_one(tmp_path: Path) -> None:
    bare = AllDebridProvider(ProviderSettings("alldebrid"), store=TokenStore("alldebrid", tmp_path))
    assert not bare.enabled
    with pytest.raises(errors.AuthFailed, match="run `linkresolver alldebrid login`"):
        bare.key()


@responses.activate
def test_a_stored_login_enables_the_provider_and_its_key_is_sent(tmp_path: Path) -> None:
    store = TokenStore("alldebrid", tmp_path)
    store.save(StoredToken(STORED))
    logged_in = AllDebridProvider(ProviderSettings("alldebrid"), store=store)
    assert logged_in.enabled
    responses.get(f"{API}/user", json=ok({"user": {"username": "me", "isPremium": True}}))
    assert logged_in.account(context(tmp_path)).login == "me"
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {STORED}"


@pytest.mark.parametrize(
    ("extra", "says"),
    [({"keep_magnets": "yes"}, "keep_magnets"), ({"magnet_timeout_minutes": 0}, "magnet_timeout_minutes")],
)
def test_bad_settings_are_named(extra: dict[str, Any], says: str) -> None:
    with pytest.raises(errors.ConfigError, match=says):
        provider(**extra)


def test_the_rate_stays_within_the_documented_limits() -> None:
    rate, burst = AllDebridProvider.default_requests_per_second, AllDebridProvider.request_burst
    assert burst <= 12 and rate <= 12  # 12 a second
    assert burst + rate * 59 <= 600  # 600 a minute


# -- hosters --------------------------------------------------------------------------------------


@responses.activate
def test_hosters_come_from_user_hosts_with_the_redirectors_of_hosts(tmp_path: Path) -> None:
    responses.get(f"{API}/hosts", json=ok(HOSTS))
    responses.get(f"{API41}/user/hosts", json=ok(USER_HOSTS))
    ad = provider(tmp_path)
    specs = {spec.name: spec for spec in ad.hosters(context(tmp_path))}
    assert set(specs) == {"hitfile.net", "ouo.io"}
    assert specs["hitfile.net"].domains == ("hitfile.net",)
    assert ad.checks("hitfile.net") and not ad.checks("ouo.io") and not ad.checks("magnet")
    assert "Authorization" not in responses.calls[0].request.headers  # hosts is public
    again = provider(tmp_path)
    assert {spec.name for spec in again.hosters(context(tmp_path))} == set(specs)  # from the cache
    assert len(responses.calls) == 2 and not again.checks("ouo.io")


# -- resolve ----------------------------------------------------------------------------------------


@responses.activate
def test_a_link_is_unlocked_with_the_link_password(tmp_path: Path) -> None:
    responses.post(
        f"{API}/link/unlock",
        json=ok({"link": "https://dl.example/movie.mkv", "filename": "movie.mkv", "filesize": 7}),
        match=[responses.matchers.urlencoded_params_matcher({"link": LINK, "password": "pw"})],
    )
    found = provider().resolve(LINK, "hitfile.net", context(tmp_path))
    assert (found.url, found.filename, found.size, found.provider) == (
        "https://dl.example/movie.mkv",
        "movie.mkv",
        7,
        "alldebrid",
    )


@responses.activate
def test_a_delayed_link_is_polled_until_ready(tmp_path: Path) -> None:
    responses.post(
        f"{API}/link/unlock", json=ok({"link": "", "filename": "movie.mkv", "filesize": 7, "delayed": 99})
    )
    responses.post(f"{API}/link/delayed", json=ok({"status": 1, "time_left": 12}))
    responses.post(
        f"{API}/link/delayed", json=ok({"status": 2, "time_left": 0, "link": "https://dl.example/late.mkv"})
    )
    reports: list[str] = []
    found = provider().resolve(LINK, "hitfile.net", context(tmp_path, reports))
    assert found.url == "https://dl.example/late.mkv" and found.filename == "movie.mkv"
    assert any("about 12 s left" in said for said in reports)


@responses.activate
def test_a_delayed_link_that_fails_is_refused(tmp_path: Path) -> None:
    responses.post(f"{API}/link/unlock", json=ok({"link": "", "delayed": 5}))
    responses.post(f"{API}/link/delayed", json=ok({"status": 3, "time_left": 0}))
    with pytest.raises(errors.Refused, match="delayed link failed"):
        provider().resolve(LINK, "hitfile.net", context(tmp_path))


@responses.activate
def test_a_redirector_gives_each_link_behind_it_unlocked(tmp_path: Path) -> None:
    behind = [f"https://redirect.alldebrid.com/x-{n}" for n in (1, 2)]
    responses.post(f"{API}/link/redirector", json=ok({"links": behind}))
    for n in (1, 2):
        responses.post(
            f"{API}/link/unlock", json=ok({"link": f"https://dl.example/{n}.rar", "filename": f"{n}.rar"})
        )
    responses.get(f"{API}/hosts", json=ok(HOSTS))
    responses.get(f"{API41}/user/hosts", json=ok(USER_HOSTS))
    ad = provider(tmp_path)
    ad.hosters(context(tmp_path))  # what makes ouo.io a redirector
    found = ad.resolve("https://ouo.io/abc", "ouo.io", context(tmp_path))
    assert [f.url for f in found.files] == ["https://dl.example/1.rar", "https://dl.example/2.rar"]


@responses.activate
def test_an_empty_folder_is_offline(tmp_path: Path) -> None:
    responses.post(f"{API}/link/redirector", json=ok({"links": []}))
    with pytest.raises(errors.FileOffline):
        provider().resolve("https://hitfile.net/folder/abc", "hitfile.net", context(tmp_path))


# -- check and account --------------------------------------------------------------------------------


@responses.activate
def test_check_asks_once_for_all_and_reads_each(tmp_path: Path) -> None:
    links = [LINK, "https://hitfile.net/dead", "https://hitfile.net/full"]
    responses.post(
        f"{API}/link/infos",
        json=ok(
            {
                "infos": [
                    {"link": links[0], "filename": "movie.mkv", "size": 5},
                    {"link": links[1], "error": {"code": "LINK_DOWN", "message": "down"}},
                    {"link": links[2], "error": {"code": "LINK_HOST_UNAVAILABLE", "message": "x"}},
                ]
            }
        ),
    )
    online, offline, refused = provider().check(links, "hitfile.net", context(tmp_path))
    assert isinstance(online, LinkStatus) and (online.state, online.filename, online.size) == (
        LinkState.ONLINE,
        "movie.mkv",
        5,
    )
    assert isinstance(offline, LinkStatus) and offline.state == LinkState.OFFLINE
    assert isinstance(refused, errors.HosterUnavailable) and refused.link == links[2]
    assert len(responses.calls) == 1


def test_magnets_are_not_checked(tmp_path: Path) -> None:
    (status,) = provider().check([MAGNET], "magnet", context(tmp_path))
    assert isinstance(status, LinkStatus) and status.state == LinkState.UNKNOWN


@responses.activate
def test_the_account(tmp_path: Path) -> None:
    responses.get(
        f"{API}/user",
        json=ok(
            {
                "user": {
                    "username": "me",
                    "isPremium": False,
                    "isTrial": True,
                    "premiumUntil": 0,
                    "fidelityPoints": 3,
                    "remainingTrialQuota": 900,
                    "limitedHostersQuotas": {"hitfile": 10},
                }
            }
        ),
    )
    responses.get(
        f"{API41}/user/hosts",
        json=ok(
            {
                "hosts": {
                    "hitfile": {"name": "hitfile", "domains": ["hitfile.net"], "status": True,
                                "quota": 10, "quotaMax": 5000, "quotaType": "traffic"},
                    "alfafile": {"name": "alfafile", "domains": ["alfafile.net"], "status": True,
                                 "quota": 0, "quotaMax": 20, "quotaType": "nb_download"},
                    "free": {"name": "free", "domains": ["free.example"], "status": True},
                }
            }
        ),
    )  # fmt: skip
    account = provider().account(context(tmp_path))
    assert (account.login, account.type, account.can_download, account.expires) == ("me", "trial", True, None)
    assert ("trial quota", "900 MB left") in account.extra and (
        "quota hitfile",
        "10 MB left",
    ) in account.extra
    # For planning a batch, by the hosters' names in the index (their first domains).
    assert account.quotas == (
        HosterQuota("hitfile.net", bytes_left=10 << 20, resets="daily"),
        HosterQuota("alfafile.net", links_left=0, resets="daily"),
    )


# -- magnets ------------------------------------------------------------------------------------------


def magnet_mocks(*statuses: dict[str, Any], ready: bool = False) -> None:
    responses.post(
        f"{API}/magnet/upload",
        json=ok({"magnets": [{"magnet": MAGNET, "id": 42, "name": "Season.1", "ready": ready}]}),
    )
    for status in statuses:
        responses.post(
            f"{API41}/magnet/status",
            json=ok({"magnets": {"id": 42, "filename": "Season.1", "size": 100, **status}}),
        )


@responses.activate
def test_a_magnet_is_polled_with_progress_then_unlocked_and_deleted(tmp_path: Path) -> None:
    magnet_mocks(
        {"status": "Downloading", "statusCode": 1, "downloaded": 40}, {"status": "Ready", "statusCode": 4}
    )
    tree = [
        {
            "n": "Season.1",
            "e": [
                {"n": "E01.mkv", "s": 60, "l": "https://alldebrid.com/f/1"},
                {"n": "E02.mkv", "s": 40, "l": "https://alldebrid.com/f/2"},
            ],
        }
    ]
    responses.post(f"{API}/magnet/files", json=ok({"magnets": [{"id": "42", "files": tree}]}))
    for n in (1, 2):
        responses.post(
            f"{API}/link/unlock",
            json=ok({"link": f"https://dl.example/E0{n}.mkv", "filename": f"E0{n}.mkv", "filesize": 1}),
        )
    responses.post(f"{API}/magnet/delete", json=ok({"message": "deleted"}))
    reports: list[str] = []
    found = provider().resolve(MAGNET, "magnet", context(tmp_path, reports))
    assert [f.filename for f in found.files] == ["E01.mkv", "E02.mkv"] and found.filename == "Season.1"
    assert "alldebrid is fetching the magnet (downloading, 40%)" in reports


@responses.activate
def test_a_cached_magnet_says_so_and_keep_magnets_keeps_it(tmp_path: Path) -> None:
    magnet_mocks({"status": "Ready", "statusCode": 4}, ready=True)
    responses.post(
        f"{API}/magnet/files",
        json=ok(
            {"magnets": [{"id": "42", "files": [{"n": "a.mkv", "s": 1, "l": "https://alldebrid.com/f/1"}]}]}
        ),
    )
    responses.post(f"{API}/link/unlock", json=ok({"link": "https://dl.example/a.mkv", "filename": "a.mkv"}))
    reports: list[str] = []
    found = provider(keep_magnets=True).resolve(MAGNET, "magnet", context(tmp_path, reports))
    assert found.url == "https://dl.example/a.mkv" and any("cached" in said for said in reports)
    assert not any("magnet/delete" in str(call.request.url) for call in responses.calls)


@pytest.mark.parametrize(("code", "error_class"), [(15, errors.FileOffline), (7, errors.Refused)])
@responses.activate
def test_a_failed_magnet_is_an_error_and_deleted(
    tmp_path: Path, code: int, error_class: type[errors.ResolverError]
) -> None:
    magnet_mocks({"status": "Error", "statusCode": code})
    responses.post(f"{API}/magnet/delete", json=ok({"message": "deleted"}))
    with pytest.raises(error_class, match="could not fetch the magnet"):
        provider().resolve(MAGNET, "magnet", context(tmp_path))


# -- the PIN login --------------------------------------------------------------------------------------


@responses.activate
def test_the_pin_login_shows_the_pin_polls_and_stores_the_key(tmp_path: Path) -> None:
    responses.get(
        f"{API41}/pin/get",
        json=ok(
            {
                "pin": "ABCD",
                "check": "c" * 40,
                "expires_in": 600,
                "user_url": "https://alldebrid.com/pin/?pin=ABCD",
                "base_url": "https://alldebrid.com/pin/",
            }
        ),
    )
    responses.post(f"{API}/pin/check", json=ok({"activated": False, "expires_in": 590}))
    responses.post(f"{API}/pin/check", json=ok({"activated": True, "apikey": STORED, "expires_in": 580}))
    login = PinLogin(AllDebridClient(make_session(retries=0), API, None))
    shown: list[str] = []
    slept: list[float] = []
    store = TokenStore("alldebrid", tmp_path)
    token = run_device_login(
        "alldebrid",
        login.start,
        login.poll,
        lambda code: shown.append(f"{code.verification_url} {code.user_code}"),
        store,
        sleep=slept.append,
        clock=lambda: 0.0,
    )
    assert shown == ["https://alldebrid.com/pin/ ABCD"] and slept == [5.0, 5.0]
    assert token.access_token == STORED and token.expires_at is None
    loaded = store.load()
    assert loaded is not None and loaded.access_token == STORED
    assert (store.path.stat().st_mode & 0o777) == 0o600


@responses.activate
def test_an_expired_pin_is_a_clear_error() -> None:
    responses.post(
        f"{API}/pin/check", json={"status": "error", "error": {"code": "PIN_EXPIRED", "message": "expired"}}
    )
    login = PinLogin(AllDebridClient(make_session(retries=0), API, None))
    with pytest.raises(errors.AuthFailed, match="PIN expired"):
        login.poll(DeviceCode("c" * 40, "ABCD", "https://alldebrid.com/pin/", 5.0, 600.0))


@responses.activate
def test_a_pin_answer_without_a_pin_is_an_outage() -> None:
    responses.get(f"{API41}/pin/get", json=ok({"check": "c" * 40}))
    with pytest.raises(errors.ProviderOutage, match="without a PIN"):
        PinLogin(AllDebridClient(make_session(retries=0), API, None)).start()


@responses.activate
def test_hoster_terms_say_up_or_down_and_the_quota_left(tmp_path: Path) -> None:
    usable = {
        "hosts": {
            "hitfile": {"name": "hitfile", "domains": ["hitfile.net"], "regexps": [r"hitfile\.net/\w+"],
                        "status": True, "quota": 4096, "quotaMax": 5000, "quotaType": "traffic"},
            "alfafile": {"name": "alfafile", "domains": ["alfafile.net"], "regexps": [r"alfafile\.net/\w+"],
                         "status": True, "quota": 0, "quotaMax": 20, "quotaType": "nb_download"},
            "gone": {"name": "gone", "domains": ["gone.example"], "regexps": [r"gone\.example/\w+"],
                     "status": False},
        }
    }  # fmt: skip
    responses.get(f"{API}/hosts", json=ok(HOSTS))
    responses.get(f"{API41}/user/hosts", json=ok(usable))
    ad, ctx = provider(tmp_path), context(tmp_path)
    assert "gone.example" in {spec.name for spec in ad.hosters(ctx)}  # down now, still listed
    said = ad.hoster_terms(ctx)  # user/hosts just asked: not again
    assert (said["hitfile.net"].up, said["hitfile.net"].terms) == (True, "4096 of 5000 MB left")
    assert (said["alfafile.net"].up, said["alfafile.net"].terms) == (False, "quota used up (20 links)")
    assert (said["gone.example"].up, said["gone.example"].terms) == (False, None)
    assert len(responses.calls) == 2
