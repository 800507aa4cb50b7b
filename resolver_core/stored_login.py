"""A provider's credential when it may come from either the configuration or a login.

Services with a device login (or a PIN login) still take a key pasted into the
configuration. Every such provider decides the same way which one a call carries: the
configured ``key`` first (it is what the user chose, and never renewed), else the token a
``linkresolver NAME login`` stored (:class:`~resolver_core.device_login.TokenStore`),
renewed once when it lapsed or the service just refused it; with neither, an
:class:`~resolver_core.errors.AuthFailed` whose message says how to get one. A provider
composes one :class:`StoredLogin` and asks it; what is its own is only how its service
renews a token (its OAuth client) and the words of the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .device_login import StoredToken, TokenStore, valid_access_token
from .errors import AuthFailed

if TYPE_CHECKING:
    import requests

    from .config import ProviderSettings

_T = TypeVar("_T")

#: Given the session of the call, how the service renews a stored token (its refresh grant):
#: the function :func:`valid_access_token` calls with the token that lapsed.
Renewal = Callable[["requests.Session"], Callable[[StoredToken], StoredToken]]


class StoredLogin:
    """The configured key, else a stored login: which one a provider's calls carry.

    ``renewal`` gives, for a session, the service's renewal of a stored token; None for a
    service whose stored credential does not lapse (an API key a PIN login handed out).
    ``missing`` is the message (after the provider's name) when there is neither a key
    nor a login, raised as ``error`` (:class:`AuthFailed` or a subclass of the service's)."""

    def __init__(
        self,
        settings: ProviderSettings,
        store: TokenStore,
        *,
        renewal: Renewal | None = None,
        missing: str,
        error: type[AuthFailed] = AuthFailed,
    ) -> None:
        self.settings = settings
        self.store = store
        self.renewal = renewal
        self.missing = missing
        self.error = error

    @property
    def enabled(self) -> bool:
        """As configured (``enabled``); else with a key, or with a login stored."""
        if self.settings.enabled is not None:
            return self.settings.enabled
        return self.settings.has_credentials or self.store.exists()

    def token(self, session: requests.Session | None = None, *, refused: str | None = None) -> str:
        """The credential to send now: the configured ``key``; else the stored login's
        token, renewed first (through ``session``) when it lapsed or is the ``refused`` one
        (the token the service just answered "not valid" to). Raises ``error`` with
        ``missing`` when there is neither, and ``LoginRequired`` when the login can no
        longer be renewed (or would need renewing and no ``session`` was given to do it)."""
        if self.settings.key:
            return self.settings.key
        if not self.store.exists():
            raise self.error(self.missing, provider=self.settings.name)
        renew = self.renewal(session) if self.renewal is not None and session is not None else None
        return valid_access_token(self.store, renew, refused=refused)

    def renewer(self, session: requests.Session) -> Callable[[str], str] | None:
        """For a client that renews once on a refusal: given the refused token, a new one;
        None when the credential is the configured key (what the user set is never
        replaced behind their back)."""
        if self.settings.key:
            return None
        return lambda refused: self.token(session, refused=refused)


class RenewingToken:
    """The token an API client sends, and its one renewal when the service refuses it.

    A stored login's token may lapse between two calls, or be revoked; the service then
    refuses the call (which had no effect), so the client renews the token (``renew``, as
    :meth:`StoredLogin.renewer` gives it) and makes the call again. Once per client: a
    renewed token that is refused too is a real refusal, not a loop. A configured key comes
    without ``renew`` and is never replaced."""

    def __init__(self, token: str, renew: Callable[[str], str] | None = None) -> None:
        self.value = token
        self._renew = renew

    def __repr__(self) -> str:
        return "<RenewingToken>"  # never the token

    def bearer(self) -> dict[str, str]:
        """The header that carries it (RFC 6750)."""
        return {"Authorization": f"Bearer {self.value}"}

    def call(self, call: Callable[[], _T], *, refused: Callable[[AuthFailed], bool]) -> _T:
        """``call``'s answer; when it raises an :class:`AuthFailed` that ``refused`` says
        is the service refusing this token (its own error code for it), the token renewed
        and ``call`` made once more, once per client."""
        try:
            return call()
        except AuthFailed as exc:
            if self._renew is None or not refused(exc):
                raise
            renew, self._renew = self._renew, None
            self.value = renew(self.value)
            return call()


__all__ = ["Renewal", "RenewingToken", "StoredLogin"]
