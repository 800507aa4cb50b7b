"""Hosters from a remote list (a debrid service's), bounded and confined before indexing.

A provider's list is remote, untrusted JSON: every field may be missing, of the wrong type,
or absurdly large. Each provider's plugin reads its own answer's shape; what it finds (a
name, domains and regexes per hoster) comes through here, where what is malformed is skipped
with a warning that names the hoster, and what is well-formed is kept.

Its patterns are untrusted too. Besides what the index refuses (patterns that do not
compile, are too long, or cannot run safely), a list's pattern must not take the links of
hosters it does not name: a pattern whose host cannot be read from it (``.*``,
``http://.+``, ``https?://[^/]+/file/``) would be tried on every link. Such a pattern is
confined to its hoster's domains: it then matches only links on those domains and their
subdomains (there as before, links with user info aside), or it is skipped, with a warning,
when the hoster names no domain. The amounts are bounded too: hosters, patterns in all,
domains per hoster.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .analysis import analyse
from .index import MAX_PATTERNS_PER_HOSTER
from .parsing import MAX_PATTERN_LENGTH, PatternError, normalise_pattern
from .urls import to_ascii_host

log = logging.getLogger("hostermatch")

#: Hosters one list may name; real lists have a few hundred.
MAX_HOSTERS: Final = 20_000
#: Patterns one list may bring in all (real lists: a few hundred to a few thousand). Each
#: costs some 50 µs to index: a 16 MiB answer of short patterns would otherwise be 500,000.
MAX_PATTERNS: Final = 50_000
#: Domains one hoster may name; real hosters name a handful, mirror-rich ones a few dozen.
MAX_DOMAINS_PER_HOSTER: Final = 256
#: Domains a confined pattern lists (see the module docstring); more is not one hoster.
MAX_CONFINING_DOMAINS: Final = 64
#: Hoster names are shown to people and used as keys; longer ones are not names.
MAX_NAME_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class HosterPatterns:
    """One hoster's domains and regexes, as the index will take them."""

    tlds: tuple[str, ...]
    regexes: tuple[str, ...]


def read_hosters(listed: Iterable[tuple[object, object, object]], *, count: int) -> dict[str, HosterPatterns]:
    """``(name, domains, regexes)`` of each hoster of a list of ``count`` -> the hosters kept.

    ``domains`` and ``regexes`` are as the list gave them (a list of text, or anything else,
    which is refused with a warning). Stops at :data:`MAX_HOSTERS` and :data:`MAX_PATTERNS`.
    """
    if count > MAX_HOSTERS:
        log.warning(
            "hosterlist: %d hosters, more than the %d a list may name; the rest are ignored",
            count,
            MAX_HOSTERS,
        )
    hosters: dict[str, HosterPatterns] = {}
    budget = MAX_PATTERNS
    for number, (name, domains, regexes) in enumerate(listed):
        if number == MAX_HOSTERS:
            break
        parsed = listed_hoster(name, domains, regexes)
        if parsed is None:
            continue
        if len(parsed.regexes) > budget:
            log.warning(
                "hosterlist: more than %d patterns in all; hoster %s and those after it are ignored",
                MAX_PATTERNS,
                name,
            )
            break
        budget -= len(parsed.regexes)
        hosters[str(name)] = parsed
    return hosters


