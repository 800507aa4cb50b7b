"""Real-Debrid's login for open-source programs: the device flow with per-person credentials.

Real-Debrid's API documentation ("Authentication for applications", the open-source apps
workflow) gives programs whose source is public one shared client id, and no secret: a
secret shipped in public source is no secret. The program asks ``device/code`` with that
client id and ``new_credentials=yes``, the person enters the user code at the page shown,
and ``device/credentials`` then answers with a client id and secret made for that person
(until then it answers an error: the code is not entered yet). Those and the device code
buy a token at ``token`` (grant type ``http://oauth.net/grant_type/device/1.0``); the same
call with the refresh token as the code renews it. The access token lasts hours, the
refresh token until the person revokes the program.

The OAuth endpoints live beside the REST API (``/oauth/v2`` instead of ``/rest/1.0``); the
sandbox points them elsewhere with ``LINKRESOLVER_REALDEBRID_OAUTH_BASE`` (or ``oauth_base``
in ``[providers.realdebrid]``), https only except on loopback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from linkresolver.api import (
    PENDING,
    AuthFailed,
    DeviceCode,
    DeviceFlowCalls,
    ProviderOutage,
    SlowDown,
    StoredToken,
    TokenStore,
    checked_endpoint,
    configured_endpoint,
    errors,
    loose_int,
    register_secrets,
    sendable_token,
    valid_access_token,
)

if TYPE_CHECKING:
    import requests

    from linkresolver.api import PollAnswer, ProviderSettings, Renewal

PROVIDER: Final = "realdebrid"
#: The client id Real-Debrid's documentation gives open-source programs.
OPEN_SOURCE_CLIENT_ID: Final = "X245A4XAIBGVM"
DEFAULT_OAUTH_BASE: Final = "https://api.real-debrid.com/oauth/v2"
DEVICE_GRANT: Final = "http://oauth.net/grant_type/device/1.0"
OAUTH_BASE_ENV: Final = "LINKRESOLVER_REALDEBRID_OAUTH_BASE"
#: The settings this module reads from ``[providers.realdebrid]`` besides the common ones.
SETTINGS: Final = ("oauth_base",)
_REST_SUFFIX: Final = "/rest/1.0"
#: Real-Debrid's error code for "slow down" (its list of API error codes).
_SLOW_DOWN_CODE: Final = 5


def oauth_base(settings: ProviderSettings, environ: Mapping[str, str] | None = None) -> str:
    """Where the OAuth endpoints are: the environment variable, the ``oauth_base`` setting,
    beside a configured ``api_base`` that ends in ``/rest/1.0``, or Real-Debrid's own."""
    configured = configured_endpoint(settings, environment=OAUTH_BASE_ENV, environ=environ)
    if configured is not None:
        return configured
    api_base = (settings.api_base or "").rstrip("/")
    if api_base.endswith(_REST_SUFFIX):
        return checked_endpoint(
            api_base[: -len(_REST_SUFFIX)] + "/oauth/v2", "[providers.realdebrid] api_base"
        )
    return DEFAULT_OAUTH_BASE


def token_store() -> TokenStore:
    """Real-Debrid's token file in the user's state directory."""
    return TokenStore(PROVIDER)


class RealDebridOAuth(DeviceFlowCalls):
    """The four OAuth calls: start, poll (which also fetches the token), and renew."""

    def __init__(
        self,
        session: requests.Session,
        base: str = DEFAULT_OAUTH_BASE,
        *,
        client_id: str = OPEN_SOURCE_CLIENT_ID,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(session, provider=PROVIDER, title="Real-Debrid", client_id=client_id, now=now)
        self.base = base.rstrip("/")

    def start(self) -> DeviceCode:
        params = {"client_id": self.client_id, "new_credentials": "yes"}
        return self.device_code(*self.get(f"{self.base}/device/code", params))

    def poll(self, code: DeviceCode) -> PollAnswer:
        """The token once the person entered the code; :data:`PENDING` or :class:`SlowDown`
        before (Real-Debrid answers an error until then)."""
        try:
            answer, status = self.get(
                f"{self.base}/device/credentials", {"client_id": self.client_id, "code": code.device_code}
            )
        except errors.RateLimited as exc:
            return SlowDown(exc.retry_after if exc.retry_after_given else None)
        if status >= 500:
            raise self.refusal("failed while waiting for the code", status, answer)
        body = answer if isinstance(answer, dict) else {}
        if loose_int(body.get("error_code")) == _SLOW_DOWN_CODE or body.get("error") == "slow_down":
            return SlowDown()
        client_id, client_secret = body.get("client_id"), body.get("client_secret")
        if status != 200 or not (isinstance(client_id, str) and isinstance(client_secret, str)):
            return PENDING
        if not (sendable_token(client_id) and sendable_token(client_secret)):
            # Sent in every renewal's form: text that cannot be (a lone surrogate) or that
            # no credential is, never stored. Not quoted: it may be the secret.
            raise ProviderOutage(
                "answered the login with credentials that are not credentials", provider=PROVIDER
            )
        register_secrets([client_secret])
        return self._token(client_id, client_secret, code.device_code, None)

    def renew(self, token: StoredToken) -> StoredToken:
        """A new access token for the refresh token, with the person's client credentials."""
        if not (token.client_id and token.client_secret and token.refresh_token):
            raise AuthFailed("login lacks the credentials that renew it", provider=PROVIDER)
        return self._token(token.client_id, token.client_secret, token.refresh_token, token)

    def _token(
        self, client_id: str, client_secret: str, code: str, previous: StoredToken | None
    ) -> StoredToken:
        form = {
            "client_id": client_id,
            "client_secret": client_secret,
            "code": code,
            "grant_type": DEVICE_GRANT,
        }
        answer, status = self.post(f"{self.base}/token", form)
        if status != 200:
            raise self.refusal("refused the token", status, answer)
        return self.token(answer, client_id=client_id, client_secret=client_secret, previous=previous)


def renewal(settings: ProviderSettings) -> Renewal:
    """How a stored Real-Debrid login is renewed, for a session (:class:`StoredLogin`)."""
    return lambda session: RealDebridOAuth(session, oauth_base(settings)).renew


def access_token(
    session: requests.Session,
    settings: ProviderSettings,
    *,
    refused: str | None = None,
    store: TokenStore | None = None,
) -> str:
    """The access token a Real-Debrid request should carry (``Authorization: Bearer``):
    the stored one, renewed first when it lapsed or was just ``refused`` (a 401 to it).
    Raises ``LoginRequired`` (run ``linkresolver realdebrid login``) when there is none."""
    return valid_access_token(store or token_store(), renewal(settings)(session), refused=refused)
