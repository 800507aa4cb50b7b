"""The compiled candidates of one host (a bucket), and the time budget of one link.

:class:`hostermatch.index.HosterIndex` picks a URL's candidate patterns by its host; this is
what runs them: ``re`` patterns one by one, RE2-able ones in one RE2 ``Set`` pass, and the few
that need the backtracking ``regex`` engine one by one, paid from the link's
:class:`Budget` (:data:`SLOW_BUDGET`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import re2

from .engines import FAST_URL_LIMIT, REGEX_TIMEOUT, CompiledPattern, re2_options
from .parsing import PatternError
from .safety import Engine

log = logging.getLogger("hostermatch")

#: Seconds the backtracking ``regex`` engine (look-arounds, back-references) may spend on
#: one URL, over all its candidate patterns. Each pattern also has its own timeout; this
#: bounds their sum, which a list of many hostile patterns on one host would make hours.
SLOW_BUDGET: Final = 0.1
#: Orders of found entries a bucket keeps (see ``Bucket._ordered``); more hit combinations
#: than this on one host are ordered for each link.
MAX_ORDERED_ANSWERS: Final = 64


@dataclass(slots=True, eq=False)
class Entry:
    """One pattern of one (owner, hoster). Equal only to itself, and hashed so: a bucket
    keys its answers by the entries that hit (``Bucket._ordered``)."""

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


class Bucket:
    """The candidate entries for one host, compiled.

    ``re`` entries (the common case) run one by one: a call costs a third of an RE2 call.
    The rest run together in one RE2 set: RE2-only patterns as they are, look-around
    patterns through their relaxed prefilter, confirmed by the ``regex`` module on a hit.
    Look-around patterns without a prefilter (back-references) run one by one, with a timeout.
    Every ``regex`` call is paid from the URL's :class:`Budget`.

    A pattern that several entries share (hosters of one list, or of several, naming the
    same regex) runs once; a hit is a match of every entry with it.
    """

    __slots__ = (
        "_ordered",
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

    def __init__(self, entries: list[Entry], *, set_everything: bool = False) -> None:
        self.fast: list[tuple[Entry, Any]] = []  # (entry, bound re search)
        self.in_set: list[Entry] = []
        self.slow: list[Entry] = []
        #: First entry of a shared pattern (by id) -> every entry with it, in rank order.
        self.twins: dict[int, list[Entry]] = {}
        #: Owners whose ``regex`` patterns are no longer run here: they spent the budget.
        self.off: set[str] = set()
        firsts: dict[str, Entry] = {}
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
        self.rest_set = EntrySet.build(in_set)
        # Without ``re`` entries, the set of the rest is already the set of everything.
        self._whole_set: EntrySet | None = self.rest_set
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
        self.single_entry: Entry | None = self.fast[0][0] if alone else None
        self.single: Any = self.fast[0][1] if alone else None
        #: The entries found, twins added and in rank order, by the entries that hit: what
        #: :meth:`match` would work out again for each link of the host. A host that several
        #: lists serve has a few distinct patterns, so a few such answers.
        self._ordered: dict[tuple[Entry, ...], list[Entry]] = {}

    def switch_off(self, owner: str) -> None:
        """Run ``owner``'s ``regex`` patterns here no more: drop the patterns nobody else
        shares from the lists and the set, so later links do not even look at them."""
        self.off = self.off | {owner}  # a new set: other threads may be reading this one
        self.rare = True
        self._ordered = {}
        self.slow = [entry for entry in self.slow if self.live(entry)]
        in_set = [e for e in self.in_set if e.compiled.engine is not Engine.REGEX or self.live(e)]
        if len(in_set) != len(self.in_set):
            self.in_set = in_set
            self.rest_set = EntrySet.build(in_set)
            self._whole_set = self.rest_set
            self._whole_set_built = not self.fast
        self.slow_work = bool(self.slow) or any(entry.compiled.engine is Engine.REGEX for entry in in_set)

    def whole_set(self) -> EntrySet | None:
        """Every RE2-able entry in one set, for URLs too long for ``re``; built when first
        needed, since real links are short and most buckets never see a long one."""
        if not self._whole_set_built:
            self._whole_set = EntrySet.build([entry for entry, _ in self.fast] + self.in_set)
            self._whole_set_built = True
        return self._whole_set

    def match(self, url: str, budget: Budget | None = None) -> list[Entry]:
        """The entries matching ``url``; ``budget`` pays for ``regex`` calls (needed when
        :attr:`slow_work`). The list may be one this bucket keeps: read it, do not change it."""
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
        if not (self.rare or self.needs_sort) or not found or (len(found) == 1 and not self.rare):
            return found
        hits = tuple(found)
        ordered = self._ordered.get(hits)
        if ordered is None:
            ordered = self._ordered_entries(found)
            if len(self._ordered) < MAX_ORDERED_ANSWERS:
                self._ordered[hits] = ordered
        return ordered

    def _ordered_entries(self, found: list[Entry]) -> list[Entry]:
        """``found`` with the entries sharing their patterns, less those switched off, in
        rank order."""
        if self.rare:
            if self.twins:
                twins = self.twins
                found = [twin for entry in found for twin in twins.get(id(entry), (entry,))]
            if self.off:
                off = self.off
                found = [e for e in found if e.owner not in off or e.compiled.engine is not Engine.REGEX]
        if self.needs_sort and len(found) > 1:
            found.sort(key=rank)
        return found

    def live(self, entry: Entry) -> Sequence[Entry]:
        """The entries sharing ``entry``'s pattern whose owner's ``regex`` patterns still run."""
        group = self.twins.get(id(entry)) or [entry]
        off = self.off
        return [e for e in group if e.owner not in off] if off else group


class Budget:
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
        self.spent: dict[tuple[Bucket, str], float] = {}
        #: Set when a pattern timed out or the budget ran out.
        self.trouble = False

    def search(self, bucket: Bucket, entry: Entry, url: str) -> bool:
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


class EntrySet:
    """An RE2 ``Set`` of entries: one linear-time pass answers which of them match.

    Entries that joined through a prefilter are confirmed by their exact engine on a hit.
    """

    __slots__ = ("_confirm", "_entries", "_match", "confirms")

    def __init__(self, compiled_set: Any, entries: list[Entry]) -> None:
        self._match = compiled_set.Match
        self._entries = entries
        self._confirm = [entry.compiled.engine is Engine.REGEX for entry in entries]
        self.confirms = any(self._confirm)

    @classmethod
    def build(cls, entries: list[Entry]) -> EntrySet | None:
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

    def match(self, url: str, budget: Budget | None = None, bucket: Bucket | None = None) -> list[Entry]:
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


def rank(entry: Entry) -> int:
    """Where ``entry`` stands: owners in the order they were added, then patterns."""
    return entry.rank


_clock = time.perf_counter
