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
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import re2

from .analysis import MAX_PATTERN_LENGTH, Engine, HostSpec, PatternError, analyse, normalise_pattern
from .engines import FAST_URL_LIMIT, REGEX_TIMEOUT, CompiledPattern, groups_of, re2_options
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
#: Seconds the backtracking ``regex`` engine (look-arounds, back-references) may spend on
#: one URL, over all its candidate patterns. Each pattern also has its own timeout; this
#: bounds their sum, which a list of many hostile patterns on one host would make hours.
SLOW_BUDGET: Final = 0.1
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


@dataclass(slots=True)
class _Entry:
    owner: str
    hoster: str
    pattern: str
    rank: int
    compiled: CompiledPattern
    #: The fields every Match of this entry shares (see :func:`_new_match`).
    match_fields: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.match_fields = {
            "owner": self.owner,
            "hoster": self.hoster,
            "pattern": self.pattern,
            "_compiled": self.compiled,
        }


class _Bucket:
    """The candidate entries for one host, compiled.

    ``re`` entries (the common case) run one by one: a call costs a third of an RE2 call.
    The rest run together in one RE2 set: RE2-only patterns as they are, look-around
    patterns through their relaxed prefilter, confirmed by the ``regex`` module on a hit.
    Look-around patterns without a prefilter (back-references) run one by one, with a timeout.
    Every ``regex`` call is paid from the URL's :class:`_Budget`.

    A pattern that several entries share (hosters of one list, or of several, naming the
    same regex) runs once; a hit is a match of every entry with it.
    """

    __slots__ = (
        "_whole_set",
        "_whole_set_built",
        "fast",
        "in_set",
        "needs_sort",
        "off",
        "rare",
        "rest_set",
        "single",
        "single_entry",
        "slow",
        "slow_work",
        "twins",
    )

    def __init__(self, entries: list[_Entry], *, set_everything: bool = False) -> None:
        self.fast: list[tuple[_Entry, Any]] = []  # (entry, bound re search)
        self.in_set: list[_Entry] = []
        self.slow: list[_Entry] = []
        #: First entry of a shared pattern (by id) -> every entry with it, in rank order.
        self.twins: dict[int, list[_Entry]] = {}
        #: Owners whose ``regex`` patterns are no longer run here: they spent the budget.
        self.off: set[str] = set()
        firsts: dict[str, _Entry] = {}
        for entry in entries:
            first = firsts.setdefault(entry.pattern, entry)
            if first is not entry:
                self.twins.setdefault(id(first), [first]).append(entry)
        in_set = self.in_set
        for entry in firsts.values():
            try:
                engine = entry.compiled.prepare()
            except PatternError as exc:
                if not entry.compiled.failure_reported:
                    entry.compiled.failure_reported = True
                    log.warning("hoster %s of %s: skipping pattern: %s", entry.hoster, entry.owner, exc)
                continue
            if engine is Engine.RE and not set_everything:
                self.fast.append((entry, entry.compiled.re_search))
            elif engine is not Engine.REGEX or entry.compiled.prefilter is not None:
                in_set.append(entry)
            else:
                self.slow.append(entry)
        self.rest_set = _EntrySet.build(in_set)
        # Without ``re`` entries, the set of the rest is already the set of everything.
        self._whole_set: _EntrySet | None = self.rest_set
        self._whole_set_built = not self.fast
        #: Whether a URL here may need the ``regex`` engine (and so a budget).
        self.slow_work = bool(self.slow) or any(entry.compiled.engine is Engine.REGEX for entry in in_set)
        # RE2 sets answer in no particular order; ``re`` entries are already in rank order.
        # Twins join after the entries that found them.
        self.needs_sort = bool(in_set or self.slow or self.twins)
        #: Whether found entries need more work: shared patterns, owners switched off.
        self.rare = bool(self.twins)
        # The most common bucket, one ``re`` pattern, is run inline by HosterIndex.match.
        alone = len(self.fast) == 1 and not in_set and not self.slow and not self.twins
        self.single_entry: _Entry | None = self.fast[0][0] if alone else None
        self.single: Any = self.fast[0][1] if alone else None

    def switch_off(self, owner: str) -> None:
        """Run ``owner``'s ``regex`` patterns here no more: drop the patterns nobody else
        shares from the lists and the set, so later links do not even look at them."""
        self.off = self.off | {owner}  # a new set: other threads may be reading this one
        self.rare = True
        self.slow = [entry for entry in self.slow if self.live(entry)]
        in_set = [e for e in self.in_set if e.compiled.engine is not Engine.REGEX or self.live(e)]
        if len(in_set) != len(self.in_set):
            self.in_set = in_set
            self.rest_set = _EntrySet.build(in_set)
            self._whole_set = self.rest_set
            self._whole_set_built = not self.fast
        self.slow_work = bool(self.slow) or any(entry.compiled.engine is Engine.REGEX for entry in in_set)

    def whole_set(self) -> _EntrySet | None:
        """Every RE2-able entry in one set, for URLs too long for ``re``; built when first
        needed, since real links are short and most buckets never see a long one."""
        if not self._whole_set_built:
            self._whole_set = _EntrySet.build([entry for entry, _ in self.fast] + self.in_set)
            self._whole_set_built = True
        return self._whole_set

    def match(self, url: str, budget: _Budget | None = None) -> list[_Entry]:
        """The entries matching ``url``; ``budget`` pays for ``regex`` calls (needed when
        :attr:`slow_work`)."""
        if len(url) <= FAST_URL_LIMIT:
            found = [entry for entry, search in self.fast if search(url) is not None]
            if self.rest_set is not None:
                found += self.rest_set.match(url, budget, self)
        else:
            whole_set = self.whole_set()
            found = whole_set.match(url, budget, self) if whole_set is not None else []
        if self.slow:
            assert budget is not None, "slow work needs a budget"
            for entry in self.slow:
                if budget.search(self, entry, url):
                    found.append(entry)
        if self.rare and found:
            if self.twins:
                twins = self.twins
                found = [twin for entry in found for twin in twins.get(id(entry), (entry,))]
            if self.off:
                off = self.off
                found = [e for e in found if e.owner not in off or e.compiled.engine is not Engine.REGEX]
        if self.needs_sort and len(found) > 1:
            found.sort(key=_rank)
        return found

    def live(self, entry: _Entry) -> Sequence[_Entry]:
        """The entries sharing ``entry``'s pattern whose owner's ``regex`` patterns still run."""
        group = self.twins.get(id(entry)) or [entry]
        off = self.off
        return [e for e in group if e.owner not in off] if off else group


