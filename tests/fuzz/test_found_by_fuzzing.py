"""What the fuzzers found, kept as plain tests.

CI runs the fuzzers derandomized: a run draws the same examples every time, which need not
be the ones that found these bugs. Each case here is the shrunk example (or its essence),
with the outcome the fix gives.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
import requests
import responses

from hostermatch import HosterIndex
from linkresolver.plugins.alldebrid import waiting as alldebrid_waiting
from linkresolver.plugins.alldebrid.client import AllDebridClient
from linkresolver.plugins.alldebrid.provider import AllDebridProvider
from linkresolver.plugins.debridlink.client import DebridLinkClient
from linkresolver.plugins.offcloud.client import OffcloudClient
from linkresolver.plugins.offcloud.provider import OffcloudProvider
from linkresolver.plugins.openload_family.client import FamilyClient
from linkresolver.plugins.openload_family.services import HIGHLOAD
from linkresolver.plugins.premiumize.current_client import CurrentClient
from linkresolver.plugins.premiumize.current_provider import PremiumizeCurrentProvider
from linkresolver.plugins.premiumize.current_services import ServiceList
from linkresolver.plugins.premiumize.oauth import PremiumizeOAuth
from linkresolver.plugins.realdebrid.client import RealDebridClient
from linkresolver.plugins.realdebrid.oauth import RealDebridOAuth
from resolver_core import budget, errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings, load_config
from resolver_core.device_login import (
    MAX_LIFETIME,
    PENDING,
    DeviceCode,
    LoginRequired,
    StoredToken,
    TokenStore,
    device_code_from_answer,
    run_device_login,
    token_from_answer,
)
from resolver_core.download.names import MAX_NAME_BYTES, safe_name
from resolver_core.models import CaptchaChallenge
from resolver_core.provider import ResolveContext, fetch_captcha_image
from resolver_core.redact import clear_secrets

from .mock_rest import FakeClock, context
from .outcomes import assert_readable

OFFCLOUD: Final = "https://offcloud.com/api"
REQUEST_ID: Final = "5a1d2b3c4d5e6f7a8b9c0d1e"
DEEP_JSON: Final = b"[" * 100_000 + b"]" * 100_000
#: What a provider's words must not carry to a terminal: a screen clear, red text, a
#: right-to-left override, a NUL.
HOSTILE_WORDS: Final = "\x1b[2J\x1b[31mpay here\u202egpj.exe\x00"


@pytest.fixture(autouse=True)
def no_rate_limit() -> Iterator[None]:
    unlimited = budget.TokenBucket(0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget, "bucket", lambda provider: unlimited)
        yield


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def family() -> FamilyClient:
    return FamilyClient(requests.Session(), HIGHLOAD, "https://api.highload.to", "login", "key-123")


# -- the Openload family ------------------------------------------------------------------------------


def test_an_upload_answer_nested_too_deeply_is_an_outage(api: responses.RequestsMock, tmp_path: Path) -> None:
    """``response.json()`` of ``[[[[...`` raised RecursionError out of FamilyClient.upload."""
    api.post(
        "https://api.highload.to/file/ul",
        json={"status": 200, "msg": "OK", "result": {"url": "https://up.example/ul/1"}},
    )
    api.post("https://up.example/ul/1", body=DEEP_JSON)
    path = tmp_path / "clip.bin"
    path.write_bytes(b"x" * 100)
    with pytest.raises(errors.ProviderOutage, match="nested too deeply") as caught:
        family().upload(path)
    assert_readable(caught.value)


@pytest.mark.parametrize(
    "result",
    ["a" * 10_000, [None] * 5_000, {"result": [[True] * 50] * 50}],
    ids=["text", "list", "deep"],
)
def test_an_unconfirmed_action_quotes_the_answer_short(api: responses.RequestsMock, result: object) -> None:
    """The refusal quoted the whole answer: 10,000 characters of message."""
    api.post("https://api.highload.to/file/delete", json={"status": 200, "msg": "OK", "result": result})
    with pytest.raises(errors.ResolverError, match="did not confirm file/delete") as caught:
        family().delete_file("x")
    assert_readable(caught.value)


def test_a_captcha_image_cut_short_leaves_the_challenge_without_an_image(api: responses.RequestsMock) -> None:
    """urllib3's ProtocolError (a body where none may be, a body cut short) escaped
    fetch_captcha_image, which caught only requests' errors, and so the whole resolve."""
    url = "https://openload.co/dlcaptcha/b92eY_nfjV4.png"
    api.get(url, body=b"\x89PNG truncated", status=204)
    challenge = CaptchaChallenge("openload", "https://openload.co/f/x", url)
    assert fetch_captcha_image(requests.Session(), challenge) == challenge


# -- Offcloud ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"error": HOSTILE_WORDS},
        {"error": ["x"] * 10_000},
        {"not_available": HOSTILE_WORDS * 100},
        {"not_available": {"a": [[[[1]]]]}},
        {"error": "\ud800 lone half of a surrogate pair"},
    ],
    ids=["error-text", "error-list", "not-available-text", "not-available-object", "lone-surrogate"],
)
def test_what_offcloud_says_reaches_a_person_printable_and_short(
    api: responses.RequestsMock, answer: object
) -> None:
    api.post(f"{OFFCLOUD}/instant", json=answer)
    with pytest.raises(errors.ResolverError) as caught:
        OffcloudClient(requests.Session(), OFFCLOUD, key="k-123").instant("https://host.example/f/1")
    assert_readable(caught.value)


def test_a_cloud_list_that_is_json_nested_too_deeply_is_not_a_recursion_error(
    api: responses.RequestsMock,
) -> None:
    """cloud/list answers text; one starting with "{" is read as a JSON error, whose reader
    recursed out of the client on ``{"a":{"a":...``."""
    api.get(f"{OFFCLOUD}/cloud/list/{REQUEST_ID}", body=b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
    assert OffcloudClient(requests.Session(), OFFCLOUD, key="k-123").list_links(REQUEST_ID) == []


def test_a_cloud_error_message_reaches_a_person_printable(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    api.post(f"{OFFCLOUD}/cloud", json={"requestId": "r1", "status": "created"})
    api.post(f"{OFFCLOUD}/cloud/status", json={"status": "error", "errorMessage": HOSTILE_WORDS * 100})
    provider = OffcloudProvider(
        ProviderSettings("offcloud", key="k-123", api_base=OFFCLOUD, extra={"cloud_only": ["host.example"]}),
        stored_session=tmp_path / "session.json",
    )
    ctx = ResolveContext(
        requests.Session(), HosterListCache(tmp_path, 1), lambda challenge: None, threading.Event()
    )
    with pytest.raises(errors.Refused, match="could not fetch it into its cloud") as caught:
        provider.resolve("https://host.example/f/1", "host.example", ctx)
    assert_readable(caught.value)


# -- the configuration --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe[providers.premiumize]", "not UTF-8"),
        (b"a = " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b"hosterlist_ttl_hours = nan", "hosterlist_ttl_hours"),
    ],
    ids=["not-utf8", "nested", "nan-ttl"],
)
def test_a_broken_configuration_file_is_a_config_error(tmp_path: Path, content: bytes, words: str) -> None:
    """UnicodeDecodeError and RecursionError escaped load_config; a NaN TTL was taken."""
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(errors.ConfigError, match=words):
        load_config(path, env={})


def test_a_configuration_path_in_an_unknown_users_home_is_a_config_error() -> None:
    """``Path.expanduser`` raised RuntimeError for ``~someone-unknown/...``."""
    with pytest.raises(errors.ConfigError, match="no home directory"):
        load_config(env={"LINKRESOLVER_CONFIG": "~nosuchuser-linkresolver/config.toml"})


# -- hoster lists and file names ------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["[[a]]x", "[\\w&&x]", "[0--"])
def test_a_pattern_python_warns_about_is_skipped_without_a_python_warning(pattern: str) -> None:
    """Python's regex parser warned (FutureWarning: "Possible set difference") for a
    pattern a hoster list brought: noise on the terminal, or an exception where warnings
    are errors. Such a pattern is now refused, with the index's own warning."""
    index = HosterIndex()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        added = index.add("hostile.example", [pattern], owner="premiumize", domains=["hostile.example"])
    assert added == 0
    assert [rejected.pattern for rejected in index.rejected] == [pattern]


def test_a_long_name_of_a_device_stays_within_the_length_limit() -> None:
    """The "_" that makes "NUL.txt..." an ordinary name came after the cut to length."""
    name = safe_name("nul.txt" + "x" * 300)
    assert name.startswith("nul_.txt") and len(name.encode()) <= MAX_NAME_BYTES


# -- Real-Debrid ----------------------------------------------------------------------------------------

REALDEBRID: Final = "https://api.real-debrid.example/rest/1.0"


def realdebrid() -> RealDebridClient:
    return RealDebridClient(requests.Session(), REALDEBRID, "rd-token-123")


def test_a_torrent_progress_past_a_floats_range_is_unknown(api: responses.RequestsMock) -> None:
    """``float(progress)`` of a 400-digit number raised OverflowError out of torrents/info."""
    api.get(
        f"{REALDEBRID}/torrents/info/ABC",
        body=b'{"id": "ABC", "status": "downloading", "progress": 1' + b"0" * 400 + b"}",
    )
    assert realdebrid().torrent_info("ABC").progress is None


def test_an_error_code_of_thousands_of_digits_is_no_code(api: responses.RequestsMock) -> None:
    """The message quoted the whole ``error_code``: 4,000 digits."""
    api.delete(
        f"{REALDEBRID}/downloads/delete/DL1", status=400, body=b'{"error_code": 1' + b"0" * 4000 + b"}"
    )
    with pytest.raises(errors.Refused, match="HTTP 400") as caught:
        realdebrid().delete_download("DL1")
    assert_readable(caught.value)


def test_a_torrent_id_that_is_no_id_is_an_outage_not_a_configuration_error(
    api: responses.RequestsMock,
) -> None:
    """The id of addMagnet's answer went through the check of ids a person types: a
    ConfigError quoting all 10,000 characters of it."""
    api.post(f"{REALDEBRID}/torrents/addMagnet", status=201, json={"id": "a" * 10_000})
    with pytest.raises(errors.ProviderOutage, match="an id that is not one") as caught:
        realdebrid().add_magnet(f"magnet:?xt=urn:btih:{'a' * 40}")
    assert_readable(caught.value)


# -- Premiumize's current API ------------------------------------------------------------------------------

PM_CURRENT: Final = "https://pm.example/api"


def test_an_unknown_status_is_quoted_short_and_printable(api: responses.RequestsMock) -> None:
    """``answered with the unknown status '...'`` quoted all of it, escapes included."""
    api.get(f"{PM_CURRENT}/account/info", json={"status": HOSTILE_WORDS * 500})
    with pytest.raises(errors.ProviderOutage, match="unknown status") as caught:
        CurrentClient(requests.Session(), PM_CURRENT, "pm-key-123").account_info()
    assert_readable(caught.value)


def test_services_with_a_list_among_a_hosters_aliases_keeps_the_hoster() -> None:
    """``dict.fromkeys`` of the aliases raised TypeError (unhashable list) out of hosters()."""
    services = ServiceList.from_result(
        {"directdl": ["rapidgator.net"], "aliases": {"rapidgator.net": ["rg.to", ["x"], {"a": 1}]}}
    )
    assert services.hosters["rapidgator.net"].tlds == ("rapidgator.net", "rg.to")


def test_a_transfer_still_running_names_its_id_short(api: responses.RequestsMock, tmp_path: Path) -> None:
    """The message of a transfer past its time quoted the transfer's id, of any length."""
    transfer_id = "9" * 5000
    api.get(f"{PM_CURRENT}/cache/check", json={"status": "success", "response": [False]})
    api.post(f"{PM_CURRENT}/transfer/create", json={"status": "success", "id": transfer_id})
    api.get(
        f"{PM_CURRENT}/transfer/list",
        json={"status": "success", "transfers": [{"id": transfer_id, "status": "running"}]},
    )
    provider = PremiumizeCurrentProvider(
        ProviderSettings("premiumize", key="pm-key-123", api_base=PM_CURRENT),
        store=TokenStore("premiumize", tmp_path),
        transfer_timeout=0.5,
    )
    ctx = ResolveContext(
        requests.Session(), HosterListCache(tmp_path, 1), lambda challenge: None, threading.Event()
    )
    with pytest.raises(errors.ProviderOutage, match="still fetching") as caught:
        provider.resolve(f"magnet:?xt=urn:btih:{'b' * 40}", "magnet", ctx)
    assert_readable(caught.value)


# -- AllDebrid and Debrid-Link ----------------------------------------------------------------------------

AD: Final = "https://api.alldebrid.example/v4"
DL: Final = "https://debrid-link.example/api/v2"


def test_a_delayed_link_with_a_giant_time_left_is_waited_for_as_usual(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    """``time_left`` of 10**400 raised OverflowError (float() of it) out of the resolve."""
    api.post(f"{AD}/link/unlock", json={"status": "success", "data": {"link": "", "delayed": 5}})
    api.post(
        f"{AD}/link/delayed",
        body='{"status": "success", "data": {"status": 1, "time_left": 1%s}}' % ("0" * 400),
    )
    api.post(
        f"{AD}/link/delayed", json={"status": "success", "data": {"status": 2, "link": "https://x.example/f"}}
    )
    provider = AllDebridProvider(
        ProviderSettings("alldebrid", key="k", api_base=AD), store=TokenStore("alldebrid", tmp_path)
    )
    ctx = context(requests.Session(), tmp_path, FakeClock())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(alldebrid_waiting, "time", ctx.clock)
        assert provider.resolve("https://hitfile.net/a/b.mkv", "hitfile", ctx).url == "https://x.example/f"


def test_a_premium_end_past_any_date_is_no_date(api: responses.RequestsMock, tmp_path: Path) -> None:
    """``premiumUntil`` of 10**30 became the account's expiry, which ``linkresolver
    accounts`` and ``alldebrid user`` turn into a date: OverflowError."""
    api.get(
        f"{AD}/user",
        json={"status": "success", "data": {"user": {"isPremium": True, "premiumUntil": 10**30}}},
    )
    assert AllDebridClient(requests.Session(), AD, "k").user().premium_until is None


def test_a_giant_download_percent_is_a_whole_download(api: responses.RequestsMock) -> None:
    """``downloadPercent`` of 10**400 raised OverflowError out of reading the torrent."""
    body = '{"success": true, "value": {"id": "t1", "name": "S", "downloadPercent": 1%s}}' % ("0" * 400)
    api.post(f"{DL}/seedbox/add", body=body)
    assert (
        DebridLinkClient(requests.Session(), DL, "k").add_torrent("magnet:?xt=urn:btih:" + "c" * 40).percent
        == 100.0
    )


# -- the device login ---------------------------------------------------------------------------------------

PM_OAUTH: Final = "https://pm.example/token"
RD_OAUTH: Final = "https://rd.example/oauth/v2"
LEAKED: Final = "ACCESSNEVERSHOWN4711"


@pytest.fixture
def no_secrets() -> Iterator[None]:
    clear_secrets()
    yield
    clear_secrets()


def pm_login() -> PremiumizeOAuth:
    return PremiumizeOAuth(requests.Session(), "app-1", "https://pm.example")


@pytest.mark.usefixtures("no_secrets")
@pytest.mark.parametrize(
    "body",
    [[LEAKED, 3600, "Bearer"], {"result": {"access_token": LEAKED}}, {"access_token": LEAKED}],
    ids=["values", "wrapped", "token"],
)
def test_a_refused_login_never_quotes_the_answer(api: responses.RequestsMock, body: object) -> None:
    """The refusal quoted a whole answer with no error words: a token it held (not yet
    registered as a secret, since the answer was not read as valid) went into the message."""
    api.post(PM_OAUTH, status=400, json=body)
    with pytest.raises(errors.AuthFailed) as caught:
        pm_login().poll(DeviceCode("DEVICE-1", "WXYZ", "https://x.example", 5, 60))
    assert LEAKED not in caught.value.for_person()
    assert_readable(caught.value)


@pytest.mark.usefixtures("no_secrets")
def test_a_start_without_a_code_does_not_quote_the_device_code(api: responses.RequestsMock) -> None:
    api.post(PM_OAUTH, json={"device_code": LEAKED, "user_code": ""})
    with pytest.raises(errors.ProviderOutage, match="without a code and its page") as caught:
        pm_login().start()
    assert LEAKED not in caught.value.for_person()


@pytest.mark.usefixtures("no_secrets")
@pytest.mark.parametrize("token", [" ", "tök", "a b", "x\r\nX-Injected: 1", "\ud800", "a" * 10_000])
def test_an_access_token_that_cannot_be_sent_is_never_stored(api: responses.RequestsMock, token: str) -> None:
    """A token of spaces, controls or non-ASCII was stored, and every later request failed
    (a UnicodeEncodeError traceback from http.client, or a header injected)."""
    api.post(PM_OAUTH, json={"access_token": token, "expires_in": 3600})
    with pytest.raises(errors.AuthFailed, match="cannot be sent") as caught:
        pm_login().poll(DeviceCode("DEVICE-1", "WXYZ", "https://x.example", 5, 60))
    assert token.strip() == "" or token not in caught.value.for_person()


def test_a_refresh_token_that_cannot_be_sent_keeps_the_previous_one() -> None:
    previous = StoredToken("old-access", "old-refresh")
    token = token_from_answer(
        {"access_token": "new-access", "refresh_token": "r\ne"}, provider="svc", now=0.0, previous=previous
    )
    assert (token.access_token, token.refresh_token) == ("new-access", "old-refresh")


@pytest.mark.parametrize(
    ("interval", "expires_in"), [(0, 60), (0.001, 10**30)], ids=["no-interval", "forever"]
)
def test_a_login_polls_a_second_apart_at_most_and_half_an_hour_at_most(
    tmp_path: Path, interval: float, expires_in: float
) -> None:
    """An interval of 0 polled as fast as answers came, without end; a lifetime of 10**30
    seconds polled until Ctrl-C."""
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        assert len(sleeps) <= MAX_LIFETIME, "polling without end"
        now[0] += seconds

    code = device_code_from_answer(
        {
            "device_code": "DEVICE-1",
            "user_code": "WXYZ",
            "verification_uri": "https://x.example",
            "interval": interval,
            "expires_in": expires_in,
        },
        provider="svc",
    )
    with pytest.raises(LoginRequired, match="expired"):
        run_device_login(
            "svc",
            lambda: code,
            lambda c: PENDING,
            lambda c: None,
            TokenStore("svc", tmp_path),
            clock=lambda: now[0],
            sleep=sleep,
        )
    assert min(sleeps) >= 1.0 and now[0] <= MAX_LIFETIME


@pytest.mark.usefixtures("no_secrets")
def test_realdebrid_credentials_that_are_no_credentials_end_the_login(api: responses.RequestsMock) -> None:
    """A client secret with a lone surrogate raised UnicodeEncodeError out of the token request."""
    api.get(f"{RD_OAUTH}/device/credentials", body=b'{"client_id": "ID1", "client_secret": "s\\udfffx"}')
    with pytest.raises(errors.ProviderOutage, match="not credentials") as caught:
        RealDebridOAuth(requests.Session(), RD_OAUTH).poll(
            DeviceCode("DEVICE-1", "W", "https://x.example", 5, 60)
        )
    assert_readable(caught.value)
