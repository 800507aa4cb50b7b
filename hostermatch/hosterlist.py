"""A debrid service's ``hosterlist`` answer (seed 002), read defensively into typed fields.

The answer is remote, untrusted JSON: every field may be missing, of the wrong type, or
absurdly large. What is malformed is skipped with a warning that names the hoster; what is
well-formed is kept. ``connection_settings`` (per hoster: ``max_connections_per_file``,
``max_connections_per_hoster``, ``resume``) is not documented in the seed but real answers
carry it; downloads honour it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

log = logging.getLogger("hostermatch")

#: Hosters one list may name; real lists have a few hundred.
MAX_HOSTERS: Final = 20_000
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
            for name, value in list(raw_hosters.items())[:MAX_HOSTERS]:
                parsed = _hoster(name, value)
                if parsed is not None:
                    hosters[str(name)] = parsed
        elif raw_hosters is not None:
            log.warning("hosterlist: 'hosters' is %s, not an object; ignored", type(raw_hosters).__name__)
        # An answer with only the flat lists still names patterns: keep them under one name.
        if not hosters and isinstance(result.get("regexlist"), list):
            regexes = _strings(result["regexlist"], "regexlist")
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
    return HosterPatterns(
        _strings(value.get("tlds", ()), f"hoster {name} tlds"),
        _strings(value.get("regexes", ()), f"hoster {name} regexes"),
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
