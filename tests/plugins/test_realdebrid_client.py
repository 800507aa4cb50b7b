"""The Real-Debrid client against recorded answers (``responses``): the token goes in the
Authorization header only, each endpoint's answer becomes typed results, and every
documented ``error_code`` (and each HTTP status without one) becomes the error class that
decides failover and rests, with its advice."""

from __future__ import annotations

from typing import Any, Final

import pytest
import responses
from responses import matchers

from linkresolver.plugins.realdebrid.client import DEFAULT_API_BASE, RealDebridClient, path_id
from linkresolver.plugins.realdebrid.errors import (
    LOGIN_ADVICE,
    MEANINGS,
    HosterNotSupported,
    error_for,
    seconds_to_utc_midnight,
)
from resolver_core import errors
from resolver_core.cooldowns import rest_for
from resolver_core.http import make_session

API: Final = DEFAULT_API_BASE
TOKEN: Final = "S3NT1NEL-realdebrid-unit-token"
SECRETS: Final = [TOKEN]
LINK: Final = "https://rapidgator.net/file/abc123/movie.mkv"
BEARER: Final = matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})


def client() -> RealDebridClient:
    return RealDebridClient(make_session(retries=0), API, TOKEN)


def fail(api: responses.RequestsMock, status: int, body: Any = None) -> errors.ResolverError:
    """The error ``unrestrict/link`` raises when answered ``status`` with ``body``."""
    if body is None:
        api.post(f"{API}/unrestrict/link", status=status, body=b"")
    else:
        api.post(f"{API}/unrestrict/link", status=status, json=body)
    with pytest.raises(errors.ResolverError) as caught:
        client().unrestrict_link(LINK)
    return caught.value


# -- one test per documented code: class, advice, failover, rest -------------------------------

#: code: (class, whether another provider is tried, words in the advice)
EXPECTED: Final[dict[int, tuple[type[errors.ResolverError], bool, str]]] = {
    -1: (errors.ProviderOutage, True, "3 minutes"),
    1: (errors.Refused, True, "update linkresolver"),
    2: (errors.Refused, True, "another provider"),
    3: (errors.Refused, True, "update linkresolver"),
    4: (errors.Refused, True, "update linkresolver"),
    5: (errors.RateLimited, True, "waits"),
    6: (errors.HosterUnavailable, True, "another provider"),
    7: (errors.Refused, True, "another provider"),
    8: (errors.AuthFailed, False, "linkresolver realdebrid login"),
    9: (errors.PermissionDenied, True, "real-debrid.com"),
    10: (errors.AuthFailed, False, "linkresolver realdebrid login"),
    11: (errors.AuthFailed, False, "linkresolver realdebrid login"),
    12: (errors.AuthFailed, False, "linkresolver realdebrid login"),
    13: (errors.AuthFailed, False, "linkresolver realdebrid login"),
    14: (errors.AuthFailed, False, "real-debrid.com"),
    15: (errors.AuthFailed, False, "activation"),
    16: (errors.UnsupportedLink, True, "another provider"),
    17: (errors.HosterUnavailable, True, "another provider"),
    18: (errors.HosterUnavailable, True, "00:00 UTC"),
    19: (errors.HosterUnavailable, True, "another provider"),
    20: (errors.PaymentRequired, True, "premium"),
    21: (errors.QuotaExhausted, True, "torrents delete"),
    22: (errors.PermissionDenied, True, "remote_traffic = true"),
    23: (errors.QuotaExhausted, True, "00:00 UTC"),
    24: (errors.FileOffline, False, ""),
    25: (errors.ProviderOutage, True, "3 minutes"),
    26: (errors.Refused, True, "another provider"),
    27: (errors.Refused, True, "another provider"),
    28: (errors.Refused, True, "another provider"),
    29: (errors.Refused, True, "another provider"),
    30: (errors.Refused, True, "another provider"),
    31: (errors.Refused, True, ""),
    32: (errors.Refused, True, "update linkresolver"),
    33: (errors.Refused, True, "torrents list"),
    34: (errors.RateLimited, True, "waits"),
    35: (errors.LegalUnavailable, False, ""),
    36: (errors.QuotaExhausted, True, "00:00 UTC"),
    37: (errors.Refused, True, "update linkresolver"),
}


