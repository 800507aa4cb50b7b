"""The AllDebrid client against recorded answers (``responses``): the key goes in the
Authorization header only, every call names the agent, each endpoint's answer becomes typed
results, and every documented error code becomes the error class that decides failover and
rests, with its advice."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import parse_qs

import pytest
import responses
from responses import matchers

from linkresolver.plugins.alldebrid.client import DEFAULT_API_BASE, AllDebridClient, checked_id
from linkresolver.plugins.alldebrid.errors import LOGIN_ADVICE, MEANINGS, HosterNotSupported, error_for
from resolver_core import errors
from resolver_core.cooldowns import rest_for
from resolver_core.http import make_session

API: Final = DEFAULT_API_BASE
API41: Final = "https://api.alldebrid.com/v4.1"
KEY: Final = "S3NT1NEL-alldebrid-unit-key"
SECRETS: Final = [KEY]
LINK: Final = "https://hitfile.net/abc123/movie.mkv"
BEARER: Final = matchers.header_matcher({"Authorization": f"Bearer {KEY}"})
AGENT: Final = matchers.query_param_matcher({"agent": "linkresolver"})


def client() -> AllDebridClient:
    return AllDebridClient(make_session(retries=0), API, KEY)


def ok(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


def bad(code: str, message: str = "words") -> dict[str, Any]:
    return {"status": "error", "error": {"code": code, "message": message}}


def fail(api: responses.RequestsMock, status: int, body: Any = None) -> errors.ResolverError:
    """The error ``link/unlock`` raises when answered ``status`` with ``body``."""
    if body is None:
        api.post(f"{API}/link/unlock", status=status, body=b"")
    else:
        api.post(f"{API}/link/unlock", status=status, json=body)
    with pytest.raises(errors.ResolverError) as caught:
        client().unlock(LINK)
    return caught.value


# -- one test per documented code: class, advice, failover --------------------------------------

_NOT_USED = "does not use this part"
#: code: (class, whether another provider is tried, words in the advice)
EXPECTED: Final[dict[str, tuple[type[errors.ResolverError], bool, str]]] = {
    "GENERIC": (errors.ProviderOutage, True, "few minutes"),
    "404": (errors.Refused, True, "update linkresolver"),
    "MAINTENANCE": (errors.ProviderOutage, True, "another provider"),
    "AUTH_MISSING_APIKEY": (errors.AuthFailed, False, "linkresolver alldebrid login"),
    "AUTH_BAD_APIKEY": (errors.AuthFailed, False, "linkresolver alldebrid login"),
    "AUTH_BLOCKED": (errors.PermissionDenied, True, "e-mail"),
    "AUTH_USER_BANNED": (errors.AuthFailed, False, "alldebrid.com"),
    "ALREADY_SENT": (errors.Refused, True, "alldebrid.com"),
    "NO_SERVER": (errors.PermissionDenied, True, "VPN"),
    "LINK_IS_MISSING": (errors.Refused, True, "update linkresolver"),
    "BAD_LINK": (errors.Refused, True, "check the link"),
    "LINK_HOST_NOT_SUPPORTED": (errors.UnsupportedLink, True, "another provider"),
    "LINK_DOWN": (errors.FileOffline, False, ""),
    "LINK_PASS_PROTECTED": (errors.Refused, False, "--link-password"),
    "LINK_HOST_UNAVAILABLE": (errors.HosterUnavailable, True, "another provider"),
    "LINK_TOO_MANY_DOWNLOADS": (errors.HosterUnavailable, True, "wait for one"),
    "LINK_HOST_FULL": (errors.HosterUnavailable, True, "try again later"),
    "LINK_HOST_LIMIT_REACHED": (errors.HosterUnavailable, True, "reset daily"),
    "LINK_ERROR": (errors.Refused, True, "another provider"),
    "LINK_TEMPORARY_UNAVAILABLE": (errors.HosterUnavailable, True, "try again later"),
    "LINK_NOT_SUPPORTED": (errors.UnsupportedLink, True, "another provider"),
    "REDIRECTOR_NOT_SUPPORTED": (errors.UnsupportedLink, True, "another provider"),
    "REDIRECTOR_ERROR": (errors.Refused, True, "another provider"),
    "STREAM_INVALID_GEN_ID": (errors.Refused, True, "update linkresolver"),
    "STREAM_INVALID_STREAM_ID": (errors.Refused, True, "update linkresolver"),
    "DELAYED_INVALID_ID": (errors.Refused, True, "try the link again"),
    "FREE_TRIAL_LIMIT_REACHED": (errors.PaymentRequired, True, "premium"),
    "MUST_BE_PREMIUM": (errors.PaymentRequired, True, "premium"),
    "MAGNET_INVALID_ID": (errors.Refused, True, "magnets list"),
    "MAGNET_INVALID_URI": (errors.Refused, True, "check the magnet"),
    "MAGNET_INVALID_FILE": (errors.Refused, True, "another provider"),
    "MAGNET_FILE_UPLOAD_FAILED": (errors.Refused, True, "try again"),
    "MAGNET_NO_URI": (errors.Refused, True, "update linkresolver"),
    "MAGNET_PROCESSING": (errors.Refused, True, ""),
    "MAGNET_TOO_MANY_ACTIVE": (errors.QuotaExhausted, True, "magnets delete"),
    "MAGNET_TOO_MANY": (errors.QuotaExhausted, True, "magnets delete"),
    "MAGNET_MUST_BE_PREMIUM": (errors.PaymentRequired, True, "premium"),
    "MAGNET_NO_SERVER": (errors.PermissionDenied, True, "VPN"),
    "MAGNET_TOO_LARGE": (errors.Refused, True, "another provider"),
    "MAGNET_UPLOAD_FAILED": (errors.Refused, True, "another provider"),
    "MAGNET_INTERNAL_ERROR": (errors.Refused, True, "another provider"),
    "MAGNET_CANT_BOOTSTRAP": (errors.Refused, True, "another provider"),
    "MAGNET_MAGNET_TOO_BIG": (errors.Refused, True, "another provider"),
    "MAGNET_TOOK_TOO_LONG": (errors.Refused, True, "another provider"),
    "MAGNET_LINKS_REMOVED": (errors.FileOffline, False, ""),
    "MAGNET_PROCESSING_FAILED": (errors.Refused, True, "another provider"),
    "PIN_ALREADY_AUTHED": (errors.Refused, True, ""),
    "PIN_EXPIRED": (errors.AuthFailed, False, "alldebrid login"),
    "PIN_INVALID": (errors.AuthFailed, False, "alldebrid login"),
    "USER_LINK_MISSING": (errors.Refused, True, "update linkresolver"),
    "USER_LINK_INVALID": (errors.Refused, True, "check the links"),
    "MISSING_NOTIF_ENDPOINT": (errors.Refused, True, _NOT_USED),
    "VOUCHER_DURATION_INVALID": (errors.Refused, True, _NOT_USED),
    "VOUCHER_NB_INVALID": (errors.Refused, True, _NOT_USED),
    "NO_MORE_VOUCHER": (errors.Refused, True, _NOT_USED),
    "INSUFFICIENT_BALANCE": (errors.Refused, True, _NOT_USED),
    "DOWNLOAD_FAILED": (errors.Refused, True, "another provider"),
    "ACCOUNT_INVALID": (errors.PermissionDenied, True, "alldebrid.com"),
    "NO_JSON_PARAM": (errors.Refused, True, "update linkresolver"),
    "JSON_INVALID": (errors.Refused, True, "update linkresolver"),
    **{
        f"FREEDAYS_{name}": (errors.Refused, True, _NOT_USED)
        for name in (
            "INVALID_COUNTRY",
            "INVALID_PHONE",
            "INVALID_PROVIDER",
            "USED_PHONE",
            "ALREADY_REQUESTED",
            "INVALID_STATUS",
            "TOO_MUCH_RETRIES",
            "INVALID_CODE",
            "DENIED",
            "ERROR_SENDING",
        )
    },
}


def test_every_documented_code_has_an_expectation() -> None:
    assert set(EXPECTED) == set(MEANINGS)
    assert len(MEANINGS) == 70


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_documented_error_code(api: responses.RequestsMock, code: str) -> None:
    error_class, fails_over, advice = EXPECTED[code]
    status = 401 if code.startswith("AUTH_") else 200
    error = fail(api, status, bad(code, f"words of {code}"))
    assert isinstance(error, error_class), type(error)
    assert getattr(error, "api_code", None) == code and error.code == status
    assert error.provider == "alldebrid" and error.link == LINK
    assert error.try_other_provider is fails_over
    assert advice in error.advice()
    assert code in str(error) and str(error).startswith("alldebrid ")
    assert KEY not in error.for_person() and "Traceback" not in error.for_person()


def test_a_bad_key_says_how_to_log_in(api: responses.RequestsMock) -> None:
    error = fail(api, 401, bad("AUTH_BAD_APIKEY"))
    assert error.advice() == LOGIN_ADVICE
    assert error.for_person().startswith("alldebrid refused the API key")


@pytest.mark.parametrize(
    ("code", "whole", "seconds"),
    [
        ("LINK_HOST_LIMIT_REACHED", False, 3600),
        ("LINK_HOST_FULL", False, 300),
        ("LINK_TOO_MANY_DOWNLOADS", False, 300),
        ("MAGNET_TOO_MANY_ACTIVE", True, 300),
    ],
)
def test_limits_rest_the_hoster_or_the_provider(
    api: responses.RequestsMock, code: str, whole: bool, seconds: float
) -> None:
    assert rest_for(fail(api, 200, bad(code))) == (whole, seconds)


def test_an_unsupported_hoster_is_unsupported_here_not_failed(api: responses.RequestsMock) -> None:
    error = fail(api, 200, bad("LINK_HOST_NOT_SUPPORTED"))
    assert isinstance(error, HosterNotSupported) and error.kind == "unsupported"


# -- statuses without the envelope, and codes nobody documented ----------------------------------


@pytest.mark.parametrize(
    ("status", "error_class", "whole_rest"),
    [
        (401, errors.AuthFailed, None),
        (404, errors.Refused, None),
        (429, errors.RateLimited, True),
        (500, errors.ProviderOutage, True),
        (502, errors.ProviderOutage, False),
        (503, errors.ProviderOutage, True),
        (504, errors.ProviderOutage, True),
        (418, errors.Refused, None),
    ],
)
def test_statuses_without_the_envelope(
    api: responses.RequestsMock, status: int, error_class: type[errors.ResolverError], whole_rest: bool | None
) -> None:
    error = fail(api, status)
    assert isinstance(error, error_class), type(error)
    assert error.code == status
    rest = rest_for(error)
    assert (rest[0] if rest else None) is whole_rest


def test_an_html_page_with_an_error_status_is_read_by_its_status(api: responses.RequestsMock) -> None:
    api.post(f"{API}/link/unlock", status=429, body=b"<html>slow down</html>")
    with pytest.raises(errors.RateLimited):
        client().unlock(LINK)


@pytest.mark.parametrize(("status", "error_class"), [(200, errors.Refused), (503, errors.ProviderOutage)])
def test_an_undocumented_code_is_a_clear_error(
    api: responses.RequestsMock, status: int, error_class: type[errors.ResolverError]
) -> None:
    error = fail(api, status, bad("BRAND_NEW_THING", "something new"))
    assert isinstance(error, error_class)
    assert "BRAND_NEW_THING" in str(error) and "something new" in str(error)
    assert "does not document" in str(error) and error.advice()


def test_an_answer_without_the_envelope_is_an_outage(api: responses.RequestsMock) -> None:
    api.post(f"{API}/link/unlock", json={"link": "https://x.example/f"})
    with pytest.raises(errors.ProviderOutage, match="status envelope"):
        client().unlock(LINK)


def test_a_huge_code_is_no_code() -> None:
    error = error_for(200, bad("X" * 5000))
    assert isinstance(error, errors.Refused) and len(str(error)) < 300


# -- the key, the agent, the endpoints ------------------------------------------------------------


def test_the_key_goes_in_the_header_and_the_agent_in_the_query(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/link/unlock",
        json=ok({"link": "https://dl.example/f.mkv", "filename": "f.mkv", "filesize": 5, "host": "hitfile"}),
        match=[BEARER, AGENT, matchers.urlencoded_params_matcher({"link": LINK, "password": "pw"})],
    )
    found = client().unlock(LINK, password="pw")
    assert (found.download, found.filename, found.filesize, found.delayed) == (
        "https://dl.example/f.mkv",
        "f.mkv",
        5,
        None,
    )
    assert KEY not in str(api.calls[0].request.url)


def test_an_unlock_may_answer_a_delayed_id(api: responses.RequestsMock) -> None:
    api.post(f"{API}/link/unlock", json=ok({"link": "", "filename": "f.mkv", "delayed": 2457}))
    assert client().unlock(LINK).delayed == 2457


def test_an_unlock_without_link_or_delay_is_an_outage(api: responses.RequestsMock) -> None:
    api.post(f"{API}/link/unlock", json=ok({"filename": "f.mkv"}))
    with pytest.raises(errors.ProviderOutage):
        client().unlock(LINK)


def test_infos_takes_several_links_and_says_each_ones_error(api: responses.RequestsMock) -> None:
    other = "https://hitfile.net/dead1"
    api.post(
        f"{API}/link/infos",
        json=ok(
            {
                "infos": [
                    {"link": LINK, "filename": "movie.mkv", "size": 700, "host": "hitfile"},
                    {"link": other, "error": {"code": "LINK_DOWN", "message": "gone"}},
                ]
            }
        ),
    )
    first, second = client().infos([LINK, other])
    assert parse_qs(str(api.calls[0].request.body)) == {"link[]": [LINK, other]}
    assert not isinstance(first, errors.ResolverError) and (first.filename, first.size) == ("movie.mkv", 700)
    assert isinstance(second, errors.FileOffline) and second.link == other


def test_delayed_and_redirector(api: responses.RequestsMock) -> None:
    api.post(f"{API}/link/delayed", json=ok({"status": 2, "time_left": 0, "link": "https://dl.example/x"}))
    api.post(f"{API}/link/redirector", json=ok({"links": ["https://redirect.alldebrid.com/a", 5, "ftp://x"]}))
    done = client().delayed(7)
    assert (done.status, done.download) == (2, "https://dl.example/x")
    assert client().redirector("https://ouo.io/abc") == ["https://redirect.alldebrid.com/a"]


def test_magnets_upload_status_files_delete(api: responses.RequestsMock) -> None:
    magnet = "magnet:?xt=urn:btih:" + "a" * 40
    api.post(
        f"{API}/magnet/upload",
        json=ok({"magnets": [{"magnet": magnet, "id": 42, "name": "n", "ready": False}]}),
    )
    api.post(
        f"{API41}/magnet/status",
        json=ok({"magnets": {"id": 42, "filename": "n", "size": 100, "statusCode": 1, "downloaded": 25}}),
    )
    api.post(
        f"{API}/magnet/files",
        json=ok(
            {
                "magnets": [
                    {
                        "id": "42",
                        "files": [
                            {"n": "d", "e": [{"n": "a.mkv", "s": 3, "l": "https://alldebrid.com/f/1"}]}
                        ],
                    }
                ]
            }
        ),
    )
    api.post(
        f"{API}/magnet/delete",
        json=ok({"message": "deleted"}),
        match=[matchers.urlencoded_params_matcher({"id": "42"})],
    )
    c = client()
    assert c.upload_magnet(magnet).id == "42"
    status = c.magnet_status("42")
    assert status.progress == 25.0 and not status.finished
    assert [(f.path, f.size, f.link) for f in c.magnet_files("42")] == [
        ("d/a.mkv", 3, "https://alldebrid.com/f/1")
    ]
    c.delete_magnet("42")


def test_a_refused_magnet_is_its_error(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/magnet/upload",
        json=ok({"magnets": [{"magnet": "x", "error": {"code": "MAGNET_INVALID_URI"}}]}),
    )
    with pytest.raises(errors.Refused, match="MAGNET_INVALID_URI"):
        client().upload_magnet("magnet:?xt=urn:btih:" + "b" * 40)


def test_user_reads_the_account(api: responses.RequestsMock) -> None:
    api.get(
        f"{API}/user",
        json=ok(
            {
                "user": {
                    "username": "me",
                    "isPremium": True,
                    "isTrial": False,
                    "premiumUntil": "1800000000",
                    "fidelityPoints": 200,
                    "limitedHostersQuotas": {"hitfile": 1024, "bad": "x"},
                }
            }
        ),
        match=[BEARER],
    )
    user = client().user()
    assert (user.username, user.type, user.premium_until, user.points) == ("me", "premium", 1800000000, 200)
    assert user.quotas == (("hitfile", 1024),)


def test_the_public_endpoints_carry_no_key(api: responses.RequestsMock) -> None:
    api.get(f"{API}/hosts", json=ok({"hosts": {}, "redirectors": {}}))
    api.get(f"{API41}/pin/get", json=ok({"pin": "ABCD", "check": "c" * 40}))
    client().hosts()
    client().pin_get()
    assert all("Authorization" not in call.request.headers for call in api.calls)


@pytest.mark.parametrize("value", ["", "12a", "1/2", "9" * 19, "../x"])
def test_ids_that_are_no_magnet_ids_are_refused(value: str) -> None:
    with pytest.raises(errors.ConfigError, match="not an AllDebrid magnet id"):
        checked_id(value)


def test_too_many_requests_is_read_by_its_status_whatever_its_code(api: responses.RequestsMock) -> None:
    # The documented limits (12 a second, 600 a minute) are refused with HTTP 429: with a
    # code word nobody documented it is still "too many requests", rested as long as its
    # Retry-After says.
    api.post(f"{API}/link/unlock", status=429, json=bad("RATE_LIMIT_NEW_WORD"), headers={"Retry-After": "3"})
    with pytest.raises(errors.RateLimited) as caught:
        client().unlock(LINK)
    assert caught.value.retry_after == 3 and caught.value.retry_after_given
    assert rest_for(caught.value) == (True, 3)
