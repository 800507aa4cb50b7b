"""Typed results of TorBox's API, read from answers whose fields may be missing or of
another type than documented: a wrong value becomes None (or is skipped), never an exception.

Torrents and web downloads share one shape (the documentation: "/webdl is nearly the same
as /torrents"): :class:`Transfer`, whose ``files`` each have an id that ``requestdl`` takes.
Dates are ISO 8601 strings (``2026-12-03T06:54:00Z``, sometimes with microseconds and an
offset); sizes are bytes; ``progress`` is a fraction (0 to 1).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import loose_float, loose_int

#: TorBox's plans, by the number ``user/me`` gives.
PLANS: Final = {0: "free", 1: "essential", 2: "pro", 3: "standard"}
#: Download states after which a transfer will not finish (besides ``download_finished``).
FAILED_STATES: Final = frozenset({"error", "failed", "dead", "stalled (no seeds)", "expired"})
#: At most this many files of one transfer are read (a torrent of a million files is an attack).
MAX_FILES: Final = 5000
_ISO: Final = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)")


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def http_url(value: Any) -> str | None:
    url = text(value)
    return url if url and url.lower().startswith(("http://", "https://")) else None


def iso_date(value: Any) -> int | None:
    """An ISO 8601 date as Unix time (UTC; an offset is not read: TorBox writes UTC)."""
    found = _ISO.match(value) if isinstance(value, str) else None
    if found is None:
        return None
    try:
        return calendar.timegm((*tuple(int(part) for part in found.groups()), 0, 0, 0))
    except (ValueError, OverflowError):
        return None


def flag(value: Any) -> bool:
    return value is True or (isinstance(value, int | str) and str(value).strip().lower() in ("1", "true"))


@dataclass(frozen=True, slots=True)
class User:
    """``GET user/me``."""

    id: int | None
    email: str | None
    #: "free", "essential", "pro", "standard" (or "plan N" for a number not known here).
    plan: str
    #: When the paid plan ends, as Unix time.
    expires: int | None
    #: Until when a free account waits between downloads, as Unix time.
    cooldown_until: int | None
    subscribed: bool
    total_downloaded: int | None

    @classmethod
    def read(cls, answer: Mapping[str, Any]) -> User:
        number = loose_int(answer.get("plan"))
        return cls(
            id=loose_int(answer.get("id")),
            email=text(answer.get("email")),
            plan=PLANS.get(number, f"plan {number}") if number is not None else "unknown",
            expires=iso_date(answer.get("premium_expires_at")),
            cooldown_until=iso_date(answer.get("cooldown_until")),
            subscribed=flag(answer.get("is_subscribed")),
            total_downloaded=loose_int(answer.get("total_downloaded")),
        )

    @property
    def paid(self) -> bool:
        return self.plan not in ("free", "unknown")


@dataclass(frozen=True, slots=True)
class TransferFile:
    """One file of a torrent or web download: ``requestdl`` takes its id."""

    id: int
    name: str
    size: int | None
    mimetype: str | None

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> TransferFile | None:
        file_id = loose_int(entry.get("id"))
        name = text(entry.get("short_name")) or text(entry.get("name"))
        if file_id is None or name is None:
            return None
        return cls(
            file_id, name.rsplit("/", 1)[-1], loose_int(entry.get("size")), text(entry.get("mimetype"))
        )


@dataclass(frozen=True, slots=True)
class Transfer:
    """A torrent (``torrents/mylist``) or a web download (``webdl/mylist``)."""

    id: int
    name: str | None
    hash: str | None
    size: int | None
    state: str
    #: 0 to 100, or None when not given.
    progress: float | None
    finished: bool
    present: bool
    speed: int | None
    eta: int | None
    files: tuple[TransferFile, ...]

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> Transfer | None:
        transfer_id = loose_int(entry.get("id"))
        if transfer_id is None:
            return None
        progress = loose_float(entry.get("progress"))
        raw_files = entry.get("files")
        files = tuple(
            found
            for found in (
                TransferFile.read(f)
                for f in (raw_files if isinstance(raw_files, list) else [])[:MAX_FILES]
                if isinstance(f, dict)
            )
            if found is not None
        )
        return cls(
            id=transfer_id,
            name=text(entry.get("name")),
            hash=text(entry.get("hash")),
            size=loose_int(entry.get("size")),
            state=text(entry.get("download_state")) or "unknown",
            progress=None if progress is None else max(0.0, min(100.0, progress * 100)),
            finished=flag(entry.get("download_finished")),
            present=flag(entry.get("download_present")),
            speed=loose_int(entry.get("download_speed")),
            eta=loose_int(entry.get("eta")),
            files=files,
        )

    @property
    def ready(self) -> bool:
        """Its files can be asked for (``requestdl``)."""
        return self.finished and self.present and bool(self.files)

    @property
    def failed(self) -> bool:
        return not self.finished and self.state.lower() in FAILED_STATES


@dataclass(frozen=True, slots=True)
class Cached:
    """One entry of ``checkcached``: what TorBox has ready for a hash."""

    hash: str
    name: str | None
    size: int | None

    @classmethod
    def read(cls, key: str | None, entry: Mapping[str, Any]) -> Cached | None:
        digest = text(entry.get("hash")) or key
        if not digest:
            return None
        return cls(digest.lower(), text(entry.get("name")), loose_int(entry.get("size")))


def cached_entries(data: Any) -> dict[str, Cached]:
    """``checkcached``'s data, in either of its formats (an object by hash, or a list), by
    hash; nothing cached is null, ``{}`` or ``[]``."""
    pairs: list[tuple[str | None, Any]]
    if isinstance(data, dict):
        pairs = list(data.items())
    elif isinstance(data, list):
        pairs = [(None, entry) for entry in data]
    else:
        return {}
    found = (Cached.read(key, entry) for key, entry in pairs if isinstance(entry, dict))
    return {entry.hash: entry for entry in found if entry is not None}


@dataclass(frozen=True, slots=True)
class Hoster:
    """One entry of ``webdl/hosters``."""

    name: str
    domains: tuple[str, ...]
    regexes: tuple[str, ...]
    #: Whether TorBox can download from it now.
    up: bool
    note: str | None
    daily_link_limit: int | None
    daily_link_used: int | None
    #: Bytes a day (0 or None: no limit), and those used today.
    daily_bandwidth_limit: int | None = None
    daily_bandwidth_used: int | None = None

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> Hoster | None:
        name = text(entry.get("name"))
        domains = entry.get("domains")
        listed = tuple(
            d.strip().lower()
            for d in (domains if isinstance(domains, list) else [])
            if isinstance(d, str) and d.strip()
        )
        regex = entry.get("regex")
        regexes = (
            (regex,)
            if isinstance(regex, str)
            else tuple(r for r in (regex if isinstance(regex, list) else []) if isinstance(r, str))
        )
        if name is None or not listed:
            return None
        status = entry.get("status")
        return cls(
            name=name,
            domains=listed,
            regexes=tuple(r for r in regexes if r.strip()),
            up=status is not False
            and not (isinstance(status, str) and status.lower() in ("down", "offline")),
            note=text(entry.get("note")),
            daily_link_limit=loose_int(entry.get("daily_link_limit")),
            daily_link_used=loose_int(entry.get("daily_link_used")),
            daily_bandwidth_limit=loose_int(entry.get("daily_bandwidth_limit")),
            daily_bandwidth_used=loose_int(entry.get("daily_bandwidth_used")),
        )
