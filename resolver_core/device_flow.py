"""The client side of an OAuth device flow, as far as services agree on it.

:mod:`.device_login` runs a login and keeps its token; what it asks of a plugin is how the
service starts a login, answers a poll and renews a token. Services that follow RFC 8628
(and RFC 6749 for renewal) answer those the same way: a device code from the device
endpoint, RFC 8628 section 3.5's errors to a poll (``authorization_pending``,
``slow_down``, ``access_denied``, ``expired_token``) until the token comes, and the
``refresh_token`` grant to renew it. :class:`DeviceFlowCalls` reads those answers once for
every plugin; what stays in the plugin is the service's own: its endpoints' paths, its grant
type's name, the fields it sends, and any step of its own (a service that hands out
credentials per person first, say). :func:`configured_endpoint` and
:func:`configured_client_id` read where the endpoints are and the program's client id from
the environment or the provider's table, the same way for every provider.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from .device_login import (
    PENDING,
    DeviceCode,
    LoginRequired,
    PollAnswer,
    SlowDown,
    StoredToken,
    answer_words,
    checked_endpoint,
    device_code_from_answer,
    token_from_answer,
)
from .errors import AuthFailed, ConfigError, ProviderOutage, RateLimited
from .http import get_json_response, post_json_response
from .values import loose_float

if TYPE_CHECKING:
    import requests

    from .config import ProviderSettings

#: Poll answers that end a login (RFC 8628 section 3.5), as the person is told.
FINAL_ERRORS: Final = {
    "access_denied": "the login was declined at {title}",
    "expired_token": "the login code expired before it was entered; start again",
}


def configured_endpoint(
    settings: ProviderSettings,
    *,
    environment: str,
    setting: str = "oauth_base",
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """Where a provider's OAuth endpoints are when the user says so: the environment
    variable ``environment`` (the sandbox sets it), else ``setting`` in the provider's
    table; checked (https, or http on loopback) and without a trailing slash. None when
    neither is set: the caller knows its service's own address."""
    env = os.environ if environ is None else environ
    if env.get(environment):
        return checked_endpoint(env[environment], f"environment variable {environment}")
    configured = settings.extra.get(setting)
    if configured is None:
        return None
    shown = configured if isinstance(configured, str) else repr(configured)
    return checked_endpoint(shown, f"[providers.{settings.name}] {setting}")


def configured_client_id(
    settings: ProviderSettings, *, environment: str, missing: str, environ: Mapping[str, str] | None = None
) -> str:
    """The program's client id, for services that issue them to registered programs only
    (the person registers theirs): the environment variable ``environment``, else
    ``client_id`` in the provider's table. Else a :class:`ConfigError` with ``missing``,
    which says where to get one."""
    env = os.environ if environ is None else environ
    value = env.get(environment) or settings.extra.get("client_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(missing)
    return value.strip()


class DeviceFlowCalls:
    """One service's device-flow calls, read the RFC's way. A plugin's OAuth client
    subclasses it and says which endpoint and fields each step uses.

    Every refusal names the HTTP status and the error's words, never the answer (which may
    hold a token or the device code); a 5xx is an outage, anything else a refused login.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        provider: str,
        title: str,
        client_id: str,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.provider = provider
        #: The service as people write it, for "the login was declined at ...".
        self.title = title
        self.client_id = client_id
        self.now = now

    def post(self, url: str, data: Mapping[str, str]) -> tuple[Any, int]:
        """POST a form; the JSON answer and the HTTP status."""
        answer, response = post_json_response(self.session, url, data=data, provider=self.provider)
        return answer, response.status_code

    def get(self, url: str, params: Mapping[str, str]) -> tuple[Any, int]:
        """GET with a query; the JSON answer and the HTTP status."""
        answer, response = get_json_response(self.session, url, params=params, provider=self.provider)
        return answer, response.status_code

    def refusal(self, what: str, status: int, answer: Any) -> AuthFailed | ProviderOutage:
        message = f"{what} (HTTP {status}: {answer_words(answer)})"  # never the answer: it may hold a token
        if status >= 500:
            return ProviderOutage(message, provider=self.provider, code=status)
        return AuthFailed(message, provider=self.provider, code=status)

    def device_code(self, answer: Any, status: int) -> DeviceCode:
        """The device endpoint's answer: the codes, or the refusal raised."""
        if status != 200:
            raise self.refusal("refused to start a login", status, answer)
        return device_code_from_answer(answer, provider=self.provider)

    def polled(self, ask: Callable[[], tuple[Any, int]]) -> PollAnswer:
        """One poll (``ask`` sends it) read as RFC 8628 section 3.5 has it: PENDING,
        :class:`SlowDown` (also for a 429), a :class:`LoginRequired` raised for a declined
        or lapsed code, a refusal raised for any other error, else the token."""
        try:
            answer, status = ask()
        except RateLimited as exc:
            return SlowDown(exc.retry_after if exc.retry_after_given else None)
        body = answer if isinstance(answer, dict) else {}
        error = body.get("error")
        if error == "authorization_pending":
            return PENDING
        if error == "slow_down":
            interval = loose_float(body.get("interval"))
            return SlowDown(interval if interval is not None and 0 <= interval <= 3600 else None)
        if isinstance(error, str) and error in FINAL_ERRORS:
            raise LoginRequired(FINAL_ERRORS[error].format(title=self.title), provider=self.provider)
        if status != 200:
            raise self.refusal("refused the login", status, answer)
        return self.token(body)

    def token(
        self,
        answer: Any,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        previous: StoredToken | None = None,
    ) -> StoredToken:
        """A token endpoint's answer (status 200) as the token to keep, with the client
        credentials that renew it (the program's client id unless the service issued the
        person their own)."""
        return token_from_answer(
            answer if isinstance(answer, dict) else {},
            provider=self.provider,
            now=self.now(),
            client_id=client_id or self.client_id,
            client_secret=client_secret,
            previous=previous,
        )

    def refreshed(self, url: str, token: StoredToken) -> StoredToken:
        """``token`` renewed with RFC 6749's ``refresh_token`` grant at ``url``."""
        if not token.refresh_token:
            raise AuthFailed("login cannot be renewed (no refresh token was issued)", provider=self.provider)
        answer, status = self.post(
            url,
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "refresh_token": token.refresh_token,
            },
        )
        if status != 200:
            raise self.refusal("refused to renew the login", status, answer)
        return self.token(answer, previous=token)


__all__ = ["FINAL_ERRORS", "DeviceFlowCalls", "configured_client_id", "configured_endpoint"]
