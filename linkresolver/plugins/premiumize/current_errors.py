"""What Premiumize's current API means by each ``{"status": "error", "message": ...}`` answer.

The current API (``https://www.premiumize.me/api``) answers HTTP 200 with an error in the
body and no error code: only its words tell a wrong key from a used-up fair-use limit or a
dead file. :func:`error_for` reads them, by the words the documentation, the service and the
well-kept clients show ("Not logged in.", "customer_id and pin param missing or not logged
in", "Fair use limit reached", "content not in cache", ...), into the error class that says
what a person can do and whether another provider may succeed. Words nobody listed become
:class:`PremiumizeRefused`: the service's own words, no traceback, another provider tried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from linkresolver.api import errors, provider_words

PROVIDER: Final = "premiumize"


class InvalidKey(errors.AuthFailed):
    """The key (or the OAuth access token) is wrong, revoked, or missing."""

    def advice(self) -> str:
        return (
            "set [providers.premiumize] key to the API key shown at premiumize.me/account"
            " (or LINKRESOLVER_PREMIUMIZE_KEY)"
        )


class NotPremium(errors.PaymentRequired):
    """The account has no premium membership (expired, or never bought)."""

    def advice(self) -> str:
        return "this needs an active premium membership at Premiumize; another provider may serve it"


class FairUseReached(errors.QuotaExhausted):
    """The account's fair-use points (or a daily limit) are used up."""

    default_retry_after = 3600.0

    def advice(self) -> str:
        return (
            "the account's fair-use points are used up (`linkresolver accounts` shows how many);"
            " they come back over the following days; another provider may serve it now"
        )


class HosterNotSupported(errors.UnsupportedLink):
    """Premiumize does not serve this hoster (or this kind of link): unsupported here, not
    failed, and another provider may serve it (the core's own UnsupportedLink means none does)."""

    try_other_provider = True

    def advice(self) -> str:
        return "`linkresolver hosts --provider premiumize` lists the hosters Premiumize serves"


class HosterDown(errors.HosterUnavailable):
    """Premiumize cannot reach the hoster right now ("Network error")."""


class FileGone(errors.FileOffline):
    """The file is gone at its hoster, or the torrent has nothing to fetch."""

    def advice(self) -> str:
        return "the file was deleted or never existed; ask whoever posted the link for a new one"


class NotInCache(errors.Refused):
    """``directdl`` of a torrent or link that is not in Premiumize's cache: a transfer must
    fetch it first (the provider does that for magnets)."""

    kind = "not_cached"

    def advice(self) -> str:
        return "Premiumize must fetch it into its cloud first; another provider may have it at once"


class TransferExists(errors.Refused):
    """``transfer/create`` of a source the account already has a transfer for."""

    kind = "transfer_exists"


class TransferGone(errors.Refused):
    """The transfer is not (or no longer) in the account's list: deleted meanwhile."""

    kind = "transfer_gone"

    def advice(self) -> str:
        return "the transfer was removed at Premiumize (by hand, or by a cleanup); resolve the link again"


class PremiumizeRefused(errors.Refused):
    """An error answer in words this client does not know: shown as they came."""


#: (words, error class, what Premiumize says, for a person), tried in order: the first match wins.
#: Matched case-insensitively anywhere in the message.
_MEANINGS: Final[Sequence[tuple[str, type[errors.ResolverError], str]]] = (
    (r"not\s+in\s+(?:the\s+)?cache", NotInCache, "does not have it in its cache"),
    (r"already\s+(?:added|exists)", TransferExists, "already has a transfer of it"),
    (
        r"customer_id\s+and\s+pin|not\s+logged\s+in|invalid\s+(?:api\s*)?key|api\s*key\s+(?:is\s+)?invalid"
        r"|invalid\s+(?:access\s+)?token|token\s+(?:expired|invalid)|unauthori[sz]ed|login\s+failed",
        InvalidKey,
        "refused the key",
    ),
    (
        r"fair[\s-]*use|daily\s+limit|limit\s+(?:reached|exceeded|exhausted)|exceeded\s+(?:your|the)\s+\w*\s*limit"
        r"|not\s+enough\s+(?:points|traffic)",
        FairUseReached,
        "says the account's limit is reached",
    ),
    (
        r"not\s+premium|premium\s+(?:membership|account)\s+(?:is\s+)?(?:required|needed|expired)"
        r"|(?:membership|premium)\s+(?:has\s+)?expired|payment\s+required|no\s+premium",
        NotPremium,
        "says the account is not premium",
    ),
    (
        r"(?:hoster|host|service|link|url|domain)\s+(?:is\s+)?not\s+supported|unsupported\s+(?:hoster|host|link|url)",
        HosterNotSupported,
        "does not support this link",
    ),
    (r"too\s+many\s+requests|rate\s+limit", errors.RateLimited, "says too many requests"),
    (
        r"network\s+error|hoster\s+(?:is\s+)?(?:currently\s+)?(?:not\s+available|unavailable|down|offline)",
        HosterDown,
        "cannot reach this hoster right now",
    ),
    (
        r"transfer\s+(?:not\s+found|does\s+not\s+exist|unknown)|unknown\s+transfer",
        TransferGone,
        "no longer has the transfer",
    ),
    (
        r"(?:link|file|content|torrent)\s+(?:was\s+|has\s+been\s+)?(?:not\s+found|offline|deleted|removed"
        r"|does\s+not\s+exist|no\s+longer\s+available)|dead\s+(?:link|torrent)|no\s+seeds?",
        FileGone,
        "says the file is gone",
    ),
    (
        r"no\s+src|invalid\s+(?:src|link|url|magnet|hash)|not\s+a\s+valid\s+(?:link|url|magnet)",
        errors.BadLink,
        "says this is not a valid link",
    ),
    (
        r"maintenance|internal\s+(?:server\s+)?error|try\s+again\s+later|temporar|an\s+error\s+occ?ur",
        errors.ProviderOutage,
        "had an error on its side",
    ),
)
_COMPILED: Final = tuple((re.compile(words, re.IGNORECASE), cls, said) for words, cls, said in _MEANINGS)


def error_for(message: object, *, link: str | None = None) -> errors.ResolverError:
    """The error an ``error`` answer with ``message`` means (never raises itself)."""
    words = provider_words(message) if message not in (None, "") else ""
    quoted = f' (it said "{words}")' if words else ""
    for pattern, error_class, said in _COMPILED:
        if words and pattern.search(words):
            return error_class(f"{said}{quoted}", provider=PROVIDER, link=link)
    if not words:
        return PremiumizeRefused("answered with an error and no message", provider=PROVIDER, link=link)
    return PremiumizeRefused(f"refused this{quoted}", provider=PROVIDER, link=link)
