"""What each provider says about its hosters now (up or down, cost), asked once and kept for
a few minutes, and the preference it gives among providers of equal standing.

The pipeline asks a provider's :meth:`~resolver_core.provider.Provider.hoster_terms` only
when a link has several candidates of equal standing, and ``hosts`` asks every provider; in
both cases once per :data:`TERMS_FRESH` seconds, never once per link. Terms that cannot be
had are unknown: the link is tried in the order it had without them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Final

from .errors import ResolverError
from .provider import HosterTerms, Provider

log = logging.getLogger("linkresolver")

#: Seconds what a provider said about its hosters is used before it is asked again.
TERMS_FRESH: Final = 180.0
#: The preference of a hoster whose provider says nothing about it.
UNKNOWN: Final = (0, 1.0, 1)


def preference(terms: HosterTerms | None) -> tuple[int, float, int]:
    """Lower goes first: a provider that does not say the hoster is down (one that says so
    is still tried, last), then the lowest cost (unknown counts as an ordinary link, 1.0),
    then one that says the hoster is up before one that does not say.

    Cost goes before "says up": most providers that do not say are up, and not knowing is
    no reason to spend a hoster's double fair use.
    """
    if terms is None:
        return UNKNOWN
    cost = 1.0 if terms.cost is None else terms.cost
    return (1 if terms.up is False else 0, cost, 0 if terms.up else 1)


class TermsBook:
    """Each provider's latest :class:`HosterTerms`, asked through ``fetch`` at most once per
    :data:`TERMS_FRESH` seconds (one lock a provider: asking one does not hold up another)."""

    def __init__(self, fetch: Callable[[Provider], Mapping[str, HosterTerms]]) -> None:
        self._fetch = fetch
        self._kept: dict[str, tuple[float, Mapping[str, HosterTerms]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def of(self, provider: Provider) -> Mapping[str, HosterTerms]:
        """What ``provider`` says about its hosters, by hoster name; empty when unknown."""
        with self._guard:
            lock = self._locks.setdefault(provider.name, threading.Lock())
        with lock:
            kept = self._kept.get(provider.name)
            if kept is not None and time.monotonic() - kept[0] < TERMS_FRESH:
                return kept[1]
            terms = self._asked(provider)
            self._kept[provider.name] = (time.monotonic(), terms)
            return terms

    def _asked(self, provider: Provider) -> Mapping[str, HosterTerms]:
        try:
            terms = self._fetch(provider)
        except ResolverError as exc:
            if exc.fatal:
                raise
            exc.provider = exc.provider or provider.name
            log.info("%s; its hosters' terms (up or down, cost) are unknown", exc.for_person())
            return {}
        except Exception:  # advice only: a plugin's mistake here must not fail the links
            log.warning("%s: its hosters' terms could not be read; unknown", provider.name, exc_info=True)
            return {}
        return {name: found for name, found in terms.items() if isinstance(found, HosterTerms)}
