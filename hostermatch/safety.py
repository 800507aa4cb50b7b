"""How safely a hoster pattern can run: the cheapest engine that cannot hang on it.

RE2 is linear-time but its Python binding costs microseconds per call; ``re`` is several
times cheaper per call but backtracks. A pattern may run on ``re`` only when a conservative
check proves that backtracking stays polynomial and small: repeats are never nested, every
variable-length repeat is of a single character class, and at most one of them can end in
more than one place (see :func:`_backtracking_degree`); URLs on ``re`` are short
(:data:`hostermatch.engines.FAST_URL_LIMIT`). Patterns that need look-arounds,
back-references or conditionals (which RE2 lacks) run on the ``regex`` module with a timeout.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
from collections.abc import Sequence
from enum import Enum
from typing import Any, Final

from .parsing import (
    ALL_ASCII,
    CATEGORY_CHARS,
    NEEDS_BACKTRACKER,
    REPEATS,
    SINGLE_CHAR,
    flatten,
    items_of,
    parse,
    uses,
)


class Engine(Enum):
    """Which regex engine runs a pattern."""

    RE = "re"  # proven not to backtrack badly: Python's re, the cheapest call
    RE2 = "re2"  # linear time, no look-arounds
    REGEX = "regex"  # look-arounds and friends: the regex module, with a timeout


def choose_engine(pattern: str) -> Engine:
    """The cheapest engine that runs ``pattern`` safely. Raises :class:`PatternError`."""
    parsed = parse(pattern)
    if uses(items_of(parsed), NEEDS_BACKTRACKER):
        return Engine.REGEX
    degree = _backtracking_degree(items_of(parsed), bool(parsed.state.flags & re.IGNORECASE))
    if degree is not None and degree <= MAX_RE_DEGREE:
        return Engine.RE
    return Engine.RE2


# --- hosts -------------------------------------------------------------------------------


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
    return _path_degree(flatten(items), ignore_case, budget)


def _path_degree(flat: list[Any], ignore_case: bool, budget: list[int]) -> int | None:
    degree = 0
    for index, (op, av) in enumerate(flat):
        if op in SINGLE_CHAR or op is sre_c.AT:
            continue
        rest = flat[index + 1 :]
        if op is sre_c.BRANCH or (op in REPEATS and av[1] <= 1):
            paths = (
                [flatten(items_of(alt)) for alt in av[1]]
                if op is sre_c.BRANCH
                else [[], flatten(items_of(av[2]))]
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
        if op not in REPEATS:
            return None
        body_items = flatten(items_of(av[2]))
        if len(body_items) != 1 or body_items[0][0] not in SINGLE_CHAR:
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
        if op in SINGLE_CHAR:
            chars = _char_set((op, av), ignore_case)
            return (None if chars is None else frozenset(first | chars)), False
        if op is sre_c.BRANCH:
            alternatives = [_first_chars(flatten(items_of(alt)), ignore_case) for alt in av[1]]
            for chars, _ in alternatives:
                if chars is None:
                    return None, False
                first |= chars
            if not any(nullable for _, nullable in alternatives):
                return frozenset(first), False
        elif op in REPEATS:
            chars, _ = _first_chars(flatten(items_of(av[2])), ignore_case)
            if chars is None:
                return None, False
            first |= chars
            if av[0] > 0:
                return frozenset(first), False
        else:
            return None, False
    return frozenset(first), True


def _fixed_text(items: Sequence[Any]) -> bool:
    return all(op in SINGLE_CHAR or op is sre_c.AT for op, _ in flatten(items))


def _rest_is_anchors(items: Sequence[Any]) -> bool:
    return all(op is sre_c.AT for op, _ in items)


def _char_set(item: Any, ignore_case: bool) -> frozenset[int] | None:
    """The ASCII characters one single-character item matches (URLs are ASCII by then)."""
    op, av = item
    chars: frozenset[int] | None
    if op is sre_c.LITERAL:
        chars = frozenset((av,))
    elif op is sre_c.NOT_LITERAL:
        chars = ALL_ASCII - {av}
    elif op is sre_c.ANY:
        chars = ALL_ASCII
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
        elif op is sre_c.CATEGORY and av in CATEGORY_CHARS:
            chars.update(CATEGORY_CHARS[av])
        else:
            return None
    return ALL_ASCII - chars if negate else frozenset(chars)


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
