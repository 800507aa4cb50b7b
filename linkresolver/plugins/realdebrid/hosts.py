"""Real-Debrid's hosters: ``hosts/regex`` (every supported link's pattern) grouped by the
domains of ``hosts/domains`` each pattern names, read as any provider's remote list is
(bounded, patterns confined: ``read_hosters``), and the form the cache keeps them in.

The patterns come as PCRE with delimiters and escaped slashes
(``/(https?:\\/\\/)?(www\\.)?rapidgator\\.net\\/file\\/\\w+/``): the delimiters become an
inline flag group (``/i`` -> ``(?i)``), the slashes the core's reading undoes. A hoster is
named by the domain its pattern names (when several match: ``rg.to`` and
``rapidgator.net`` are both named in one pattern, its hoster is the first listed domain
among them, the order of ``hosts/domains``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from linkresolver.api import MAX_PATTERNS, HosterPatterns, export_analyses, read_hosters, remember_analyses

log = logging.getLogger("hostermatch")

#: Marks a cached list as :func:`stored` wrote it.
STORED_FORMAT: Final = "linkresolver-realdebrid-hosts/1"
#: PCRE flags that Python's ``re`` reads the same way.
_FLAGS: Final = frozenset("imsx")
_DELIMITED: Final = re.compile(r"^/(?P<body>.*)/(?P<flags>[a-zA-Z]*)$", re.DOTALL)


def undelimited(pattern: str) -> str:
    """``/body/flags`` -> ``(?flags)body`` (flags Python does not share are dropped);
    a pattern without delimiters as it is."""
    found = _DELIMITED.match(pattern.strip())
    if found is None:
        return pattern.strip()
    flags = "".join(sorted({flag for flag in found["flags"] if flag in _FLAGS}))
    return f"(?{flags}){found['body']}" if flags else found["body"]


def grouped(regexes: Iterable[str], domains: Iterable[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Each hoster's (domains, patterns): a pattern goes to the domains it names."""
    listed = list(dict.fromkeys(d.strip().lower() for d in domains if d.strip()))
    hosters: dict[str, tuple[list[str], list[str]]] = {}
    for raw in list(regexes)[:MAX_PATTERNS]:
        pattern = undelimited(raw)
        plain = pattern.replace("\\/", "/").lower()
        named = [domain for domain in listed if re.escape(domain).replace("\\-", "-") in plain]
        # "mega\.(nz|co\.nz)" names its domains in pieces: the first label and a dot.
        named = named or [domain for domain in listed if _named_in_pieces(domain, plain)]
        if not named:
            log.warning("hosts/regex: pattern %r names no domain of hosts/domains; skipped", raw[:120])
            continue
        name = named[0]
        tlds, patterns = hosters.setdefault(name, ([], []))
        tlds.extend(domain for domain in named if domain not in tlds)
        patterns.append(pattern)
    return hosters


def _named_in_pieces(domain: str, plain: str) -> bool:
    """Whether ``plain`` holds the domain's name label, whole, and a dot: ``mega\\.`` for
    mega.co.nz. The label past a ``www.`` (``www\\.`` is in most patterns; a list that names
    www.extmatrix.com does not make every such pattern its), and not inside a longer one
    (``omega\\.`` is not mega's)."""
    label = domain.removeprefix("www.").split(".")[0]
    return re.search(rf"(?<![a-z0-9-]){re.escape(label)}\\\.", plain) is not None


def read(regexes: list[str], domains: list[str]) -> dict[str, HosterPatterns]:
    """The answers of ``hosts/regex`` and ``hosts/domains``, as the index takes them."""
    groups = grouped(regexes, domains)
    return read_hosters(_listed(groups), count=len(groups))


def stored(hosters: Mapping[str, HosterPatterns]) -> dict[str, Any]:
    """The hosters as the cache keeps them, with their patterns' analyses."""
    patterns = (regex for hoster in hosters.values() for regex in hoster.regexes)
    return {
        "format": STORED_FORMAT,
        "hosters": {
            name: {"tlds": list(hoster.tlds), "regexes": list(hoster.regexes)}
            for name, hoster in hosters.items()
        },
        "analyses": export_analyses(patterns),
    }


def from_stored(cached: Mapping[str, Any]) -> dict[str, HosterPatterns]:
    """What :func:`stored` wrote, read back (bounded and confined again: it is a file)."""
    if cached.get("format") != STORED_FORMAT or not isinstance(cached.get("hosters"), Mapping):
        return {}
    remember_analyses(cached.get("analyses"))
    raw: Mapping[Any, Any] = cached["hosters"]
    entries = (
        (name, value.get("tlds", ()), value.get("regexes", ()))
        for name, value in raw.items()
        if isinstance(value, Mapping)
    )
    return read_hosters(entries, count=len(raw))


def looks_stored(cached: dict[str, Any]) -> bool:
    """A list worth caching names at least one hoster."""
    return bool(from_stored(cached))


def _listed(groups: Mapping[str, tuple[list[str], list[str]]]) -> Iterator[tuple[object, object, object]]:
    for name, (tlds, patterns) in groups.items():
        yield name, tlds, patterns