def test_every_documented_code_has_an_expectation() -> None:
    assert set(EXPECTED) == set(MEANINGS) == {-1, *range(1, 38)}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_documented_error_code(api: responses.RequestsMock, code: int) -> None:
    error_class, fails_over, advice = EXPECTED[code]
    status = 503 if code in (-1, 24, 25) else 429 if code == 34 else 400
    error = fail(api, status if code != 34 else 400, {"error": f"words_{code}", "error_code": code})
    assert isinstance(error, error_class), type(error)
    assert error.code == code
    assert error.provider == "realdebrid" and error.link == LINK
    assert error.try_other_provider is fails_over
    assert advice in error.advice()
    assert str(error).startswith("realdebrid ") and "Traceback" not in error.for_person()
    assert TOKEN not in error.for_person()


def test_a_bad_token_says_how_to_log_in(api: responses.RequestsMock) -> None:
    error = fail(api, 401, {"error": "bad_token", "error_code": 8})
    assert error.advice() == LOGIN_ADVICE
    assert error.for_person().startswith("realdebrid refused the API token")


@pytest.mark.parametrize("code", [23, 36])
def test_daily_limits_rest_the_provider_until_midnight_utc(api: responses.RequestsMock, code: int) -> None:
    error = fail(api, 403, {"error": "limit", "error_code": code})
    rest = rest_for(error)
    assert rest is not None
    whole, seconds = rest
    assert whole is True
    assert abs(seconds - seconds_to_utc_midnight()) < 5


def test_a_hoster_limit_rests_that_hoster_only_until_midnight_utc(api: responses.RequestsMock) -> None:
    rest = rest_for(fail(api, 503, {"error": "hoster_limit_reached", "error_code": 18}))
    assert rest is not None and rest[0] is False and abs(rest[1] - seconds_to_utc_midnight()) < 5


@pytest.mark.parametrize("code", [5, 34])
def test_too_many_requests_rests_the_provider(api: responses.RequestsMock, code: int) -> None:
    rest = rest_for(fail(api, 429 if code == 34 else 400, {"error": "slow", "error_code": code}))
    assert rest is not None and rest[0] is True


def test_an_unsupported_hoster_is_unsupported_here_not_failed(api: responses.RequestsMock) -> None:
    error = fail(api, 400, {"error": "hoster_unsupported", "error_code": 16})
    assert isinstance(error, HosterNotSupported) and error.kind == "unsupported"


def test_midnight_utc_is_counted_from_now() -> None:
    assert seconds_to_utc_midnight(86400 * 10 + 3600) == 86400 - 3600
    assert seconds_to_utc_midnight(86400 * 10) == 86400


# -- statuses without a body, and codes nobody documented ---------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class", "fails_over"),
    [
        (401, errors.AuthFailed, False),
        (403, errors.PermissionDenied, True),
        (404, errors.Refused, True),
        (429, errors.RateLimited, True),
        (451, errors.LegalUnavailable, False),
        (500, errors.ProviderOutage, True),
        (502, errors.ProviderOutage, True),
        (503, errors.ProviderOutage, True),
        (509, errors.QuotaExhausted, True),
        (418, errors.Refused, True),
    ],
)
def test_statuses_without_a_body(
    api: responses.RequestsMock, status: int, error_class: type[errors.ResolverError], fails_over: bool
) -> None:
    error = fail(api, status)
    assert isinstance(error, error_class), type(error)
    assert error.try_other_provider is fails_over
    assert error.code == status


def test_a_401_with_an_html_page_is_still_a_bad_token(api: responses.RequestsMock) -> None:
    api.post(f"{API}/unrestrict/link", status=401, body=b"<html><body>Unauthorized</body></html>")
    with pytest.raises(errors.AuthFailed) as caught:
        client().unrestrict_link(LINK)
    assert caught.value.advice() == LOGIN_ADVICE


