"""Static analysis of one hoster pattern: which hosts it can match.

Matching is domain-first: a pattern is only tried on URLs whose host it names. The walk over
the pattern's parse tree (Python's own regex parser, so the tree is exactly what ``re`` would
run) enumerates the strings the pattern can start with, through alternations and optional
groups, up to the character that ends the host (``/``, ``?``, ``#``, ``:``). Pieces it cannot
enumerate (``(\\w+\\.)?``, ``s\\d+\\.``) become "any labels here", which turns an exact host
into a suffix (``*.example.com``). A pattern whose host stays unknown
(``https?://[^/]+/file/``) goes to the fallback set that every URL is checked against.
Look-arounds are ignored for this purpose: they only narrow what matches, so the derived host
set stays a superset of what the pattern can match.

Which engine may run a pattern is :mod:`hostermatch.safety`'s question, asked later, when
the pattern is first used. Analyses are remembered (bounded), and can be handed over to a
later run with the list they belong to (:func:`export_analyses`, :func:`remember_analyses`):
a cached list of tens of thousands of patterns is then not parsed again on every run.
"""

from __future__ import annotations

import functools
import hashlib
import re
import re._constants as sre_c  # type: ignore[import-not-found]
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .parsing import (
    MAX_PATTERN_LENGTH,
    NEEDS_BACKTRACKER,
    REPEATS,
    PatternError,
    items_of,
    normalise_pattern,
    parse,
    uses,
)
from .publicsuffix import is_public_suffix, public_suffix_list_version
from .safety import Engine, choose_engine, without_lookarounds

__all__ = [
    "MAX_PATTERN_LENGTH",
    "Engine",
    "HostSpec",
    "PatternAnalysis",
    "PatternError",
    "analyse",
    "analyser_fingerprint",
    "choose_engine",
    "export_analyses",
    "normalise_pattern",
    "remember_analyses",
    "without_lookarounds",
]

#: Host strings one pattern may expand to before it is treated as host-unknown.
MAX_EXPANSIONS: Final = 256

_ANY: Final = "\x00"  # "anything may stand here" inside an enumerated prefix
_HOST_END: Final = frozenset("/?#:")
_HOST_END_SEARCH: Final = re.compile("[/?#:]").search
_UNKNOWN_OP: Final = object()
_UNKNOWN: Final = (_UNKNOWN_OP, None)


@dataclass(frozen=True, slots=True)
class HostSpec:
    """The hosts a pattern can match: exact names, and suffixes that allow any subdomain."""

    exact: frozenset[str]
    suffixes: frozenset[str]


@dataclass(frozen=True, slots=True)
class PatternAnalysis:
    """What :func:`analyse` learned about one pattern's hosts."""

    #: None when the hosts cannot be derived: the pattern goes to the fallback set.
    hosts: HostSpec | None
    #: Inline flags the pattern sets (re.IGNORECASE ...), needed to compile it alike elsewhere.
    flags: int
    #: Whether it needs the backtracking ``regex`` engine (look-arounds, back-references):
    #: the index caps how many such patterns one host may have, and budgets their time.
    needs_backtracker: bool = False


def analyse(pattern: str) -> PatternAnalysis:
    """Parse ``pattern`` and derive its hosts. Raises :class:`PatternError`.

    This runs for every pattern when an index is built, so it does only what the index
    needs up front; :func:`choose_engine` runs later, when the pattern is first used. The
    answer (or the refusal) is remembered: a list's patterns are read once to check them and
    once more to index them, and a cached list hands its analyses to the next run.
    """
    known = _MEMO.get(pattern)
    if known is None:
        try:
            known = _analyse(pattern)
        except PatternError as exc:
            _remember(pattern, str(exc))
            raise
        _remember(pattern, known)
        return known
    if isinstance(known, str):
        raise PatternError(known)
    return known


def _analyse(pattern: str) -> PatternAnalysis:
    parsed = parse(pattern)
    flags = int(parsed.state.flags) & ~re.UNICODE
    slow = _MAY_NEED_BACKTRACKER(pattern) is not None and uses(items_of(parsed), NEEDS_BACKTRACKER)
    simple = _SIMPLE_PREFIX.match(pattern)
    if simple is not None and not flags and not any(op is sre_c.BRANCH for op, _ in items_of(parsed)):
        return PatternAnalysis(_simple_hosts(simple), flags, slow)
    return PatternAnalysis(_derive_hosts(parsed), flags, slow)


#: Patterns whose analysis (or the reason it failed) is remembered. The memo starts over when
#: it holds more patterns, or more text, than two of the largest lists a provider may send.
_MEMO: dict[str, PatternAnalysis | str] = {}
MEMO_PATTERNS: Final = 120_000
_MEMO_CHARACTERS: Final = 32 << 20
_memo_characters = 0


def _remember(pattern: str, answer: PatternAnalysis | str) -> None:
    global _memo_characters  # noqa: PLW0603 (a module-wide memo, bounded above)
    if len(_MEMO) >= MEMO_PATTERNS or _memo_characters >= _MEMO_CHARACTERS:
        _MEMO.clear()
        _memo_characters = 0
    _MEMO[pattern] = answer
    _memo_characters += len(pattern)


