"""A debrid service's ``hosterlist`` answer (seed 002), read defensively into typed fields.

The answer is remote, untrusted JSON: every field may be missing, of the wrong type, or
absurdly large. What is malformed is skipped with a warning that names the hoster; what is
well-formed is kept. ``connection_settings`` (per hoster: ``max_connections_per_file``,
``max_connections_per_hoster``, ``resume``) is not documented in the seed but real answers
carry it; downloads honour it.

Its patterns are untrusted too. Besides what the index refuses (patterns that do not
compile, are too long, or cannot run safely), a list's pattern must not take the links of
hosters it does not name: a pattern whose host cannot be read from it (``.*``,
``http://.+``, ``https?://[^/]+/file/``) would be tried on every link. Such a pattern is
confined to its hoster's ``tlds``: it then matches only links on those domains and their
subdomains (there as before, links with user info aside), or it is skipped, with a warning,
when the hoster names no domain. The amounts are bounded too: hosters, patterns in all,
domains per hoster.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .analysis import MAX_PATTERN_LENGTH, PatternError, analyse, normalise_pattern
from .index import MAX_PATTERNS_PER_HOSTER
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
    """One hoster's domains (``tlds``) and regexes, as the list gives them."""

    tlds: tuple[str, ...]
    regexes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """How a hoster may be downloaded from through this provider; None where not given."""

    max_connections_per_file: int | None = None
    max_connections_per_hoster: int | None = None
    resume: bool | None = None


@dataclass(frozen=True, slots=True)
class HosterList:
    """The parsed ``result`` of a ``hosterlist`` call."""

    hosters: dict[str, HosterPatterns]
    #: Every domain the provider serves (``tldlist``), for links pasted without a scheme.
    tldlist: tuple[str, ...] = ()
    connection_settings: dict[str, ConnectionSettings] = field(default_factory=dict)

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> HosterList:
        """Read ``result``; never raises for JSON-shaped input, however malformed."""
        if not isinstance(result, Mapping):
            log.warning("hosterlist: the result is %s, not an object; no hosters", type(result).__name__)
            return cls({})
        hosters: dict[str, HosterPatterns] = {}
        raw_hosters = result.get("hosters")
        if isinstance(raw_hosters, Mapping):
            if len(raw_hosters) > MAX_HOSTERS:
                log.warning(
                    "hosterlist: %d hosters, more than the %d a list may name; the rest are ignored",
                    len(raw_hosters),
                    MAX_HOSTERS,
                )
            budget = MAX_PATTERNS
            for count, (name, value) in enumerate(raw_hosters.items()):
                if count == MAX_HOSTERS:
                    break
                parsed = _hoster(name, value)
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
        elif raw_hosters is not None:
            log.warning("hosterlist: 'hosters' is %s, not an object; ignored", type(raw_hosters).__name__)
        # An answer with only the flat lists still names patterns: keep them under one name.
        if not hosters and isinstance(result.get("regexlist"), list):
            regexes = _patterns("*", _strings(result["regexlist"][:MAX_PATTERNS], "regexlist"), ())
            if regexes:
                hosters["*"] = HosterPatterns((), regexes)
        return cls(
            hosters,
            _strings(result.get("tldlist", ()), "tldlist"),
            _connection_settings(result.get("connection_settings")),
        )


def _hoster(name: object, value: object) -> HosterPatterns | None:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        log.warning("hosterlist: skipping a hoster with the unusable name %r", str(name)[:60])
        return None
    if not isinstance(value, Mapping):
        log.warning("hosterlist: hoster %s is %s, not an object; skipped", name, type(value).__name__)
        return None
    tlds = _strings(value.get("tlds", ()), f"hoster {name} tlds")
    if len(tlds) > MAX_DOMAINS_PER_HOSTER:
        log.warning(
            "hosterlist: hoster %s names %d domains; the first %d are kept",
            name,
            len(tlds),
            MAX_DOMAINS_PER_HOSTER,
        )
        tlds = tlds[:MAX_DOMAINS_PER_HOSTER]
    # One more than the index takes, so that it still says which hoster brought too many.
    regexes = _strings(value.get("regexes", ()), f"hoster {name} regexes")[: MAX_PATTERNS_PER_HOSTER + 1]
    return HosterPatterns(tlds, _patterns(name, regexes, tlds))


def _patterns(hoster: str, regexes: tuple[str, ...], tlds: tuple[str, ...]) -> tuple[str, ...]:
    """``regexes``, each confined to the hoster's domains when its own host cannot be read."""
    domains: list[str] | None = None
    kept = []
    for regex in regexes:
        if _names_a_host(regex):
            kept.append(regex)
            continue
        pattern = normalise_pattern(regex)
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


#: Patterns of recent lists whose host can be read (or that the index refuses anyway): a
#: list is read twice (checked, then used) and its patterns are analysed once. The memo
#: starts over when it holds more patterns, or more text, than two lists may.
_NAMES_A_HOST: dict[str, bool] = {}
_MEMO_PATTERNS: Final = 2 * MAX_PATTERNS
_MEMO_CHARACTERS: Final = 32 << 20
_memo_characters = 0


def _names_a_host(regex: str) -> bool:
    """Whether the index reads hosts from ``regex``, or refuses it (saying why)."""
    global _memo_characters  # noqa: PLW0603 (a module-wide memo, bounded above)
    known = _NAMES_A_HOST.get(regex)
    if known is not None:
        return known
    if len(regex) > 2 * MAX_PATTERN_LENGTH:
        return True  # too long: the index refuses it
    try:
        answer = analyse(normalise_pattern(regex)).hosts is not None
    except PatternError:
        answer = True  # does not compile: the index refuses it
    if len(_NAMES_A_HOST) >= _MEMO_PATTERNS or _memo_characters >= _MEMO_CHARACTERS:
        _NAMES_A_HOST.clear()
        _memo_characters = 0
    _NAMES_A_HOST[regex] = answer
    _memo_characters += len(regex)
    return answer


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


def _strings(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple):
        log.warning("hosterlist: %s is %s, not a list; ignored", what, type(value).__name__)
        return ()
    strings = tuple(item for item in value if isinstance(item, str) and item)
    if len(strings) != len(value):
        log.warning("hosterlist: %s: skipped %d entries that are not text", what, len(value) - len(strings))
    return strings


def _connection_settings(value: object) -> dict[str, ConnectionSettings]:
    if not isinstance(value, Mapping):
        return {}
    settings = {}
    for name, raw in list(value.items())[:MAX_HOSTERS]:
        if isinstance(name, str) and isinstance(raw, Mapping):
            settings[name] = ConnectionSettings(
                _positive_int(raw.get("max_connections_per_file")),
                _positive_int(raw.get("max_connections_per_hoster")),
                _boolean(raw.get("resume")),
            )
    return settings


def _positive_int(value: object) -> int | None:
    """1, "4", 4.0 -> int; 0, negatives, false, junk -> None (unknown, not "no connections")."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= 1_000 else None


def _boolean(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "0", "false", "no"}:
        return value.strip().lower() in {"1", "true", "yes"}
    return None
