"""The Debrid-Link client against recorded answers (``responses``): the key goes in the
Authorization header only, the ``{"success", "value"}`` envelope is unwrapped, and every
documented error code (and each HTTP status without one) becomes the error class that
decides failover and rests, with its advice."""

from __future__ import annotations

from typing import Any, Final

import pytest
import responses
from responses import matchers

from linkresolver.plugins.debridlink.client import DEFAULT_API_BASE, DebridLinkClient, path_id
from linkresolver.plugins.debridlink.errors import MEANINGS, error_for
from resolver_core import errors
from resolver_core.cooldowns import is_silent
from resolver_core.http import make_session

API: Final = DEFAULT_API_BASE
TOKEN: Final = "S3NT1NEL-debridlink-unit-token"
LINK: Final = "https://1fichier.com/?abc123"
BEARER: Final = matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})


def client(renew: Any = None) -> DebridLinkClient:
    return DebridLinkClient(make_session(retries=0), API, TOKEN, renew=renew)


def fail(api: responses.RequestsMock, status: int, body: Any = None) -> errors.ResolverError:
    """The error ``downloader/add`` raises when answered ``status`` with ``body``."""
    if body is None:
        api.post(f"{API}/downloader/add", status=status, body=b"")
    else:
        api.post(f"{API}/downloader/add", status=status, json=body)
    with pytest.raises(errors.ResolverError) as caught:
        client().add_link(LINK)
    return caught.value


#: code: (class, whether another provider is tried, words in the advice, rest or None)
EXPECTED: Final[dict[str, tuple[type[errors.ResolverError], bool, str, float | None]]] = {
    "badToken": (errors.AuthFailed, False, "linkresolver debridlink login", None),
    "hidedToken": (errors.AuthFailed, False, "linkresolver debridlink login", None),
    "badSign": (errors.Refused, True, "update linkresolver", None),
    "unknowR": (errors.Refused, True, "update linkresolver", None),
    "badArguments": (errors.Refused, True, "update linkresolver", None),
    "badId": (errors.Refused, True, "seedbox list", None),
    "internalError": (errors.ProviderOutage, True, "3 minutes", 180.0),
    "server_error": (errors.ProviderOutage, True, "3 minutes", 180.0),
    "floodDetected": (errors.RateLimited, True, "an hour", 3600.0),
    "serverNotAllowed": (errors.PermissionDenied, True, "allow it", None),
    "freeServerOverload": (errors.ProviderOutage, True, "premium account", 180.0),
    "maxAttempts": (errors.AuthFailed, False, "log in again", None),
    "captchaRequired": (errors.AuthFailed, False, "browser", None),
    "accountLocked": (errors.AuthFailed, False, "debrid-link.com", None),
    "unverifiedEmail": (errors.PermissionDenied, True, "confirmation e-mail", None),
    "notDebrid": (errors.HosterUnavailable, True, "another provider", None),
    "hostNotValid": (errors.UnsupportedLink, True, "another provider", None),
    "fileNotFound": (errors.FileOffline, False, "", None),
    "fileNotAvailable": (errors.HosterUnavailable, True, "another provider", None),
    "badFileUrl": (errors.Refused, True, "another provider", None),
    "badFilePassword": (errors.Refused, False, "--link-password", None),
    "notFreeHost": (errors.PaymentRequired, True, "premium", None),
    "maintenanceHost": (errors.HosterUnavailable, True, "another provider", None),
    "noServerHost": (errors.HosterUnavailable, True, "another provider", None),
    "disabledHost": (errors.HosterUnavailable, True, "another provider", None),
    "maxLink": (errors.QuotaExhausted, True, "in an hour", 3600.0),
    "maxLinkHost": (errors.HosterUnavailable, True, "in an hour", 3600.0),
    "maxData": (errors.QuotaExhausted, True, "in an hour", 3600.0),
    "maxDataHost": (errors.HosterUnavailable, True, "in an hour", 3600.0),
    "disabledServerHost": (errors.PermissionDenied, True, "home connection", None),
    "maxSimultaneousFilesHost": (errors.HosterUnavailable, True, "wait for one", 300.0),
    "infringingFile": (errors.LegalUnavailable, False, "", None),
    "notAddTorrent": (errors.Refused, True, "another provider", None),
    "torrentTooBig": (errors.Refused, True, "another provider", None),
    "maxTorrent": (errors.QuotaExhausted, True, "in an hour", 3600.0),
    "maxTransfer": (errors.QuotaExhausted, True, "seedbox delete", 300.0),
    "badTorrentFile": (errors.Refused, True, "another provider", None),
}


