"""Debrid-Link's answers read into typed results: a generated link, a hoster of the list,
a seedbox torrent and its files, the account. Anything malformed in an answer is skipped or
left unknown (None), never trusted: the values are the service's, not ours."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import loose_int

#: Debrid-Link's ``accountType``: 0 free, 1 premium, 2 lifetime.
ACCOUNT_TYPES: Final = {0: "free", 1: "premium", 2: "lifetime"}
#: The longest id taken (Debrid-Link's are a dozen or so letters, digits and dashes).
MAX_ID: Final = 64


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def http_url(value: Any) -> str | None:
    url = text(value)
    return url if url and url.lower().startswith(("http://", "https://")) else None


def is_id(value: str) -> bool:
    """Whether ``value`` looks like Debrid-Link's ids: letters, digits and dashes only,
    nothing that could change a path (a person's input or an id in an answer alike)."""
    return 0 < len(value) <= MAX_ID and all(c.isascii() and (c.isalnum() or c in "-_") for c in value)


def _percent(value: Any) -> float:
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return 0.0
    return float(max(0, min(100, number)))  # bounded before float(): 10**400 does not fit one


@dataclass(frozen=True, slots=True)
class Generated:
    """One link ``downloader/add`` generated: the file's direct link and what is known of it."""

    id: str | None
    name: str | None
    download: str
    size: int | None
    host: str | None

    @classmethod
    def read(cls, entry: dict[str, Any]) -> Generated | None:
        download = http_url(entry.get("downloadUrl"))
        if download is None:
            return None
        link_id = text(entry.get("id"))
        return cls(
            link_id if link_id and is_id(link_id) else None,
            text(entry.get("name")),
            download,
            loose_int(entry.get("size"), minimum=1),
            text(entry.get("host")),
        )


@dataclass(frozen=True, slots=True)
class Host:
    """One hoster of ``downloader/hosts``."""

    name: str
    up: bool
    free: bool
    domains: list[str]
    regexes: list[str]

    @classmethod
    def read(cls, entry: dict[str, Any]) -> Host | None:
        name = text(entry.get("name"))
        if name is None:
            return None
        status = loose_int(entry.get("status"), minimum=-1000)
        domains = entry.get("domains")
        regexes = entry.get("regexs", entry.get("regexes"))
        return cls(
            name,
            status is not None and status >= 1,  # the documentation: online when status >= 1
            entry.get("isFree") is True,
            [d for d in domains if isinstance(d, str) and d] if isinstance(domains, list) else [],
            [r for r in regexes if isinstance(r, str) and r] if isinstance(regexes, list) else [],
        )


@dataclass(frozen=True, slots=True)
class SeedFile:
    """One file of a seedbox torrent."""

    name: str | None
    download: str | None
    size: int | None
    percent: float


@dataclass(frozen=True, slots=True)
class Torrent:
    """A seedbox torrent as ``seedbox/add`` and ``seedbox/list`` describe it."""

    id: str
    name: str | None
    hash: str | None
    status: int | None
    percent: float
    size: int | None
    speed: int | None
    files: tuple[SeedFile, ...]

    @property
    def downloaded(self) -> bool:
        """Every file at 100 % (the torrent's status 100 alone is not trusted)."""
        return bool(self.files) and all(f.percent >= 100 and f.download for f in self.files)

    @classmethod
    def read(cls, entry: dict[str, Any]) -> Torrent | None:
        torrent_id = text(entry.get("id"))
        if torrent_id is None or not is_id(torrent_id):
            return None
        files = entry.get("files")
        return cls(
            torrent_id,
            text(entry.get("name")),
            text(entry.get("hashString")),
            loose_int(entry.get("status"), minimum=-1000),
            _percent(entry.get("downloadPercent")),
            loose_int(entry.get("totalSize"), minimum=1),
            loose_int(entry.get("downloadSpeed")),
            tuple(
                SeedFile(
                    text(f.get("name")),
                    http_url(f.get("downloadUrl")),
                    loose_int(f.get("size"), minimum=1),
                    _percent(f.get("downloadPercent")),
                )
                for f in (files if isinstance(files, list) else [])
                if isinstance(f, dict)
            ),
        )


@dataclass(frozen=True, slots=True)
class Account:
    """``account/infos``: who, which kind of account, and for how long premium."""

    username: str | None
    type: str
    premium_left: int | None

    @classmethod
    def read(cls, entry: dict[str, Any]) -> Account:
        kind = loose_int(entry.get("accountType"))
        left = loose_int(entry.get("premiumLeft"))
        return cls(
            text(entry.get("username")),
            ACCOUNT_TYPES.get(kind, "unknown") if kind is not None else "unknown",
            left if left and left > 0 else None,
        )
