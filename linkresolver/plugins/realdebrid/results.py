"""Typed results of Real-Debrid's API, read from answers whose fields may be missing or of
another type than documented: a wrong value becomes None (or is skipped), never an exception.

Dates are ``date.toJSON()`` strings (``2026-12-03T06:54:00.000Z``); sizes are bytes (0 when
unknown, per the documentation, read here as None).
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import loose_float, loose_int

#: Torrent states after which polling stops; ``downloaded`` is the good one.
FINISHED: Final = frozenset({"downloaded", "error", "virus", "dead", "magnet_error"})
#: Why a torrent ended in each failed state, for a person.
FAILED_STATES: Final = {
    "magnet_error": "the magnet could not be read (no metadata found)",
    "error": "the torrent download failed",
    "virus": "the torrent holds a virus",
    "dead": "the torrent is dead (nobody seeds it)",
}


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def http_url(value: Any) -> str | None:
    url = text(value)
    return url if url and url.lower().startswith(("http://", "https://")) else None


def size(value: Any) -> int | None:
    """Bytes; 0 means unknown in Real-Debrid's answers."""
    number = loose_int(value, minimum=0)
    return number or None


def json_date(value: Any) -> int | None:
    """A ``date.toJSON()`` string as Unix time, or None."""
    if not isinstance(value, str) or len(value) < 19:
        return None
    try:
        return calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None


def flag(value: Any) -> bool:
    return value is True or (isinstance(value, int | str) and str(value).strip() == "1")


@dataclass(frozen=True, slots=True)
class User:
    """``GET /user``."""

    id: int | None
    username: str | None
    email: str | None
    points: int | None
    #: "premium" or "free".
    type: str
    #: Seconds left as a premium user.
    premium_seconds: int | None
    #: When premium ends, as Unix time.
    expiration: int | None

    @classmethod
    def read(cls, answer: Mapping[str, Any]) -> User:
        return cls(
            id=loose_int(answer.get("id")),
            username=text(answer.get("username")),
            email=text(answer.get("email")),
            points=loose_int(answer.get("points")),
            type=(text(answer.get("type")) or "unknown").lower(),
            premium_seconds=loose_int(answer.get("premium"), minimum=0),
            expiration=json_date(answer.get("expiration")),
        )


@dataclass(frozen=True, slots=True)
class Traffic:
    """One hoster's entry of ``GET /traffic``: what is left of its limit, and when it resets."""

    host: str
    #: Available today (links, gigabytes or bytes, as ``type`` says).
    left: int | None
    #: Downloaded today, in bytes.
    bytes: int | None
    links: int | None
    limit: int | None
    #: "links", "gigabytes" or "bytes".
    type: str | None
    extra: int | None
    #: "daily", "weekly" or "monthly".
    reset: str | None

    @classmethod
    def read(cls, host: str, entry: Mapping[str, Any]) -> Traffic:
        return cls(
            host=host,
            left=loose_int(entry.get("left")),
            bytes=loose_int(entry.get("bytes"), minimum=0),
            links=loose_int(entry.get("links"), minimum=0),
            limit=loose_int(entry.get("limit")),
            type=text(entry.get("type")),
            extra=loose_int(entry.get("extra")),
            reset=text(entry.get("reset")),
        )


@dataclass(frozen=True, slots=True)
class HostStatus:
    """One hoster's entry of ``GET /hosts/status``."""

    domain: str
    name: str | None
    supported: bool
    #: "up", "down" or "unsupported".
    status: str | None

    @property
    def down(self) -> bool:
        return self.status in ("down", "unsupported")

    @classmethod
    def read(cls, domain: str, entry: Mapping[str, Any]) -> HostStatus:
        return cls(
            domain=domain.lower(),
            name=text(entry.get("name")),
            supported=flag(entry.get("supported")),
            status=(text(entry.get("status")) or "").lower() or None,
        )


