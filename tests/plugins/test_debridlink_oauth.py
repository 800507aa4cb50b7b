"""Debrid-Link's device flow against mocked answers (``responses``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
import responses.matchers

from linkresolver.plugins.debridlink.oauth import (
    DEFAULT_OAUTH_BASE,
    DEVICE_GRANT,
    SCOPE,
    DebridLinkOAuth,
    access_token,
    client_id,
)
from resolver_core.config import ProviderSettings
from resolver_core.device_login import PENDING, DeviceCode, LoginRequired, SlowDown, StoredToken, TokenStore
from resolver_core.errors import AuthFailed, ConfigError
from resolver_core.http import make_session

CODE = DeviceCode("dl-device-code-0123", "ABCD1234", "https://debrid-link.com/device", 5.0, 600.0)
TOKEN_URL = f"{DEFAULT_OAUTH_BASE}/token"


def oauth() -> DebridLinkOAuth:
    return DebridLinkOAuth(make_session(retries=0), "my-client", now=lambda: 1000.0)


def form(**fields: str) -> list[object]:
    return [responses.matchers.urlencoded_params_matcher(fields)]


def test_start_asks_for_a_code_with_the_scopes(api: responses.RequestsMock) -> None:
    api.post(
        f"{DEFAULT_OAUTH_BASE}/device/code",
        match=form(client_id="my-client", scope=SCOPE),
        json={
            "device_code": "dl-device-code-0123",
            "user_code": "ABCD1234",
            "verification_url": "https://debrid-link.com/device",
            "expires_in": 600,
            "interval": 5,
        },
    )
    code = oauth().start()
    assert (code.user_code, code.verification_url, code.interval) == (
        "ABCD1234",
        "https://debrid-link.com/device",
        5.0,
    )


def test_polls_pending_slow_down_then_token(api: responses.RequestsMock) -> None:
    poll = form(client_id="my-client", code=CODE.device_code, grant_type=DEVICE_GRANT)
    api.post(TOKEN_URL, match=poll, status=400, json={"error": "authorization_pending"})
    api.post(TOKEN_URL, match=poll, status=400, json={"error": "slow_down"})
    api.post(
        TOKEN_URL,
        match=poll,
        json={"access_token": "S3NT1NEL-dl-a", "refresh_token": "S3NT1NEL-dl-r", "expires_in": 600},
    )
    assert oauth().poll(CODE) is PENDING
    assert isinstance(oauth().poll(CODE), SlowDown)
    token = oauth().poll(CODE)
    assert isinstance(token, StoredToken)
    assert (token.access_token, token.refresh_token, token.client_id) == (
        "S3NT1NEL-dl-a",
        "S3NT1NEL-dl-r",
        "my-client",
    )


@pytest.mark.parametrize(("error", "words"), [("access_denied", "declined"), ("expired_token", "expired")])
def test_final_poll_answers_end_the_login(api: responses.RequestsMock, error: str, words: str) -> None:
    api.post(TOKEN_URL, status=400, json={"error": error})
    with pytest.raises(LoginRequired, match=words):
        oauth().poll(CODE)


def test_renew_uses_the_refresh_grant(api: responses.RequestsMock) -> None:
    api.post(
        TOKEN_URL,
        match=form(client_id="my-client", refresh_token="S3NT1NEL-dl-r", grant_type="refresh_token"),
        json={"access_token": "S3NT1NEL-dl-b", "expires_in": 600},
    )
    renewed = oauth().renew(StoredToken("S3NT1NEL-dl-a", "S3NT1NEL-dl-r", client_id="my-client"))
    assert renewed.access_token == "S3NT1NEL-dl-b" and renewed.refresh_token == "S3NT1NEL-dl-r"


def test_a_refused_renewal_is_an_auth_error_without_the_answer(api: responses.RequestsMock) -> None:
    api.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "access_token": "S3NT1NEL-dl-leak"})
    with pytest.raises(AuthFailed) as caught:
        oauth().renew(StoredToken("S3NT1NEL-dl-a", "S3NT1NEL-dl-r", client_id="my-client"))
    assert "S3NT1NEL-dl-leak" not in str(caught.value)


def test_without_a_client_id_it_says_where_to_put_one() -> None:
    with pytest.raises(ConfigError, match=r"set client_id in \[providers.debridlink\]"):
        client_id(ProviderSettings("debridlink"), environ={})
    assert client_id(ProviderSettings("debridlink", extra={"client_id": " abc "}), environ={}) == "abc"


def test_a_lapsed_token_is_renewed(api: responses.RequestsMock, tmp_path: Path) -> None:
    store = TokenStore("debridlink", tmp_path)
    store.save(StoredToken("S3NT1NEL-dl-old", "S3NT1NEL-dl-r", client_id="my-client", expires_at=1.0))
    api.post(
        TOKEN_URL,
        json={"access_token": "S3NT1NEL-dl-new", "refresh_token": "S3NT1NEL-dl-r2", "expires_in": 600},
    )
    token = access_token(make_session(retries=0), ProviderSettings("debridlink"), store=store)
    assert token == "S3NT1NEL-dl-new"
