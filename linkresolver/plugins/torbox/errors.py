"""What TorBox's errors mean: each documented ``error`` code of its answer envelope, and
HTTP statuses that come without one, as linkresolver's error classes, with advice and the
rest they imply.

TorBox answers every call with ``{"success": bool, "error": CODE|null, "detail": words,
"data": ...}``; a failure is ``success: false`` with an upper-case code (its documentation's
table: codes ending in ``ERROR`` are TorBox's fault, the others the caller's), usually with
HTTP 400 (the caller), 403 (authentication) or 500 (TorBox). What each code decides:

- whether another provider may serve the link (the class's ``try_other_provider``);
- whether TorBox rests, and how long: too many requests (a minute, or ``Retry-After``), the
  account's monthly limit (until the 1st of next month, 00:00 UTC), a free plan's cooldown
  (an hour), too many active downloads (five minutes);
- what a person can do about it (:meth:`advice`).

A code the table does not have is still a clear error, never a traceback: the service's
words and the code, as a refusal (4xx) or an outage (5xx).
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import errors, provider_words

PROVIDER: Final = "torbox"
KEY_ADVICE: Final = (
    "check the API key in [providers.torbox] (torbox.app/settings shows it), or log in again"
    " with `linkresolver torbox login`"
)
ANOTHER_PROVIDER: Final = "another provider may serve the link now"
#: The longest ``error`` code read as one (the documented ones are a few dozen letters).
MAX_CODE: Final = 64


class _Advised:
    """Mixed in before an error class: the advice is this error's own, not its class's."""

    given_advice: str = ""
    #: The ``error`` code of TorBox's answer (None: only an HTTP status said it).
    torbox_code: str | None = None

    def advice(self) -> str:
        return self.given_advice


class TorBoxAuthFailed(_Advised, errors.AuthFailed):
    pass


class TorBoxPermissionDenied(_Advised, errors.PermissionDenied):
    pass


class TorBoxPaymentRequired(_Advised, errors.PaymentRequired):
    pass


class TorBoxHosterUnavailable(_Advised, errors.HosterUnavailable):
    pass


class TorBoxQuotaExhausted(_Advised, errors.QuotaExhausted):
    pass


class TorBoxRateLimited(_Advised, errors.RateLimited):
    pass


class TorBoxOutage(_Advised, errors.ProviderOutage):
    pass


class TorBoxFileOffline(_Advised, errors.FileOffline):
    pass


class TorBoxRefused(_Advised, errors.Refused):
    pass


def seconds_to_next_month(now: float | None = None) -> float:
    """Seconds until the 1st of next month, 00:00 UTC, when monthly limits start again."""
    moment = time.time() if now is None else now
    year, month = time.gmtime(moment)[:2]
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    start = calendar.timegm((year, month, 1, 0, 0, 0, 0, 0, 0))
    return max(60.0, start - moment)


#: How long an error rests TorBox: seconds, computed when the error happens.
Rest = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Meaning:
    """One documented error: its class, what it says (after "torbox "), the advice, and the
    rest it implies (None: the class's own rule)."""

    error: type[errors.ResolverError]
    says: str
    advice: str
    rest: Rest | None = None


_API_CHANGED: Final = "the TorBox API may have changed: update linkresolver, or report it"
_PLAN: Final = "a higher TorBox plan would get it (torbox.app/pricing)"
_LATER: Final = "try again in a few minutes"

#: Every ``error`` code of the API documentation's table (and those its clients met).
MEANINGS: Final[dict[str, Meaning]] = {
    "DATABASE_ERROR": Meaning(TorBoxOutage, "could not reach its database", _LATER),
    "UNKNOWN_ERROR": Meaning(TorBoxOutage, "had an unknown error", _LATER),
    "NO_AUTH": Meaning(TorBoxAuthFailed, "got no API key", KEY_ADVICE),
    "BAD_TOKEN": Meaning(TorBoxAuthFailed, "refused the API key (bad token: expired or invalid)", KEY_ADVICE),
    "AUTH_ERROR": Meaning(TorBoxAuthFailed, "could not authenticate the API key", KEY_ADVICE),
    "INVALID_OPTION": Meaning(
        TorBoxRefused, "says a value sent is not valid (invalid option)", ANOTHER_PROVIDER
    ),
    "REDIRECT_ERROR": Meaning(TorBoxOutage, "could not redirect to the file", _LATER),
    "OAUTH_VERIFICATION_ERROR": Meaning(
        TorBoxAuthFailed, "could not verify the login with the other service", KEY_ADVICE
    ),
    "ENDPOINT_NOT_FOUND": Meaning(TorBoxRefused, "does not know this API method", _API_CHANGED),
    "ITEM_NOT_FOUND": Meaning(
        TorBoxRefused, "found nothing there (item not found: deleted, or never there)", ANOTHER_PROVIDER
    ),
    "PLAN_RESTRICTED_FEATURE": Meaning(
        TorBoxPaymentRequired,
        "offers this to other plans only (plan restricted feature)",
        f"{_PLAN}; {ANOTHER_PROVIDER}",
    ),
    "DUPLICATE_ITEM": Meaning(
        TorBoxRefused,
        "already has this download in the account (duplicate item)",
        "`linkresolver torbox torrents list` and `webdl list` show it",
    ),
    "BOZO_RSS_FEED": Meaning(TorBoxRefused, "says the RSS feed is not valid", ""),
    "SELLIX_ERROR": Meaning(TorBoxOutage, "had an error with its payment processor", _LATER),
    "TOO_MUCH_DATA": Meaning(TorBoxRefused, "says too much data was sent at once", _API_CHANGED),
    "DOWNLOAD_TOO_LARGE": Meaning(
        TorBoxRefused, "says the download is larger than the plan allows", f"{_PLAN}; {ANOTHER_PROVIDER}"
    ),
    "MISSING_REQUIRED_OPTION": Meaning(
        TorBoxRefused, "says a value is missing (missing required option)", _API_CHANGED
    ),
    "TOO_MANY_OPTIONS": Meaning(TorBoxRefused, "says too many values were sent", _API_CHANGED),
    "BOZO_TORRENT": Meaning(TorBoxRefused, "says the torrent or magnet is not valid", ANOTHER_PROVIDER),
    "NO_SERVERS_AVAILABLE_ERROR": Meaning(TorBoxOutage, "has no download server available", _LATER),
    "MONTHLY_LIMIT": Meaning(
        TorBoxQuotaExhausted,
        "says the account's monthly download limit is reached",
        f"it starts again on the 1st of the month (UTC), or with a higher plan; {ANOTHER_PROVIDER}",
        seconds_to_next_month,
    ),
    "COOLDOWN_LIMIT": Meaning(
        TorBoxQuotaExhausted,
        "says the account is cooling down between downloads (free plan)",
        f"`linkresolver accounts` shows until when; {ANOTHER_PROVIDER}",
        lambda: 3600.0,
    ),
    "ACTIVE_LIMIT": Meaning(
        TorBoxQuotaExhausted,
        "says the account has too many active downloads",
        "wait for one to finish, or delete one (`linkresolver torbox torrents delete ID`)",
        lambda: 300.0,
    ),
    "DOWNLOAD_SERVER_ERROR": Meaning(
        TorBoxHosterUnavailable,
        "could not download the file from its server (download server error)",
        ANOTHER_PROVIDER,
    ),
    "BOZO_NZB": Meaning(TorBoxRefused, "says the NZB is not valid", ANOTHER_PROVIDER),
    "SEARCH_ERROR": Meaning(TorBoxOutage, "had an error searching", _LATER),
    "INVALID_DEVICE": Meaning(TorBoxRefused, "refused this device", _API_CHANGED),
    "DIFF_ISSUE": Meaning(TorBoxRefused, "found a conflict with what it has (diff issue)", _LATER),
    "LINK_OFFLINE": Meaning(TorBoxFileOffline, "says the file is offline at its hoster", ""),
    "VENDOR_DISABLED": Meaning(
        TorBoxPermissionDenied,
        "has disabled this account's access for this app (vendor disabled)",
        ANOTHER_PROVIDER,
    ),
}

#: HTTP statuses that come without an ``error`` code (or without a body at all).
STATUS_MEANINGS: Final[dict[int, Meaning]] = {
    401: Meaning(TorBoxAuthFailed, "refused the API key (HTTP 401)", KEY_ADVICE),
    403: Meaning(TorBoxAuthFailed, "refused the API key (HTTP 403)", KEY_ADVICE),
    404: Meaning(TorBoxRefused, "found nothing there (HTTP 404)", ANOTHER_PROVIDER),
    429: Meaning(
        TorBoxRateLimited, "says too many requests (HTTP 429)", "linkresolver waits before asking it again"
    ),
    502: Meaning(TorBoxOutage, "is unreachable (HTTP 502)", _LATER),
    503: Meaning(TorBoxOutage, "is unavailable (HTTP 503)", _LATER),
    504: Meaning(TorBoxOutage, "did not answer in time (HTTP 504)", _LATER),
}


def error_for(
    http_status: int, body: Any, *, link: str | None = None, retry_after: float | None = None
) -> errors.ResolverError:
    """The error an answer (``success: false``, or HTTP 4xx/5xx) with ``body`` (parsed JSON
    or None) stands for."""
    code = body.get("error") if isinstance(body, dict) else None
    said = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE:
        code = None
    else:
        code = code.strip().upper()
    words = f' (it said "{provider_words(said, 160)}")' if isinstance(said, str) and said.strip() else ""
    meaning = MEANINGS.get(code) if code is not None else None
    if http_status == 429:  # too many requests, whatever code comes with it
        meaning = STATUS_MEANINGS[429]
    if meaning is None and code is None:
        meaning = STATUS_MEANINGS.get(http_status)
    if meaning is None:
        return _unknown(http_status, code, words, link)
    rest = retry_after if retry_after is not None else (meaning.rest() if meaning.rest else None)
    error = meaning.error(
        meaning.says + words,
        provider=PROVIDER,
        link=link,
        code=http_status,
        retry_after=rest,
    )
    if isinstance(error, _Advised):
        error.given_advice = meaning.advice
        error.torbox_code = code
    return error


def code_of(error: errors.ResolverError) -> str | None:
    """The ``error`` code an error of :func:`error_for` came from (None: an HTTP status)."""
    value = getattr(error, "torbox_code", None)
    return value if isinstance(value, str) else None


def _unknown(http_status: int, code: str | None, words: str, link: str | None) -> errors.ResolverError:
    """A code (or status) the documentation does not list: the words, the code, and a
    refusal or an outage by the code's ending and the HTTP status."""
    shown = provider_words(code, MAX_CODE) if code is not None else None
    what = f"error {shown}" if shown is not None else f"HTTP {http_status}"
    server_fault = http_status >= 500 or (code is not None and code.endswith("ERROR"))
    error_class: type[TorBoxRefused | TorBoxOutage] = TorBoxOutage if server_fault else TorBoxRefused
    error = error_class(
        f"answered with an error it does not document ({what}){words}",
        provider=PROVIDER,
        link=link,
        code=http_status,
    )
    error.given_advice = "try again later, or through another provider"
    error.torbox_code = code
    return error
