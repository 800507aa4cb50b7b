"""What Debrid-Link's errors mean: each documented error code, and HTTP statuses that come
without one, as linkresolver's error classes, with advice and the rest they imply.

Debrid-Link answers every call with ``{"success": bool, "value": ...}``; a failed one has
``"success": false`` and ``"error": "<code>"`` (a word such as ``badToken``), mostly with
an HTTP 4xx status. The codes are the API documentation's list (general, downloader and
seedbox errors, and the few its clients are known to meet besides); what each decides:

- whether another provider may serve the link (the class's ``try_other_provider``);
- whether Debrid-Link rests, and how long: a flood (an hour, as the documentation says),
  the account's daily links, data or torrents (re-asked after an hour), a hoster's own
  limit at Debrid-Link (that hoster only);
- what a person can do about it (:meth:`advice`).

A code the list does not have is still a clear error, never a traceback: the code, as a
refusal (4xx) or an outage (5xx).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import errors, provider_words

PROVIDER: Final = "debridlink"
LOGIN_ADVICE: Final = "run `linkresolver debridlink login` or check the API key in [providers.debridlink]"
ANOTHER_PROVIDER: Final = "another provider may serve the link now"
#: The longest error code read as one (Debrid-Link's are short words).
MAX_CODE: Final = 64
#: Seconds Debrid-Link asks a flooding program to stay away (its documentation: an hour).
FLOOD_REST: Final = 3600.0
#: Seconds before a daily limit of the account is asked about again.
DAILY_LIMIT_REST: Final = 3600.0


class _Advised:
    """Mixed in before an error class: the advice is this error's own, not its class's."""

    given_advice: str = ""
    #: Debrid-Link's own error code (``maxLink``), for scripts and tests.
    error_code: str | None = None

    def advice(self) -> str:
        return self.given_advice


class DebridLinkAuthFailed(_Advised, errors.AuthFailed):
    pass


class DebridLinkPermissionDenied(_Advised, errors.PermissionDenied):
    pass


class DebridLinkPaymentRequired(_Advised, errors.PaymentRequired):
    pass


class DebridLinkHosterUnavailable(_Advised, errors.HosterUnavailable):
    pass


class DebridLinkQuotaExhausted(_Advised, errors.QuotaExhausted):
    pass


class DebridLinkRateLimited(_Advised, errors.RateLimited):
    pass


class DebridLinkOutage(_Advised, errors.ProviderOutage):
    pass


class DebridLinkFileOffline(_Advised, errors.FileOffline):
    pass


class DebridLinkLegal(_Advised, errors.LegalUnavailable):
    pass


class DebridLinkRefused(_Advised, errors.Refused):
    pass


class DebridLinkPasswordRefused(_Advised, errors.Refused):
    """The link's password is missing or wrong: every provider would need the right one."""

    try_other_provider = False


class HosterNotSupported(_Advised, errors.UnsupportedLink):
    """Debrid-Link does not serve this hoster: the link is unsupported here, not failed, and
    another provider may serve it (the core's own UnsupportedLink means that none does)."""

    try_other_provider = True


@dataclass(frozen=True, slots=True)
class Meaning:
    """One documented error: its class, what it says (after "debridlink "), the advice,
    and the rest it implies in seconds (None: the class's own rule)."""

    error: type[errors.ResolverError]
    says: str
    advice: str
    rest: float | None = None


_API_CHANGED: Final = "the Debrid-Link API may have changed: update linkresolver, or report it"
_ACCOUNT: Final = "check the account at debrid-link.com"
_LIMIT_AGAIN: Final = f"linkresolver asks again in an hour; {ANOTHER_PROVIDER}"

