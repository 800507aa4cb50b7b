"""Real-Debrid's device flow against mocked answers (``responses``): the calls it makes,
what it makes of the answers, and its OAuth base."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
import responses.matchers

from linkresolver.plugins.realdebrid.oauth import (
    DEFAULT_OAUTH_BASE,
    DEVICE_GRANT,
    OPEN_SOURCE_CLIENT_ID,
    RealDebridOAuth,
    access_token,
    oauth_base,
)
from resolver_core.config import ProviderSettings
from resolver_core.device_login import PENDING, DeviceCode, LoginRequired, SlowDown, StoredToken, TokenStore
from resolver_core.errors import AuthFailed, ConfigError
from resolver_core.http import make_session
from resolver_core.redact import redact

BASE = DEFAULT_OAUTH_BASE
CODE = DeviceCode("rd-device-code-0123", "ABCD1234", "https://real-debrid.com/device", 5.0, 600.0)
SECRET = "rd-client-secret-0123"


def oauth() -> RealDebridOAuth:
    return RealDebridOAuth(make_session(retries=0), now=lambda: 1000.0)


def test_start_asks_with_the_open_source_client_id_for_new_credentials(api: responses.RequestsMock) -> None:
    api.get(
        f"{BASE}/device/code",
        match=[
            responses.matchers.query_param_matcher(
                {"client_id": OPEN_SOURCE_CLIENT_ID, "new_credentials": "yes"}
            )
        ],
        json={
            "device_code": "rd-device-code-0123",
            "user_code": "ABCD1234",
            "interval": 5,
            "expires_in": 1800,
            "verification_url": "https://real-debrid.com/device",
            "direct_verification_url": "https://real-debrid.com/device?code=ABCD1234",
        },
    )
    code = oauth().start()
    assert (code.user_code, code.interval, code.expires_in) == ("ABCD1234", 5.0, 1800.0)
    assert code.direct_url == "https://real-debrid.com/device?code=ABCD1234"
    assert redact("rd-device-code-0123") == "***"


def test_pending_until_the_credentials_come_then_the_token(api: responses.RequestsMock) -> None:
    credentials = f"{BASE}/device/credentials"
    query = responses.matchers.query_param_matcher(
        {"client_id": OPEN_SOURCE_CLIENT_ID, "code": CODE.device_code}
    )
    api.get(credentials, match=[query], status=403, json={"error": "unknown_ressource", "error_code": 7})
    api.get(credentials, match=[query], json={"client_id": "PERSONAL1", "client_secret": SECRET})
    api.post(
        f"{BASE}/token",
        match=[
            responses.matchers.urlencoded_params_matcher(
                {
                    "client_id": "PERSONAL1",
                    "client_secret": SECRET,
                    "code": CODE.device_code,
                    "grant_type": DEVICE_GRANT,
                }
            )
        ],
        json={
            "access_token": "rd-access-0123",
            "expires_in": 3600,
            "token_type": "Bearer",
            "refresh_token": "rd-refresh-0123",
        },
    )
    flow = oauth()
    assert flow.poll(CODE) == PENDING
    token = flow.poll(CODE)
    assert token == StoredToken("rd-access-0123", "rd-refresh-0123", 4600.0, "PERSONAL1", SECRET, 1000.0)
    assert redact(f"{SECRET} rd-access-0123 rd-refresh-0123") == "*** *** ***"


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (429, {"error": "too_many_requests", "error_code": 34}, {"Retry-After": "3"}, SlowDown(3.0)),
        (429, {"error": "too_many_requests", "error_code": 34}, {}, SlowDown(None)),
        (400, {"error": "slow_down", "error_code": 5}, {}, SlowDown(None)),
    ],
)
def test_slow_down_answers(
    api: responses.RequestsMock,
    status: int,
    body: dict[str, object],
    headers: dict[str, str],
    expected: SlowDown,
) -> None:
    api.get(f"{BASE}/device/credentials", status=status, json=body, headers=headers)
    assert oauth().poll(CODE) == expected


def test_renew_sends_the_refresh_token_as_the_code(api: responses.RequestsMock) -> None:
    old = StoredToken("rd-access-0123", "rd-refresh-0123", 900.0, "PERSONAL1", SECRET, 1.0)
    api.post(
        f"{BASE}/token",
        match=[
            responses.matchers.urlencoded_params_matcher(
                {
                    "client_id": "PERSONAL1",
                    "client_secret": SECRET,
                    "code": "rd-refresh-0123",
                    "grant_type": DEVICE_GRANT,
                }
            )
        ],
        json={
            "access_token": "rd-access-0456",
            "expires_in": 3600,
            "token_type": "Bearer",
            "refresh_token": "rd-refresh-0123",
        },
    )
    new = oauth().renew(old)
    assert (new.access_token, new.refresh_token, new.expires_at, new.client_secret) == (
        "rd-access-0456",
        "rd-refresh-0123",
        4600.0,
        SECRET,
    )


def test_a_refused_renewal_is_auth_failed_without_secrets(api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/token", status=400, json={"error": "invalid_grant", "error_code": 8})
    with pytest.raises(AuthFailed, match=r"refused the token \(HTTP 400: invalid_grant\)") as caught:
        oauth().renew(StoredToken("rd-access-0123", "rd-refresh-0123", 900.0, "PERSONAL1", SECRET, 1.0))
    assert SECRET not in str(caught.value)


def test_access_token_renews_an_expired_login_through_the_token_endpoint(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    store = TokenStore("realdebrid", tmp_path)
    store.save(StoredToken("rd-access-0123", "rd-refresh-0123", 10.0, "PERSONAL1", SECRET, 1.0))
    api.post(
        f"{BASE}/token",
        json={"access_token": "rd-access-0789", "expires_in": 3600, "refresh_token": "rd-refresh-0789"},
    )
    assert (
        access_token(make_session(retries=0), ProviderSettings("realdebrid"), store=store) == "rd-access-0789"
    )
    stored = store.load()
    assert stored is not None and stored.refresh_token == "rd-refresh-0789"


def test_access_token_without_a_login_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(LoginRequired) as caught:
        access_token(make_session(), ProviderSettings("realdebrid"), store=TokenStore("realdebrid", tmp_path))
    assert caught.value.for_person() == (
        "realdebrid is not logged in; log in with `linkresolver realdebrid login`"
    )


def test_the_oauth_base() -> None:
    plain = ProviderSettings("realdebrid")
    assert oauth_base(plain, {}) == DEFAULT_OAUTH_BASE
    beside = ProviderSettings("realdebrid", api_base="http://127.0.0.1:8080/rd/rest/1.0/")
    assert oauth_base(beside, {}) == "http://127.0.0.1:8080/rd/oauth/v2"
    configured = ProviderSettings("realdebrid", extra={"oauth_base": "https://proxy.example/oauth/v2/"})
    assert oauth_base(configured, {}) == "https://proxy.example/oauth/v2"
    env = {"LINKRESOLVER_REALDEBRID_OAUTH_BASE": "http://localhost:1/o"}
    assert oauth_base(configured, env) == "http://localhost:1/o"
    with pytest.raises(ConfigError, match=r"oauth_base: 'http://evil.example/o' must use https"):
        oauth_base(ProviderSettings("realdebrid", extra={"oauth_base": "http://evil.example/o"}), {})
