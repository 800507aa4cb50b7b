"""Premiumize's ``hosterlist`` answer, read defensively, and the form it is cached in.

The answer names, per hoster, its domains (``tlds``) and regexes; ``tldlist`` and
``regexlist`` repeat them flat, and ``connection_settings`` (per hoster:
``max_connections_per_file``, ``max_connections_per_hoster``, ``resume``) is not in the
API's documentation, but real answers carry it and downloads honour it. Bounds and the
confinement of patterns that name no host are the core's (``read_hosters`` and friends in
:mod:`linkresolver.api`), as for any provider's list.

The cache holds the list already read (:meth:`HosterList.stored`): trimmed to the bounds,
patterns confined, and with each pattern's analysis, so a run with a cached list of tens of
thousands of hosters neither re-reads megabytes of hosters past the bounds nor parses every
pattern again. An answer cached as it came (by an earlier version) is still read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from linkresolver.api import (
    MAX_HOSTERS,
    MAX_PATTERNS,
    HosterPatterns,
    confined_patterns,
    export_analyses,
    read_hosters,
    remember_analyses,
    texts_of,
)

log = logging.getLogger("hostermatch")

#: Marks a cached list as :meth:`HosterList.stored` wrote it (a raw answer has no such key).
STORED_FORMAT: Final = "linkresolver-hosterlist/1"
#: Domains a flat ``tldlist`` may name: as many as a whole list's patterns.
MAX_TLDLIST: Final = MAX_PATTERNS


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
        """Read an answer, or a list :meth:`stored` wrote; never raises for JSON-shaped
        input, however malformed."""
        if not isinstance(result, Mapping):
            log.warning("hosterlist: the result is %s, not an object; no hosters", type(result).__name__)
            return cls({})
        if result.get("format") == STORED_FORMAT:
            remember_analyses(result.get("analyses"))
        hosters: dict[str, HosterPatterns] = {}
        raw_hosters = result.get("hosters")
        if isinstance(raw_hosters, Mapping):
            hosters = read_hosters(_listed(raw_hosters), count=len(raw_hosters))
        elif raw_hosters is not None:
            log.warning("hosterlist: 'hosters' is %s, not an object; ignored", type(raw_hosters).__name__)
        # An answer with only the flat lists still names patterns: keep them under one name.
        if not hosters and isinstance(result.get("regexlist"), list):
            regexes = confined_patterns("*", texts_of(result["regexlist"][:MAX_PATTERNS], "regexlist"), ())
            if regexes:
                hosters["*"] = HosterPatterns((), regexes)
        tldlist = result.get("tldlist", ())
        return cls(
            hosters,
            texts_of(tldlist[:MAX_TLDLIST] if isinstance(tldlist, list) else tldlist, "tldlist"),
            _connection_settings(result.get("connection_settings")),
        )

    def stored(self) -> dict[str, Any]:
        """This list as the cache keeps it: what :meth:`from_result` kept, and the analyses
        of its patterns for the next run (``export_analyses``)."""
        patterns = (regex for hoster in self.hosters.values() for regex in hoster.regexes)
        return {
            "format": STORED_FORMAT,
            "hosters": {
                name: {"tlds": list(hoster.tlds), "regexes": list(hoster.regexes)}
                for name, hoster in self.hosters.items()
            },
            "tldlist": list(self.tldlist),
            "connection_settings": {
                name: {
                    "max_connections_per_file": settings.max_connections_per_file,
                    "max_connections_per_hoster": settings.max_connections_per_hoster,
                    "resume": settings.resume,
                }
                for name, settings in self.connection_settings.items()
            },
            "analyses": export_analyses(patterns),
        }


def _listed(raw_hosters: Mapping[Any, Any]) -> Iterator[tuple[object, object, object]]:
    """Each hoster's (name, domains, regexes); a hoster that is not an object is skipped."""
    for name, value in raw_hosters.items():
        if not isinstance(value, Mapping):
            log.warning("hosterlist: hoster %s is %s, not an object; skipped", name, type(value).__name__)
            continue
        yield name, value.get("tlds", ()), value.get("regexes", ())


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
