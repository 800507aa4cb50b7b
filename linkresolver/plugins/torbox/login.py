"""TorBox's device login: ``user/auth/device/start`` gives a code and a page, the person
enters the code there, and ``user/auth/device/token`` (polled with the device code) then
answers with an API key for this program. The key is kept like a device login's token
(:class:`TokenStore`, mode 600), without expiry: TorBox's API keys do not lapse.

TorBox's words, not RFC 8628's: every answer is its ``{success, error, detail, data}``
envelope; a poll before the code is entered is refused with ``DEVICE_CODE_NOT_USED``, one
after the code lapsed (ten minutes) with ``ITEM_NOT_FOUND``. TorBox documents no "slow
down"; its "too many requests" (HTTP 429) is read as one.
"""

from __future__ import annotations

import time
from typing import Any, Final

from linkresolver.api import (
    PENDING,
    DeviceCode,
    LoginRequired,
    PollAnswer,
    SlowDown,
    StoredToken,
    TokenStore,
    errors,
    loose_float,
    page_to_show,
    provider_words,
    sendable_token,
)

from .client import TorBoxClient
from .errors import PROVIDER, code_of
from .results import iso_date

#: The program's name on TorBox's page (and in the account's list of devices).
APP_NAME: Final = "linkresolver"
DEFAULT_PAGE: Final = "https://torbox.app/oauth/device"
#: The poll interval and the code's life when the answer does not say (seconds).
POLL_INTERVAL: Final = 5.0
CODE_LIFETIME: Final = 600.0
#: TorBox's refusals of a poll that mean "not yet" and "the code is no longer valid".
NOT_ENTERED_YET: Final = "DEVICE_CODE_NOT_USED"
CODE_GONE: Final = "ITEM_NOT_FOUND"


def token_store() -> TokenStore:
    """Where ``linkresolver torbox login`` keeps the API key."""
    return TokenStore(PROVIDER)


def _lifetime(expires_at: Any, now: float) -> float:
    """Seconds the code lives: until ``expires_at`` (TorBox's ISO time) when it says a
    time ahead, else the documented ten minutes."""
    until = iso_date(expires_at)
    if until is None or until <= now:
        return CODE_LIFETIME
    return min(float(until) - now, CODE_LIFETIME * 3)


class DeviceLogin:
    """The two calls of TorBox's device login, in :func:`run_device_login`'s terms."""

    def __init__(self, client: TorBoxClient) -> None:
        self.client = client

    def start(self) -> DeviceCode:
        answer = self.client.device_start(APP_NAME)
        device_code, code = answer.get("device_code"), answer.get("code")
        if not isinstance(code, str) or not code.strip() or len(code) > 32 or not sendable_token(device_code):
            raise errors.ProviderOutage(
                "answered user/auth/device/start without a code and its device code", provider=PROVIDER
            )
        interval = loose_float(answer.get("interval"))
        return DeviceCode(
            device_code=str(device_code),
            user_code=provider_words(code.strip(), 32),
            verification_url=page_to_show(answer.get("verification_url")) or DEFAULT_PAGE,
            interval=interval if interval is not None and 0 < interval <= 60 else POLL_INTERVAL,
            expires_in=_lifetime(answer.get("expires_at"), time.time()),
        )

    def poll(self, code: DeviceCode) -> PollAnswer:
        try:
            answer = self.client.device_token(code.device_code)
        except errors.RateLimited as exc:
            return SlowDown(exc.retry_after if exc.retry_after_given else None)
        except errors.ResolverError as exc:
            said = code_of(exc)
            if said == NOT_ENTERED_YET:
                return PENDING
            if said == CODE_GONE:
                raise LoginRequired(
                    f"login code {code.user_code} expired before it was entered; start again",
                    provider=PROVIDER,
                ) from None
            raise
        key = answer.get("access_token")
        if not sendable_token(key):
            raise errors.ProviderOutage(
                "answered user/auth/device/token without an API key", provider=PROVIDER
            )
        return StoredToken(access_token=str(key), obtained_at=time.time())
