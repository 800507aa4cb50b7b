"""The current API's answers as typed values, read defensively (a field may be missing, a
number may come as a string, a list may be shorter than the items asked about)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from linkresolver.api import loose_float, loose_int

#: ``transfer/list`` statuses after which nothing more happens.
FINISHED: Final = frozenset({"finished", "seeding"})
FAILED: Final = frozenset({"error", "deleted", "banned", "timeout"})
#: Sizes above 1 PiB are no file's.
_MAX_SIZE: Final = 1 << 50


@dataclass(frozen=True, slots=True)
class ContentFile:
    """One file of a ``directdl`` answer's ``content``."""

    path: str
    link: str
    size: int | None = None

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1] or _name_in(self.link) or "file"


@dataclass(frozen=True, slots=True)
class DirectDownload:
    """``transfer/directdl``: a location (single file), and every file of the source."""

    location: str | None
    filename: str | None
    filesize: int | None
    content: tuple[ContentFile, ...] = ()


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One item of ``cache/check``."""

    cached: bool
    filename: str | None = None
    filesize: int | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """One transfer of ``transfer/list``."""

    id: str
    name: str | None
    status: str
    progress: float | None
    message: str | None
    src: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass(frozen=True, slots=True)
class AccountState:
    """``account/info``: premium until when (None: not premium) and the fair use used (0..1)."""

    customer_id: str | None
    premium_until: int | None
    limit_used: float | None
    space_used: float | None


def http_url(value: Any) -> str | None:
    return value if isinstance(value, str) and value.lower().startswith(("http://", "https://")) else None


def text(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def size(value: Any) -> int | None:
    return loose_int(value, maximum=_MAX_SIZE)


def direct_download(answer: Mapping[str, Any]) -> DirectDownload:
    content = answer.get("content")
    files: list[ContentFile] = []
    for item in content if isinstance(content, list) else ():
        link = http_url(item.get("link")) if isinstance(item, Mapping) else None
        if link is None:
            continue
        files.append(
            ContentFile(text(item.get("path")) or _name_in(link) or "file", link, size(item.get("size")))
        )
    return DirectDownload(
        http_url(answer.get("location")),
        text(answer.get("filename")),
        size(answer.get("filesize")),
        tuple(files),
    )


def cache_entries(answer: Mapping[str, Any], count: int) -> list[CacheEntry]:
    """``count`` entries: the answer's lists are read by position; what they lack is "not cached"."""
    found, names, sizes = (_list(answer.get(key)) for key in ("response", "filename", "filesize"))
    return [
        CacheEntry(
            found[i] is True if i < len(found) else False,
            text(names[i]) if i < len(names) else None,
            size(sizes[i]) if i < len(sizes) else None,
        )
        for i in range(count)
    ]


def transfers(answer: Mapping[str, Any]) -> list[Transfer]:
    listed = []
    for item in _list(answer.get("transfers")):
        if not isinstance(item, Mapping) or text(item.get("id")) is None:
            continue
        progress = loose_float(item.get("progress"))
        listed.append(
            Transfer(
                id=str(text(item.get("id"))),
                name=text(item.get("name")),
                status=(text(item.get("status")) or "unknown").lower(),
                progress=None if progress is None else min(1.0, max(0.0, progress)),
                message=text(item.get("message")),
                src=text(item.get("src")),
            )
        )
    return listed


def account_state(answer: Mapping[str, Any]) -> AccountState:
    used = loose_float(answer.get("limit_used"))
    return AccountState(
        customer_id=text(answer.get("customer_id")),
        premium_until=loose_int(answer.get("premium_until"), minimum=1, maximum=(1 << 40) - 1),
        limit_used=None if used is None else min(1.0, max(0.0, used)),
        space_used=loose_float(answer.get("space_used")),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _name_in(url: str) -> str | None:
    try:
        return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or None
    except ValueError:
        return None