def listed_hoster(name: object, domains: object, regexes: object) -> HosterPatterns | None:
    """One hoster of a list, bounded and with its patterns confined; None when unusable."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        log.warning("hosterlist: skipping a hoster with the unusable name %r", str(name)[:60])
        return None
    tlds = texts_of(domains, f"hoster {name} tlds")
    if len(tlds) > MAX_DOMAINS_PER_HOSTER:
        log.warning(
            "hosterlist: hoster %s names %d domains; the first %d are kept",
            name,
            len(tlds),
            MAX_DOMAINS_PER_HOSTER,
        )
        tlds = tlds[:MAX_DOMAINS_PER_HOSTER]
    # One more than the index takes, so that it still says which hoster brought too many.
    patterns = texts_of(regexes, f"hoster {name} regexes")[: MAX_PATTERNS_PER_HOSTER + 1]
    return HosterPatterns(tlds, confined_patterns(name, patterns, tlds))


def confined_patterns(hoster: str, regexes: tuple[str, ...], tlds: tuple[str, ...]) -> tuple[str, ...]:
    """``regexes``, each confined to the hoster's domains when its own host cannot be read."""
    domains: list[str] | None = None
    kept = []
    for regex in regexes:
        pattern = normalise_pattern(regex)  # as the index reads it, and remembers its analysis
        if _names_a_host(regex, pattern):
            kept.append(pattern)
            continue
        if domains is None:
            domains = list(dict.fromkeys(d for d in map(to_ascii_host, tlds) if d))[:MAX_CONFINING_DOMAINS]
        if not domains:
            log.warning(
                "hosterlist: hoster %s: skipping pattern %r: it names no host and the hoster lists no"
                " domains, so it would take links of every hoster",
                hoster,
                regex[:120],
            )
            continue
        confined = confine(pattern, domains)
        if not _names_only(confined, domains):  # a (?x) comment can swallow the host test
            log.warning(
                "hosterlist: hoster %s: skipping pattern %r: it cannot be confined", hoster, regex[:120]
            )
            continue
        kept.append(confined)
    return tuple(kept)


def _names_a_host(regex: str, pattern: str) -> bool:
    """Whether the index reads hosts from ``regex`` (``pattern`` once normalised), or refuses
    it (saying why); analyses are remembered, so the index does not parse it a second time."""
    if len(regex) > 2 * MAX_PATTERN_LENGTH:
        return True  # too long: the index refuses it
    try:
        return analyse(pattern).hosts is not None
    except PatternError:
        return True  # does not compile: the index refuses it


def _names_only(pattern: str, domains: list[str]) -> bool:
    """Whether the index will read exactly ``domains`` (as suffixes) from ``pattern``."""
    try:
        hosts = analyse(pattern).hosts
    except PatternError:
        return False
    return hosts is not None and not hosts.exact and hosts.suffixes <= set(domains)


_GLOBAL_FLAGS: Final = re.compile(r"(?:\(\?[aiLmsux]+\))+")


def confine(pattern: str, domains: list[str]) -> str:
    """``pattern``, matching only URLs on ``domains`` (or their subdomains), and there as
    before, with the same groups (URLs with user info, ``https://u@host/``, not at all).

    The pattern runs in a look-ahead at the start, after a lazy "anything" (as ``re.search``
    tries it at every position); the host test after it is what the index reads the hosts
    from, and what RE2 runs as the prefilter. Global flags (``(?i)``) stay in front.
    """
    flags = _GLOBAL_FLAGS.match(pattern)
    head = flags.group() if flags else ""
    body = pattern[len(head) :]
    hosts = "|".join(re.escape(domain) for domain in domains)
    return (
        f"{head}^(?=[\\s\\S]*?(?:{body}))[A-Za-z][A-Za-z0-9+.\\-]*://(?:[^/?#:@]+\\.)?(?:{hosts})(?=[/?#:]|$)"
    )


def texts_of(value: object, what: str) -> tuple[str, ...]:
    """The non-empty texts of a remote list field (one text, or a list of them); anything
    else is ignored with a warning naming ``what``."""
    if isinstance(value, str):
        return (value,) if value else ()
    if not isinstance(value, list | tuple):
        log.warning("hosterlist: %s is %s, not a list; ignored", what, type(value).__name__)
        return ()
    texts = tuple(item for item in value if isinstance(item, str) and item)
    if len(texts) != len(value):
        log.warning("hosterlist: %s: skipped %d entries that are not text", what, len(value) - len(texts))
    return texts
