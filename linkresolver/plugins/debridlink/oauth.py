"""Debrid-Link's login without the API key: its OAuth2 device flow.

Debrid-Link's API documentation ("OAuth2 - device") has a program POST its client id and
the scopes it needs to ``/api/oauth/device/code``; the answer holds a device code, a user
code and the page to enter it at. Polls of ``/api/oauth/token`` (grant type
``http://oauth.net/grant_type/device/1.0``, ``code=<device code>``) answer
``authorization_pending`` (or ``slow_down``) until the person entered the code, then an
access token and a refresh token; the ``refresh_token`` grant renews an access token that
lapsed. Debrid-Link issues client ids to programs registered in an account's "apps" page,
and this project has none of its own: the person sets theirs as ``client_id`` in
``[providers.debridlink]`` (or ``LINKRESOLVER_DEBRIDLINK_CLIENT_ID``).

The sandbox points the endpoints elsewhere with ``LINKRESOLVER_DEBRIDLINK_OAUTH_BASE`` (or
``oauth_base`` in the table), https only except on loopback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from linkresolver.api import (
    PENDING,
    AuthFailed,
    ConfigError,
    DeviceCode,
    LoginRequired,
    ProviderOutage,
    SlowDown,
    StoredToken,
    TokenStore,
    answer_words,
    checked_endpoint,
    device_code_from_answer,
    errors,
    loose_float,
    post_json_response,
    token_from_answer,
    valid_access_token,
)

if TYPE_CHECKING:
    import requests

    from linkresolver.api import PollAnswer, ProviderSettings, Renewal

PROVIDER: Final = "debridlink"
DEFAULT_OAUTH_BASE: Final = "https://debrid-link.com/api/oauth"
DEVICE_GRANT: Final = "http://oauth.net/grant_type/device/1.0"
#: What linkresolver needs: the downloader, the seedbox, the account.
SCOPE: Final = "get.post.downloader get.post.seedbox get.account"
OAUTH_BASE_ENV: Final = "LINKRESOLVER_DEBRIDLINK_OAUTH_BASE"
CLIENT_ID_ENV: Final = "LINKRESOLVER_DEBRIDLINK_CLIENT_ID"
#: The settings this module reads from ``[providers.debridlink]`` besides the common ones.
SETTINGS: Final = ("client_id", "oauth_base")
#: Poll answers that end the login: the person declined, or the code lapsed.
_FINAL_ERRORS: Final = {
    "access_denied": "the login was declined at Debrid-Link",
    "expired_token": "the login code expired before it was entered; start again",
}


def oauth_base(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """Where the OAuth endpoints are: the environment variable, the ``oauth_base`` setting,
    or Debrid-Link's own."""
    env = os.environ if environ is None else environ
    if env.get(OAUTH_BASE_ENV):
        return checked_endpoint(env[OAUTH_BASE_ENV], f"environment variable {OAUTH_BASE_ENV}")
    configured = settings.extra.get("oauth_base")
    if configured is None:
        return DEFAULT_OAUTH_BASE
    return checked_endpoint(str(configured), "[providers.debridlink] oauth_base")


def client_id(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """The program's client id, or a :class:`ConfigError` saying where to put one."""
    env = os.environ if environ is None else environ
    value = env.get(CLIENT_ID_ENV) or settings.extra.get("client_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            "debridlink login needs a client id, which Debrid-Link gives programs registered in"
            f" an account's apps page: set client_id in [providers.debridlink] (or {CLIENT_ID_ENV});"
            " or put the account's API key in the config instead"
        )
    return value.strip()


def token_store() -> TokenStore:
    """Debrid-Link's token file in the user's state directory."""
    return TokenStore(PROVIDER)


class DebridLinkOAuth:
    """The device flow's calls: start, poll, renew."""

    def __init__(
        self,
        session: requests.Session,
        client: str,
        base: str = DEFAULT_OAUTH_BASE,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.client_id = client
        self.base = base.rstrip("/")
        self.now = now

    def start(self) -> DeviceCode:
        answer, status = self._post("device/code", {"client_id": self.client_id, "scope": SCOPE})
        if status != 200:
            raise self._refusal("refused to start a login", status, answer)
        return device_code_from_answer(answer, provider=PROVIDER)

    def poll(self, code: DeviceCode) -> PollAnswer:
        try:
            answer, status = self._post(
                "token", {"client_id": self.client_id, "code": code.device_code, "grant_type": DEVICE_GRANT}
            )
        except errors.RateLimited as exc:
            return SlowDown(exc.retry_after if exc.retry_after_given else None)
        body = answer if isinstance(answer, dict) else {}
        error = body.get("error")
        if error == "authorization_pending":
            return PENDING
        if error == "slow_down":
            interval = loose_float(body.get("interval"))
            return SlowDown(interval if interval is not None and 0 <= interval <= 3600 else None)
        if isinstance(error, str) and error in _FINAL_ERRORS:
            raise LoginRequired(_FINAL_ERRORS[error], provider=PROVIDER)
        if status != 200:
            raise self._refusal("refused the login", status, answer)
        return token_from_answer(body, provider=PROVIDER, now=self.now(), client_id=self.client_id)

    def renew(self, token: StoredToken) -> StoredToken:
        if not token.refresh_token:
            raise AuthFailed("login cannot be renewed (no refresh token was issued)", provider=PROVIDER)
        answer, status = self._post(
            "token",
            {
                "client_id": self.client_id,
                "refresh_token": token.refresh_token,
                "grant_type": "refresh_token",
            },
        )
        if status != 200:
            raise self._refusal("refused to renew the login", status, answer)
        body = answer if isinstance(answer, dict) else {}
        return token_from_answer(
            body, provider=PROVIDER, now=self.now(), client_id=self.client_id, previous=token
        )

    def _post(self, endpoint: str, data: dict[str, str]) -> tuple[Any, int]:
        answer, response = post_json_response(
            self.session, f"{self.base}/{endpoint}", data=data, provider=PROVIDER
        )
        return answer, response.status_code

    @staticmethod
    def _refusal(what: str, status: int, answer: Any) -> AuthFailed | ProviderOutage:
        message = f"{what} (HTTP {status}: {answer_words(answer)})"  # never the answer: it may hold a token
        if status >= 500:
            return ProviderOutage(message, provider=PROVIDER, code=status)
        return AuthFailed(message, provider=PROVIDER, code=status)


def renewal(settings: ProviderSettings) -> Renewal:
    """How a stored Debrid-Link login is renewed, for a session (:class:`StoredLogin`): with the
    client id it was issued to (else the configured one)."""

    def renewing(session: requests.Session) -> Callable[[StoredToken], StoredToken]:
        def renew(token: StoredToken) -> StoredToken:
            return DebridLinkOAuth(
                session, token.client_id or client_id(settings), oauth_base(settings)
            ).renew(token)

        return renew

    return renewing


def access_token(
    session: requests.Session,
    settings: ProviderSettings,
    *,
    refused: str | None = None,
    store: TokenStore | None = None,
) -> str:
    """The access token a Debrid-Link request should carry (``Authorization: Bearer``): the
    stored one, renewed first when it lapsed or was just ``refused``. Raises
    ``LoginRequired`` (run ``linkresolver debridlink login``) when there is none."""
    return valid_access_token(store or token_store(), renewal(settings)(session), refused=refused)
