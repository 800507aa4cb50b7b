"""AllDebrid's PIN login: ``pin/get`` gives a PIN and a page, the person enters the PIN
there, and ``pin/check`` (polled) then answers with an API key for this program. The key
is kept like a device login's token (:class:`TokenStore`, mode 600), without expiry: an
AllDebrid API key lasts until the person deletes it on the account's API keys page.

The documentation asks for a poll every 5 seconds for at most 10 minutes (the PIN's life);
:func:`run_device_login` sends them, and ends cleanly on Ctrl-C with nothing stored.
"""

from __future__ import annotations

import time
from typing import Final

from linkresolver.api import (
    PENDING,
    DeviceCode,
    PollAnswer,
    StoredToken,
    TokenStore,
    errors,
    loose_int,
    page_to_show,
    provider_words,
    sendable_token,
)

from .client import AllDebridClient
from .errors import PROVIDER

DEFAULT_PAGE: Final = "https://alldebrid.com/pin/"
#: The documentation's poll interval and the PIN's life (seconds).
POLL_INTERVAL: Final = 5.0
PIN_LIFETIME: Final = 600.0


def token_store() -> TokenStore:
    """Where ``linkresolver alldebrid login`` keeps the API key."""
    return TokenStore(PROVIDER)


class PinLogin:
    """The two calls of the PIN flow, in :func:`run_device_login`'s terms: the check id is
    the secret "device code", the PIN the code the person enters."""

    def __init__(self, client: AllDebridClient) -> None:
        self.client = client

    def start(self) -> DeviceCode:
        answer = self.client.pin_get()
        pin, check = answer.get("pin"), answer.get("check")
        if not isinstance(pin, str) or not pin or len(pin) > 32 or not sendable_token(check):
            raise errors.ProviderOutage("answered pin/get without a PIN and its check id", provider=PROVIDER)
        # The documentation says every 5 seconds; an answer that gives its own interval
        # (the sandbox's, to be quick) is followed.
        interval = loose_int(answer.get("interval"))
        lifetime = loose_int(answer.get("expires_in"))
        return DeviceCode(
            device_code=str(check),
            user_code=provider_words(pin, 32),
            verification_url=page_to_show(answer.get("base_url")) or DEFAULT_PAGE,
            interval=float(interval) if interval and interval > 0 else POLL_INTERVAL,
            expires_in=float(lifetime) if lifetime and lifetime > 0 else PIN_LIFETIME,
            direct_url=page_to_show(answer.get("user_url")),
        )

    def poll(self, code: DeviceCode) -> PollAnswer:
        answer = self.client.pin_check(code.user_code, code.device_code)
        key = answer.get("apikey")
        if answer.get("activated") is True and sendable_token(key):
            return StoredToken(access_token=str(key), obtained_at=time.time())
        return PENDING
