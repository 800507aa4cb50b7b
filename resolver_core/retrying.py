"""When the pipeline asks a provider again about a link, and when a direct link is no URL.

A provider that did not answer (a timeout, a reset, a 5xx page) or asked for a short rest is
asked again, a few times, after a growing, jittered pause; a longer rest sends the link to
the next provider instead (:mod:`resolver_core.cooldowns` remembers the rest).

Inside a provider, one call of a flow of several is asked again the same way
(:func:`patiently`): when a link takes several calls (add a torrent, poll it, ask each file's
link), a poll that gets no answer must not fail the link, since the pipeline would then
start the flow over, adding the torrent anew (services limit how many an hour) while the
first one goes on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from . import cooldowns, errors

#: Calls to one provider for one link, when the first ones fail without an answer or with a
#: short rest.
ATTEMPTS = 3
#: A rest this short (seconds) is waited out; a longer one sends the link elsewhere.
SHORT_REST = 30.0

_T = TypeVar("_T")


class Waits(Protocol):
    """What :func:`patiently` waits with: a provider's ``ResolveContext`` (whose ``wait``
    lends the provider's slot to other links meanwhile)."""

    def wait(self, seconds: float) -> None: ...


def worth_asking_again(
    exc: errors.ResolverError, rest: cooldowns.Cooldown | None, longest_rest: float = SHORT_REST
) -> bool:
    """Whether the same provider may answer the same link if asked again now or soon: when
    it did not answer at all, or asked for a rest of at most ``longest_rest`` seconds."""
    if rest is not None:
        return rest.remaining() <= longest_rest
    return cooldowns.is_silent(exc)


def backoff(attempt: int) -> float:
    """Seconds before asking again after ``attempt`` failures without an answer: 0.5, 1, 2...
    with jitter, so that workers that failed together do not come back together."""
    return min(8.0, 0.5 * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)  # noqa: S311 (not security)


def short_rest(exc: errors.ResolverError, longest: float = SHORT_REST) -> float | None:
    """The rest (seconds) ``exc`` asked for when the service said to wait briefly (a 503 or
    429 with ``Retry-After`` of at most ``longest``), else None."""
    if not isinstance(exc, (errors.ProviderOutage, errors.RateLimited)) or not exc.retry_after_given:
        return None
    rest = exc.retry_after
    return rest if rest is not None and rest <= longest else None


def patiently(ctx: Waits, call: Callable[[], _T], *, attempts: int = ATTEMPTS, rests: bool = True) -> _T:
    """``call``'s answer, for one call of a flow of several (a poll of a torrent already
    added, the link of one of its files): made again, up to ``attempts`` times in all, when
    it got no answer (after a short, growing, jittered pause, :func:`backoff`) or, with
    ``rests``, when the service asked for a short rest (after that rest, :func:`short_rest`).

    Why here and not in the pipeline: the pipeline asks a provider again for the whole link,
    which would redo the flow from its start (a torrent added twice, a transfer created
    anew) while the first goes on; so a call in the middle of a flow that fails transiently
    is asked again by itself. Any other error, or the last attempt's, is raised."""
    attempt = 1
    while True:
        try:
            return call()
        except errors.ResolverError as exc:
            rest = short_rest(exc) if rests else None
            if attempt >= attempts or (rest is None and not exc.no_answer):
                raise
            ctx.wait(rest if rest is not None else backoff(attempt))
            attempt += 1


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