#: Every error code of the API documentation (and the few its clients meet besides).
MEANINGS: Final[dict[str, Meaning]] = {
    # -- every endpoint -------------------------------------------------------------------------
    "badToken": Meaning(DebridLinkAuthFailed, "refused the key or token (expired or invalid)", LOGIN_ADVICE),
    "hidedToken": Meaning(
        DebridLinkAuthFailed, "refused the token for this call (hidden token)", LOGIN_ADVICE
    ),
    "badSign": Meaning(DebridLinkRefused, "refused the request's signature", _API_CHANGED),
    "unknowR": Meaning(DebridLinkRefused, "does not know this API route", _API_CHANGED),
    "badArguments": Meaning(DebridLinkRefused, "says an argument is missing or wrong", _API_CHANGED),
    "badId": Meaning(
        DebridLinkRefused, "does not know this id", "`linkresolver debridlink seedbox list` shows them"
    ),
    "internalError": Meaning(DebridLinkOutage, "had an internal error", "try again in about 3 minutes"),
    "server_error": Meaning(DebridLinkOutage, "had a server error", "try again in about 3 minutes"),
    "floodDetected": Meaning(
        DebridLinkRateLimited,
        "says too many requests (flood detected)",
        f"it refuses this account's calls for an hour; {ANOTHER_PROVIDER}",
        FLOOD_REST,
    ),
    "serverNotAllowed": Meaning(
        DebridLinkPermissionDenied,
        "does not allow this address (a server or a VPN)",
        f"allow it in the account at debrid-link.com or ask its support; {ANOTHER_PROVIDER}",
    ),
    "freeServerOverload": Meaning(
        DebridLinkOutage,
        "has no server free for free accounts now",
        f"a premium account avoids it; {ANOTHER_PROVIDER}",
    ),
    "maxAttempts": Meaning(
        DebridLinkAuthFailed, "says too many login attempts", "wait a while, then log in again"
    ),
    "captchaRequired": Meaning(
        DebridLinkAuthFailed, "asks for a captcha", "log in at debrid-link.com in a browser, then try again"
    ),
    "accountLocked": Meaning(DebridLinkAuthFailed, "says the account is locked", _ACCOUNT),
    "unverifiedEmail": Meaning(
        DebridLinkPermissionDenied,
        "says the account's e-mail address is not confirmed",
        f"{_ACCOUNT} (the confirmation e-mail)",
    ),
    # -- downloader -----------------------------------------------------------------------------
    "notDebrid": Meaning(
        DebridLinkHosterUnavailable, "could not get the file from the hoster now", ANOTHER_PROVIDER
    ),
    "hostNotValid": Meaning(HosterNotSupported, "does not support this hoster", ANOTHER_PROVIDER),
    "fileNotFound": Meaning(
        DebridLinkFileOffline, "says the file is not found (deleted at the hoster, or never there)", ""
    ),
    "fileNotAvailable": Meaning(
        DebridLinkHosterUnavailable, "says the file is unavailable at the hoster for now", ANOTHER_PROVIDER
    ),
    "badFileUrl": Meaning(
        DebridLinkRefused, "says the link is not a valid link of this hoster", ANOTHER_PROVIDER
    ),
    "badFilePassword": Meaning(
        DebridLinkPasswordRefused,
        "says the link's password is missing or wrong",
        "give it with --link-password",
    ),
    "notFreeHost": Meaning(
        DebridLinkPaymentRequired,
        "serves this hoster to premium accounts only",
        f"a premium Debrid-Link account would get it; {ANOTHER_PROVIDER}",
    ),
    "maintenanceHost": Meaning(
        DebridLinkHosterUnavailable, "has this hoster in maintenance", ANOTHER_PROVIDER
    ),
    "noServerHost": Meaning(
        DebridLinkHosterUnavailable, "has no server available for this hoster now", ANOTHER_PROVIDER
    ),
    "disabledHost": Meaning(
        DebridLinkHosterUnavailable, "has disabled this hoster for now", ANOTHER_PROVIDER
    ),
    "maxLink": Meaning(
        DebridLinkQuotaExhausted,
        "says the account's daily number of links is reached",
        _LIMIT_AGAIN,
        DAILY_LIMIT_REST,
    ),
    "maxLinkHost": Meaning(
        DebridLinkHosterUnavailable,
        "says the account's daily number of links for this hoster is reached",
        _LIMIT_AGAIN,
        DAILY_LIMIT_REST,
    ),
    "maxData": Meaning(
        DebridLinkQuotaExhausted,
        "says the account's daily traffic is used up",
        _LIMIT_AGAIN,
        DAILY_LIMIT_REST,
    ),
    "maxDataHost": Meaning(
        DebridLinkHosterUnavailable,
        "says the account's daily traffic for this hoster is used up",
        _LIMIT_AGAIN,
        DAILY_LIMIT_REST,
    ),
    "disabledServerHost": Meaning(
        DebridLinkPermissionDenied,
        "says this hoster refuses servers and VPNs",
        f"download from a home connection; {ANOTHER_PROVIDER}",
    ),
    "maxSimultaneousFilesHost": Meaning(
        DebridLinkHosterUnavailable,
        "says too many files of this hoster are downloading at once",
        f"wait for one to finish; {ANOTHER_PROVIDER}",
        300.0,
    ),
    "infringingFile": Meaning(DebridLinkLegal, "refuses this file as infringing", ""),
    # -- seedbox ------------------------------------------------------------------------------
    "notAddTorrent": Meaning(DebridLinkRefused, "could not add the torrent", ANOTHER_PROVIDER),
    "torrentTooBig": Meaning(
        DebridLinkRefused, "says the torrent is too big or has too many files", ANOTHER_PROVIDER
    ),
    "maxTorrent": Meaning(
        DebridLinkQuotaExhausted,
        "says the account's daily number of torrents is reached",
        _LIMIT_AGAIN,
        DAILY_LIMIT_REST,
    ),
    "maxTransfer": Meaning(
        DebridLinkQuotaExhausted,
        "says the seedbox has too many active torrents",
        "wait for one to finish, or delete one (`linkresolver debridlink seedbox delete ID`)",
        300.0,
    ),
    "badTorrentFile": Meaning(DebridLinkRefused, "says the torrent file is invalid", ANOTHER_PROVIDER),
}

