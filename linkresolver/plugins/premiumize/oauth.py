"""Premiumize's login without the API key: the OAuth device flow of its current API.

Premiumize's API documentation describes an OAuth2 device flow at ``/token`` on its web
site: a POST with ``response_type=device_code`` and the program's client id answers a
device code, a user code and the page to enter it at; polls (``grant_type=device_code``,
``code=<device code>``) answer an RFC 8628 error (``authorization_pending``,
``slow_down``, ``expired_token``, ``access_denied``) until the person entered the code,
then the access token. Premiumize issues client ids to registered programs only, and this
project has none of its own: the person sets theirs as ``client_id`` in
``[providers.premiumize]`` (or ``LINKRESOLVER_PREMIUMIZE_CLIENT_ID``).

Premiumize's tokens are long-lived; when one comes with a refresh token it is renewed with
the standard ``refresh_token`` grant, otherwise a lapsed login asks for a new one. The
sandbox points the endpoint elsewhere with ``LINKRESOLVER_PREMIUMIZE_OAUTH_BASE`` (or
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

PROVIDER: Final = "premiumize"
DEFAULT_OAUTH_BASE: Final = "https://www.premiumize.me"
OAUTH_BASE_ENV: Final = "LINKRESOLVER_PREMIUMIZE_OAUTH_BASE"
CLIENT_ID_ENV: Final = "LINKRESOLVER_PREMIUMIZE_CLIENT_ID"
#: The settings this module reads from ``[providers.premiumize]`` besides the common ones.
SETTINGS: Final = ("client_id", "oauth_base")
#: Poll answers that end the login: the person declined, or the code lapsed.
_FINAL_ERRORS: Final = {
    "access_denied": "the login was declined at Premiumize",
    "expired_token": "the login code expired before it was entered; start again",
}


def oauth_base(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """Where ``/token`` is: the environment variable, the ``oauth_base`` setting, or
    Premiumize's web site."""
    env = os.environ if environ is None else environ
    if env.get(OAUTH_BASE_ENV):
        return checked_endpoint(env[OAUTH_BASE_ENV], f"environment variable {OAUTH_BASE_ENV}")
    configured = settings.extra.get("oauth_base")
    if configured is None:
        return DEFAULT_OAUTH_BASE
    return checked_endpoint(str(configured), "[providers.premiumize] oauth_base")


def client_id(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """The program's client id, or a :class:`ConfigError` saying where to put one."""
    env = os.environ if environ is None else environ
    value = env.get(CLIENT_ID_ENV) or settings.extra.get("client_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            "premiumize login needs a client id, which Premiumize gives registered programs: set"
            f" client_id in [providers.premiumize] (or {CLIENT_ID_ENV}); or keep using the API key"
        )
    return value.strip()


def token_store() -> TokenStore:
    """Premiumize's token file in the user's state directory."""
    return TokenStore(PROVIDER)


class PremiumizeOAuth:
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
        self.url = f"{base.rstrip('/')}/token"
        self.now = now

    def start(self) -> DeviceCode:
        answer, status = self._post({"response_type": "device_code", "client_id": self.client_id})
        if status != 200:
            raise self._refusal("refused to start a login", status, answer)
        return device_code_from_answer(answer, provider=PROVIDER)

    def poll(self, code: DeviceCode) -> PollAnswer:
        try:
            answer, status = self._post(
                {"grant_type": "device_code", "client_id": self.client_id, "code": code.device_code}
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
            {"grant_type": "refresh_token", "client_id": self.client_id, "refresh_token": token.refresh_token}
        )
        if status != 200:
            raise self._refusal("refused to renew the login", status, answer)
        body = answer if isinstance(answer, dict) else {}
        return token_from_answer(
            body, provider=PROVIDER, now=self.now(), client_id=self.client_id, previous=token
        )

    def _post(self, data: dict[str, str]) -> tuple[Any, int]:
        answer, response = post_json_response(self.session, self.url, data=data, provider=PROVIDER)
        return answer, response.status_code

    @staticmethod
    def _refusal(what: str, status: int, answer: Any) -> AuthFailed | ProviderOutage:
        message = f"{what} (HTTP {status}: {answer_words(answer)})"  # never the answer: it may hold a token
        if status >= 500:
            return ProviderOutage(message, provider=PROVIDER, code=status)
        return AuthFailed(message, provider=PROVIDER, code=status)


def renewal(settings: ProviderSettings) -> Renewal:
    """How a stored Premiumize login is renewed, for a session (:class:`StoredLogin`): with the
    client id it was issued to (else the configured one)."""

    def renewing(session: requests.Session) -> Callable[[StoredToken], StoredToken]:
        def renew(token: StoredToken) -> StoredToken:
            return PremiumizeOAuth(
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
    """The access token a request to Premiumize's current API should carry (``Authorization:
    Bearer``): the stored one, renewed first when it lapsed or was just ``refused``, when it
    can be. Raises ``LoginRequired`` (run ``linkresolver premiumize login``) when there is none."""
    return valid_access_token(store or token_store(), renewal(settings)(session), refused=refused)