def export_analyses(patterns: Iterable[str]) -> dict[str, Any]:
    """The analyses of ``patterns`` as JSON-ready data, for :func:`remember_analyses` in a
    later run. Each is ``[exact hosts, suffixes, flags, needs backtracker]``, ``None`` for
    a pattern whose hosts are unknown, or the reason a pattern is refused."""
    exported: dict[str, Any] = {}
    for pattern in patterns:
        try:
            analysis = analyse(pattern)
        except PatternError as exc:
            exported[pattern] = str(exc)
            continue
        hosts = analysis.hosts
        exported[pattern] = [
            sorted(hosts.exact) if hosts is not None else None,
            sorted(hosts.suffixes) if hosts is not None else None,
            analysis.flags,
            analysis.needs_backtracker,
        ]
    return {"made_by": analyser_fingerprint(), "patterns": exported}


def remember_analyses(data: object) -> int:
    """Take the analyses :func:`export_analyses` gave in an earlier run; how many were taken.

    Only when this very analyser made them (same code, same Python, same Public Suffix
    List): otherwise nothing is taken, and the patterns are analysed again as they are met.
    Malformed entries are skipped, never trusted. The data sits in the user's own cache next
    to the list it describes, and is as trusted as that list: a tampered entry can only
    narrow where its own pattern is tried, and the engine is chosen from the pattern itself.
    """
    if not isinstance(data, dict) or data.get("made_by") != analyser_fingerprint():
        return 0
    patterns = data.get("patterns")
    if not isinstance(patterns, dict):
        return 0
    taken = 0
    for pattern, value in list(patterns.items())[:MEMO_PATTERNS]:
        answer = _from_export(value)
        if isinstance(pattern, str) and answer is not None and pattern not in _MEMO:
            _remember(pattern, answer)
            taken += 1
    return taken


def _from_export(value: object) -> PatternAnalysis | str | None:
    if isinstance(value, str):
        return value
    if not isinstance(value, list) or len(value) != 4:
        return None
    exact, suffixes, flags, slow = value
    if type(flags) is not int or type(slow) is not bool:
        return None
    if exact is None and suffixes is None:
        return PatternAnalysis(None, flags, slow)
    if not _host_names(exact) or not _host_names(suffixes):
        return None
    return PatternAnalysis(HostSpec(frozenset(exact), frozenset(suffixes)), flags, slow)


def _host_names(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(host, str) and _looks_like_domain(host) for host in value
    )


