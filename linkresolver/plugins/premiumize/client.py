"""A typed client for Premiumize's legacy pm-api (seed 002): the whole documented API.

``GET {api_base}?method=NAME&params[login]=CUSTOMER_ID&params[pass]=PIN[&params[link]=URL]``
answers ``{"result": ..., "status": 200, "statusmessage": "OK"}``; any other status is an
error whose meaning seed 002 lists (400 no valid link, 401 login failed, 402 payment
required, 403 forbidden, 404 file not found, 428 hoster unavailable, 502/503 retry in about
3 minutes, 509 fair use exhausted: retry in about 10). Loose values become typed fields here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from linkresolver.api import errors, expect_object, get_json, loose_float, loose_int, unwrap_envelope

PROVIDER = "premiumize"
#: Account types that may download (seed 002: "all statuses except free can download").
DOWNLOADING_TYPES = frozenset({"premium", "trial", "prepaid"})

# Seed 002's advice per status, where it says more than the common meaning.
_OVERRIDES: dict[int, tuple[type[errors.ResolverError], str]] = {
    402: (errors.PaymentRequired, "could download this, but the account is not premium"),
    404: (errors.FileOffline, "says the file was deleted at the hoster"),
    428: (errors.HosterUnavailable, "cannot reach this hoster at the moment"),
    509: (errors.QuotaExhausted, "says the account's fair-use limit is exhausted"),
}


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """``accountstatus``: the account's type, expiry and fair use left (0.0 to 1.0)."""

    account_name: str | None
    type: str
    expires: int | None
    fairuse_left: float | None

    @property
    def can_download(self) -> bool:
        return self.type in DOWNLOADING_TYPES


@dataclass(frozen=True, slots=True)
class DirectLink:
    """``directdownloadlink``: the direct URL, with name and size when the service sends them."""

    location: str
    filename: str | None
    filesize: int | None


class PremiumizeClient:
    """The pm-api methods, each returning typed results or raising a ResolverError."""

    def __init__(self, session: requests.Session, api_base: str, login: str, pin: str) -> None:
        self.session = session
        self.api_base = api_base
        self._login = login
        self._pin = pin

    def __repr__(self) -> str:
        return f"<PremiumizeClient {self.api_base} login={self._login}>"  # never the PIN

    def call(self, method: str, link: str | None = None, **params: str) -> Any:
        """One pm-api call; the ``result`` of a status-200 answer."""
        query = {"method": method, "params[login]": self._login, "params[pass]": self._pin}
        if link is not None:
            query["params[link]"] = link
        query.update({f"params[{key}]": value for key, value in params.items()})
        body = get_json(self.session, self.api_base, params=query, provider=PROVIDER, link=link)
        return unwrap_envelope(body, provider=PROVIDER, link=link, overrides=_OVERRIDES)

    def account_status(self) -> AccountStatus:
        result = expect_object(self.call("accountstatus"), "accountstatus", PROVIDER)
        return AccountStatus(
            account_name=_text(result.get("account_name")),
            type=(_text(result.get("type")) or "unknown").lower(),
            expires=loose_int(result.get("expires"), minimum=1, maximum=(1 << 40) - 1),
            fairuse_left=_fraction(result.get("fairuse_left")),
        )

    def hoster_list(self) -> dict[str, Any]:
        """The raw ``hosterlist`` result (``hosters``, ``regexlist``, ``tldlist``, ...), for
        the plugin's :class:`~.hosterlist.HosterList` and the on-disk cache."""
        return expect_object(self.call("hosterlist"), "hosterlist", PROVIDER)

    def direct_download_link(self, link: str) -> DirectLink:
        result = expect_object(
            self.call("directdownloadlink", link=link), "directdownloadlink", PROVIDER, link
        )
        location = _text(result.get("location"))
        if not location or not location.lower().startswith(("http://", "https://")):
            raise errors.ProviderOutage(
                "answered without a usable download location", provider=PROVIDER, link=link
            )
        return DirectLink(location, _text(result.get("filename")), loose_int(result.get("filesize")))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _fraction(value: Any) -> float | None:
    number = loose_float(value)
    if number is None:
        return None
    return min(1.0, max(0.0, number))  # seed 002: normalised, never outside 0..1