class _Budget:
    """The ``regex`` engine's time for one URL (:data:`SLOW_BUDGET`), and who spent it.

    A pattern runs with its own timeout cut to what is left; past the deadline the rest do
    not run (they count as not matching). :meth:`HosterIndex.match` then switches off, on
    that host, the ``regex`` patterns of the owner that spent the most: later links there
    cost nothing extra and match through that owner's safe patterns.
    """

    __slots__ = ("deadline", "spent", "trouble")

    def __init__(self) -> None:
        self.deadline = 0.0  # set by the first call that spends
        #: (bucket, owner) -> seconds spent.
        self.spent: dict[tuple[_Bucket, str], float] = {}
        #: Set when a pattern timed out or the budget ran out.
        self.trouble = False

    def search(self, bucket: _Bucket, entry: _Entry, url: str) -> bool:
        """Whether ``entry``'s ``regex`` pattern matches ``url``, paid from the budget."""
        live = bucket.live(entry) if bucket.twins or bucket.off else (entry,)
        if not live:
            return False
        start = _clock()
        if not self.deadline:
            self.deadline = start + SLOW_BUDGET
        remaining = self.deadline - start
        if remaining <= 0:
            self.trouble = True
            return False
        found, timed_out = entry.compiled.search_within(url, min(REGEX_TIMEOUT, remaining))
        spent = _clock() - start
        spenders = {e.owner for e in live} if len(live) > 1 else (live[0].owner,)
        for owner in spenders:
            key = (bucket, owner)
            self.spent[key] = self.spent.get(key, 0.0) + spent
        if timed_out:
            self.trouble = True
        return found is not None


