"""Sample URLs for a hoster pattern: what tests and benchmarks match against.

Hoster patterns rarely come with example links, so this writes some: it walks the pattern's
parse tree choosing, with a seeded random generator, one alternative per branch and a
plausible number of repetitions, and prefers URL-looking characters (letters, digits) in
classes. A sample is only returned when the pattern really matches it, so the walk can stay
simple where patterns are exotic (look-arounds, back-references).
"""

from __future__ import annotations

import random
import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from typing import Any, Final

_PREFERRED: Final = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CATEGORY_SAMPLES: Final = {
    sre_c.CATEGORY_DIGIT: "0123456789",
    sre_c.CATEGORY_WORD: _PREFERRED + "_",
    sre_c.CATEGORY_SPACE: " ",
    sre_c.CATEGORY_NOT_DIGIT: "abcxyz",
    sre_c.CATEGORY_NOT_WORD: "-./",
    sre_c.CATEGORY_NOT_SPACE: _PREFERRED,
}


def sample_urls(pattern: str, count: int = 3, *, seed: int = 0, attempts: int = 40) -> list[str]:
    """Up to ``count`` distinct URLs that ``pattern`` matches with ``re.search``."""
    try:
        compiled = re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except re.error:
        return []
    rng = random.Random(f"{seed}:{pattern}")  # noqa: S311 (samples, not secrets)
    samples: list[str] = []
    for _ in range(attempts):
        out: list[str] = []
        _emit(parsed.data, rng, {}, out)
        text = _complete("".join(out))
        if text is not None and text not in samples and compiled.search(text) is not None:
            samples.append(text)
            if len(samples) == count:
                break
    return samples


def _complete(text: str) -> str | None:
    """Turn what a pattern spells into a whole URL (ResolveURL patterns start at "//" or ".")."""
    if text.startswith("//"):
        return "https:" + text
    if text.startswith("."):
        return "https://www" + text
    if "://" in text or text.startswith("magnet:"):
        return text
    return None


def _emit(items: Any, rng: random.Random, groups: dict[int, str], out: list[str]) -> None:
    """Append a string ``items`` matches to ``out`` (shared, so pieces see what precedes)."""
    for op, av in items:
        if op is sre_c.LITERAL:
            out.append(chr(av))
        elif op is sre_c.NOT_LITERAL:
            out.append(next(c for c in "ab" if ord(c) != av))
        elif op is sre_c.ANY:
            # In a host an unescaped "." stands for a dot ("uploadgig.com"): write what a
            # real link has there.
            out.append("." if _in_host("".join(out)) else rng.choice(_PREFERRED))
        elif op is sre_c.IN:
            out.append(_from_class(av, rng))
        elif op is sre_c.BRANCH:
            _emit(rng.choice(av[1]).data, rng, groups, out)
        elif op is sre_c.SUBPATTERN:
            start = len(out)
            _emit(av[-1].data, rng, groups, out)
            if av[0] is not None:
                groups[av[0]] = "".join(out[start:])
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
            low, high, body = av
            high = min(high, low + 8)
            times = rng.randint(low, high) if high > low else low
            if low == 0 and high >= 1 and times == 0 and rng.random() < 0.5:
                times = 1
            for _ in range(times):
                _emit(body.data, rng, groups, out)
        elif op is sre_c.GROUPREF:
            out.append(groups.get(av, ""))
        elif op is sre_c.ATOMIC_GROUP:
            _emit(av.data, rng, groups, out)
        # AT (anchors), ASSERT, ASSERT_NOT, GROUPREF_EXISTS: emit nothing; the final
        # re.search decides whether the sample is usable.


def _in_host(text: str) -> bool:
    if text.startswith(".") and "/" not in text:
        return True  # ResolveURL's "(?://|\.)host": the subdomain branch
    start = text.rfind("//")
    return start != -1 and "/" not in text[start + 2 :] and text[start + 2 :] != ""


def _from_class(members: Any, rng: random.Random) -> str:
    allowed: list[str] = []
    negate = False
    for op, av in members:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            allowed.append(chr(av))
        elif op is sre_c.RANGE:
            allowed.extend(chr(c) for c in range(av[0], min(av[1], av[0] + 61) + 1))
        elif op is sre_c.CATEGORY:
            allowed.extend(_CATEGORY_SAMPLES.get(av, ""))
    if negate:
        choices = [c for c in _PREFERRED if c not in allowed]
    else:
        preferred = [c for c in allowed if c in _PREFERRED]
        choices = preferred or allowed
    return rng.choice(choices) if choices else "a"
