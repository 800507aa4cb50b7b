"""One error hierarchy for everything a provider, the network or the user can get wrong.

The categories are the ones the seed APIs distinguish. Each error carries what a person needs
(a message written for them), what a script needs (the link, the provider, the API's status
code, a stable ``kind``), and what the pipeline needs to decide: whether another provider
may succeed (``try_other_provider``) and whether the same request may succeed later
(``retry_after``, in seconds, or None when retrying does not help). HTTP and JSON failures
become these errors at one boundary only (:mod:`resolver_core.http`).
"""

from __future__ import annotations


class ResolverError(Exception):
    """Base of every error linkresolver raises on purpose."""

    #: Stable name for scripts (the JSON ``error`` field's category, ``code`` aside).
    kind = "error"
    #: Whether another provider serving the same hoster may succeed where this one failed.
    try_other_provider = False
    #: Seconds after which the same request may succeed; None when waiting does not help.
    default_retry_after: float | None = None
    #: True when no answer of the API's came (a reset, a timeout, an HTML page instead of
    #: JSON): nobody said stop, so the call may be made again (see :mod:`.cooldowns`).
    no_answer = False
    #: True when nothing more can work this run (the shared state store failed): the
    #: pipeline ends the run with it instead of making it one link's error.
    fatal = False

    def __init__(
        self,
        message: str,
        *,
        link: str | None = None,
        provider: str | None = None,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.link = link
        self.provider = provider
        self.code = code
        self.retry_after = retry_after if retry_after is not None else self.default_retry_after
        #: Whether the provider said how long (HTTP ``Retry-After``), not the class default.
        self.retry_after_given = retry_after is not None

    def __str__(self) -> str:
        # Messages are written to follow the provider's name: "premiumize" "says the file
        # is offline".
        return f"{self.provider} {self.message}" if self.provider else self.message

    def advice(self) -> str:
        """What a person can do about it, in one short sentence (may be empty)."""
        return ""

    def for_person(self) -> str:
        """The message with the provider and the advice, as the CLI prints it."""
        advice = self.advice()
        return f"{self}; {advice}" if advice else str(self)


class ConfigError(ResolverError):
    """The configuration file, an environment variable or an option is wrong (exit 2)."""

    kind = "config"


class UnsupportedLink(ResolverError):
    """No enabled provider serves this link."""

    kind = "unsupported"

    def advice(self) -> str:
        return "`linkresolver hosts` lists the hosters your providers serve"


class BadLink(ResolverError):
    """The provider says the link is not a valid link (400)."""

    kind = "bad_link"


class AuthFailed(ResolverError):
    """The provider refused the credentials (401, or 403 on the key)."""

    kind = "auth"

    def advice(self) -> str:
        return "check the login and key in the configuration"


class PaymentRequired(ResolverError):
    """The download would work with a premium account or add-on (402, Offcloud not_available)."""

    kind = "payment_required"
    try_other_provider = True

    def advice(self) -> str:
        return "this needs a premium account or add-on at this provider"


class PermissionDenied(ResolverError):
    """The provider forbids this download (403)."""

    kind = "forbidden"
    try_other_provider = True


class FileOffline(ResolverError):
    """The file is gone: deleted by the hoster or never existed (404). Definitive."""

    kind = "offline"


class LegalUnavailable(ResolverError):
    """Unavailable for legal reasons (451). Definitive."""

    kind = "legal"


class HosterUnavailable(ResolverError):
    """The provider cannot reach this hoster right now (428)."""

    kind = "hoster_unavailable"
    try_other_provider = True

    def advice(self) -> str:
        return "the hoster is down at this provider; another provider may work"


class QuotaExhausted(ResolverError):
    """Fair-use, traffic or bandwidth limit reached (509)."""

    kind = "quota"
    try_other_provider = True
    default_retry_after = 600.0

    def advice(self) -> str:
        return "try again in about 10 minutes, or through another provider"


class ProviderOutage(ResolverError):
    """The provider failed on its side: 5xx, maintenance, a broken answer, a network error."""

    kind = "outage"
    try_other_provider = True
    default_retry_after = 180.0

    def advice(self) -> str:
        if self.no_answer and self.code is None:  # nothing came back: the way there may be it
            return "check the network (and the api_base, if you set one), then try again in a few minutes"
        return "try again in about 3 minutes"


class RateLimited(ResolverError):
    """The provider says too many requests (HTTP 429): the whole provider rests."""

    kind = "rate_limited"
    try_other_provider = True
    default_retry_after = 60.0

    def advice(self) -> str:
        return "linkresolver waits before asking it again; another provider may serve the link now"


class CoolingDown(ResolverError):
    """The provider, or this hoster at it, asked to pause and the pause is not over: the
    link is not sent there (another provider may serve it)."""

    kind = "cooldown"
    try_other_provider = True

    def advice(self) -> str:
        return "try again after that time, or through another provider"


class RestedWhileWaiting(CoolingDown):
    """The provider was put to rest (by this process or another sharing the state store)
    while this call waited for its turn in the request budget: it was not made. The
    pipeline then minds the rest as it would have before the call: waits out a short one,
    sends the link elsewhere during a long one."""


class CaptchaWrong(ResolverError):
    """The captcha answer was refused, or nobody could answer it. Another provider (a debrid
    service listing the hoster) may need no captcha at all."""

    kind = "captcha"
    try_other_provider = True


class TicketExpired(ResolverError):
    """Download tickets expired before they could be used, or were refused: another
    provider may serve the file."""

    kind = "ticket_expired"
    try_other_provider = True


class Refused(ResolverError):
    """The provider refused this link for a reason of its own, in its own words (Offcloud's
    ``error`` answers): another provider may not."""

    kind = "refused"
    try_other_provider = True


class InvalidDirectLink(ResolverError):
    """The provider answered with a direct link that is not a usable URL (``http://[::1/x``):
    nothing can be fetched from it, and another provider may give a good one."""

    kind = "invalid_link"
    try_other_provider = True


class NoDownloadApi(ResolverError):
    """The provider can check this hoster's links but has no way to download them
    (highload.to's API has no download ticket): another provider may."""

    kind = "no_download_api"
    try_other_provider = True


class UnsupportedOperation(ResolverError):
    """The service's API has no such endpoint (openload has no file/move, say)."""

    kind = "unsupported_operation"


class Interrupted(ResolverError):
    """The user interrupted the run while a link was waiting."""

    kind = "interrupted"


class AllProvidersFailed(ResolverError):
    """Every provider that serves the link was tried, and each failed for its own reason."""

    kind = "all_failed"

    def __init__(self, failures: list[ResolverError]) -> None:
        last = failures[-1]
        waits = [f.retry_after for f in failures if f.retry_after is not None]
        super().__init__(
            "; ".join(failure.for_person() for failure in failures),
            link=last.link,
            code=last.code,
            retry_after=min(waits) if waits else None,
        )
        self.failures = failures

    def __str__(self) -> str:
        return f"all {len(self.failures)} providers failed: {self.message}"


#: Errors that end a link's resolution for good, whichever provider is asked.
DEFINITIVE: tuple[type[ResolverError], ...] = (FileOffline, LegalUnavailable, BadLink)
