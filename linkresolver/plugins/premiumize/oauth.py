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

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from linkresolver.api import (
    DeviceCode,
    DeviceFlowCalls,
    StoredToken,
    TokenStore,
    configured_client_id,
    configured_endpoint,
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


def oauth_base(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """Where ``/token`` is: the environment variable, the ``oauth_base`` setting, or
    Premiumize's web site."""
    return configured_endpoint(settings, environment=OAUTH_BASE_ENV, environ=environ) or DEFAULT_OAUTH_BASE


def client_id(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """The program's client id, or a :class:`ConfigError` saying where to put one."""
    return configured_client_id(
        settings,
        environment=CLIENT_ID_ENV,
        environ=environ,
        missing="premiumize login needs a client id, which Premiumize gives registered programs: set"
        f" client_id in [providers.premiumize] (or {CLIENT_ID_ENV}); or keep using the API key",
    )


def token_store() -> TokenStore:
    """Premiumize's token file in the user's state directory."""
    return TokenStore(PROVIDER)


class PremiumizeOAuth(DeviceFlowCalls):
    """The device flow's calls, all to ``/token``: start, poll, renew."""

    def __init__(
        self,
        session: requests.Session,
        client: str,
        base: str = DEFAULT_OAUTH_BASE,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(session, provider=PROVIDER, title="Premiumize", client_id=client, now=now)
        self.url = f"{base.rstrip('/')}/token"

    def start(self) -> DeviceCode:
        return self.device_code(
            *self.post(self.url, {"response_type": "device_code", "client_id": self.client_id})
        )

    def poll(self, code: DeviceCode) -> PollAnswer:
        form = {"grant_type": "device_code", "client_id": self.client_id, "code": code.device_code}
        return self.polled(lambda: self.post(self.url, form))

    def renew(self, token: StoredToken) -> StoredToken:
        return self.refreshed(self.url, token)


def renewal(settings: ProviderSettings) -> Renewal:
    """How a stored Premiumize login is renewed, for a session (:class:`StoredLogin`): with
    the client id it was issued to (else the configured one)."""
    return lambda session: (
        lambda token: PremiumizeOAuth(
            session, token.client_id or client_id(settings), oauth_base(settings)
        ).renew(token)
    )


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