@dataclass(frozen=True, slots=True)
class Check:
    """``POST /unrestrict/check``: whether the file is downloadable."""

    host: str | None
    link: str | None
    filename: str | None
    filesize: int | None
    supported: bool

    @classmethod
    def read(cls, answer: Mapping[str, Any]) -> Check:
        return cls(
            host=text(answer.get("host")),
            link=text(answer.get("link")),
            filename=text(answer.get("filename")),
            filesize=size(answer.get("filesize")),
            supported=flag(answer.get("supported")),
        )


@dataclass(frozen=True, slots=True)
class Unrestricted:
    """``POST /unrestrict/link``: the generated link, and what is known of the file."""

    id: str | None
    filename: str | None
    mime_type: str | None
    filesize: int | None
    link: str | None
    host: str | None
    #: Connections the download may use.
    chunks: int | None
    download: str

    @classmethod
    def read(cls, answer: Mapping[str, Any], download: str) -> Unrestricted:
        return cls(
            id=text(answer.get("id")),
            filename=text(answer.get("filename")),
            mime_type=text(answer.get("mimeType")),
            filesize=size(answer.get("filesize")),
            link=text(answer.get("link")),
            host=text(answer.get("host")),
            chunks=loose_int(answer.get("chunks"), minimum=1, maximum=1000),
            download=download,
        )


@dataclass(frozen=True, slots=True)
class Download:
    """One entry of ``GET /downloads``: a link unrestricted earlier."""

    id: str
    filename: str | None
    filesize: int | None
    link: str | None
    host: str | None
    download: str | None
    generated: int | None

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> Download | None:
        download_id = text(entry.get("id"))
        if download_id is None:
            return None
        return cls(
            id=download_id,
            filename=text(entry.get("filename")),
            filesize=size(entry.get("filesize")),
            link=text(entry.get("link")),
            host=text(entry.get("host")),
            download=http_url(entry.get("download")),
            generated=json_date(entry.get("generated")),
        )


@dataclass(frozen=True, slots=True)
class TorrentFile:
    """One file of a torrent (``files`` of ``torrents/info``)."""

    id: int
    path: str
    bytes: int | None
    selected: bool


@dataclass(frozen=True, slots=True)
class Torrent:
    """A torrent of ``GET /torrents`` or ``torrents/info/{id}`` (which adds ``files``)."""

    id: str
    filename: str | None
    hash: str | None
    bytes: int | None
    #: magnet_error, magnet_conversion, waiting_files_selection, queued, downloading,
    #: downloaded, error, virus, compressing, uploading, dead.
    status: str
    #: Percent, 0 to 100.
    progress: float | None
    links: tuple[str, ...]
    files: tuple[TorrentFile, ...]
    added: int | None
    speed: int | None
    seeders: int | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> Torrent | None:
        torrent_id = text(entry.get("id"))
        if torrent_id is None:
            return None
        links = entry.get("links")
        progress = loose_float(entry.get("progress"))
        return cls(
            id=torrent_id,
            filename=text(entry.get("filename")),
            hash=(text(entry.get("hash")) or "").lower() or None,
            bytes=size(entry.get("bytes")),
            status=(text(entry.get("status")) or "unknown").lower(),
            # A number past a float's range (JSON allows 4,300 digits) is no percentage.
            progress=None if progress is None else min(100.0, max(0.0, progress)),
            links=tuple(url for url in map(http_url, links if isinstance(links, list) else []) if url),
            files=_files(entry.get("files")),
            added=json_date(entry.get("added")),
            speed=loose_int(entry.get("speed"), minimum=0),
            seeders=loose_int(entry.get("seeders"), minimum=0),
        )


def _files(value: Any) -> tuple[TorrentFile, ...]:
    files = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        file_id = loose_int(entry.get("id"))
        path = text(entry.get("path"))
        if file_id is None or path is None:
            continue
        files.append(TorrentFile(file_id, path, size(entry.get("bytes")), flag(entry.get("selected"))))
    return tuple(files)
