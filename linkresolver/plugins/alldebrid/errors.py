"""What AllDebrid's errors mean: every code of its API documentation's error list as one of
linkresolver's error classes, with advice, whether another provider may serve the link, and
the rest it implies.

AllDebrid answers ``{"status": "error", "error": {"code": "LINK_DOWN", "message": "..."}}``,
mostly with HTTP 200, some with 401 or 429; the codes are words, not numbers, so the
error's ``code`` is the HTTP status and ``api_code`` the word. An answer without the
envelope is read by its HTTP status (404, 429, 5xx as the documentation lists them). A code
the list does not have is still a clear error: the service's words and the code, as a
refusal (an outage for a 5xx), never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import errors, provider_words

PROVIDER: Final = "alldebrid"
LOGIN_ADVICE: Final = "run `linkresolver alldebrid login` or check the API key in [providers.alldebrid]"
ANOTHER_PROVIDER: Final = "another provider may serve the link now"
#: The longest code word read as one (the documented ones are under 30 letters).
MAX_CODE: Final = 64


class _Advised:
    """Mixed in before an error class: the advice is this error's own, and the API's code word."""

    given_advice: str = ""
    api_code: str | None = None

    def advice(self) -> str:
        return self.given_advice


class AllDebridAuthFailed(_Advised, errors.AuthFailed):
    pass


class AllDebridPermissionDenied(_Advised, errors.PermissionDenied):
    pass


class AllDebridPaymentRequired(_Advised, errors.PaymentRequired):
    pass


class AllDebridHosterUnavailable(_Advised, errors.HosterUnavailable):
    pass


class AllDebridQuotaExhausted(_Advised, errors.QuotaExhausted):
    pass


class AllDebridRateLimited(_Advised, errors.RateLimited):
    pass


class AllDebridOutage(_Advised, errors.ProviderOutage):
    pass


class AllDebridFileOffline(_Advised, errors.FileOffline):
    pass


class AllDebridRefused(_Advised, errors.Refused):
    pass


class AllDebridPasswordNeeded(_Advised, errors.Refused):
    """The file is password-protected: every provider needs the same password, so another
    one is not tried."""

    try_other_provider = False


class HosterNotSupported(_Advised, errors.UnsupportedLink):
    """AllDebrid does not serve this hoster (or redirector): unsupported here, not failed;
    another provider may serve it (the core's own UnsupportedLink means that none does)."""

    try_other_provider = True


#: How long an error rests AllDebrid (or its hoster): seconds, computed when it happens.
Rest = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Meaning:
    """One documented code: its class, what it says (after "alldebrid "), the advice, and
    the rest it implies (None: the class's own rule)."""

    error: type[errors.ResolverError]
    says: str
    advice: str
    rest: Rest | None = None


def _minutes(count: float) -> Rest:
    return lambda: count * 60.0


_API_CHANGED: Final = "the AllDebrid API may have changed: update linkresolver, or report it"
_ACCOUNT: Final = "check the account at alldebrid.com"
_NOT_USED: Final = "linkresolver does not use this part of the API; report it if you see this"
_VPN: Final = (
    "AllDebrid refuses servers and VPNs: use a home connection, or see alldebrid.com/vpn; " + ANOTHER_PROVIDER
)
_DELETE_MAGNET: Final = "delete finished ones (`linkresolver alldebrid magnets delete ID`)"
_PIN_AGAIN: Final = "run `linkresolver alldebrid login` again"

#: Every code of the API documentation's error list ("All errors", and each endpoint's own).
MEANINGS: Final[dict[str, Meaning]] = {
    "GENERIC": Meaning(AllDebridOutage, "had an error (GENERIC)", "try again in a few minutes"),
    "404": Meaning(AllDebridRefused, "does not know this API endpoint", _API_CHANGED),
    "MAINTENANCE": Meaning(AllDebridOutage, "is under maintenance", "try again later; " + ANOTHER_PROVIDER),
    "AUTH_MISSING_APIKEY": Meaning(AllDebridAuthFailed, "got no API key", LOGIN_ADVICE),
    "AUTH_BAD_APIKEY": Meaning(AllDebridAuthFailed, "refused the API key (invalid or revoked)", LOGIN_ADVICE),
    "AUTH_BLOCKED": Meaning(
        AllDebridPermissionDenied,
        "blocked the API key here (a new location, or a geo- or IP-block)",
        "confirm the new location in the e-mail AllDebrid sent, then try again; " + ANOTHER_PROVIDER,
    ),
    "AUTH_USER_BANNED": Meaning(AllDebridAuthFailed, "says the account is banned", _ACCOUNT),
    "ALREADY_SENT": Meaning(AllDebridRefused, "has already sent the verification e-mail again", _ACCOUNT),
    "NO_SERVER": Meaning(AllDebridPermissionDenied, "does not serve this address (a server or VPN)", _VPN),
    "LINK_IS_MISSING": Meaning(AllDebridRefused, "got no link", _API_CHANGED),
    "BAD_LINK": Meaning(
        AllDebridRefused, "says the link is not valid", "check the link; " + ANOTHER_PROVIDER
    ),
    "LINK_HOST_NOT_SUPPORTED": Meaning(HosterNotSupported, "does not support this hoster", ANOTHER_PROVIDER),
    "LINK_DOWN": Meaning(AllDebridFileOffline, "says the file is not available at its hoster", ""),
    "LINK_PASS_PROTECTED": Meaning(
        AllDebridPasswordNeeded,
        "says the link needs a password",
        "give it with --link-password (a wrong one gets this answer too)",
    ),
    "LINK_HOST_UNAVAILABLE": Meaning(
        AllDebridHosterUnavailable, "has this hoster in maintenance or unavailable", ANOTHER_PROVIDER
    ),
    "LINK_TOO_MANY_DOWNLOADS": Meaning(
        AllDebridHosterUnavailable,
        "says the account has too many downloads from this hoster at once",
        "wait for one to finish; " + ANOTHER_PROVIDER,
        _minutes(5),
    ),
    "LINK_HOST_FULL": Meaning(
        AllDebridHosterUnavailable,
        "has all its servers for this hoster busy",
        "try again later; " + ANOTHER_PROVIDER,
        _minutes(5),
    ),
    "LINK_HOST_LIMIT_REACHED": Meaning(
        AllDebridHosterUnavailable,
        "says the account reached its limit for this hoster",
        "the hoster quotas reset daily (`linkresolver alldebrid user` shows them); " + ANOTHER_PROVIDER,
        _minutes(60),
    ),
    "LINK_ERROR": Meaning(AllDebridRefused, "could not unlock this link", ANOTHER_PROVIDER),
    "LINK_TEMPORARY_UNAVAILABLE": Meaning(
        AllDebridHosterUnavailable,
        "says the link is unavailable at its hoster for now",
        "try again later; " + ANOTHER_PROVIDER,
    ),
    "LINK_NOT_SUPPORTED": Meaning(
        HosterNotSupported, "does not support this link of the hoster", ANOTHER_PROVIDER
    ),
    "REDIRECTOR_NOT_SUPPORTED": Meaning(
        HosterNotSupported, "does not support this redirector or link protector", ANOTHER_PROVIDER
    ),
    "REDIRECTOR_ERROR": Meaning(AllDebridRefused, "could not extract the links behind it", ANOTHER_PROVIDER),
    "STREAM_INVALID_GEN_ID": Meaning(
        AllDebridRefused, "says the link's generation id is invalid", _API_CHANGED
    ),
    "STREAM_INVALID_STREAM_ID": Meaning(AllDebridRefused, "says the stream id is invalid", _API_CHANGED),
    "DELAYED_INVALID_ID": Meaning(
        AllDebridRefused, "forgot the link it was preparing (delayed id invalid)", "try the link again"
    ),
    "FREE_TRIAL_LIMIT_REACHED": Meaning(
        AllDebridPaymentRequired,
        "says the free trial's limit is reached (7 days, 25 GB, or a hoster the trial excludes)",
        "a premium AllDebrid account would get it; " + ANOTHER_PROVIDER,
    ),
    "MUST_BE_PREMIUM": Meaning(
        AllDebridPaymentRequired,
        "serves this link to premium accounts only",
        "a premium AllDebrid account would get it; " + ANOTHER_PROVIDER,
    ),
    "MAGNET_INVALID_ID": Meaning(
        AllDebridRefused, "knows no magnet of this id", "`linkresolver alldebrid magnets list` shows them"
    ),
    "MAGNET_INVALID_URI": Meaning(AllDebridRefused, "says the magnet is not valid", "check the magnet link"),
    "MAGNET_INVALID_FILE": Meaning(
        AllDebridRefused, "says the file is not a valid torrent", ANOTHER_PROVIDER
    ),
    "MAGNET_FILE_UPLOAD_FAILED": Meaning(AllDebridRefused, "could not take the torrent file", "try again"),
    "MAGNET_NO_URI": Meaning(AllDebridRefused, "got no magnet", _API_CHANGED),
    "MAGNET_PROCESSING": Meaning(AllDebridRefused, "says the magnet is processing or completed", ""),
    "MAGNET_TOO_MANY_ACTIVE": Meaning(
        AllDebridQuotaExhausted,
        "says the account has its most active magnets (30)",
        "wait for one to finish, or " + _DELETE_MAGNET,
        _minutes(5),
    ),
    "MAGNET_TOO_MANY": Meaning(
        AllDebridQuotaExhausted,
        "says the account holds its most magnets (1000)",
        _DELETE_MAGNET,
        _minutes(10),
    ),
    "MAGNET_MUST_BE_PREMIUM": Meaning(
        AllDebridPaymentRequired,
        "serves magnets to premium accounts only",
        "a premium AllDebrid account would get it; " + ANOTHER_PROVIDER,
    ),
    "MAGNET_NO_SERVER": Meaning(
        AllDebridPermissionDenied, "serves no magnets to this address (a server or VPN)", _VPN
    ),
    "MAGNET_TOO_LARGE": Meaning(
        AllDebridRefused, "says the magnet's files are too large (over 1 TB)", ANOTHER_PROVIDER
    ),
    "MAGNET_UPLOAD_FAILED": Meaning(
        AllDebridRefused, "could not fetch the magnet (upload failed)", ANOTHER_PROVIDER
    ),
    "MAGNET_INTERNAL_ERROR": Meaning(
        AllDebridRefused, "had an internal error with the magnet", ANOTHER_PROVIDER
    ),
    "MAGNET_CANT_BOOTSTRAP": Meaning(
        AllDebridRefused, "could not start the magnet (nothing downloaded in 20 minutes)", ANOTHER_PROVIDER
    ),
    "MAGNET_MAGNET_TOO_BIG": Meaning(
        AllDebridRefused, "says the magnet's file is too big (over 1 TB)", ANOTHER_PROVIDER
    ),
    "MAGNET_TOOK_TOO_LONG": Meaning(AllDebridRefused, "gave up the magnet after 72 hours", ANOTHER_PROVIDER),
    "MAGNET_LINKS_REMOVED": Meaning(
        AllDebridFileOffline, "says the magnet's files were removed from the hoster", ""
    ),
    "MAGNET_PROCESSING_FAILED": Meaning(
        AllDebridRefused, "could not process the magnet (a bad torrent?)", ANOTHER_PROVIDER
    ),
    "PIN_ALREADY_AUTHED": Meaning(AllDebridRefused, "says this login already has an API key", ""),
    "PIN_EXPIRED": Meaning(AllDebridAuthFailed, "says the login PIN expired", _PIN_AGAIN),
    "PIN_INVALID": Meaning(AllDebridAuthFailed, "says the login PIN is invalid", _PIN_AGAIN),
    "USER_LINK_MISSING": Meaning(AllDebridRefused, "got no link to save", _API_CHANGED),
    "USER_LINK_INVALID": Meaning(AllDebridRefused, "cannot save those links", "check the links"),
    "MISSING_NOTIF_ENDPOINT": Meaning(AllDebridRefused, "got no notification endpoint", _NOT_USED),
    "VOUCHER_DURATION_INVALID": Meaning(AllDebridRefused, "says the voucher duration is invalid", _NOT_USED),
    "VOUCHER_NB_INVALID": Meaning(AllDebridRefused, "says the number of vouchers is invalid", _NOT_USED),
    "NO_MORE_VOUCHER": Meaning(AllDebridRefused, "has no more vouchers of this duration", _NOT_USED),
    "INSUFFICIENT_BALANCE": Meaning(AllDebridRefused, "says the reseller balance is too low", _NOT_USED),
    "DOWNLOAD_FAILED": Meaning(AllDebridRefused, "says the download failed", ANOTHER_PROVIDER),
    "ACCOUNT_INVALID": Meaning(
        AllDebridPermissionDenied, "says this account has no access to this endpoint", _ACCOUNT
    ),
    "NO_JSON_PARAM": Meaning(AllDebridRefused, "got no JSON payload", _API_CHANGED),
    "JSON_INVALID": Meaning(AllDebridRefused, "says the JSON payload is not valid", _API_CHANGED),
    **{
        f"FREEDAYS_{name}": Meaning(AllDebridRefused, f"refused the free days request ({says})", _NOT_USED)
        for name, says in {
            "INVALID_COUNTRY": "invalid country code",
            "INVALID_PHONE": "invalid phone",
            "INVALID_PROVIDER": "invalid provider",
            "USED_PHONE": "phone number already used",
            "ALREADY_REQUESTED": "already requested",
            "INVALID_STATUS": "bad status",
            "TOO_MUCH_RETRIES": "too many retries",
            "INVALID_CODE": "invalid code",
            "DENIED": "denied",
            "ERROR_SENDING": "could not send the message",
        }.items()
    },
}

#: HTTP statuses of answers without the error envelope (or whose code is unknown).
STATUS_MEANINGS: Final[dict[int, Meaning]] = {
    401: Meaning(AllDebridAuthFailed, "refused the API key (HTTP 401)", LOGIN_ADVICE),
    404: Meaning(AllDebridRefused, "does not know this API endpoint (HTTP 404)", _API_CHANGED),
    429: Meaning(
        AllDebridRateLimited, "says too many requests (HTTP 429)", "linkresolver waits before asking it again"
    ),
    500: Meaning(AllDebridOutage, "had a server error (HTTP 500)", "try again in a few minutes"),
    502: Meaning(AllDebridOutage, "had a server error (HTTP 502)", "try again in a few minutes"),
    503: Meaning(
        AllDebridOutage,
        "is unavailable or asks to slow down (HTTP 503)",
        "linkresolver waits before asking it again",
        _minutes(1),
    ),
    504: Meaning(AllDebridOutage, "timed out (HTTP 504)", "try again in a few minutes"),
}


def api_error(answer: Any) -> tuple[str | None, str | None]:
    """The code word and message of an ``{"error": {"code", "message"}}`` object (the
    envelope's, or one entry's of a batch answer); (None, None) when it has none."""
    said = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(said, dict):
        return None, None
    code = said.get("code")
    message = said.get("message")
    code_word = code.strip().upper() if isinstance(code, str) and 0 < len(code) <= MAX_CODE else None
    if isinstance(code, int) and not isinstance(code, bool) and 0 <= code < 1000:
        code_word = str(code)
    return code_word, message if isinstance(message, str) and message else None


def error_for(
    http_status: int,
    body: Any,
    *,
    link: str | None = None,
    retry_after: float | None = None,
) -> errors.ResolverError:
    """The error an answer with ``body`` (parsed JSON or None) and ``http_status`` stands for."""
    code, message = api_error(body)
    return error_of_code(code, message, http_status=http_status, link=link, retry_after=retry_after)


def error_of_code(
    code: str | None,
    message: str | None,
    *,
    http_status: int = 200,
    link: str | None = None,
    retry_after: float | None = None,
) -> errors.ResolverError:
    """The error a code word stands for (one entry's of a batch answer too)."""
    meaning = MEANINGS.get(code) if code is not None else None
    # A 429 is too many requests, whatever code word comes with it.
    if meaning is None and (code is None or http_status == 429):
        meaning = STATUS_MEANINGS.get(http_status)
    if meaning is None:
        return _unknown(http_status, code, message, link)
    rest = retry_after if retry_after is not None else (meaning.rest() if meaning.rest else None)
    says = meaning.says if code is None else f"{meaning.says} ({code})"
    error = meaning.error(says, provider=PROVIDER, link=link, code=http_status, retry_after=rest)
    if isinstance(error, _Advised):
        error.given_advice = meaning.advice
        error.api_code = code
    return error


def _unknown(
    http_status: int, code: str | None, message: str | None, link: str | None
) -> errors.ResolverError:
    """A code (or status) the documentation does not list: the words, the code, and a
    refusal or an outage by the HTTP status."""
    what = f"code {provider_words(code, MAX_CODE)}" if code is not None else f"HTTP {http_status}"
    words = f' (it said "{provider_words(message, 100)}")' if message else ""
    error_class: type[AllDebridRefused | AllDebridOutage] = (
        AllDebridOutage if http_status >= 500 else AllDebridRefused
    )
    error = error_class(
        f"answered with an error it does not document ({what}){words}",
        provider=PROVIDER,
        link=link,
        code=http_status,
    )
    error.given_advice = "try again later, or through another provider"
    error.api_code = code
    return error
