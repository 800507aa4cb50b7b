"""What Real-Debrid's errors mean: each documented ``error_code``, and HTTP statuses that
come without a body, as linkresolver's error classes, with advice and the rest they imply.

Real-Debrid answers an error with HTTP 4xx/5xx and ``{"error": "words", "error_code": N}``
(the code is optional). The codes are the API documentation's list (-1 to 37); what each
decides:

- whether another provider may serve the link (the class's ``try_other_provider``);
- whether Real-Debrid rests, and how long: too many requests (the pipeline's default
  minute), the account's traffic or fair use (until 00:00 UTC, when daily limits reset), a
  hoster's own limit at Real-Debrid (that hoster only, until 00:00 UTC);
- what a person can do about it (:meth:`advice`).

A code the list does not have is still a clear error, never a traceback: the service's words
and the code, as a refusal (4xx) or an outage (5xx).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import errors, provider_words

PROVIDER: Final = "realdebrid"
LOGIN_ADVICE: Final = "run `linkresolver realdebrid login` or check the API token in [providers.realdebrid]"
ANOTHER_PROVIDER: Final = "another provider may serve the link now"
#: The largest ``error_code`` read as one (the documented codes go from -1 to 37).
MAX_CODE: Final = 99_999


class _Advised:
    """Mixed in before an error class: the advice is this error's own, not its class's."""

    given_advice: str = ""

    def advice(self) -> str:
        return self.given_advice


class RealDebridAuthFailed(_Advised, errors.AuthFailed):
    pass


class RealDebridPermissionDenied(_Advised, errors.PermissionDenied):
    pass


class RealDebridPaymentRequired(_Advised, errors.PaymentRequired):
    pass


class RealDebridHosterUnavailable(_Advised, errors.HosterUnavailable):
    pass


class RealDebridQuotaExhausted(_Advised, errors.QuotaExhausted):
    pass


class RealDebridRateLimited(_Advised, errors.RateLimited):
    pass


class RealDebridOutage(_Advised, errors.ProviderOutage):
    pass


class RealDebridFileOffline(_Advised, errors.FileOffline):
    pass


class RealDebridLegal(_Advised, errors.LegalUnavailable):
    pass


class RealDebridRefused(_Advised, errors.Refused):
    pass


class HosterNotSupported(_Advised, errors.UnsupportedLink):
    """Real-Debrid does not serve this hoster: the link is unsupported here, not failed, and
    another provider may serve it (the core's own UnsupportedLink means that none does)."""

    try_other_provider = True


def seconds_to_utc_midnight(now: float | None = None) -> float:
    """Seconds until the next 00:00 UTC, when Real-Debrid's daily limits start again."""
    moment = time.time() if now is None else now
    return 86400.0 - moment % 86400.0


#: How long an error rests Real-Debrid: seconds, computed when the error happens.
Rest = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Meaning:
    """One documented error: its class, what it says (after "realdebrid "), the advice, and
    the rest it implies (None: the class's own rule)."""

    error: type[errors.ResolverError]
    says: str
    advice: str
    rest: Rest | None = None


_API_CHANGED: Final = "the Real-Debrid API may have changed: update linkresolver, or report it"
_ACCOUNT: Final = "check the account at real-debrid.com"

#: Every ``error_code`` of the API documentation.
MEANINGS: Final[dict[int, Meaning]] = {
    -1: Meaning(RealDebridOutage, "had an internal error", "try again in about 3 minutes"),
    1: Meaning(RealDebridRefused, "says a parameter is missing", _API_CHANGED),
    2: Meaning(RealDebridRefused, "says a value sent is wrong (bad parameter value)", ANOTHER_PROVIDER),
    3: Meaning(RealDebridRefused, "does not know this API method", _API_CHANGED),
    4: Meaning(RealDebridRefused, "does not allow this method here", _API_CHANGED),
    5: Meaning(RealDebridRateLimited, "asks to slow down", "linkresolver waits before asking it again"),
    6: Meaning(
        RealDebridHosterUnavailable, "cannot reach the hoster (resource unreachable)", ANOTHER_PROVIDER
    ),
    7: Meaning(RealDebridRefused, "found nothing there (resource not found)", ANOTHER_PROVIDER),
    8: Meaning(RealDebridAuthFailed, "refused the API token (bad token: expired or invalid)", LOGIN_ADVICE),
    9: Meaning(
        RealDebridPermissionDenied,
        "denied permission (the account is locked or not premium)",
        f"{_ACCOUNT}; {ANOTHER_PROVIDER}",
    ),
    10: Meaning(RealDebridAuthFailed, "needs two-factor authentication", LOGIN_ADVICE),
    11: Meaning(RealDebridAuthFailed, "is waiting for two-factor authentication", LOGIN_ADVICE),
    12: Meaning(RealDebridAuthFailed, "refused the login (invalid login)", LOGIN_ADVICE),
    13: Meaning(RealDebridAuthFailed, "refused the password (invalid password)", LOGIN_ADVICE),
    14: Meaning(RealDebridAuthFailed, "says the account is locked", _ACCOUNT),
    15: Meaning(
        RealDebridAuthFailed, "says the account is not activated", f"{_ACCOUNT} (the activation e-mail)"
    ),
    16: Meaning(HosterNotSupported, "does not support this hoster", ANOTHER_PROVIDER),
    17: Meaning(RealDebridHosterUnavailable, "has this hoster in maintenance", ANOTHER_PROVIDER),
    18: Meaning(
        RealDebridHosterUnavailable,
        "has reached its limit for this hoster today",
        f"its hoster limits start again at 00:00 UTC; {ANOTHER_PROVIDER}",
        seconds_to_utc_midnight,
    ),
    19: Meaning(RealDebridHosterUnavailable, "cannot use this hoster at the moment", ANOTHER_PROVIDER),
    20: Meaning(
        RealDebridPaymentRequired,
        "serves this hoster to premium accounts only",
        f"a premium Real-Debrid account would get it; {ANOTHER_PROVIDER}",
    ),
    21: Meaning(
        RealDebridQuotaExhausted,
        "says the account has too many active downloads",
        "wait for one to finish, or delete one (`linkresolver realdebrid torrents delete ID`)",
        lambda: 300.0,
    ),
    22: Meaning(
        RealDebridPermissionDenied,
        "does not allow this IP address (a VPN, a server or a shared address)",
        "allow it in the account at real-debrid.com, or set remote_traffic = true in"
        " [providers.realdebrid] when the download runs on another machine",
    ),
    23: Meaning(
        RealDebridQuotaExhausted,
        "says the account's traffic is used up",
        f"traffic starts again at 00:00 UTC (`linkresolver realdebrid traffic` shows it); {ANOTHER_PROVIDER}",
        seconds_to_utc_midnight,
    ),
    24: Meaning(
        RealDebridFileOffline, "says the file is unavailable (deleted at the hoster, or never there)", ""
    ),
    25: Meaning(RealDebridOutage, "says its service is unavailable", "try again in about 3 minutes"),
    26: Meaning(RealDebridRefused, "says the upload is too big", ANOTHER_PROVIDER),
    27: Meaning(RealDebridRefused, "had an upload error", "try again, or through another provider"),
    28: Meaning(RealDebridRefused, "does not allow this file", ANOTHER_PROVIDER),
    29: Meaning(RealDebridRefused, "says the torrent is too big", ANOTHER_PROVIDER),
    30: Meaning(RealDebridRefused, "says the torrent file is invalid", ANOTHER_PROVIDER),
    31: Meaning(RealDebridRefused, "says this was done already", ""),
    32: Meaning(RealDebridRefused, "had an image resolution error", _API_CHANGED),
    33: Meaning(
        RealDebridRefused,
        "says this torrent is already active",
        "`linkresolver realdebrid torrents list` shows it",
    ),
    34: Meaning(RealDebridRateLimited, "says too many requests", "linkresolver waits before asking it again"),
    35: Meaning(RealDebridLegal, "refuses this file as infringing", ""),
    36: Meaning(
        RealDebridQuotaExhausted,
        "says the account's fair usage limit is reached",
        f"it starts again at 00:00 UTC; {ANOTHER_PROVIDER}",
        seconds_to_utc_midnight,
    ),
    37: Meaning(RealDebridRefused, "has disabled this API method", _API_CHANGED),
}

#: HTTP statuses that come without an ``error_code`` (or without a body at all).
STATUS_MEANINGS: Final[dict[int, Meaning]] = {
    401: Meaning(RealDebridAuthFailed, "refused the API token (HTTP 401: expired or invalid)", LOGIN_ADVICE),
    403: Meaning(
        RealDebridPermissionDenied,
        "denied permission (HTTP 403: the account is locked or not premium)",
        f"{_ACCOUNT}; {ANOTHER_PROVIDER}",
    ),
    404: Meaning(RealDebridRefused, "found nothing there (HTTP 404)", ANOTHER_PROVIDER),
    429: Meaning(
        RealDebridRateLimited,
        "says too many requests (HTTP 429)",
        "linkresolver waits before asking it again",
    ),
    451: Meaning(RealDebridLegal, "refuses this file as infringing (HTTP 451)", ""),
    503: Meaning(RealDebridOutage, "is unavailable (HTTP 503)", "try again in about 3 minutes"),
    509: Meaning(
        RealDebridQuotaExhausted,
        "says a limit is reached (HTTP 509)",
        f"try again later; {ANOTHER_PROVIDER}",
    ),
}


def error_for(
    http_status: int, body: Any, *, link: str | None = None, retry_after: float | None = None
) -> errors.ResolverError:
    """The error an answer of ``http_status`` (4xx/5xx) with ``body`` (parsed JSON or None)
    stands for."""
    said = body.get("error") if isinstance(body, dict) else None
    code = body.get("error_code") if isinstance(body, dict) else None
    # Real-Debrid's codes are small: a number of hundreds of digits is no code of its (and
    # would fill the message).
    if isinstance(code, bool) or not isinstance(code, int) or not -MAX_CODE <= code <= MAX_CODE:
        code = None
    words = f' (it said "{provider_words(said, 100)}")' if isinstance(said, str) and said else ""
    meaning = MEANINGS.get(code) if code is not None else None
    if meaning is None and code is None:
        meaning = STATUS_MEANINGS.get(http_status)
    if meaning is None:
        return _unknown(http_status, code, words, link)
    rest = retry_after if retry_after is not None else (meaning.rest() if meaning.rest else None)
    error = meaning.error(
        meaning.says + (words if code is None or code not in MEANINGS else ""),
        provider=PROVIDER,
        link=link,
        code=code if code is not None else http_status,
        retry_after=rest,
    )
    if isinstance(error, _Advised):
        error.given_advice = meaning.advice
    return error


def _unknown(http_status: int, code: int | None, words: str, link: str | None) -> errors.ResolverError:
    """A code (or status) the documentation does not list: the words, the number, and a
    refusal or an outage by the HTTP status."""
    what = f"error_code {code}" if code is not None else f"HTTP {http_status}"
    error_class: type[RealDebridRefused | RealDebridOutage] = (
        RealDebridOutage if http_status >= 500 else RealDebridRefused
    )
    error = error_class(
        f"answered with an error it does not document ({what}){words}",
        provider=PROVIDER,
        link=link,
        code=code if code is not None else http_status,
    )
    error.given_advice = "try again later, or through another provider"
    return error
