"""Static analysis of one hoster pattern: which hosts it can match, and how safely it can run.

Both answers come from one walk over the pattern's parse tree (Python's own regex parser, so
the tree is exactly what ``re`` would run):

* **Hosts.** Matching is domain-first: a pattern is only tried on URLs whose host it names.
  The walk enumerates the strings the pattern can start with, through alternations and
  optional groups, up to the character that ends the host (``/``, ``?``, ``#``, ``:``).
  Pieces it cannot enumerate (``(\\w+\\.)?``, ``s\\d+\\.``) become "any labels here", which
  turns an exact host into a suffix (``*.example.com``). A pattern whose host stays unknown
  (``https?://[^/]+/file/``) goes to the fallback set that every URL is checked against.
  Look-arounds are ignored for this purpose: they only narrow what matches, so the derived
  host set stays a superset of what the pattern can match.

* **Engine.** RE2 is linear-time but its Python binding costs microseconds per call; ``re``
  is several times cheaper per call but backtracks. A pattern may run on ``re`` only when a
  conservative check proves that backtracking stays polynomial and small: repeats are never
  nested, every variable-length repeat is of a single character class, and at most one of
  them can end in more than one place (see :func:`_backtracking_degree`); URLs on ``re``
  are short (:data:`hostermatch.engines.FAST_URL_LIMIT`).
  Patterns that need look-arounds, back-references or conditionals (which RE2 lacks) run
  on the ``regex`` module with a timeout.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from .publicsuffix import is_public_suffix

#: Longest pattern accepted; real hoster patterns are under 2,100 characters.
MAX_PATTERN_LENGTH: Final = 4_096
#: Host strings one pattern may expand to before it is treated as host-unknown.
MAX_EXPANSIONS: Final = 256

_ANY: Final = "\x00"  # "anything may stand here" inside an enumerated prefix
_HOST_END: Final = frozenset("/?#:")
_HOST_END_SEARCH: Final = re.compile("[/?#:]").search
_UNKNOWN_OP: Final = object()
_UNKNOWN: Final = (_UNKNOWN_OP, None)
_ALL_ASCII: Final = frozenset(range(128))
_WORD: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_CATEGORY_CHARS: Final = {
    sre_c.CATEGORY_DIGIT: frozenset(b"0123456789"),
    sre_c.CATEGORY_WORD: _WORD,
    sre_c.CATEGORY_SPACE: frozenset(b" \t\n\r\f\v\x1c\x1d\x1e\x1f"),
}
_CATEGORY_CHARS[sre_c.CATEGORY_NOT_DIGIT] = _ALL_ASCII - _CATEGORY_CHARS[sre_c.CATEGORY_DIGIT]
_CATEGORY_CHARS[sre_c.CATEGORY_NOT_WORD] = _ALL_ASCII - _WORD
_CATEGORY_CHARS[sre_c.CATEGORY_NOT_SPACE] = _ALL_ASCII - _CATEGORY_CHARS[sre_c.CATEGORY_SPACE]

_REPEATS: Final = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT)
_SINGLE_CHAR: Final = (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY)
# Constructs RE2 does not have; their presence decides the engine before RE2 is even asked.
_NEEDS_BACKTRACKER: Final = (
    sre_c.ASSERT,
    sre_c.ASSERT_NOT,
    sre_c.GROUPREF,
    sre_c.GROUPREF_EXISTS,
    sre_c.ATOMIC_GROUP,
    sre_c.POSSESSIVE_REPEAT,
)


class Engine(Enum):
    """Which regex engine runs a pattern."""

    RE = "re"  # proven not to backtrack badly: Python's re, the cheapest call
    RE2 = "re2"  # linear time, no look-arounds
    REGEX = "regex"  # look-arounds and friends: the regex module, with a timeout


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


class PatternError(ValueError):
    """The pattern cannot be used; the message says why in words a person understands."""


_ESCAPED_SLASH: Final = re.compile(r"(?<!\\)((?:\\\\)*)\\/")


def normalise_pattern(pattern: str) -> str:
    r"""Undo PCRE-isms that hoster lists carry: ``\/`` is a plain ``/`` in every engine."""
    return _ESCAPED_SLASH.sub(r"\1/", pattern)


#: What Python's parser warns about: set syntax a future Python reads differently ("[[",
#: "--", "&&", "~~", "||" in a set), odd group references ("(?("). Only a pattern with one of
#: these is parsed under the warning catcher, which is process-wide.
_WARNING_PRONE: Final = re.compile(r"\[\[|--|&&|~~|\|\||\(\?\(")
_WARNING_CATCHER: Final = threading.Lock()


def _parse(pattern: str) -> Any:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"pattern is {len(pattern)} characters long (limit {MAX_PATTERN_LENGTH})")
    try:
        if _WARNING_PRONE.search(pattern) is None:
            return sre_parse.parse(pattern)
        return _parse_quietly(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise PatternError(f"pattern does not compile: {exc}") from exc


def _parse_quietly(pattern: str) -> Any:
    """Parse a pattern that may draw a warning from Python's parser. A warning would reach the
    user's terminal (or fail the run, where warnings are errors) for a pattern that a remote
    list brought, and it says the pattern means different things to different Pythons: such
    a pattern is refused, like one that does not compile."""
    with _WARNING_CATCHER, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = sre_parse.parse(pattern)
    if caught:
        raise PatternError(f"pattern is ambiguous to Python: {caught[0].message}")
    return parsed


def analyse(pattern: str) -> PatternAnalysis:
    """Parse ``pattern`` and derive its hosts. Raises :class:`PatternError`.

    This runs for every pattern when an index is built, so it does only what the index
    needs up front; :func:`choose_engine` runs later, when the pattern is first used.
    """
    parsed = _parse(pattern)
    flags = int(parsed.state.flags) & ~re.UNICODE
    slow = _MAY_NEED_BACKTRACKER(pattern) is not None and _uses(_data(parsed), _NEEDS_BACKTRACKER)
    simple = _SIMPLE_PREFIX.match(pattern)
    if simple is not None and not flags and not any(op is sre_c.BRANCH for op, _ in _data(parsed)):
        return PatternAnalysis(_simple_hosts(simple), flags, slow)
    return PatternAnalysis(_derive_hosts(parsed), flags, slow)


#: Text every one of :data:`_NEEDS_BACKTRACKER`'s constructs contains (and some others, like
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


def choose_engine(pattern: str) -> Engine:
    """The cheapest engine that runs ``pattern`` safely. Raises :class:`PatternError`."""
    parsed = _parse(pattern)
    if _uses(_data(parsed), _NEEDS_BACKTRACKER):
        return Engine.REGEX
    degree = _backtracking_degree(_data(parsed), bool(parsed.state.flags & re.IGNORECASE))
    if degree is not None and degree <= MAX_RE_DEGREE:
        return Engine.RE
    return Engine.RE2


# --- hosts -------------------------------------------------------------------------------


def _derive_hosts(parsed: Any) -> HostSpec | None:
    exact: set[str] = set()
    suffixes: set[str] = set()
    try:
        for count, prefix in enumerate(_prefixes(_data(parsed)), start=1):
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


def _data(sub: Any) -> list[Any]:
    """The item list of a parsed sub-pattern (plain list access; SubPattern's is slow)."""
    return sub.data if hasattr(sub, "data") else list(sub)


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
                items, i = _data(av[-1] if op is sre_c.SUBPATTERN else av), 0
            elif op is sre_c.BRANCH:
                rest = ((items, i), rest)
                alternatives = av[1]
                for alternative in alternatives[1:]:
                    stack.append((_data(alternative), 0, prefix, rest))
                items, i = _data(alternatives[0]), 0
            elif op is sre_c.IN and (chars := _small_literal_set(av)) is not None:
                for ch in chars[1:]:
                    stack.append((items, i, prefix + ch, rest))
                prefix += chars[0]
                if _host_done(prefix):
                    yield prefix
                    break
            elif op in _REPEATS:
                low, high, body = av
                if high <= 1:
                    if low == 0:
                        stack.append((items, i, prefix, rest))
                    rest = ((items, i), rest)
                    items, i = _data(body), 0
                elif low == high <= 4:
                    rest = ((items, i), rest)
                    items, i = _data(body) * low, 0
                elif low >= 1:
                    # "x+" starts with one "x" (often the "/" that ends the host), then unknown.
                    rest = (([_UNKNOWN], 0), ((items, i), rest))
                    items, i = _data(body), 0
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


def _uses(items: Any, ops: tuple[Any, ...]) -> bool:
    for op, av in items:
        if op in ops:
            return True
        for child in _children(op, av):
            if _uses(child, ops):
                return True
    return False


def _children(op: Any, av: Any) -> list[Any]:
    if op is sre_c.SUBPATTERN:
        return [av[-1]]
    if op is sre_c.BRANCH:
        return list(av[1])
    if op in _REPEATS:
        return [av[2]]
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        return [av[1]]
    if op is sre_c.ATOMIC_GROUP:
        return [av]
    if op is sre_c.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def _flatten(items: Sequence[Any]) -> list[Any]:
    """Inline plain groups so that what follows a repeat is visible beside it."""
    flat: list[Any] = []
    for op, av in items:
        if op is sre_c.SUBPATTERN:
            flat.extend(_flatten(_data(av[-1])))
        elif op in _REPEATS and av[0] == av[1] and av[1] <= 16:
            flat.extend(_flatten(_data(av[2])) * av[0])  # fixed count: plain sequence
        else:
            flat.append((op, av))
    return flat


#: The most repeats that may end in several places for ``re`` to run a pattern. With URLs
#: capped at :data:`hostermatch.engines.FAST_URL_LIMIT` characters, one such repeat costs at
#: most that many steps squared per start position, and start positions need the pattern's
#: literal prefix: milliseconds in the worst case a hostile URL can build.
MAX_RE_DEGREE: Final = 1
#: How many paths through alternatives and optional pieces the check follows before it
#: leaves the pattern to RE2.
MAX_BACKTRACK_PRODUCT: Final = 256


def _backtracking_degree(items: Sequence[Any], ignore_case: bool) -> int | None:
    r"""How many repeats on one path through ``items`` can end in more than one place.

    ``re`` backtracks into a variable-length repeat only when what follows it fails. A
    repeat of one character class followed by text that cannot start with a character it
    consumes (``\w+/``), or by nothing that can fail, ends in one place only, and costs
    linear work per start position. Each repeat that can end in several places (``.+/``)
    multiplies that work by the text's length. Alternatives and optional pieces are
    followed path by path (at most :data:`MAX_BACKTRACK_PRODUCT` paths), since ``re`` tries
    them in turn. Repeated groups (``(a+)+``, ``(a|aa)*``) are where exponential
    backtracking lives: None, as is anything the check does not understand.

    Conservative: None does not mean the pattern is dangerous, only that RE2 will run it.
    """
    budget = [MAX_BACKTRACK_PRODUCT]
    return _path_degree(_flatten(items), ignore_case, budget)


def _path_degree(flat: list[Any], ignore_case: bool, budget: list[int]) -> int | None:
    degree = 0
    for index, (op, av) in enumerate(flat):
        if op in _SINGLE_CHAR or op is sre_c.AT:
            continue
        rest = flat[index + 1 :]
        if op is sre_c.BRANCH or (op in _REPEATS and av[1] <= 1):
            paths = (
                [_flatten(_data(alt)) for alt in av[1]]
                if op is sre_c.BRANCH
                else [[], _flatten(_data(av[2]))]
            )
            budget[0] -= len(paths)
            if budget[0] < 0:
                return None
            worst = 0
            for path in paths:
                path_degree = _path_degree(path + rest, ignore_case, budget)
                if path_degree is None:
                    return None
                worst = max(worst, path_degree)
            return degree + worst
        if op not in _REPEATS:
            return None
        body_items = _flatten(_data(av[2]))
        if len(body_items) != 1 or body_items[0][0] not in _SINGLE_CHAR:
            return None  # a repeated group: the classic nested-quantifier shape
        repeated = _char_set(body_items[0], ignore_case)
        first, nullable = _first_chars(rest, ignore_case)
        if nullable:
            continue  # nothing after it can fail, so it never gives characters back
        if repeated is None or first is None or repeated & first:
            degree += 1
    return degree


def _first_chars(flat: Sequence[Any], ignore_case: bool) -> tuple[frozenset[int] | None, bool]:
    """The characters the text matched by ``flat`` can start with, and whether it can be empty.

    None for the set means "not known": callers then assume the worst.
    """
    first: set[int] = set()
    for op, av in flat:
        if op is sre_c.AT:
            if av in (sre_c.AT_END, sre_c.AT_END_STRING):
                return frozenset(first), False  # end of text: only a failure, at once
            continue
        if op in _SINGLE_CHAR:
            chars = _char_set((op, av), ignore_case)
            return (None if chars is None else frozenset(first | chars)), False
        if op is sre_c.BRANCH:
            alternatives = [_first_chars(_flatten(_data(alt)), ignore_case) for alt in av[1]]
            for chars, _ in alternatives:
                if chars is None:
                    return None, False
                first |= chars
            if not any(nullable for _, nullable in alternatives):
                return frozenset(first), False
        elif op in _REPEATS:
            chars, _ = _first_chars(_flatten(_data(av[2])), ignore_case)
            if chars is None:
                return None, False
            first |= chars
            if av[0] > 0:
                return frozenset(first), False
        else:
            return None, False
    return frozenset(first), True


def _fixed_text(items: Sequence[Any]) -> bool:
    return all(op in _SINGLE_CHAR or op is sre_c.AT for op, _ in _flatten(items))


def _rest_is_anchors(items: Sequence[Any]) -> bool:
    return all(op is sre_c.AT for op, _ in items)


def _char_set(item: Any, ignore_case: bool) -> frozenset[int] | None:
    """The ASCII characters one single-character item matches (URLs are ASCII by then)."""
    op, av = item
    chars: frozenset[int] | None
    if op is sre_c.LITERAL:
        chars = frozenset((av,))
    elif op is sre_c.NOT_LITERAL:
        chars = _ALL_ASCII - {av}
    elif op is sre_c.ANY:
        chars = _ALL_ASCII
    elif op is sre_c.IN:
        chars = _class_set(av)
    else:
        return None
    if chars is not None and ignore_case:
        chars = chars | {ord(chr(c).swapcase()) for c in chars if chr(c).isalpha()}
    return chars


def _class_set(members: Any) -> frozenset[int] | None:
    chars: set[int] = set()
    negate = False
    for op, av in members:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            chars.add(av)
        elif op is sre_c.RANGE:
            chars.update(range(av[0], min(av[1], 127) + 1))
        elif op is sre_c.CATEGORY and av in _CATEGORY_CHARS:
            chars.update(_CATEGORY_CHARS[av])
        else:
            return None
    return _ALL_ASCII - chars if negate else frozenset(chars)


# --- prefilters ---------------------------------------------------------------------------

_LOOKAROUNDS: Final = ("(?=", "(?!", "(?<=", "(?<!")


def without_lookarounds(pattern: str) -> str | None:
    """``pattern`` with every look-around removed, or None when that is not possible.

    Removing an assertion only widens what a pattern matches, so the result is a prefilter:
    RE2 can run it in a set, and only URLs it matches need the slow, exact engine. Patterns
    with back-references or conditionals have no such relaxation (None).
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < n and (pattern[i + 1].isdigit() or pattern[i + 1] in "gk"):
                return None  # a back-reference (\1, \g<1>, \k<name>)
            out.append(pattern[i : i + 2])
            i += 2
        elif ch == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i:end])
            i = end
        elif pattern.startswith(_LOOKAROUNDS, i):
            i = _group_end(pattern, i)
            while i < n and pattern[i] in "?*+":  # a quantified assertion is still optional
                i += 1
        elif pattern.startswith(("(?(", "(?P="), i):
            return None  # a conditional or a named back-reference
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Index just past the character class that opens at ``start``."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _group_end(pattern: str, start: int) -> int:
    """Index just past the group that opens at ``start`` (escapes and classes respected)."""
    depth = 0
    i = start
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(pattern, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i
