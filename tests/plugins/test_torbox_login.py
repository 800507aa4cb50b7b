"""TorBox's device login against recorded answers (``responses``): ``user/auth/device/start``
is asked without a key, for this program's name, and read into the code, the page, the
interval and the code's life; ``user/auth/device/token`` is polled with the device code
(JSON) and its answers read in TorBox's words (``DEVICE_CODE_NOT_USED``: not yet; HTTP 429:
slow down; ``ITEM_NOT_FOUND``: the code lapsed; else the API key); a refusal quotes nothing
secret. And the provider: the configured key first, else the stored login's."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Final

import pytest
import responses
from responses import matchers

from linkresolver.plugins.torbox.client import DEFAULT_API_BASE, TorBoxClient
from linkresolver.plugins.torbox.login import APP_NAME, CODE_LIFETIME, DEFAULT_PAGE, DeviceLogin
from linkresolver.plugins.torbox.provider import TorBoxProvider
from resolver_core import errors
from resolver_core.config import ProviderSettings
from resolver_core.device_login import (
    PENDING,
    DeviceCode,
    LoginRequired,
    SlowDown,
    StoredToken,
    TokenStore,
    run_device_login,
)
from resolver_core.http import make_session

API: Final = DEFAULT_API_BASE
START: Final = f"{API}/user/auth/device/start"
POLL: Final = f"{API}/user/auth/device/token"
DEVICE: Final = "S3NT1NEL-torbox-unit-device-code"
ISSUED: Final = "S3NT1NEL-torbox-unit-issued-key"
CONFIGURED: Final = "S3NT1NEL-torbox-unit-configured-key"
SECRETS: Final = [DEVICE, ISSUED, CONFIGURED]
CODE: Final = DeviceCode(DEVICE, "123456", "https://torbox.app/oauth/device", 5.0, 600.0)


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "error": None, "detail": "Done.", "data": data}


def refused(code: str | None, detail: str = "It went wrong.", data: Any = None) -> dict[str, Any]:
    return {"success": False, "error": code, "detail": detail, "data": data}


def login() -> DeviceLogin:
    return DeviceLogin(TorBoxClient(make_session(retries=0), API, ""))


def started(**data: Any) -> dict[str, Any]:
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
    answer = {
        "device_code": DEVICE,
        "code": "123456",
        "verification_url": "https://torbox.app/oauth/device",
        "friendly_verification_url": "https://tor.box/link",
        "interval": 5,
        "expires_at": expires,
    }
    return ok({**answer, **data})


# -- starting ---------------------------------------------------------------------------------


@responses.activate
def test_start_asks_for_this_program_without_a_key_and_reads_the_codes() -> None:
    responses.get(START, json=started(), match=[matchers.query_param_matcher({"app": APP_NAME})])
    code = login().start()
    assert "Authorization" not in responses.calls[0].request.headers
    assert (code.device_code, code.user_code) == (DEVICE, "123456")
    assert code.verification_url == "https://torbox.app/oauth/device" and code.interval == 5.0
    assert 590 <= code.expires_in <= 600


@responses.activate
def test_start_without_a_page_interval_or_expiry_takes_the_documented_ones() -> None:
    responses.get(
        START,
        json=ok({"device_code": DEVICE, "code": "654321", "verification_url": "javascript:alert(1)"}),
    )
    code = login().start()
    assert (code.verification_url, code.interval, code.expires_in) == (DEFAULT_PAGE, 5.0, CODE_LIFETIME)


@pytest.mark.parametrize(
    "data", [{"device_code": DEVICE}, {"code": "123456"}, {"device_code": "", "code": "1"}, "codes"]
)
@responses.activate
def test_start_without_its_codes_is_an_outage(data: Any) -> None:
    responses.get(START, json=ok(data))
    with pytest.raises(errors.ProviderOutage, match=r"device/start without"):
        login().start()


@responses.activate
def test_a_refused_start_is_a_clear_error() -> None:
    responses.get(START, status=500, json=refused("DATABASE_ERROR", "Database is down."))
    with pytest.raises(errors.ProviderOutage, match="could not reach its database"):
        login().start()


# -- polling ----------------------------------------------------------------------------------


@responses.activate
def test_a_poll_sends_the_device_code_as_json_without_a_key() -> None:
    responses.post(
        POLL,
        json=ok({"access_token": ISSUED, "token_type": "Bearer"}),
        match=[matchers.json_params_matcher({"device_code": DEVICE})],
    )
    token = login().poll(CODE)
    assert isinstance(token, StoredToken) and token.access_token == ISSUED and token.expires_at is None
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_a_code_not_entered_yet_is_pending() -> None:
    responses.post(POLL, status=400, json=refused("DEVICE_CODE_NOT_USED", "Device code has not been used."))
    assert login().poll(CODE) == PENDING


@responses.activate
def test_too_many_requests_is_slow_down_with_the_wait_asked() -> None:
    responses.post(POLL, status=429, json=refused(None, "Too many requests."), headers={"Retry-After": "12"})
    responses.post(POLL, status=429, json=refused(None, "Too many requests."))
    assert login().poll(CODE) == SlowDown(12.0)
    assert login().poll(CODE) == SlowDown(None)


@responses.activate
def test_a_lapsed_code_says_start_again() -> None:
    responses.post(POLL, status=404, json=refused("ITEM_NOT_FOUND", "Device code not found."))
    with pytest.raises(LoginRequired, match="expired before it was entered; start again") as caught:
        login().poll(CODE)
    assert caught.value.advice() == "log in with `linkresolver torbox login`"


@responses.activate
def test_a_refused_poll_quotes_nothing_secret() -> None:
    responses.post(
        POLL,
        status=403,
        json=refused("VENDOR_DISABLED", "Disabled.", {"device_code": DEVICE, "access_token": ISSUED}),
    )
    responses.post(POLL, status=400, json=refused("SOMETHING_NEW", "Nope.", {"access_token": ISSUED}))
    for expected in (errors.PermissionDenied, errors.Refused):
        with pytest.raises(expected) as caught:
            login().poll(CODE)
        said = str(caught.value) + caught.value.for_person()
        assert DEVICE not in said and ISSUED not in said, said


@pytest.mark.parametrize("data", [{"token_type": "Bearer"}, {"access_token": ""}, {"access_token": 7}])
@responses.activate
def test_an_answer_without_a_key_is_an_outage(data: dict[str, Any]) -> None:
    responses.post(POLL, json=ok(data))
    with pytest.raises(errors.ProviderOutage, match="without an API key"):
        login().poll(CODE)


@responses.activate
def test_the_whole_login_polls_until_the_key_and_stores_it(tmp_path: Path) -> None:
    responses.get(START, json=started())
    responses.post(POLL, status=400, json=refused("DEVICE_CODE_NOT_USED"))
    responses.post(POLL, json=ok({"access_token": ISSUED, "token_type": "Bearer"}))
    store = TokenStore("torbox", tmp_path)
    shown: list[str] = []
    slept: list[float] = []
    flow = login()
    token = run_device_login(
        "torbox",
        flow.start,
        flow.poll,
        lambda code: shown.append(f"{code.verification_url} {code.user_code}"),
        store,
        sleep=slept.append,
        clock=lambda: 0.0,
    )
    assert shown == ["https://torbox.app/oauth/device 123456"] and slept == [5.0, 5.0]
    assert token.access_token == ISSUED
    assert json.loads(store.path.read_text())["access_token"] == ISSUED
    assert (store.path.stat().st_mode & 0o777) == 0o600


# -- the provider's key ---------------------------------------------------------------------------


def test_without_a_key_or_login_it_says_how_to_get_one(tmp_path: Path) -> None:
    bare = TorBoxProvider(ProviderSettings("torbox"), store=TokenStore("torbox", tmp_path))
    assert not bare.enabled
    with pytest.raises(errors.AuthFailed, match="run `linkresolver torbox login`"):
        bare.key()


@responses.activate
def test_a_stored_login_enables_the_provider_and_a_configured_key_goes_first(tmp_path: Path) -> None:
    store = TokenStore("torbox", tmp_path)
    store.save(StoredToken(ISSUED))
    logged_in = TorBoxProvider(ProviderSettings("torbox"), store=store)
    assert logged_in.enabled and logged_in.key() == ISSUED
    responses.get(f"{API}/user/me", json=ok({"email": "me@example.invalid", "plan": 2}))
    logged_in.client_for(make_session(retries=0)).user()
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {ISSUED}"
    configured = TorBoxProvider(ProviderSettings("torbox", key=CONFIGURED), store=store)
    assert configured.key() == CONFIGURED
