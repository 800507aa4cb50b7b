"""``services/list`` of the current API, read defensively, and the form it is cached in.

The answer names the hosters Premiumize makes links for (``directdl``), the larger list of
those whose files may be in its cache (``cache``: links of these work only when cached),
per hoster its other domains (``aliases``) and its URL patterns (``regexpatterns``), and
what a download of it costs in fair-use points (``fairusefactor``; a cached file always
costs 1). Bounds and the confinement of patterns that name no host are the core's
(``read_hosters``), as for any provider's list; the cache holds the list already read, with
its patterns' analyses, as the legacy list's cache does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from linkresolver.api import (
    MAX_HOSTERS,
    HosterPatterns,
    export_analyses,
    loose_float,
    read_hosters,
    remember_analyses,
    texts_of,
)

log = logging.getLogger("hostermatch")

#: Marks a cached list as :meth:`ServiceList.stored` wrote it.
STORED_FORMAT: Final = "linkresolver-premiumize-services/1"


@dataclass(frozen=True, slots=True)
class ServiceList:
    """The hosters of ``services/list``: patterns, which only from the cache, and their cost."""

    hosters: dict[str, HosterPatterns]
    #: Hosters whose links work only when the file is in Premiumize's cache.
    cache_only: frozenset[str] = frozenset()
    #: Fair-use points a download costs per hoster (``fairusefactor``), where the list says.
    fair_use_factor: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> ServiceList:
        """Read an answer, or a list :meth:`stored` wrote; never raises for JSON-shaped input."""
        if not isinstance(result, Mapping):
            log.warning("services/list: the answer is %s, not an object; no hosters", type(result).__name__)
            return cls({})
        if result.get("format") == STORED_FORMAT:
            remember_analyses(result.get("analyses"))
        direct = texts_of(result.get("directdl", ()), "services/list directdl")
        cached = texts_of(result.get("cache", ()), "services/list cache")
        names = list(dict.fromkeys([*direct, *cached]))
        aliases = _mapping(result.get("aliases"), "aliases")
        patterns = _mapping(result.get("regexpatterns"), "regexpatterns")
        hosters = read_hosters(_listed(names, aliases, patterns), count=len(names))
        factors = {}
        for name, value in list(_mapping(result.get("fairusefactor"), "fairusefactor").items())[:MAX_HOSTERS]:
            factor = loose_float(value)
            if isinstance(name, str) and factor is not None and factor >= 0:
                factors[name] = factor
        return cls(hosters, frozenset(name for name in cached if name not in set(direct)), factors)

    def stored(self) -> dict[str, Any]:
        """This list as the cache keeps it, with its patterns' analyses for the next run."""
        patterns = (regex for hoster in self.hosters.values() for regex in hoster.regexes)
        return {
            "format": STORED_FORMAT,
            "directdl": [name for name in self.hosters if name not in self.cache_only],
            "cache": sorted(self.cache_only),
            "aliases": {name: list(hoster.tlds) for name, hoster in self.hosters.items()},
            "regexpatterns": {name: list(hoster.regexes) for name, hoster in self.hosters.items()},
            "fairusefactor": dict(self.fair_use_factor),
            "analyses": export_analyses(patterns),
        }


def _listed(
    names: list[str], aliases: Mapping[Any, Any], patterns: Mapping[Any, Any]
) -> Iterator[tuple[object, object, object]]:
    """Each hoster's (name, domains, regexes): its name is a domain too."""
    for name in names:
        domains = aliases.get(name, [])
        if isinstance(domains, list):  # text only: a list or an object among them is no domain
            domains = list(dict.fromkeys(item for item in [name, *domains] if isinstance(item, str)))
        yield name, domains, patterns.get(name, [])


def _mapping(value: object, what: str) -> Mapping[Any, Any]:
    if isinstance(value, Mapping):
        return value
    if value is not None:
        log.warning("services/list: '%s' is %s, not an object; ignored", what, type(value).__name__)
    return {}