def test_every_documented_code_is_expected_here() -> None:
    assert set(EXPECTED) == set(MEANINGS)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_documented_code(code: str) -> None:
    error_class, failover, advice, rest = EXPECTED[code]
    with responses.RequestsMock() as api:
        error = fail(api, 400, {"success": False, "error": code})
    assert isinstance(error, error_class)
    assert error.try_other_provider is failover
    assert advice in error.advice()
    assert error.retry_after == rest
    assert code in str(error)
    assert error.provider == "debridlink"
    assert error.link == LINK


def test_an_error_with_http_200_is_still_an_error() -> None:
    with responses.RequestsMock() as api:
        error = fail(api, 200, {"success": False, "error": "fileNotFound"})
    assert isinstance(error, errors.FileOffline)


def test_an_unknown_code_is_a_clear_refusal() -> None:
    with responses.RequestsMock() as api:
        error = fail(api, 400, {"success": False, "error": "brandNewCode", "error_description": "new words"})
    assert type(error).__name__ == "DebridLinkRefused"
    assert "does not document (brandNewCode)" in str(error)
    assert "new words" in str(error)
    assert "another provider" in error.advice()


def test_an_unknown_code_with_a_server_status_is_an_outage() -> None:
    with responses.RequestsMock() as api:
        error = fail(api, 502, {"success": False, "error": "brandNewCode"})
    assert isinstance(error, errors.ProviderOutage)


def test_a_code_that_is_not_a_word_is_not_quoted() -> None:
    error = error_for(400, {"success": False, "error": "x" * 500})
    assert "x" * 65 not in str(error)
    assert "unreadable code" in str(error)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, errors.AuthFailed),
        (403, errors.PermissionDenied),
        (429, errors.RateLimited),
        (503, errors.ProviderOutage),
        (500, errors.ProviderOutage),
    ],
)
def test_statuses_without_a_body(status: int, error_class: type[errors.ResolverError]) -> None:
    with responses.RequestsMock() as api:
        error = fail(api, status)
    assert isinstance(error, error_class)


def test_add_link_sends_the_key_in_the_header_and_reads_the_link() -> None:
    with responses.RequestsMock() as api:
        api.post(
            f"{API}/downloader/add",
            match=[BEARER, matchers.urlencoded_params_matcher({"url": LINK, "password": "pw"})],
            json={
                "success": True,
                "value": {
                    "id": "abc-123",
                    "name": "movie.mkv",
                    "downloadUrl": "https://dl.debrid-link.com/abc/movie.mkv",
                    "size": 1234,
                    "host": "1fichier",
                },
            },
        )
        [found] = client().add_link(LINK, password="pw")
        assert TOKEN not in (api.calls[0].request.url or "")
    assert found.download == "https://dl.debrid-link.com/abc/movie.mkv"
    assert (found.name, found.size, found.id) == ("movie.mkv", 1234, "abc-123")


def test_add_link_with_several_files() -> None:
    files = [
        {"id": f"f{n}", "name": f"part{n}.rar", "downloadUrl": f"https://dl.example/{n}", "size": n}
        for n in (1, 2)
    ]
    with responses.RequestsMock() as api:
        api.post(f"{API}/downloader/add", json={"success": True, "value": files})
        found = client().add_link(LINK)
    assert [f.name for f in found] == ["part1.rar", "part2.rar"]


def test_an_answer_without_a_download_link_is_an_outage() -> None:
    with responses.RequestsMock() as api:
        api.post(
            f"{API}/downloader/add", json={"success": True, "value": {"id": "x", "downloadUrl": "ftp://x"}}
        )
        with pytest.raises(errors.ProviderOutage):
            client().add_link(LINK)


