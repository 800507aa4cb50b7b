"""Premiumize's device flow against mocked answers (``responses``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
import responses.matchers

from linkresolver.plugins.premiumize.oauth import (
    DEFAULT_OAUTH_BASE,
    PremiumizeOAuth,
    access_token,
    client_id,
    oauth_base,
)
from resolver_core.config import ProviderSettings
from resolver_core.device_login import PENDING, DeviceCode, LoginRequired, SlowDown, StoredToken, TokenStore
from resolver_core.errors import AuthFailed, ConfigError
from resolver_core.http import make_session
from resolver_core.redact import redact

URL = f"{DEFAULT_OAUTH_BASE}/token"
CODE = DeviceCode("pm-device-code-0123", "QWERTY", "https://www.premiumize.me/device", 5.0, 600.0)


def oauth() -> PremiumizeOAuth:
    return PremiumizeOAuth(make_session(retries=0), "my-client", now=lambda: 1000.0)


def form(**fields: str) -> list[object]:
    return [responses.matchers.urlencoded_params_matcher(fields)]


def test_start_posts_response_type_device_code(api: responses.RequestsMock) -> None:
    api.post(
        URL,
        match=form(response_type="device_code", client_id="my-client"),
        json={
            "device_code": "pm-device-code-0123",
            "user_code": "QWERTY",
            "verification_uri": "https://www.premiumize.me/device",
            "expires_in": 600,
            "interval": 5,
        },
    )
    code = oauth().start()
    assert (code.user_code, code.verification_url, code.interval) == (
        "QWERTY",
        "https://www.premiumize.me/device",
        5.0,
    )
    assert redact("pm-device-code-0123") == "***"


def test_polls_pending_slow_down_then_token(api: responses.RequestsMock) -> None:
    poll = form(grant_type="device_code", client_id="my-client", code=CODE.device_code)
    api.post(URL, match=poll, status=400, json={"error": "authorization_pending"})
    api.post(URL, match=poll, status=400, json={"error": "slow_down"})
    api.post(URL, match=poll, status=400, json={"error": "slow_down", "interval": 10})
    api.post(
        URL, match=poll, json={"access_token": "pm-access-0123", "token_type": "Bearer", "expires_in": 7200}
    )
    flow = oauth()
    assert [flow.poll(CODE) for _ in range(3)] == [PENDING, SlowDown(None), SlowDown(10.0)]
    assert flow.poll(CODE) == StoredToken("pm-access-0123", None, 8200.0, "my-client", None, 1000.0)
    assert redact("pm-access-0123") == "***"


@pytest.mark.parametrize(
    ("error", "words"),
    [("access_denied", "declined"), ("expired_token", "expired before it was entered")],
)
def test_final_answers_end_the_login(api: responses.RequestsMock, error: str, words: str) -> None:
    api.post(URL, status=400, json={"error": error})
    with pytest.raises(LoginRequired, match=words):
        oauth().poll(CODE)


def test_an_unknown_refusal_names_what_the_service_said(api: responses.RequestsMock) -> None:
    api.post(URL, status=400, json={"error": "invalid_client", "error_description": "unknown client id"})
    with pytest.raises(AuthFailed, match=r"refused the login \(HTTP 400: unknown client id\)"):
        oauth().poll(CODE)


def test_renew_with_the_refresh_token_grant(api: responses.RequestsMock, tmp_path: Path) -> None:
    store = TokenStore("premiumize", tmp_path)
    store.save(StoredToken("pm-access-0123", "pm-refresh-0123", 10.0, "my-client", None, 1.0))
    api.post(
        URL,
        match=form(grant_type="refresh_token", client_id="my-client", refresh_token="pm-refresh-0123"),
        json={"access_token": "pm-access-0456", "expires_in": 7200},
    )
    assert (
        access_token(make_session(retries=0), ProviderSettings("premiumize"), store=store) == "pm-access-0456"
    )
    stored = store.load()
    assert stored is not None and stored.refresh_token == "pm-refresh-0123"  # kept: none new came


def test_a_token_without_refresh_asks_for_a_new_login_when_it_lapsed(tmp_path: Path) -> None:
    store = TokenStore("premiumize", tmp_path)
    store.save(StoredToken("pm-access-0123", None, 10.0, "my-client", None, 1.0))
    with pytest.raises(LoginRequired, match="expired and cannot be renewed"):
        access_token(make_session(), ProviderSettings("premiumize"), store=store)


def test_the_client_id_is_a_setting_with_a_clear_message_when_missing() -> None:
    with pytest.raises(ConfigError, match=r"set client_id in \[providers.premiumize\]"):
        client_id(ProviderSettings("premiumize"), {})
    assert client_id(ProviderSettings("premiumize", extra={"client_id": 522}), {}) == "522"
    assert (
        client_id(ProviderSettings("premiumize"), {"LINKRESOLVER_PREMIUMIZE_CLIENT_ID": "env-id"}) == "env-id"
    )


def test_the_oauth_base() -> None:
    assert oauth_base(ProviderSettings("premiumize"), {}) == DEFAULT_OAUTH_BASE
    env = {"LINKRESOLVER_PREMIUMIZE_OAUTH_BASE": "http://127.0.0.1:9/pm/"}
    assert oauth_base(ProviderSettings("premiumize"), env) == "http://127.0.0.1:9/pm"
    with pytest.raises(ConfigError, match="must use https"):
        oauth_base(ProviderSettings("premiumize", extra={"oauth_base": "http://pm.example"}), {})