@pytest.mark.parametrize(("status", "error_class"), [(400, errors.Refused), (503, errors.ProviderOutage)])
def test_an_undocumented_code_is_a_clear_error(
    api: responses.RequestsMock, status: int, error_class: type[errors.ResolverError]
) -> None:
    error = fail(api, status, {"error": "brand_new_thing", "error_code": 99})
    assert isinstance(error, error_class)
    assert error.code == 99
    assert "error_code 99" in str(error) and "brand_new_thing" in str(error)
    assert error.advice()


def test_an_error_without_a_code_reads_the_status() -> None:
    error = error_for(403, {"error": "permission_denied"})
    assert isinstance(error, errors.PermissionDenied) and "permission_denied" in str(error)


# -- the token, the endpoints ------------------------------------------------------------------


def test_the_token_goes_in_the_header_and_never_in_the_url(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/unrestrict/link",
        match=[BEARER, matchers.urlencoded_params_matcher({"link": LINK})],
        json={
            "id": "X1",
            "filename": "movie.mkv",
            "filesize": 1234,
            "download": "https://dl.example/x/movie.mkv",
            "chunks": 16,
            "host": "rapidgator.net",
            "mimeType": "video/x-matroska",
        },
    )
    found = client().unrestrict_link(LINK)
    assert found.download == "https://dl.example/x/movie.mkv"
    assert (found.filename, found.filesize, found.chunks) == ("movie.mkv", 1234, 16)
    assert TOKEN not in str(api.calls[0].request.url)
    assert TOKEN not in repr(client())


def test_password_and_remote_traffic_are_sent_when_asked(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/unrestrict/link",
        match=[matchers.urlencoded_params_matcher({"link": LINK, "password": "pw", "remote": "1"})],
        json={"download": "https://dl.example/x"},
    )
    assert client().unrestrict_link(LINK, password="pw", remote=True).download == "https://dl.example/x"


def test_an_answer_without_a_download_link_is_an_outage(api: responses.RequestsMock) -> None:
    api.post(f"{API}/unrestrict/link", json={"download": "ftp://x"})
    with pytest.raises(errors.ProviderOutage, match="without a usable download link"):
        client().unrestrict_link(LINK)


def test_user_and_traffic(api: responses.RequestsMock) -> None:
    api.get(
        f"{API}/user",
        match=[BEARER],
        json={
            "id": 7,
            "username": "me",
            "email": "me@example.invalid",
            "points": 5,
            "type": "premium",
            "premium": 86400,
            "expiration": "2027-01-01T00:00:00.000Z",
        },
    )
    api.get(
        f"{API}/traffic",
        json={
            "rapidgator.net": {
                "left": 5,
                "bytes": 100,
                "links": 2,
                "limit": 10,
                "type": "gigabytes",
                "extra": 0,
                "reset": "daily",
            },
            "broken": 3,
        },
    )
    user = client().user()
    assert (user.type, user.premium_seconds, user.expiration) == ("premium", 86400, 1798761600)
    [traffic] = client().traffic()
    assert (traffic.host, traffic.left, traffic.type, traffic.reset) == (
        "rapidgator.net",
        5,
        "gigabytes",
        "daily",
    )


def test_hosts_lists_and_status(api: responses.RequestsMock) -> None:
    api.get(f"{API}/hosts/regex", json=["/(https?:\\/\\/)?rapidgator\\.net\\/file\\/\\w+/", 5])
    api.get(f"{API}/hosts/domains", json=["rapidgator.net", "rg.to"])
    api.get(
        f"{API}/hosts/status",
        json={
            "Rapidgator.net": {"name": "Rapidgator", "supported": 1, "status": "up"},
            "filefactory.com": {"name": "FileFactory", "supported": 1, "status": "down"},
        },
    )
    assert client().hosts_regex() == ["/(https?:\\/\\/)?rapidgator\\.net\\/file\\/\\w+/"]
    assert client().hosts_domains() == ["rapidgator.net", "rg.to"]
    status = client().hosts_status()
    assert not status["rapidgator.net"].down and status["filefactory.com"].down


