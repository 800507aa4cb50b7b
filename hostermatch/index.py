"""The hoster index: which of many thousand hoster patterns match a URL, in microseconds.

Download managers decide which plugin owns a URL by running every plugin's regex on it;
the cost grows with the number of hosters. Here the URL's host picks its few candidate
patterns from a dictionary built once (:mod:`hostermatch.analysis` derives each pattern's
hosts), and only those run. Patterns whose hosts cannot be derived form the fallback set,
checked for every URL in one RE2 ``Set`` pass. The per-host candidate lists (buckets) are
compiled on first use and cached, so a steady stream of URLs costs one dictionary look-up,
a regex call or two, and the :class:`Match` objects.

A pattern only matches URLs whose host it names: ``https?://rapidgator\\.net/...`` does not
match ``https://evil.com/?ref=https://rapidgator.net/...``, although a plain ``re.search``
would. That is the point of domain-first matching, and it is what a user expects.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import re2

from .analysis import MAX_PATTERN_LENGTH, Engine, PatternError, analyse, normalise_pattern
from .engines import FAST_URL_LIMIT, CompiledPattern, groups_of, re2_options
from .urls import host_suffixes, split_url, to_ascii_host

log = logging.getLogger("hostermatch")

#: Distinct hosts whose candidate lists are kept compiled; the cache starts over past this.
BUCKET_CACHE_SIZE: Final = 65_536
#: Patterns one hoster may bring; more is not a hoster list, it is an attack or a bug.
MAX_PATTERNS_PER_HOSTER: Final = 256


@dataclass(frozen=True, slots=True)
class Match:
    """One (owner, hoster) whose pattern matches a URL.

    ``groups`` and ``named_groups`` run the pattern again when first read: most callers only
    need to know who serves the link, and computing groups for every match would cost more
    than the whole look-up.
    """

    owner: str
    hoster: str
    pattern: str
    #: The URL the pattern ran on: scheme and host lower-cased, IDN and non-ASCII encoded.
    url: str
    _compiled: CompiledPattern = field(repr=False, compare=False)

    @property
    def groups(self) -> tuple[str | None, ...]:
        """Positional groups of the match, as ``re.Match.groups()`` gives them."""
        return groups_of(self._compiled.search(self.url))[0]

    @property
    def named_groups(self) -> dict[str, str | None]:
        """Named groups of the match (``(?P<ID>...)``), as ``re.Match.groupdict()``."""
        return groups_of(self._compiled.search(self.url))[1]


@dataclass(frozen=True, slots=True)
class HosterInfo:
    """What the index knows about one hoster of one owner."""

    owner: str
    hoster: str
    patterns: tuple[str, ...]
    #: Domains the owner named for it, plus the exact hosts derived from its patterns.
    domains: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RejectedPattern:
    """A pattern that was not added, and why (also logged as a warning)."""

    owner: str
    hoster: str
    pattern: str
    reason: str


@dataclass(slots=True)
class _Entry:
    owner: str
    hoster: str
    pattern: str
    rank: int
    compiled: CompiledPattern


class _Bucket:
    """The candidate entries for one host, compiled: ``re`` ones in a list, the rest in a set."""

    __slots__ = ("entries", "fast", "needs_sort", "set_entries", "set_entries_set", "slow", "whole_set")

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        self.fast: list[tuple[_Entry, Any]] = []  # (entry, bound re search)
        self.set_entries: list[_Entry] = []
        self.slow: list[_Entry] = []  # look-around patterns, on the regex module
        usable: list[_Entry] = []
        for entry in entries:
            try:
                entry.compiled.prepare()
            except PatternError as exc:
                log.warning("hoster %s of %s: skipping pattern: %s", entry.hoster, entry.owner, exc)
                continue
            usable.append(entry)
            if entry.compiled.engine is Engine.RE:
                self.fast.append((entry, entry.compiled.search))
            elif entry.compiled.set_compatible:
                self.set_entries.append(entry)
            else:
                self.slow.append(entry)
        self.entries = usable
        # For URLs too long for ``re``, every RE2-able entry goes through one set instead.
        self.whole_set = _build_set([e for e, _ in self.fast] + self.set_entries)
        self.set_entries_set = _build_set(self.set_entries)
        # RE2 sets answer in no particular order; ``re`` entries are already in rank order.
        self.needs_sort = bool(self.set_entries or self.slow)

    def match(self, url: str) -> list[_Entry]:
        found: list[_Entry] = []
        if len(url) <= FAST_URL_LIMIT:
            for entry, search in self.fast:
                if search(url) is not None:
                    found.append(entry)
            if self.set_entries_set is not None:
                found.extend(self.set_entries_set.match(url))
        elif self.whole_set is not None:
            found.extend(self.whole_set.match(url))
        for entry in self.slow:
            if entry.compiled.search(url) is not None:
                found.append(entry)
        if self.needs_sort and len(found) > 1:
            found.sort(key=_rank)
        return found


class _EntrySet:
    """An RE2 ``Set`` of entries: one linear-time pass answers which of them match."""

    __slots__ = ("_entries", "_set")

    def __init__(self, compiled_set: Any, entries: list[_Entry]) -> None:
        self._set = compiled_set
        self._entries = entries

    def match(self, url: str) -> list[_Entry]:
        hits = self._set.Match(url.encode())
        return [self._entries[i] for i in hits] if hits else []


def _build_set(entries: list[_Entry]) -> _EntrySet | None:
    if not entries:
        return None
    by_flags: dict[int, list[_Entry]] = {}
    for entry in entries:
        by_flags.setdefault(entry.compiled.flags, []).append(entry)
    if len(by_flags) > 1:
        # A set shares one set of options; inline the flags instead of splitting sets.
        return _build_set_inline(entries)
    flags, members = next(iter(by_flags.items()))
    compiled = re2.Set.SearchSet(re2_options(flags))
    for entry in members:
        compiled.Add(entry.pattern)
    compiled.Compile()
    return _EntrySet(compiled._set, members)


def _build_set_inline(entries: list[_Entry]) -> _EntrySet:
    compiled = re2.Set.SearchSet(re2_options())
    for entry in entries:
        prefix = "(?i)" if entry.compiled.flags & re.IGNORECASE else ""
        prefix += "(?s)" if entry.compiled.flags & re.DOTALL else ""
        compiled.Add(prefix + entry.pattern)
    compiled.Compile()
    return _EntrySet(compiled._set, entries)


class HosterIndex:
    """Hoster patterns of many owners (providers), matched domain-first.

    ``add`` is cheap (no compilation); ``match`` compiles what a host needs on first sight.
    Owners are ranked by the order in which they were first added: matches come back in
    that order, so the caller's priority decides which provider is tried first.
    """

    def __init__(self) -> None:
        self._owners: dict[str, int] = {}
        self._entries: list[_Entry] = []
        self._exact: dict[str, list[_Entry]] = {}
        self._suffix: dict[str, list[_Entry]] = {}
        self._fallback: list[_Entry] = []
        self._hosters: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        self._buckets: dict[str, _Bucket | None] = {}
        self._fallback_bucket: _Bucket | None = None
        self.rejected: list[RejectedPattern] = []

    def __len__(self) -> int:
        """The number of patterns in the index."""
        return len(self._entries)

    def add(
        self,
        hoster: str,
        patterns: Iterable[str],
        *,
        owner: str,
        domains: Iterable[str] | None = None,
    ) -> int:
        """Add ``hoster``, served by ``owner``, with its regexes; return how many were added.

        A pattern that is too long, does not compile, or cannot be run safely is skipped with
        a warning naming the hoster (see :attr:`rejected`); it never makes ``add`` fail.
        """
        rank_base = self._owners.setdefault(owner, len(self._owners)) << 32
        patterns_seen, domains_seen = self._hosters.setdefault((owner, hoster), ([], []))
        for domain in domains or ():
            ascii_domain = to_ascii_host(str(domain))
            if ascii_domain and ascii_domain not in domains_seen:
                domains_seen.append(ascii_domain)
        added = 0
        for raw in patterns:
            if len(patterns_seen) >= MAX_PATTERNS_PER_HOSTER:
                self._reject(owner, hoster, str(raw), f"more than {MAX_PATTERNS_PER_HOSTER} patterns")
                break
            if self._add_pattern(owner, hoster, raw, rank_base, patterns_seen, domains_seen):
                added += 1
        if added:
            self._buckets.clear()
            self._fallback_bucket = None
        return added

    def _add_pattern(
        self,
        owner: str,
        hoster: str,
        raw: object,
        rank_base: int,
        patterns_seen: list[str],
        domains_seen: list[str],
    ) -> bool:
        if not isinstance(raw, str):
            self._reject(owner, hoster, repr(raw)[:100], "pattern is not a string")
            return False
        pattern = normalise_pattern(raw)
        if pattern in patterns_seen:
            return False
        try:
            analysis = analyse(pattern)
        except PatternError as exc:
            self._reject(owner, hoster, pattern[:MAX_PATTERN_LENGTH], str(exc))
            return False
        entry = _Entry(
            owner, hoster, pattern, rank_base + len(self._entries), CompiledPattern(pattern, analysis.flags)
        )
        self._entries.append(entry)
        patterns_seen.append(pattern)
        if analysis.hosts is None:
            self._fallback.append(entry)
            return True
        for host in analysis.hosts.exact:
            self._exact.setdefault(host, []).append(entry)
            if host not in domains_seen:
                domains_seen.append(host)
        for host in analysis.hosts.suffixes:
            self._suffix.setdefault(host, []).append(entry)
            if host not in domains_seen:
                domains_seen.append(host)
        return True

    def _reject(self, owner: str, hoster: str, pattern: str, reason: str) -> None:
        log.warning("hoster %s of %s: skipping pattern %r: %s", hoster, owner, pattern[:120], reason)
        self.rejected.append(RejectedPattern(owner, hoster, pattern, reason))

    def add_hosterlist(self, result: Mapping[str, Any], *, owner: str) -> Any:
        """Load a debrid service's whole ``hosterlist`` answer (seed 002) in one call.

        Returns the parsed :class:`hostermatch.hosterlist.HosterList`, whose ``tldlist`` and
        ``connection_settings`` the caller may want.
        """
        from .hosterlist import HosterList  # noqa: PLC0415 (a small module, loaded when used)

        parsed = HosterList.from_result(result)
        for name, hoster in parsed.hosters.items():
            self.add(name, hoster.regexes, owner=owner, domains=hoster.tlds)
        return parsed

    def match(self, url: str) -> list[Match]:
        """Every (owner, hoster) whose pattern matches ``url``, owners in insertion order.

        Never raises for a ``str``: text that is not a URL, or is too long to be one, matches
        nothing.
        """
        split = split_url(url)
        if split is None:
            return []
        normalised, host = split
        bucket = self._buckets.get(host, _MISSING) if host else None
        if bucket is _MISSING:
            bucket = self._bucket_for(host)
        found = bucket.match(normalised) if bucket is not None else []
        if self._fallback:
            fallback = self._fallback_bucket or self._build_fallback()
            extra = fallback.match(normalised)
            if extra:
                found = sorted(found + extra, key=_rank)
        return [Match(e.owner, e.hoster, e.pattern, normalised, e.compiled) for e in found]

    def _bucket_for(self, host: str) -> _Bucket | None:
        candidates: list[_Entry] = list(self._exact.get(host, ()))
        for suffix in host_suffixes(host):
            candidates.extend(self._suffix.get(suffix, ()))
        bucket = _Bucket(sorted(_unique(candidates), key=_rank)) if candidates else None
        if len(self._buckets) >= BUCKET_CACHE_SIZE:
            self._buckets.clear()
        self._buckets[host] = bucket
        return bucket

    def _build_fallback(self) -> _Bucket:
        bucket = _Bucket(self._fallback)
        # Fallback patterns run on every URL: one RE2 set pass, never a loop of ``re`` calls.
        bucket.set_entries.extend(entry for entry, _ in bucket.fast)
        bucket.fast.clear()
        bucket.set_entries_set = _build_set(bucket.set_entries)
        bucket.needs_sort = True
        self._fallback_bucket = bucket
        return bucket

    def hosters(self) -> list[HosterInfo]:
        """Every hoster the index knows, owners in insertion order."""
        return [
            HosterInfo(owner, hoster, tuple(patterns), tuple(domains))
            for (owner, hoster), (patterns, domains) in self._hosters.items()
            if patterns
        ]

    def domains(self) -> frozenset[str]:
        """Every domain the index can name: for finding links pasted without ``https://``."""
        return frozenset(domain for _, domains in self._hosters.values() for domain in domains)


_MISSING: Final[Any] = object()


def _rank(entry: _Entry) -> int:
    return entry.rank


def _unique(entries: list[_Entry]) -> list[_Entry]:
    """``entries`` without repeats (a pattern can name a host both exactly and as a suffix)."""
    seen: set[int] = set()
    unique = []
    for entry in entries:
        if id(entry) not in seen:
            seen.add(id(entry))
            unique.append(entry)
    return unique
