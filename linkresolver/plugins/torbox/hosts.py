"""TorBox's hosters: ``webdl/hosters`` (each hoster's name, domains, status, and since 2026
a pattern of its links), read as any provider's remote list is (bounded, patterns confined:
``read_hosters``), and the form the cache keeps them in.

A hoster is named by its first domain (as other debrid services' lists name them, so that
a hoster's rest is shared). A hoster without a pattern takes every link of its domains
(``https://DOMAIN/...``); a pattern written with delimiters (``/.../i``) loses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from linkresolver.api import (
    HosterPatterns,
    HosterQuota,
    HosterTerms,
    export_analyses,
    human_size,
    read_hosters,
    remember_analyses,
)

from .results import Hoster

#: Marks a cached list as :func:`stored` wrote it.
STORED_FORMAT: Final = "linkresolver-torbox-hosters/1"
_FLAGS: Final = frozenset("imsx")
_DELIMITED: Final = re.compile(r"^/(?P<body>.*)/(?P<flags>[a-zA-Z]*)$", re.DOTALL)


def undelimited(pattern: str) -> str:
    """``/body/flags`` -> ``(?flags)body`` (flags Python does not share are dropped);
    a pattern without delimiters as it is."""
    found = _DELIMITED.match(pattern.strip())
    if found is None:
        return pattern.strip()
    flags = "".join(sorted({flag for flag in found["flags"] if flag in _FLAGS}))
    return f"(?{flags}){found['body']}" if flags else found["body"]


def domain_pattern(domains: Iterable[str]) -> str:
    """Every link of these domains (and their subdomains), with a path."""
    names = "|".join(re.escape(domain) for domain in domains)
    return rf"(?i)https?://(?:[a-z0-9-]+\.)*(?:{names})/\S+"


def read(hosters: Iterable[Hoster]) -> dict[str, HosterPatterns]:
    """The hosters of ``webdl/hosters``, as the index takes them."""
    listed = list(hosters)
    return read_hosters(_listed(listed), count=len(listed))


def down(hosters: Iterable[Hoster]) -> set[str]:
    """The names (first domains) of the hosters TorBox says are down now."""
    return {hoster.domains[0] for hoster in hosters if not hoster.up}


def terms(hosters: Iterable[Hoster]) -> dict[str, HosterTerms]:
    """What ``webdl/hosters`` says of each hoster (by its first domain): up or down (with
    TorBox's note), and what is left of its daily limits of links and bytes (a limit
    reached: down until tomorrow)."""
    said = {}
    for hoster in hosters:
        up, words = hoster.up, [] if hoster.up or not hoster.note else [hoster.note.rstrip(".")]
        for limit, used, what in (
            (hoster.daily_link_limit, hoster.daily_link_used, "links"),
            (hoster.daily_bandwidth_limit, hoster.daily_bandwidth_used, "bytes"),
        ):
            if limit is not None and limit > 0:  # 0: no limit
                left = max(limit - (used or 0), 0)
                shown = (
                    f"{left} of {limit} links"
                    if what == "links"
                    else f"{human_size(left)} of {human_size(limit)}"
                )
                words.append(f"{shown} left today")
                up = up and left > 0
        said[hoster.domains[0]] = HosterTerms(up=up, terms="; ".join(words) or None)
    return said


def quotas(hosters: Iterable[Hoster]) -> tuple[HosterQuota, ...]:
    """The daily limits ``webdl/hosters`` gives (by each hoster's first domain, as
    :func:`terms`): links and bytes left today, for planning a batch."""
    found = []
    for hoster in hosters:
        links = _left(hoster.daily_link_limit, hoster.daily_link_used)
        size = _left(hoster.daily_bandwidth_limit, hoster.daily_bandwidth_used)
        if links is not None or size is not None:
            found.append(HosterQuota(hoster.domains[0], links_left=links, bytes_left=size, resets="daily"))
    return tuple(found)


def _left(limit: int | None, used: int | None) -> int | None:
    """What is left of a daily limit; None when there is none (0 or unsaid: no limit)."""
    return max(limit - (used or 0), 0) if limit is not None and limit > 0 else None


def stored(hosters: Mapping[str, HosterPatterns]) -> dict[str, Any]:
    """The hosters as the cache keeps them, with their patterns' analyses."""
    patterns = (regex for hoster in hosters.values() for regex in hoster.regexes)
    return {
        "format": STORED_FORMAT,
        "hosters": {
            name: {"tlds": list(hoster.tlds), "regexes": list(hoster.regexes)}
            for name, hoster in hosters.items()
        },
        "analyses": export_analyses(patterns),
    }


def from_stored(cached: Mapping[str, Any]) -> dict[str, HosterPatterns]:
    """What :func:`stored` wrote, read back (bounded and confined again: it is a file)."""
    if cached.get("format") != STORED_FORMAT or not isinstance(cached.get("hosters"), Mapping):
        return {}
    remember_analyses(cached.get("analyses"))
    raw: Mapping[Any, Any] = cached["hosters"]
    entries = (
        (name, value.get("tlds", ()), value.get("regexes", ()))
        for name, value in raw.items()
        if isinstance(value, Mapping)
    )
    return read_hosters(entries, count=len(raw))


def looks_stored(cached: dict[str, Any]) -> bool:
    """A list worth caching names at least one hoster."""
    return bool(from_stored(cached))


def _listed(hosters: list[Hoster]) -> Iterator[tuple[object, object, object]]:
    for hoster in hosters:
        patterns = [undelimited(regex) for regex in hoster.regexes] or [domain_pattern(hoster.domains)]
        yield hoster.domains[0], list(hoster.domains), patterns
