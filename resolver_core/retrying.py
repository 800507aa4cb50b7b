"""When the pipeline asks a provider again about a link, and when a direct link is no URL.

A provider that did not answer (a timeout, a reset, a 5xx page) or asked for a short rest is
asked again, a few times, after a growing, jittered pause; a longer rest sends the link to
the next provider instead (:mod:`resolver_core.cooldowns` remembers the rest).
"""

from __future__ import annotations

import random
from urllib.parse import urlsplit

from . import cooldowns, errors

#: Calls to one provider for one link, when the first ones fail without an answer or with a
#: short rest.
ATTEMPTS = 3
#: A rest this short (seconds) is waited out; a longer one sends the link elsewhere.
SHORT_REST = 30.0


def worth_asking_again(exc: errors.ResolverError, rest: cooldowns.Cooldown | None) -> bool:
    """Whether the same provider may answer the same link if asked again now or soon: when
    it did not answer at all, or asked for a short rest."""
    if rest is not None:
        return rest.remaining() <= SHORT_REST
    return cooldowns.is_silent(exc)


def backoff(attempt: int) -> float:
    """Seconds before asking again after ``attempt`` failures without an answer: 0.5, 1, 2...
    with jitter, so that workers that failed together do not come back together."""
    return min(8.0, 0.5 * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)  # noqa: S311 (not security)


def url_problem(url: str) -> str | None:
    """Why ``url`` (a direct link a provider gave) cannot be fetched as a URL (an unclosed
    ``[``, a port that is no number, no host), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parsing it is the check)
    except ValueError as exc:
        return str(exc)
    if not parts.scheme:
        return "no scheme"
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        return "no host"
    return None