class _EntrySet:
    """An RE2 ``Set`` of entries: one linear-time pass answers which of them match.

    Entries that joined through a prefilter are confirmed by their exact engine on a hit.
    """

    __slots__ = ("_confirm", "_entries", "_match", "confirms")

    def __init__(self, compiled_set: Any, entries: list[_Entry]) -> None:
        self._match = compiled_set.Match
        self._entries = entries
        self._confirm = [entry.compiled.engine is Engine.REGEX for entry in entries]
        self.confirms = any(self._confirm)

    @classmethod
    def build(cls, entries: list[_Entry]) -> _EntrySet | None:
        if not entries:
            return None
        flags = {entry.compiled.flags for entry in entries}
        inline = len(flags) > 1  # a set shares one set of options: inline the flags instead
        compiled = re2.Set.SearchSet(re2_options(0 if inline else flags.pop()))
        for entry in entries:
            pattern = entry.compiled.prefilter or entry.pattern
            compiled.Add(_inline_flags(entry.compiled.flags) + pattern if inline else pattern)
        compiled.Compile()
        return cls(compiled._set, entries)  # the raw set: its wrapper costs a third more

    def match(self, url: str, budget: _Budget | None = None, bucket: _Bucket | None = None) -> list[_Entry]:
        """Entries matching ``url``; those with a prefilter are confirmed by the ``regex``
        engine, paid from ``budget`` (both needed when :attr:`confirms`)."""
        hits = self._match(url.encode())
        if not hits:
            return []
        entries, confirm = self._entries, self._confirm
        if not self.confirms:
            return [entries[i] for i in hits]
        assert budget is not None and bucket is not None, "confirming needs a budget"
        return [entries[i] for i in hits if not confirm[i] or budget.search(bucket, entries[i], url)]


def _inline_flags(flags: int) -> str:
    return ("(?i)" if flags & re.IGNORECASE else "") + ("(?s)" if flags & re.DOTALL else "")


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
        self._tails: set[str] = {""}  # the last two labels of every host a pattern names
        self._hosters: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        #: Per hoster: its domains as a set, for a hoster that names thousands.
        self._domain_sets: dict[tuple[str, str], set[str]] = {}
        self._warnings: dict[str, int] = {}
        self._buckets: dict[str, _Bucket | None] = {}  # host -> its bucket (None: no candidates)
        self._compiled_buckets: dict[tuple[int, ...], _Bucket] = {}  # candidate ranks -> bucket
        self._fallback_match: Callable[[str, _Budget | None], list[_Entry]] | None = None
        self._fallback_slow = False
        #: URL -> its matches, for URLs that needed the ``regex`` engine (bounded).
        self._slow_answers: dict[str, list[_Entry]] = {}
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
        entry = _Entry(owner, hoster, pattern, rank_base + len(self._entries), compiled)
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
                found = sorted(found + extra, key=_rank) if found or len(extra) > 1 else extra
        return [_new_match(e, normalised) for e in found] if found else []

    def _match_slow(self, url: str, bucket: _Bucket | None) -> list[Match]:
        """:meth:`match` for a (normalised) URL that may need the ``regex`` engine: paid
        from one :class:`_Budget`, and remembered, since callers ask again about the same
        link (the resolver sizes its workers by a batch's candidates, then resolves)."""
        found = self._slow_answers.get(url)
        if found is None:
            budget = _Budget()
            found = bucket.match(url, budget) if bucket is not None else []
            if self._fallback:
                extra = (self._fallback_match or self._build_fallback())(url, budget)
                if extra:
                    found = sorted(found + extra, key=_rank)
            if budget.trouble:
                self._switch_off(budget)
            if len(self._slow_answers) >= SLOW_ANSWERS_KEPT:
                self._slow_answers.clear()
            self._slow_answers[url] = found
        return [_new_match(e, url) for e in found]

    def _switch_off(self, budget: _Budget) -> None:
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

    def _bucket_for(self, host: str) -> _Bucket | None:
        if _last_two_labels(host) not in self._tails:
            return None  # no pattern names this domain: not worth a place in the host cache
        candidates: list[_Entry] = []
        if host:  # a URL without a host (a magnet) has only the fallback patterns
            candidates.extend(self._exact.get(host, ()))
            for suffix in host_suffixes(host):
                candidates.extend(self._suffix.get(suffix, ()))
        bucket = None
        if candidates:
            ordered = sorted(_unique(candidates), key=_rank)
            key = tuple(entry.rank for entry in ordered)
            bucket = self._compiled_buckets.get(key)
            if bucket is None:
                bucket = self._compiled_buckets[key] = _Bucket(ordered)
        if len(self._buckets) >= HOST_CACHE_SIZE:
            self._buckets.clear()
        self._buckets[host] = bucket
        return bucket

    def _build_fallback(self) -> Callable[[str, _Budget | None], list[_Entry]]:
        # Fallback patterns run on every URL: one RE2 set pass, never a loop of ``re`` calls.
        bucket = _Bucket(self._fallback, set_everything=True)
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


def _new_match(entry: _Entry, url: str) -> Match:
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
_clock = time.perf_counter


def _last_two_labels(host: str) -> str:
    """``a.b.example.com`` -> ``example.com``: a host's candidates all share these."""
    dot = host.rfind(".")
    return host[host.rfind(".", 0, dot) + 1 :] if dot > 0 else host


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