def test_a_hosts_list_that_is_not_a_list_is_an_outage(api: responses.RequestsMock) -> None:
    api.get(f"{API}/hosts/regex", json={"error": "x"})
    with pytest.raises(errors.ProviderOutage):
        client().hosts_regex()


def test_check_and_folder(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/unrestrict/check",
        json={"host": "rapidgator.net", "link": LINK, "filename": "movie.mkv", "filesize": 0, "supported": 1},
    )
    api.post(
        f"{API}/unrestrict/folder",
        json=["https://rapidgator.net/file/a", "nope", "https://rapidgator.net/file/b"],
    )
    check = client().check(LINK)
    assert check.supported and check.filename == "movie.mkv" and check.filesize is None
    assert client().unrestrict_folder(LINK) == [
        "https://rapidgator.net/file/a",
        "https://rapidgator.net/file/b",
    ]


def test_torrents_endpoints(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/torrents/addMagnet", status=201, json={"id": "ABC123", "uri": f"{API}/torrents/info/ABC123"}
    )
    api.put(f"{API}/torrents/addTorrent", status=201, json={"id": "DEF456"})
    api.post(
        f"{API}/torrents/selectFiles/ABC123",
        match=[matchers.urlencoded_params_matcher({"files": "1,3"})],
        status=204,
    )
    api.post(f"{API}/torrents/selectFiles/DEF456", status=202, body=b"")
    api.get(
        f"{API}/torrents/info/ABC123",
        json={
            "id": "ABC123",
            "filename": "Season",
            "hash": "ABCD",
            "bytes": 10,
            "status": "downloading",
            "progress": 40,
            "links": [],
            "files": [
                {"id": 1, "path": "/a.mkv", "bytes": 5, "selected": 1},
                {"id": 2, "path": "/b.nfo", "bytes": 1, "selected": 0},
            ],
        },
    )
    api.get(f"{API}/torrents", json=[{"id": "ABC123", "status": "downloaded", "progress": 100}, {"no": "id"}])
    api.delete(f"{API}/torrents/delete/ABC123", status=204)
    rd = client()
    assert rd.add_magnet("magnet:?xt=urn:btih:" + "a" * 40) == "ABC123"
    assert rd.add_torrent(b"d8:announce...e") == "DEF456"
    assert api.calls[1].request.body == b"d8:announce...e"
    rd.select_files("ABC123", [1, 3])
    rd.select_files("DEF456")
    info = rd.torrent_info("ABC123")
    assert (info.status, info.progress, info.hash) == ("downloading", 40.0, "abcd")
    assert [f.selected for f in info.files] == [True, False]
    assert [t.id for t in rd.torrents()] == ["ABC123"]
    rd.delete_torrent("ABC123")


def test_downloads_history(api: responses.RequestsMock) -> None:
    api.get(
        f"{API}/downloads",
        match=[matchers.query_param_matcher({"page": "2", "limit": "10"})],
        json=[
            {
                "id": "D1",
                "filename": "a.bin",
                "filesize": 3,
                "download": "https://dl.example/a.bin",
                "generated": "2026-12-01T10:00:00.000Z",
            }
        ],
    )
    api.delete(f"{API}/downloads/delete/D1", status=204)
    [entry] = client().downloads(page=2, limit=10)
    assert entry.id == "D1" and entry.download == "https://dl.example/a.bin"
    client().delete_download("D1")


def test_selecting_files_already_selected_is_fine(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/torrents/selectFiles/ABC", status=400, json={"error": "action_already_done", "error_code": 31}
    )
    client().select_files("ABC")


@pytest.mark.parametrize("bad", ["", "../user", "a/b", "x" * 65, "é"])
def test_ids_that_would_change_the_path_are_refused(bad: str) -> None:
    with pytest.raises(errors.ConfigError):
        path_id(bad)
