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

PROVIDER: Final = "debridlink"
DEFAULT_OAUTH_BASE: Final = "https://debrid-link.com/api/oauth"
DEVICE_GRANT: Final = "http://oauth.net/grant_type/device/1.0"
#: What linkresolver needs: the downloader, the seedbox, the account.
SCOPE: Final = "get.post.downloader get.post.seedbox get.account"
OAUTH_BASE_ENV: Final = "LINKRESOLVER_DEBRIDLINK_OAUTH_BASE"
CLIENT_ID_ENV: Final = "LINKRESOLVER_DEBRIDLINK_CLIENT_ID"
#: The settings this module reads from ``[providers.debridlink]`` besides the common ones.
SETTINGS: Final = ("client_id", "oauth_base")


def oauth_base(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """Where the OAuth endpoints are: the environment variable, the ``oauth_base`` setting,
    or Debrid-Link's own."""
    return configured_endpoint(settings, environment=OAUTH_BASE_ENV, environ=environ) or DEFAULT_OAUTH_BASE


def client_id(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """The program's client id, or a :class:`ConfigError` saying where to put one."""
    return configured_client_id(
        settings,
        environment=CLIENT_ID_ENV,
        environ=environ,
        missing="debridlink login needs a client id, which Debrid-Link gives programs registered in"
        f" an account's apps page: set client_id in [providers.debridlink] (or {CLIENT_ID_ENV});"
        " or put the account's API key in the config instead",
    )


def token_store() -> TokenStore:
    """Debrid-Link's token file in the user's state directory."""
    return TokenStore(PROVIDER)


class DebridLinkOAuth(DeviceFlowCalls):
    """The device flow's calls: start (``device/code``), poll and renew (``token``)."""

    def __init__(
        self,
        session: requests.Session,
        client: str,
        base: str = DEFAULT_OAUTH_BASE,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(session, provider=PROVIDER, title="Debrid-Link", client_id=client, now=now)
        self.base = base.rstrip("/")

    def start(self) -> DeviceCode:
        return self.device_code(
            *self.post(f"{self.base}/device/code", {"client_id": self.client_id, "scope": SCOPE})
        )

    def poll(self, code: DeviceCode) -> PollAnswer:
        form = {"client_id": self.client_id, "code": code.device_code, "grant_type": DEVICE_GRANT}
        return self.polled(lambda: self.post(f"{self.base}/token", form))

    def renew(self, token: StoredToken) -> StoredToken:
        return self.refreshed(f"{self.base}/token", token)


def renewal(settings: ProviderSettings) -> Renewal:
    """How a stored Debrid-Link login is renewed, for a session (:class:`StoredLogin`): with
    the client id it was issued to (else the configured one)."""
    return lambda session: (
        lambda token: DebridLinkOAuth(
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
    """The access token a Debrid-Link request should carry (``Authorization: Bearer``): the
    stored one, renewed first when it lapsed or was just ``refused``. Raises
    ``LoginRequired`` (run ``linkresolver debridlink login``) when there is none."""
    return valid_access_token(store or token_store(), renewal(settings)(session), refused=refused)
