"""Debrid-Link's hosters: ``downloader/hosts`` (each hoster's name, status, domains and
link patterns) read as any provider's remote list is (bounded, patterns confined:
``read_hosters``), and the form the cache keeps them in.

Its patterns may come with PCRE delimiters and escaped slashes (``/...\\/.../i``): the
delimiters become an inline flag group, the slashes the core's reading undoes.
"""

from __future__ import annotations

import re
from typing import Any, Final

from linkresolver.api import HosterSpec, read_hosters

from .results import Host

#: Marks a cached list as :func:`stored` wrote it.
STORED_FORMAT: Final = "linkresolver-debridlink-hosts/1"
_FLAGS: Final = frozenset("imsx")
_DELIMITED: Final = re.compile(r"^/(?P<body>.*)/(?P<flags>[a-zA-Z]*)$", re.DOTALL)


def undelimited(pattern: str) -> str:
    """``/body/flags`` -> ``(?flags)body`` (flags Python does not share are dropped)."""
    found = _DELIMITED.match(pattern.strip())
    if found is None:
        return pattern.strip()
    flags = "".join(sorted({flag for flag in found["flags"] if flag in _FLAGS}))
    return f"(?{flags}){found['body']}" if flags else found["body"]


def stored(hosts: list[Host]) -> dict[str, Any]:
    """The list as the cache keeps it: each usable hoster's domains, patterns and status."""
    kept = read_hosters(
        ((h.name.lower(), h.domains, [undelimited(r) for r in h.regexes]) for h in hosts), count=len(hosts)
    )
    up = {h.name.lower(): h.up for h in hosts}
    return {
        "format": STORED_FORMAT,
        "hosters": {
            name: {"domains": list(p.tlds), "patterns": list(p.regexes), "up": up.get(name, True)}
            for name, p in kept.items()
        },
    }


def looks_stored(raw: dict[str, Any]) -> bool:
    return raw.get("format") == STORED_FORMAT and isinstance(raw.get("hosters"), dict)


def specs(raw: dict[str, Any]) -> list[HosterSpec]:
    """The hosters of a stored list (in maintenance or not: a link of one in maintenance
    is refused at resolve time, so that another provider is asked)."""
    return [
        HosterSpec(name, tuple(entry["patterns"]), tuple(entry["domains"]))
        for name, entry in raw["hosters"].items()
        if isinstance(entry, dict) and entry.get("patterns")
    ]


def down(raw: dict[str, Any]) -> set[str]:
    """The hosters a stored list says are not up (maintenance)."""
    return {name for name, entry in raw["hosters"].items() if isinstance(entry, dict) and not entry.get("up")}