def test_an_answer_that_is_not_the_envelope_is_an_outage() -> None:
    with responses.RequestsMock() as api:
        api.get(f"{API}/account/infos", json=[1, 2])
        with pytest.raises(errors.ProviderOutage, match="not its answer"):
            client().account()


def test_hosts_status_and_patterns() -> None:
    value = [
        {
            "name": "1fichier",
            "status": 1,
            "isFree": True,
            "domains": ["1fichier.com"],
            "regexs": ["1fichier\\.com/\\?\\w+"],
        },
        {"name": "down", "status": 0, "domains": ["down.example"], "regexs": []},
        {"status": 1},
    ]
    with responses.RequestsMock() as api:
        api.get(f"{API}/downloader/hosts", json={"success": True, "value": value})
        hosts = client().hosts()
    assert [(h.name, h.up, h.free) for h in hosts] == [("1fichier", True, True), ("down", False, False)]


def test_seedbox_add_list_remove() -> None:
    torrent = {
        "id": "t-1",
        "name": "Ubuntu",
        "hashString": "a" * 40,
        "status": 100,
        "downloadPercent": 100,
        "totalSize": 10,
        "files": [
            {"name": "a.iso", "downloadUrl": "https://dl.example/a.iso", "size": 10, "downloadPercent": 100}
        ],
    }
    with responses.RequestsMock() as api:
        api.post(f"{API}/seedbox/add", json={"success": True, "value": torrent})
        api.get(
            f"{API}/seedbox/list",
            match=[matchers.query_param_matcher({"ids": "t-1"})],
            json={"success": True, "value": [torrent]},
        )
        api.delete(f"{API}/seedbox/t-1/remove", json={"success": True, "value": ["t-1"]})
        added = client().add_torrent("magnet:?xt=urn:btih:" + "a" * 40)
        listed = client().torrent("t-1")
        client().remove_torrent("t-1")
    assert added.downloaded and listed.downloaded
    assert listed.files[0].download == "https://dl.example/a.iso"


def test_account_infos() -> None:
    with responses.RequestsMock() as api:
        api.get(
            f"{API}/account/infos",
            json={"success": True, "value": {"username": "me", "accountType": 1, "premiumLeft": 86400}},
        )
        account = client().account()
    assert (account.username, account.type, account.premium_left) == ("me", "premium", 86400)


def test_a_refused_login_token_is_renewed_once() -> None:
    renewed: list[str] = []

    def renew(refused: str) -> str:
        renewed.append(refused)
        return "S3NT1NEL-debridlink-renewed"

    with responses.RequestsMock() as api:
        api.get(f"{API}/account/infos", status=401, json={"success": False, "error": "badToken"})
        api.get(
            f"{API}/account/infos",
            match=[matchers.header_matcher({"Authorization": "Bearer S3NT1NEL-debridlink-renewed"})],
            json={"success": True, "value": {"username": "me", "accountType": 0}},
        )
        assert client(renew).account().type == "free"
    assert renewed == [TOKEN]


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "x" * 65, "é"])
def test_ids_that_could_change_a_path_are_refused(bad: str) -> None:
    with pytest.raises(errors.ConfigError, match="not a Debrid-Link id"):
        path_id(bad)


@pytest.mark.parametrize("body", [b'{"success": false, "err', b"<html><h1>Not Found</h1></html>"])
def test_a_404_whose_answer_is_not_json_is_no_answer(body: bytes) -> None:
    # Found by the soak: a dead file's fileNotFound (HTTP 404) cut in half was read as "the
    # API may have changed", a refusal; it is an answer that did not come, asked for again.
    with responses.RequestsMock() as api:
        api.post(f"{API}/downloader/add", status=404, body=body)
        with pytest.raises(errors.ProviderOutage, match="not its JSON answer") as caught:
            client().add_link(LINK)
    assert caught.value.no_answer and caught.value.code == 404
    assert is_silent(caught.value)  # the pipeline asks again


def test_a_401_page_is_still_the_key_refused() -> None:
    with responses.RequestsMock() as api:
        api.post(f"{API}/downloader/add", status=401, body=b"<html>Unauthorized</html>")
        with pytest.raises(errors.AuthFailed):
            client().add_link(LINK)
