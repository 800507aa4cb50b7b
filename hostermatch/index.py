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

Patterns with look-arounds or back-references run on the backtracking ``regex`` module, each
with a timeout; one link's such patterns share one time budget (:data:`SLOW_BUDGET`), an
owner whose patterns spend it is switched off on that host, identical patterns run once, and
one owner may aim only :data:`MAX_SLOW_PATTERNS_PER_HOST` of them at a host. A hostile list
therefore costs a link at most the budget, once, whatever it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from .analysis import MAX_PATTERN_LENGTH, HostSpec, PatternError, analyse, normalise_pattern
from .buckets import SLOW_BUDGET, Bucket, Budget, Entry, rank
from .engines import FAST_URL_LIMIT, CompiledPattern, groups_of
from .urls import PLAIN_URL, host_suffixes, split_url, to_ascii_host

log = logging.getLogger("hostermatch")

#: Distinct hosts whose bucket is remembered; past this the host cache starts over. The
#: compiled buckets themselves are kept per candidate list, so starting over costs a
#: dictionary walk per host, never a recompilation.
HOST_CACHE_SIZE: Final = 65_536
#: Patterns one hoster may bring; more is not a hoster list, it is an attack or a bug.
MAX_PATTERNS_PER_HOSTER: Final = 256
#: Rejected patterns logged as warnings per owner; the rest go to the debug log (a hostile
#: list can bring thousands, and every one stays listed in :attr:`HosterIndex.rejected`).
MAX_WARNINGS_PER_OWNER: Final = 20
#: Patterns needing the ``regex`` engine that one owner may aim at one host (real lists: a
#: handful); the rest are refused. Identical patterns count, and run, once.
MAX_SLOW_PATTERNS_PER_HOST: Final = 32
#: URLs whose answer needed the ``regex`` engine that are remembered; then it starts over.
SLOW_ANSWERS_KEPT: Final = 4_096


