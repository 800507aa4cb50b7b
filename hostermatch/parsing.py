"""Reading a hoster pattern as Python's own regex parser reads it, shared by the two analyses.

:mod:`hostermatch.analysis` derives the hosts a pattern can match, :mod:`hostermatch.safety`
decides which engine may run it; both walk the parse tree these helpers give.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
import threading
import warnings
from collections.abc import Sequence
from typing import Any, Final

#: Longest pattern accepted; real hoster patterns are under 2,100 characters.
MAX_PATTERN_LENGTH: Final = 4_096

ALL_ASCII: Final = frozenset(range(128))
_WORD: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
CATEGORY_CHARS: Final = {
    sre_c.CATEGORY_DIGIT: frozenset(b"0123456789"),
    sre_c.CATEGORY_WORD: _WORD,
    sre_c.CATEGORY_SPACE: frozenset(b" \t\n\r\f\v\x1c\x1d\x1e\x1f"),
}
CATEGORY_CHARS[sre_c.CATEGORY_NOT_DIGIT] = ALL_ASCII - CATEGORY_CHARS[sre_c.CATEGORY_DIGIT]
CATEGORY_CHARS[sre_c.CATEGORY_NOT_WORD] = ALL_ASCII - _WORD
CATEGORY_CHARS[sre_c.CATEGORY_NOT_SPACE] = ALL_ASCII - CATEGORY_CHARS[sre_c.CATEGORY_SPACE]

REPEATS: Final = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT)
SINGLE_CHAR: Final = (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY)
# Constructs RE2 does not have; their presence decides the engine before RE2 is even asked.
NEEDS_BACKTRACKER: Final = (
    sre_c.ASSERT,
    sre_c.ASSERT_NOT,
    sre_c.GROUPREF,
    sre_c.GROUPREF_EXISTS,
    sre_c.ATOMIC_GROUP,
    sre_c.POSSESSIVE_REPEAT,
)


class PatternError(ValueError):
    """The pattern cannot be used; the message says why in words a person understands."""


_ESCAPED_SLASH: Final = re.compile(r"(?<!\\)((?:\\\\)*)\\/")


def normalise_pattern(pattern: str) -> str:
    r"""Undo PCRE-isms that hoster lists carry: ``\/`` is a plain ``/`` in every engine."""
    if "\\/" not in pattern:  # most patterns, and every one already normalised
        return pattern
    return _ESCAPED_SLASH.sub(r"\1/", pattern)


#: What Python's parser warns about: set syntax a future Python reads differently ("[[",
#: "--", "&&", "~~", "||" in a set), odd group references ("(?("). Only a pattern with one of
#: these is parsed under the warning catcher, which is process-wide.
_WARNING_PRONE: Final = re.compile(r"\[\[|--|&&|~~|\|\||\(\?\(")
_WARNING_CATCHER: Final = threading.Lock()


def parse(pattern: str) -> Any:
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


def items_of(sub: Any) -> list[Any]:
    """The item list of a parsed sub-pattern (plain list access; SubPattern's is slow)."""
    return sub.data if hasattr(sub, "data") else list(sub)


def uses(items: Any, ops: tuple[Any, ...]) -> bool:
    for op, av in items:
        if op in ops:
            return True
        for child in _children(op, av):
            if uses(child, ops):
                return True
    return False


def _children(op: Any, av: Any) -> list[Any]:
    if op is sre_c.SUBPATTERN:
        return [av[-1]]
    if op is sre_c.BRANCH:
        return list(av[1])
    if op in REPEATS:
        return [av[2]]
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        return [av[1]]
    if op is sre_c.ATOMIC_GROUP:
        return [av]
    if op is sre_c.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def flatten(items: Sequence[Any]) -> list[Any]:
    """Inline plain groups so that what follows a repeat is visible beside it."""
    flat: list[Any] = []
    for op, av in items:
        if op is sre_c.SUBPATTERN:
            flat.extend(flatten(items_of(av[-1])))
        elif op in REPEATS and av[0] == av[1] and av[1] <= 16:
            flat.extend(flatten(items_of(av[2])) * av[0])  # fixed count: plain sequence
        else:
            flat.append((op, av))
    return flat
