"""The TorBox client against recorded answers (``responses``): the key goes in the
Authorization header (and, where the API requires it, as ``requestdl``'s ``token``), the
``{success, error, detail, data}`` envelope is read, each endpoint's data becomes typed
results, and every documented ``error`` code (and HTTP 429, statuses without a body, codes
nobody documented) becomes the error class that decides failover and rests, with advice."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

import pytest
import responses
from responses import matchers

from linkresolver.plugins.torbox.client import DEFAULT_API_BASE, TORRENTS, WEBDL, TorBoxClient, link_hash
from linkresolver.plugins.torbox.errors import KEY_ADVICE, MEANINGS, code_of, error_for, seconds_to_next_month
from resolver_core import errors
from resolver_core.cooldowns import rest_for
from resolver_core.http import make_session

API: Final = DEFAULT_API_BASE
KEY: Final = "S3NT1NEL-torbox-unit-key"
SECRETS: Final = [KEY]
LINK: Final = "https://nitroflare.com/view/ABC123/movie.mkv"
BEARER: Final = matchers.header_matcher({"Authorization": f"Bearer {KEY}"})


def client() -> TorBoxClient:
    return TorBoxClient(make_session(retries=0), API, KEY)


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "error": None, "detail": "Done.", "data": data}


def refused(code: str, detail: str = "It went wrong.") -> dict[str, Any]:
    return {"success": False, "error": code, "detail": detail, "data": None}


def fail(api: responses.RequestsMock, status: int, body: Any = None) -> errors.ResolverError:
    """The error ``createwebdownload`` raises when answered ``status`` with ``body``."""
    if body is None:
        api.post(f"{API}/webdl/createwebdownload", status=status, body=b"")
    else:
        api.post(f"{API}/webdl/createwebdownload", status=status, json=body)
    with pytest.raises(errors.ResolverError) as caught:
        client().create_webdownload(LINK)
    return caught.value


# -- one test per documented code: class, advice, failover -------------------------------------

#: code: (class, whether another provider is tried, words in the advice)
EXPECTED: Final[dict[str, tuple[type[errors.ResolverError], bool, str]]] = {
    "DATABASE_ERROR": (errors.ProviderOutage, True, "few minutes"),
    "UNKNOWN_ERROR": (errors.ProviderOutage, True, "few minutes"),
    "NO_AUTH": (errors.AuthFailed, False, "[providers.torbox]"),
    "BAD_TOKEN": (errors.AuthFailed, False, "[providers.torbox]"),
    "AUTH_ERROR": (errors.AuthFailed, False, "[providers.torbox]"),
    "INVALID_OPTION": (errors.Refused, True, "another provider"),
    "REDIRECT_ERROR": (errors.ProviderOutage, True, "few minutes"),
    "OAUTH_VERIFICATION_ERROR": (errors.AuthFailed, False, "[providers.torbox]"),
    "ENDPOINT_NOT_FOUND": (errors.Refused, True, "update linkresolver"),
    "ITEM_NOT_FOUND": (errors.Refused, True, "another provider"),
    "PLAN_RESTRICTED_FEATURE": (errors.PaymentRequired, True, "higher TorBox plan"),
    "DUPLICATE_ITEM": (errors.Refused, True, "torrents list"),
    "BOZO_RSS_FEED": (errors.Refused, True, ""),
    "SELLIX_ERROR": (errors.ProviderOutage, True, "few minutes"),
    "TOO_MUCH_DATA": (errors.Refused, True, "update linkresolver"),
    "DOWNLOAD_TOO_LARGE": (errors.Refused, True, "higher TorBox plan"),
    "MISSING_REQUIRED_OPTION": (errors.Refused, True, "update linkresolver"),
    "TOO_MANY_OPTIONS": (errors.Refused, True, "update linkresolver"),
    "BOZO_TORRENT": (errors.Refused, True, "another provider"),
    "NO_SERVERS_AVAILABLE_ERROR": (errors.ProviderOutage, True, "few minutes"),
    "MONTHLY_LIMIT": (errors.QuotaExhausted, True, "1st of the month"),
    "COOLDOWN_LIMIT": (errors.QuotaExhausted, True, "linkresolver accounts"),
    "ACTIVE_LIMIT": (errors.QuotaExhausted, True, "torrents delete"),
    "DOWNLOAD_SERVER_ERROR": (errors.HosterUnavailable, True, "another provider"),
    "BOZO_NZB": (errors.Refused, True, "another provider"),
    "SEARCH_ERROR": (errors.ProviderOutage, True, "few minutes"),
    "INVALID_DEVICE": (errors.Refused, True, "update linkresolver"),
    "DIFF_ISSUE": (errors.Refused, True, "few minutes"),
    "LINK_OFFLINE": (errors.FileOffline, False, ""),
    "VENDOR_DISABLED": (errors.PermissionDenied, True, "another provider"),
}
#: The HTTP status TorBox sends each kind of code with.
AUTH_CODES: Final = frozenset({"NO_AUTH", "BAD_TOKEN", "AUTH_ERROR", "OAUTH_VERIFICATION_ERROR"})


def status_of(code: str) -> int:
    return 403 if code in AUTH_CODES else 500 if code.endswith("ERROR") else 400


def test_every_documented_code_has_an_expectation() -> None:
    assert set(EXPECTED) == set(MEANINGS)
    assert {"BAD_TOKEN", "MONTHLY_LIMIT", "PLAN_RESTRICTED_FEATURE", "DOWNLOAD_TOO_LARGE"} <= set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_documented_error_code(api: responses.RequestsMock, code: str) -> None:
    error_class, fails_over, advice = EXPECTED[code]
    error = fail(api, status_of(code), refused(code, f"Words for {code}."))
    assert isinstance(error, error_class), type(error)
    assert code_of(error) == code
    assert error.code == status_of(code)
    assert error.provider == "torbox" and error.link == LINK
    assert error.try_other_provider is fails_over
    assert advice in error.advice()
    assert f"Words for {code}." in str(error)  # TorBox's own words, for a person
    assert str(error).startswith("torbox ") and "Traceback" not in error.for_person()
    assert KEY not in error.for_person()


def test_a_failure_answered_with_http_200_is_still_a_failure(api: responses.RequestsMock) -> None:
    error = fail(api, 200, refused("ACTIVE_LIMIT"))
    assert isinstance(error, errors.QuotaExhausted) and code_of(error) == "ACTIVE_LIMIT"


def test_a_bad_token_says_where_the_key_goes(api: responses.RequestsMock) -> None:
    error = fail(api, 403, refused("BAD_TOKEN", "Invalid API token."))
    assert error.advice() == KEY_ADVICE
    assert error.for_person().startswith("torbox refused the API key")


def test_the_monthly_limit_rests_the_provider_until_next_month(api: responses.RequestsMock) -> None:
    rest = rest_for(fail(api, 400, refused("MONTHLY_LIMIT")))
    assert rest is not None and rest[0] is True
    assert abs(rest[1] - seconds_to_next_month()) < 5


@pytest.mark.parametrize(("code", "seconds"), [("COOLDOWN_LIMIT", 3600.0), ("ACTIVE_LIMIT", 300.0)])
def test_account_limits_rest_the_provider(api: responses.RequestsMock, code: str, seconds: float) -> None:
    assert rest_for(fail(api, 400, refused(code))) == (True, seconds)


def test_next_month_is_counted_from_now() -> None:
    # 2026-12-31 23:00 UTC: an hour to 2027-01-01.
    assert seconds_to_next_month(1798758000.0) == 3600.0
    # 2026-02-01 00:00 UTC: 28 days to March.
    assert seconds_to_next_month(1769904000.0) == 28 * 86400.0


def test_http_429_rests_the_provider_for_its_retry_after(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/webdl/createwebdownload",
        status=429,
        json={"success": False, "error": None, "detail": "Too many requests.", "data": None},
        headers={"Retry-After": "42"},
    )
    with pytest.raises(errors.RateLimited) as caught:
        client().create_webdownload(LINK)
    assert rest_for(caught.value) == (True, 42.0)
    assert caught.value.try_other_provider is True


def test_http_429_without_retry_after_rests_a_minute(api: responses.RequestsMock) -> None:
    error = fail(api, 429, {"detail": "slow down"})
    assert isinstance(error, errors.RateLimited)
    assert rest_for(error) == (True, 60.0)


@pytest.mark.parametrize(
    ("status", "error_class", "fails_over"),
    [
        (401, errors.AuthFailed, False),
        (403, errors.AuthFailed, False),
        (404, errors.Refused, True),
        (429, errors.RateLimited, True),
        (500, errors.ProviderOutage, True),
        (502, errors.ProviderOutage, True),
        (503, errors.ProviderOutage, True),
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


def test_an_html_page_with_403_is_still_a_refused_key(api: responses.RequestsMock) -> None:
    api.post(f"{API}/webdl/createwebdownload", status=403, body=b"<html><body>Forbidden</body></html>")
    with pytest.raises(errors.AuthFailed) as caught:
        client().create_webdownload(LINK)
    assert caught.value.advice() == KEY_ADVICE


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [(400, "BRAND_NEW_THING", errors.Refused), (500, "BRAND_NEW_THING", errors.ProviderOutage),
     (400, "SOMETHING_ERROR", errors.ProviderOutage)],
)  # fmt: skip
def test_an_undocumented_code_is_a_clear_error(
    api: responses.RequestsMock, status: int, code: str, error_class: type[errors.ResolverError]
) -> None:
    error = fail(api, status, refused(code, "Something new."))
    assert isinstance(error, error_class)
    assert f"error {code}" in str(error) and "Something new." in str(error)
    assert error.advice()


def test_an_answer_without_the_envelope_is_an_outage(api: responses.RequestsMock) -> None:
    api.post(f"{API}/webdl/createwebdownload", json=["what"])
    with pytest.raises(errors.ProviderOutage, match="envelope"):
        client().create_webdownload(LINK)


@pytest.mark.parametrize("status", [400, 404])
def test_a_400_or_404_cut_short_is_an_answer_that_did_not_come(
    api: responses.RequestsMock, status: int
) -> None:
    """A dead link's 400 cut in half (not JSON) is asked for again, not read as an error
    TorBox does not document (found by the soak under faults)."""
    api.post(f"{API}/webdl/createwebdownload", status=status, body='{"success": false, "error": "DOWNL')
    with pytest.raises(errors.ProviderOutage) as raised:
        client().create_webdownload(LINK)
    assert raised.value.no_answer and "not its JSON answer" in str(raised.value)


def test_a_huge_code_is_not_read_as_one() -> None:
    error = error_for(400, {"success": False, "error": "X" * 5000, "detail": "no"})
    assert isinstance(error, errors.Refused) and "XXXX" not in str(error)


# -- the key, the endpoints ----------------------------------------------------------------------


def test_user_me_is_read_with_the_key_in_the_header(api: responses.RequestsMock) -> None:
    api.get(
        f"{API}/user/me",
        match=[BEARER, matchers.query_param_matcher({"settings": "false"})],
        json=ok({"id": 7, "email": "a@b.c", "plan": 2, "premium_expires_at": "2027-01-01T00:00:00Z",
                 "cooldown_until": None, "is_subscribed": True, "total_downloaded": 12}),
    )  # fmt: skip
    user = client().user()
    assert (user.id, user.email, user.plan, user.paid, user.subscribed) == (7, "a@b.c", "pro", True, True)
    assert user.expires == 1798761600
    assert KEY not in str(api.calls[0].request.url)


def test_the_hosters_are_read(api: responses.RequestsMock) -> None:
    api.get(
        f"{API}/webdl/hosters",
        json=ok([
            {"name": "Nitroflare", "domains": ["nitroflare.com", "nitro.download"], "status": True,
             "regex": r"https?://(?:www\.)?nitroflare\.com/view/\w+",
             "daily_link_limit": 25, "daily_link_used": 3},
            {"name": "Down", "domains": ["down.example"], "status": False},
            {"name": "Nameless"},
            "garbage",
        ]),
    )  # fmt: skip
    hosters = client().hosters()
    assert [(h.name, h.domains, h.up) for h in hosters] == [
        ("Nitroflare", ("nitroflare.com", "nitro.download"), True),
        ("Down", ("down.example",), False),
    ]
    assert hosters[0].regexes and hosters[0].daily_link_limit == 25


def test_a_web_download_is_created_with_its_password(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/webdl/createwebdownload",
        match=[BEARER, matchers.urlencoded_params_matcher({"link": LINK, "password": "open sesame"})],
        json=ok({"webdownload_id": 31, "hash": "h", "auth_id": "a"}),
    )
    assert client().create_webdownload(LINK, password="open sesame") == 31


def test_a_magnet_is_created_without_seeding(api: responses.RequestsMock) -> None:
    magnet = "magnet:?xt=urn:btih:" + "a" * 40
    api.post(
        f"{API}/torrents/createtorrent",
        match=[
            BEARER,
            matchers.urlencoded_params_matcher({"magnet": magnet, "seed": "3", "allow_zip": "false"}),
        ],
        json=ok({"torrent_id": 5, "hash": "a" * 40}),
    )
    assert client().create_torrent(magnet) == 5


def test_a_queued_torrent_is_an_outage_that_rests(api: responses.RequestsMock) -> None:
    api.post(f"{API}/torrents/createtorrent", json=ok({"queued_id": 9}))
    with pytest.raises(errors.ProviderOutage, match="queued") as caught:
        client().create_torrent("magnet:?xt=urn:btih:" + "a" * 40)
    assert caught.value.retry_after == 300


def test_a_transfer_is_read_with_its_files(api: responses.RequestsMock) -> None:
    api.get(
        f"{API}/torrents/mylist",
        match=[BEARER, matchers.query_param_matcher({"id": "5", "bypass_cache": "true"})],
        json=ok({"id": 5, "name": "Show", "hash": "a" * 40, "size": 300, "download_state": "downloading",
                 "progress": 0.25, "download_finished": False, "download_present": False,
                 "files": [{"id": 0, "name": "Show/e1.mkv", "short_name": "e1.mkv", "size": 100},
                           {"id": "x"}, {"id": 1, "name": "Show/e2.mkv", "size": 200}]}),
    )  # fmt: skip
    transfer = client().transfer(TORRENTS, 5)
    assert (transfer.id, transfer.state, transfer.progress, transfer.ready) == (5, "downloading", 25.0, False)
    assert [(f.id, f.name, f.size) for f in transfer.files] == [(0, "e1.mkv", 100), (1, "e2.mkv", 200)]


def test_requestdl_takes_the_key_as_its_token(api: responses.RequestsMock) -> None:
    api.get(
        f"{API}/webdl/requestdl",
        match=[BEARER, matchers.query_param_matcher(
            {"token": KEY, "web_id": "31", "file_id": "0", "zip_link": "false"})],
        json=ok("https://store-1.torbox.example/dl/abc"),
    )  # fmt: skip
    assert client().request_link(WEBDL, 31, 0) == "https://store-1.torbox.example/dl/abc"


def test_requestdl_without_a_link_is_an_outage(api: responses.RequestsMock) -> None:
    api.get(f"{API}/torrents/requestdl", json=ok("javascript:alert(1)"))
    with pytest.raises(errors.ProviderOutage, match="usable link"):
        client().request_link(TORRENTS, 5, 0)


def test_cached_torrents_in_either_format(api: responses.RequestsMock) -> None:
    first, second = "a" * 40, "b" * 40
    api.get(
        f"{API}/torrents/checkcached",
        match=[matchers.query_param_matcher({"hash": f"{first},{second}", "format": "list"})],
        json=ok([{"name": "A", "size": 10, "hash": first}]),
    )
    assert set(client().cached_torrents([first, second.upper()])) == {first}
    api.get(f"{API}/torrents/checkcached", json=ok({second: {"name": "B", "size": 2}}))
    assert client().cached_torrents([second])[second].name == "B"
    api.get(f"{API}/torrents/checkcached", json=ok(None))
    assert client().cached_torrents([second]) == {}


def test_cached_links_go_by_the_md5_of_the_link(api: responses.RequestsMock) -> None:
    digest = hashlib.md5(LINK.encode()).hexdigest()
    assert link_hash(LINK) == digest
    api.get(
        f"{API}/webdl/checkcached",
        match=[matchers.query_param_matcher({"hash": digest, "format": "list"})],
        json=ok([{"name": "movie.mkv", "size": 99, "hash": digest}]),
    )
    found = client().cached_links([LINK])
    assert found[LINK].name == "movie.mkv" and found[LINK].size == 99


def test_checkcached_is_asked_in_batches(api: responses.RequestsMock) -> None:
    api.get(f"{API}/torrents/checkcached", json=ok([]))
    api.get(f"{API}/torrents/checkcached", json=ok([]))
    client().cached_torrents([f"{n:040x}" for n in range(60)])
    assert len(api.calls) == 2


@pytest.mark.parametrize(
    ("kind", "endpoint", "key"),
    [(TORRENTS, "torrents/controltorrent", "torrent_id"), (WEBDL, "webdl/controlwebdownload", "webdl_id")],
)
def test_delete_sends_json(api: responses.RequestsMock, kind: Any, endpoint: str, key: str) -> None:
    api.post(
        f"{API}/{endpoint}",
        match=[BEARER, matchers.json_params_matcher({key: 5, "operation": "delete"})],
        json=ok(None),
    )
    client().delete(kind, 5)
    assert json.loads(api.calls[0].request.body or b"{}")[key] == 5


def test_the_client_never_shows_its_key() -> None:
    assert KEY not in repr(client())