@functools.cache
def analyser_fingerprint() -> str:
    """What the analyses depend on: this code, Python's regex parser, the suffix list."""
    digest = hashlib.sha256(sys.version.encode())
    for module in ("parsing.py", "analysis.py", "publicsuffix.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    digest.update(public_suffix_list_version().encode())
    return digest.hexdigest()[:32]


#: Text every one of :data:`NEEDS_BACKTRACKER`'s constructs contains (and some others, like
#: an escaped "\\1" or "a\\++"): only such patterns are walked to find out.
_MAY_NEED_BACKTRACKER: Final = re.compile(r"\\[1-9gk]|\(\?(?:[=!>(]|<[=!]|P=)|[*+?}]\+").search


# The two commonest shapes, read from the text: "https?://(?:www\.)?host\.tld/" (pyLoad,
# hoster lists) and "(?://|\.)(host\.tld)/" (ResolveURL). Same answer as the parse-tree walk
# (tests check it on every real pattern), at a third of the cost of the whole analysis. A
# top-level alternation ("a\\.com/x|b\\.com/y") would hide hosts from it: those take the walk.
_SIMPLE_PREFIX: Final = re.compile(
    r"(?:https?\??|(?P<any_sub>\(\?://\|\\\.\)))(?(any_sub)|://(?P<www>\(\?:www\\\.\)\?)?)"
    r"(?(any_sub)\(?)(?P<host>[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\\\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+)"
    r"(?(any_sub)\)?)/"
)


def _simple_hosts(simple: re.Match[str]) -> HostSpec:
    host = simple.group("host").replace("\\.", ".")
    if simple.group("any_sub"):
        return HostSpec(frozenset(), frozenset({host}))
    return HostSpec(frozenset({host, "www." + host} if simple.group("www") else {host}), frozenset())


def _derive_hosts(parsed: Any) -> HostSpec | None:
    exact: set[str] = set()
    suffixes: set[str] = set()
    try:
        for count, prefix in enumerate(_prefixes(items_of(parsed)), start=1):
            if count > MAX_EXPANSIONS:
                return None
            host = _host_of(prefix)
            if host is None:
                return None
            name, is_suffix = host
            (suffixes if is_suffix else exact).add(name)
    except RecursionError:
        return None
    return HostSpec(frozenset(exact - suffixes), frozenset(suffixes))


def _host_start(prefix: str) -> int:
    sep = prefix.find("//")
    if sep != -1:
        return sep + 2
    if ":" in prefix:
        return -1  # a scheme has begun: the host starts after its "//"
    return len(prefix) - len(prefix.lstrip("/"))


def _host_done(prefix: str) -> bool:
    start = _host_start(prefix)
    return start != -1 and _HOST_END_SEARCH(prefix, start) is not None


def _prefixes(items: list[Any]) -> Iterator[str]:
    """Yield every start the pattern can have, each cut where its host ends.

    An explicit stack of states replaces recursion: each state is (items, index, prefix,
    rest), where ``rest`` is a linked list of (items, index) frames to continue with when
    ``items`` is used up, so that groups and alternations nest without copying.
    """
    stack: list[tuple[list[Any], int, str, Any]] = [(items, 0, "", None)]
    while stack:
        items, i, prefix, rest = stack.pop()
        if _host_done(prefix):
            yield prefix
            continue
        while True:
            if i == len(items):
                if rest is None:
                    yield prefix
                    break
                (items, i), rest = rest
                continue
            op, av = items[i]
            i += 1
            if op is sre_c.LITERAL:
                ch = chr(av)
                prefix += ch
                if ch in _HOST_END and _host_done(prefix):
                    yield prefix
                    break
            elif op is _UNKNOWN_OP:
                prefix += _ANY
            elif op is sre_c.SUBPATTERN or op is sre_c.ATOMIC_GROUP:
                rest = ((items, i), rest)
                items, i = items_of(av[-1] if op is sre_c.SUBPATTERN else av), 0
            elif op is sre_c.BRANCH:
                rest = ((items, i), rest)
                alternatives = av[1]
                for alternative in alternatives[1:]:
                    stack.append((items_of(alternative), 0, prefix, rest))
                items, i = items_of(alternatives[0]), 0
            elif op is sre_c.IN and (chars := _small_literal_set(av)) is not None:
                for ch in chars[1:]:
                    stack.append((items, i, prefix + ch, rest))
                prefix += chars[0]
                if _host_done(prefix):
                    yield prefix
                    break
            elif op in REPEATS:
                low, high, body = av
                if high <= 1:
                    if low == 0:
                        stack.append((items, i, prefix, rest))
                    rest = ((items, i), rest)
                    items, i = items_of(body), 0
                elif low == high <= 4:
                    rest = ((items, i), rest)
                    items, i = items_of(body) * low, 0
                elif low >= 1:
                    # "x+" starts with one "x" (often the "/" that ends the host), then unknown.
                    rest = (([_UNKNOWN], 0), ((items, i), rest))
                    items, i = items_of(body), 0
                else:
                    prefix += _ANY
            elif op is sre_c.ANY and _host_start(prefix) != -1:
                # "uploadgig.com" with the dot unescaped: its author means a dot, and reading it
                # as one keeps the host exact (a URL host never holds the other characters).
                prefix += "."
            elif op is sre_c.AT:
                if av in (sre_c.AT_END, sre_c.AT_END_STRING):
                    yield prefix
                    break
            elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
                pass  # narrows what matches, never widens it
            else:  # classes, any-char, back-references, conditionals: unknown text here
                prefix += _ANY


def _small_literal_set(av: Any) -> list[str] | None:
    chars: list[str] = []
    for op, value in av:
        if op is sre_c.LITERAL:
            chars.append(chr(value))
        elif op is sre_c.RANGE and value[1] - value[0] < 4:
            chars.extend(chr(c) for c in range(value[0], value[1] + 1))
        else:
            return None
    return chars if len(chars) <= 4 else None


def _host_of(prefix: str) -> tuple[str, bool] | None:
    """Turn an enumerated prefix into (host, is_suffix), or None when the host is unknown."""
    start = _host_start(prefix)
    if start == -1:
        return None
    end = _HOST_END_SEARCH(prefix, start)
    host = prefix[start : end.start() if end is not None else len(prefix)].lower().rstrip(".")
    is_suffix = False
    if _ANY in host:
        # Any text may stand before the last unknown piece: keep the labels after it.
        tail = host[host.rindex(_ANY) + 1 :]
        dot = tail.find(".")
        if dot == -1:
            return None
        host, is_suffix = tail[dot + 1 :], True
    elif host.startswith(".") and start == 0 and not prefix.startswith("/"):
        # ResolveURL's "(?://|\.)host": the dot branch means "host or any subdomain".
        host, is_suffix = host[1:], True
    if not _looks_like_domain(host):
        return None
    if is_suffix and is_public_suffix(host):
        # A TLD or another public suffix (co.uk, github.io): every URL under it would be a
        # candidate, whoever registered the name; use the fallback set.
        return None
    return host, is_suffix


_DOMAIN: Final = re.compile(r"(?:[a-z0-9_](?:[a-z0-9\-_]*[a-z0-9_])?\.)*[a-z0-9\-]*[a-z0-9]|localhost")


def _looks_like_domain(host: str) -> bool:
    return bool(host) and _DOMAIN.fullmatch(host) is not None and ".." not in host


# --- engine ------------------------------------------------------------------------------