#: HTTP statuses that come without an error code (or without a body at all).
STATUS_MEANINGS: Final[dict[int, Meaning]] = {
    401: Meaning(DebridLinkAuthFailed, "refused the key or token (HTTP 401)", LOGIN_ADVICE),
    403: Meaning(
        DebridLinkPermissionDenied, "denied permission (HTTP 403)", f"{_ACCOUNT}; {ANOTHER_PROVIDER}"
    ),
    404: Meaning(DebridLinkRefused, "found nothing there (HTTP 404)", _API_CHANGED),
    429: Meaning(
        DebridLinkRateLimited,
        "says too many requests (HTTP 429)",
        "linkresolver waits before asking it again",
    ),
    503: Meaning(DebridLinkOutage, "is unavailable (HTTP 503)", "try again in about 3 minutes"),
}


def error_code(body: Any) -> str | None:
    """The ``error`` word of an answer, when it is one (short, letters, digits, ``_``)."""
    code = body.get("error") if isinstance(body, dict) else None
    if not isinstance(code, str) or not 0 < len(code) <= MAX_CODE:
        return None
    return code if all(c.isascii() and (c.isalnum() or c == "_") for c in code) else None


def error_for(
    http_status: int, body: Any, *, link: str | None = None, retry_after: float | None = None
) -> errors.ResolverError:
    """The error an answer with ``"success": false`` (or an HTTP error status) stands for."""
    code = error_code(body)
    meaning = MEANINGS.get(code) if code is not None else None
    if meaning is None and code is None:
        meaning = STATUS_MEANINGS.get(http_status) or (STATUS_MEANINGS[503] if http_status >= 500 else None)
    if meaning is None:
        return _unknown(http_status, code, body, link)
    error = meaning.error(
        meaning.says + (f" ({code})" if code else ""),
        provider=PROVIDER,
        link=link,
        code=http_status,
        retry_after=retry_after if retry_after is not None else meaning.rest,
    )
    if isinstance(error, _Advised):
        error.given_advice = meaning.advice
        error.error_code = code
    return error


def _unknown(http_status: int, code: str | None, body: Any, link: str | None) -> errors.ResolverError:
    """A code (or status) the documentation does not list: the code, the service's words,
    and a refusal or an outage by the HTTP status."""
    said = body.get("error_description") if isinstance(body, dict) else None
    words = f' (it said "{provider_words(said, 100)}")' if isinstance(said, str) and said else ""
    shown = (
        code
        if code is not None
        else (
            "an unreadable code"
            if isinstance(body, dict) and body.get("error") is not None
            else f"HTTP {http_status}"
        )
    )
    error_class: type[DebridLinkRefused | DebridLinkOutage] = (
        DebridLinkOutage if http_status >= 500 else DebridLinkRefused
    )
    error = error_class(
        f"answered with an error it does not document ({shown}){words}",
        provider=PROVIDER,
        link=link,
        code=http_status,
    )
    error.given_advice = "try again later, or through another provider"
    error.error_code = code
    return error