@dataclass(frozen=True)
class Match:
    """One (owner, hoster) whose pattern matches a URL.

    ``groups`` and ``named_groups`` run the pattern again when read: most callers only need
    to know who serves the link, and computing groups for every match would cost more than
    the whole look-up.
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


class HosterIndex:
    """Hoster patterns of many owners (providers), matched domain-first.

    ``add`` is cheap (no compilation); ``match`` compiles what a host needs on first sight.
    Owners are ranked by the order in which they were first added: matches come back in
    that order, so the caller's priority decides which provider is tried first.
    """

    def __init__(self) -> None:
        self._owners: dict[str, int] = {}
        self._entries: list[Entry] = []
        self._exact: dict[str, list[Entry]] = {}
        self._suffix: dict[str, list[Entry]] = {}
        self._fallback: list[Entry] = []
        self._tails: set[str] = {""}  # the last two labels of every host a pattern names
        self._hosters: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        #: Per hoster: its domains as a set, for a hoster that names thousands.
        self._domain_sets: dict[tuple[str, str], set[str]] = {}
        self._warnings: dict[str, int] = {}
        self._buckets: dict[str, Bucket | None] = {}  # host -> its bucket (None: no candidates)
        self._compiled_buckets: dict[tuple[int, ...], Bucket] = {}  # candidate ranks -> bucket
        self._fallback_match: Callable[[str, Budget | None], list[Entry]] | None = None
        self._fallback_slow = False
        #: URL -> its matches, for URLs that needed the ``regex`` engine (bounded).
        self._slow_answers: dict[str, list[Entry]] = {}
        #: One compiled pattern per distinct pattern text, whoever brings it.
        self._compiled: dict[str, CompiledPattern] = {}
        #: (owner, host) -> its patterns needing the ``regex`` engine (capped).
        self._slow_patterns: dict[tuple[str, str], set[str]] = {}
        #: Owners told that their ``regex`` patterns spent a link's budget (told once).
        self._budget_warned: set[str] = set()
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
        key = (owner, hoster)
        patterns_seen, domains_seen = self._hosters.setdefault(key, ([], []))
        known = self._domain_sets.setdefault(key, set(domains_seen))
        for domain in domains or ():
            ascii_domain = to_ascii_host(str(domain))
            if ascii_domain and ascii_domain not in known:
                known.add(ascii_domain)
                domains_seen.append(ascii_domain)
        added = 0
        for raw in patterns:
            if len(patterns_seen) >= MAX_PATTERNS_PER_HOSTER:
                self._reject(
                    owner,
                    hoster,
                    str(raw)[:MAX_PATTERN_LENGTH],
                    f"more than {MAX_PATTERNS_PER_HOSTER} patterns",
                )
                break
            if self._add_pattern(owner, hoster, raw, rank_base, patterns_seen, domains_seen):
                added += 1
        if added:
            self._buckets.clear()
            self._compiled_buckets.clear()
            self._fallback_match = None
            self._fallback_slow = False
            self._slow_answers.clear()
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
        if len(raw) > 2 * MAX_PATTERN_LENGTH:  # too long even once every "\/" is one "/"
            self._reject(
                owner,
                hoster,
                raw[:MAX_PATTERN_LENGTH],
                f"pattern is {len(raw)} characters long (limit {MAX_PATTERN_LENGTH})",
            )
            return False
        pattern = normalise_pattern(raw)
        if pattern in patterns_seen:
            return False
        try:
            analysis = analyse(pattern)
        except PatternError as exc:
            self._reject(owner, hoster, pattern[:MAX_PATTERN_LENGTH], str(exc))
            return False
        hosts = analysis.hosts
        if analysis.needs_backtracker and not self._count_slow(owner, hoster, pattern, hosts):
            return False
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = self._compiled[pattern] = CompiledPattern(pattern, analysis.flags)
        entry = Entry(owner, hoster, pattern, rank_base + len(self._entries), compiled)
        self._entries.append(entry)
        patterns_seen.append(pattern)
        if hosts is None:
            self._fallback.append(entry)
            return True
        known = self._domain_sets[(owner, hoster)]
        # Sorted: a set's order changes from run to run (string hashing), and ``hosters()``
        # lists these domains, which `linkresolver hosts` prints byte for byte the same.
        for host in sorted(hosts.exact | hosts.suffixes):
            self._tails.add(_last_two_labels(host))
            if host not in known:
                known.add(host)
                domains_seen.append(host)
        for host in hosts.exact:
            self._exact.setdefault(host, []).append(entry)
        for host in hosts.suffixes:
            self._suffix.setdefault(host, []).append(entry)
        return True

    def _count_slow(self, owner: str, hoster: str, pattern: str, hosts: HostSpec | None) -> bool:
        """Count a pattern needing the ``regex`` engine against each host it names (for the
        owner); False, with a rejection, when a host has its :data:`MAX_SLOW_PATTERNS_PER_HOST`."""
        names = sorted(hosts.exact | hosts.suffixes) if hosts is not None else [""]
        counted = [self._slow_patterns.setdefault((owner, name), set()) for name in names]
        for name, patterns in zip(names, counted, strict=True):
            if pattern not in patterns and len(patterns) >= MAX_SLOW_PATTERNS_PER_HOST:
                where = f"host {name}" if name else "links of any host"
                reason = (
                    f"more than {MAX_SLOW_PATTERNS_PER_HOST} patterns with look-arounds or"
                    f" back-references for {where}"
                )
                self._reject(owner, hoster, pattern[:MAX_PATTERN_LENGTH], reason)
                return False
        for patterns in counted:
            patterns.add(pattern)
        return True

    def _reject(self, owner: str, hoster: str, pattern: str, reason: str) -> None:
        self.rejected.append(RejectedPattern(owner, hoster, pattern, reason))
        count = self._warnings[owner] = self._warnings.get(owner, 0) + 1
        if count <= MAX_WARNINGS_PER_OWNER:
            log.warning("hoster %s of %s: skipping pattern %r: %s", hoster, owner, pattern[:120], reason)
            return
        if count == MAX_WARNINGS_PER_OWNER + 1:
            log.warning(
                "%s: more than %d patterns skipped; the others are logged at debug level",
                owner,
                MAX_WARNINGS_PER_OWNER,
            )
        log.debug("hoster %s of %s: skipping pattern %r: %s", hoster, owner, pattern[:120], reason)

    def match(self, url: str) -> list[Match]:
        """Every (owner, hoster) whose pattern matches ``url``, owners in insertion order.

        Never raises for a ``str``: text that is not a URL, or is too long to be one, matches
        nothing.
        """
        plain = _plain_url(url) if len(url) <= FAST_URL_LIMIT else None
        if plain is not None:  # the common case, inlined: one regex call
            normalised, host = url, plain.group(1)
            bucket = self._buckets.get(host, _MISSING)
            if bucket is _MISSING:
                bucket = self._bucket_for(host)
            if bucket is None:
                found = []
            elif bucket.single is not None:
                found = [bucket.single_entry] if bucket.single(url) is not None else []
            elif bucket.slow_work:
                return self._match_slow(url, bucket)
            else:
                found = bucket.match(url)
        else:
            split = split_url(url)
            if split is None:
                return []
            normalised, host = split
            bucket = self._buckets.get(host, _MISSING)
            if bucket is _MISSING:
                bucket = self._bucket_for(host)
            if bucket is not None and bucket.slow_work:
                return self._match_slow(normalised, bucket)
            found = bucket.match(normalised) if bucket is not None else []
        if self._fallback:
            fallback_match = self._fallback_match or self._build_fallback()
            if self._fallback_slow:
                return self._match_slow(normalised, bucket)
            extra = fallback_match(normalised, None)
            if extra:
                found = sorted(found + extra, key=rank) if found or len(extra) > 1 else extra
        if not found:
            return []
        # _new_match, inlined: a link that six lists serve has six matches, and the call
        # costs more than making the match.
        matches = []
        for entry in found:
            match = _object_new(Match)
            fields = match.__dict__
            fields.update(entry.match_fields)
            fields["url"] = normalised
            matches.append(match)
        return matches

    def _match_slow(self, url: str, bucket: Bucket | None) -> list[Match]:
        """:meth:`match` for a (normalised) URL that may need the ``regex`` engine: paid
        from one :class:`Budget`, and remembered, since callers ask again about the same
        link (the resolver sizes its workers by a batch's candidates, then resolves)."""
        found = self._slow_answers.get(url)
        if found is None:
            budget = Budget()
            found = bucket.match(url, budget) if bucket is not None else []
            if self._fallback:
                extra = (self._fallback_match or self._build_fallback())(url, budget)
                if extra:
                    found = sorted(found + extra, key=rank)
            if budget.trouble:
                self._switch_off(budget)
            if len(self._slow_answers) >= SLOW_ANSWERS_KEPT:
                self._slow_answers.clear()
            self._slow_answers[url] = found
        return [_new_match(e, url) for e in found]

    def _switch_off(self, budget: Budget) -> None:
        """Stop running, on the host concerned, the ``regex`` patterns of the owner that
        spent the most of ``budget``: say so once per owner, not once per link."""
        if not budget.spent:
            return
        (bucket, owner), spent = max(budget.spent.items(), key=lambda item: item[1])
        bucket.switch_off(owner)
        if owner not in self._budget_warned:
            self._budget_warned.add(owner)
            log.warning(
                "%s: hoster patterns with look-arounds or back-references took %.0f ms on one link"
                " (limit %.0f ms); on that host only its other patterns are used from now on",
                owner,
                spent * 1000,
                SLOW_BUDGET * 1000,
            )

    def _bucket_for(self, host: str) -> Bucket | None:
        if _last_two_labels(host) not in self._tails:
            return None  # no pattern names this domain: not worth a place in the host cache
        candidates: list[Entry] = []
        if host:  # a URL without a host (a magnet) has only the fallback patterns
            candidates.extend(self._exact.get(host, ()))
            for suffix in host_suffixes(host):
                candidates.extend(self._suffix.get(suffix, ()))
        bucket = None
        if candidates:
            ordered = sorted(_unique(candidates), key=rank)
            key = tuple(entry.rank for entry in ordered)
            bucket = self._compiled_buckets.get(key)
            if bucket is None:
                bucket = self._compiled_buckets[key] = Bucket(ordered)
        if len(self._buckets) >= HOST_CACHE_SIZE:
            self._buckets.clear()
        self._buckets[host] = bucket
        return bucket

    def _build_fallback(self) -> Callable[[str, Budget | None], list[Entry]]:
        # Fallback patterns run on every URL: one RE2 set pass, never a loop of ``re`` calls.
        bucket = Bucket(self._fallback, set_everything=True)
        self._fallback_slow = bucket.slow_work
        if bucket.slow_work or bucket.twins or bucket.rest_set is None:
            self._fallback_match = bucket.match
        else:
            self._fallback_match = bucket.rest_set.match  # the same, minus a call
        return self._fallback_match

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
_plain_url = PLAIN_URL.fullmatch


def _new_match(entry: Entry, url: str) -> Match:
    """``Match(entry.owner, entry.hoster, entry.pattern, url, entry.compiled)``, 3x cheaper.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` once per field;
    filling the instance dictionary in one update gives the same object. This runs once
    per match found, and is a fifth of the cost of a whole look-up.
    """
    match = _object_new(Match)
    fields = match.__dict__
    fields.update(entry.match_fields)
    fields["url"] = url
    return match


_object_new = object.__new__


def _last_two_labels(host: str) -> str:
    """``a.b.example.com`` -> ``example.com``: a host's candidates all share these."""
    dot = host.rfind(".")
    return host[host.rfind(".", 0, dot) + 1 :] if dot > 0 else host


def _unique(entries: list[Entry]) -> list[Entry]:
    """``entries`` without repeats (a pattern can name a host both exactly and as a suffix)."""
    seen: set[int] = set()
    unique = []
    for entry in entries:
        if id(entry) not in seen:
            seen.add(id(entry))
            unique.append(entry)
    return unique
