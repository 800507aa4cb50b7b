"""AllDebrid's hosters: ``hosts`` (public: every hoster and redirector, each with its
domains and pattern) or, with a key, ``user/hosts`` for the hosters this account may use
now, plus ``hosts``' redirectors. Read as any provider's remote list (bounded, patterns
confined: ``read_hosters``); a hoster is named by its first domain. Redirectors (link
protectors, shorteners) are remembered as such: their links go to ``link/redirector``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from linkresolver.api import (
    HosterPatterns,
    HosterQuota,
    HosterTerms,
    export_analyses,
    loose_int,
    read_hosters,
    remember_analyses,
)

#: Marks a cached list as :func:`stored` wrote it.
STORED_FORMAT: Final = "linkresolver-alldebrid-hosts/1"
#: The most hosters (and redirectors) read from one answer.
MAX_ENTRIES: Final = 5000


def _named(section: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each service of a ``hosts`` section with a domain, named by its first domain. A
    hoster down now is kept (the list is cached for hours): its terms say it is down."""
    if not isinstance(section, Mapping):
        return
    for entry in list(section.values())[:MAX_ENTRIES]:
        if not isinstance(entry, Mapping):
            continue
        domains = entry.get("domains")
        if not isinstance(domains, list) or not domains or not isinstance(domains[0], str):
            continue
        yield domains[0].lower(), entry


def _entries(section: Any) -> Iterator[tuple[object, object, object]]:
    """``(name, domains, patterns)`` of each service of a ``hosts`` section (``regexp`` one
    pattern, ``regexps`` a list: the documentation shows both)."""
    for name, entry in _named(section):
        patterns = entry.get("regexps", entry.get("regexp"))
        patterns = [patterns] if isinstance(patterns, str) else patterns
        yield name, entry["domains"], patterns


def read(
    public: Mapping[str, Any], usable: Mapping[str, Any] | None
) -> tuple[dict[str, HosterPatterns], set[str]]:
    """The hosters (from ``usable`` when the account's list is known, else the public
    list), and the redirectors, as the index takes them; the names of the redirectors."""
    hosters = list(_entries(usable if usable is not None else public.get("hosts")))
    redirectors = list(_entries(public.get("redirectors")))
    read_all = read_hosters(iter(hosters + redirectors), count=len(hosters) + len(redirectors))
    names = {str(name) for name, _, _ in redirectors} & set(read_all)
    return read_all, names


def terms(usable: Mapping[str, Any]) -> dict[str, HosterTerms]:
    """What ``user/hosts`` says of each hoster (by the name :func:`read` gives it): up or
    down (``status``), and a limited hoster's quota left (``quota`` of ``quotaMax``, in MB
    of traffic or in links); a quota used up means down."""
    said = {}
    for name, entry in _named(usable):
        status = entry.get("status")
        up = status if isinstance(status, bool) else None
        quota, most = loose_int(entry.get("quota")), loose_int(entry.get("quotaMax"))
        words = None
        if quota is not None and most is not None and most > 0:
            unit = "MB" if entry.get("quotaType") == "traffic" else "links"
            words = f"{quota} of {most} {unit} left" if quota > 0 else f"quota used up ({most} {unit})"
            up = False if quota <= 0 else up
        if up is not None or words is not None:
            said[name] = HosterTerms(up=up, terms=words)
    return said


def quotas(usable: Mapping[str, Any]) -> tuple[HosterQuota, ...]:
    """The account's quota left of each limited hoster (``user/hosts``: ``quota`` in MB of
    traffic, or in links), by the name :func:`read` gives it, for planning a batch."""
    found = []
    for name, entry in _named(usable):
        quota, most = loose_int(entry.get("quota")), loose_int(entry.get("quotaMax"))
        if quota is None or most is None or most <= 0:
            continue
        left = max(quota, 0)
        if entry.get("quotaType") == "traffic":
            found.append(HosterQuota(name, bytes_left=left << 20, resets="daily"))
        else:
            found.append(HosterQuota(name, links_left=left, resets="daily"))
    return tuple(found)


def stored(hosters: Mapping[str, HosterPatterns], redirectors: set[str]) -> dict[str, Any]:
    """The hosters as the cache keeps them, with their patterns' analyses."""
    patterns = (regex for hoster in hosters.values() for regex in hoster.regexes)
    return {
        "format": STORED_FORMAT,
        "hosters": {
            name: {"tlds": list(hoster.tlds), "regexes": list(hoster.regexes)}
            for name, hoster in hosters.items()
        },
        "redirectors": sorted(redirectors),
        "analyses": export_analyses(patterns),
    }


def from_stored(cached: Mapping[str, Any]) -> tuple[dict[str, HosterPatterns], set[str]]:
    """What :func:`stored` wrote, read back (bounded and confined again: it is a file)."""
    if cached.get("format") != STORED_FORMAT or not isinstance(cached.get("hosters"), Mapping):
        return {}, set()
    remember_analyses(cached.get("analyses"))
    raw: Mapping[Any, Any] = cached["hosters"]
    entries = (
        (name, value.get("tlds", ()), value.get("regexes", ()))
        for name, value in raw.items()
        if isinstance(value, Mapping)
    )
    hosters = read_hosters(entries, count=len(raw))
    listed = cached.get("redirectors")
    redirectors = {name for name in listed if isinstance(name, str)} if isinstance(listed, list) else set()
    return hosters, redirectors & set(hosters)


def looks_stored(cached: dict[str, Any]) -> bool:
    """A list worth caching names at least one hoster."""
    return bool(from_stored(cached)[0])
