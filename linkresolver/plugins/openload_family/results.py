"""Typed results of the Openload API family, read from the documents' loose JSON.

The documents send sizes as numbers and as strings (``"size": "361357875"``), ``false`` for
unknown values, dates as ``"2015-08-23 18:20:13"`` or as Unix time strings, and objects keyed
by integer-like ids. Every reader here takes all of those and gives ints, Nones and lists;
a value of the wrong kind becomes None rather than an exception, and an answer whose shape
is wrong altogether raises :class:`~resolver_core.errors.ProviderOutage`
(:func:`resolver_core.envelope.expect_object`).
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from linkresolver.api import errors, loose_float, loose_int

# -- loose values ---------------------------------------------------------------------------


def text(value: Any) -> str | None:
    """A non-empty string; numbers become their digits (ids arrive as both); else None."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def signed_int(value: Any) -> int | None:
    """An int that may be -1 (the documents' "unlimited"), from a number or a digit string."""
    if isinstance(value, str) and value.strip().startswith("-"):
        number = loose_int(value.strip()[1:])
        return -number if number is not None else None
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return value
    return loose_int(value)


def timestamp(value: Any) -> int | None:
    """Unix time from ``"2015-08-23 18:20:13"`` (read as UTC), a Unix time, or None.

    ``"0000-00-00 00:00:00"`` (highload's "not yet") is None.
    """
    if isinstance(value, str) and not value.strip().isdigit():
        try:
            parsed = time.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
        return calendar.timegm(parsed)
    number = loose_int(value, minimum=1, maximum=(1 << 40) - 1)
    return number


def sha1_hex(value: Any) -> str | None:
    candidate = text(value)
    if candidate and len(candidate) == 40 and all(c in "0123456789abcdefABCDEF" for c in candidate):
        return candidate.lower()
    return None


def entries(value: Any) -> list[dict[str, Any]]:
    """The objects of a list, or of an object keyed by ids (``{24: {...}, 22: {...}}``)."""
    items: Iterable[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, dict):
        items = value.values()
    else:
        return []
    return [item for item in items if isinstance(item, dict)]


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountDetails:
    """``account/info``. Storage and traffic of -1 mean unlimited, as the service says."""

    user_id: str | None
    email: str | None
    signup_at: int | None
    storage_left: int | None = None
    storage_used: int | None = None
    traffic_left: int | None = None
    traffic_used_24h: int | None = None
    balance: float | None = None
    #: highload: the server's clock when it answered.
    server_time: str | None = None

    @classmethod
    def read(cls, result: Mapping[str, Any], server_time: str | None) -> AccountDetails:
        traffic = result.get("traffic")
        if not isinstance(traffic, dict):
            traffic = {}
        return cls(
            user_id=text(result.get("extid")) or text(result.get("id")),
            email=text(result.get("email")),
            signup_at=timestamp(result.get("signup_at")),
            storage_left=signed_int(result.get("storage_left")),
            storage_used=loose_int(result.get("storage_used")),
            traffic_left=signed_int(traffic.get("left")),
            traffic_used_24h=loose_int(traffic.get("used_24h")),
            balance=loose_float(result.get("balance")),
            server_time=server_time,
        )


@dataclass(frozen=True, slots=True)
class DownloadTicket:
    """``file/dlticket``: wait ``wait_time`` seconds, answer the captcha if there is one."""

    ticket: str
    captcha_url: str | None
    captcha_width: int | None
    captcha_height: int | None
    wait_time: int
    #: When the ticket stops being valid, as Unix time (the document's date read as UTC).
    valid_until: int | None

    @classmethod
    def read(cls, result: Mapping[str, Any], provider: str, link: str | None) -> DownloadTicket:
        ticket = text(result.get("ticket"))
        if ticket is None:
            raise errors.ProviderOutage(
                "answered file/dlticket without a ticket", provider=provider, link=link
            )
        captcha = text(result.get("captcha_url"))
        return cls(
            ticket=ticket,
            captcha_url=captcha if captcha and captcha.lower().startswith(("http://", "https://")) else None,
            captcha_width=loose_int(result.get("captcha_w")),
            captcha_height=loose_int(result.get("captcha_h")),
            wait_time=loose_int(result.get("wait_time")) or 0,
            valid_until=timestamp(result.get("valid_until")),
        )


@dataclass(frozen=True, slots=True)
class DirectDownload:
    """``file/dl``: the direct link and what the service knows of the file."""

    url: str
    name: str | None
    size: int | None
    sha1: str | None
    content_type: str | None
    upload_at: int | None
    token: str | None

    @classmethod
    def read(cls, result: Mapping[str, Any], provider: str, link: str | None) -> DirectDownload:
        url = text(result.get("url"))
        if not url or not url.lower().startswith(("http://", "https://")):
            raise errors.ProviderOutage("answered file/dl without a usable url", provider=provider, link=link)
        return cls(
            url=url,
            name=text(result.get("name")),
            size=loose_int(result.get("size")),
            sha1=sha1_hex(result.get("sha1")),
            content_type=text(result.get("content_type")),
            upload_at=timestamp(result.get("upload_at")),
            token=text(result.get("token")),
        )


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One entry of ``file/info``: ``status`` 200 online, 404 offline, 451 legal, else an error."""

    file_id: str
    status: int | None
    name: str | None
    size: int | None
    sha1: str | None
    content_type: str | None
    folder_id: str | None = None

    @classmethod
    def read(cls, entry: Mapping[str, Any], file_id: str) -> FileInfo:
        status = entry.get("status")
        return cls(
            file_id=text(entry.get("id")) or file_id,
            status=loose_int(status, minimum=100, maximum=999),
            name=text(entry.get("name")),
            size=loose_int(entry.get("size")),
            sha1=sha1_hex(entry.get("sha1")),
            content_type=text(entry.get("content_type")),
            folder_id=text(entry.get("folder")) or text(entry.get("folderid")),
        )


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """``file/ul``: where to POST the file, until when."""

    url: str
    valid_until: int | None


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """What the upload server answered: the new file's id and link."""

    file_id: str | None
    name: str | None
    size: int | None
    sha1: str | None
    content_type: str | None
    url: str | None

    @classmethod
    def read(cls, result: Mapping[str, Any]) -> UploadedFile:
        return cls(
            file_id=text(result.get("id")) or text(result.get("extid")),
            name=text(result.get("name")),
            size=loose_int(result.get("size")),
            sha1=sha1_hex(result.get("sha1")),
            content_type=text(result.get("content_type")),
            url=text(result.get("url")),
        )


@dataclass(frozen=True, slots=True)
class RemoteUploadAdded:
    """``remotedl/add``: the remote upload's id and the folder it goes to."""

    upload_id: str
    folder_id: str | None


@dataclass(frozen=True, slots=True)
class RemoteUpload:
    """One remote upload of ``remotedl/status``."""

    upload_id: str
    remote_url: str | None
    #: new, pending, downloading, finished, error, ... as the service says.
    status: str | None
    bytes_loaded: int | None
    bytes_total: int | None
    folder_id: str | None
    added: int | None
    last_update: int | None
    started: int | None
    finished: int | None
    #: The file it became, once finished.
    file_id: str | None
    url: str | None

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> RemoteUpload | None:
        upload_id = text(entry.get("id"))
        if upload_id is None:
            return None
        return cls(
            upload_id=upload_id,
            remote_url=text(entry.get("remoteurl")),
            status=text(entry.get("status")),
            bytes_loaded=loose_int(entry.get("bytes_loaded")),
            bytes_total=loose_int(entry.get("bytes_total")),
            folder_id=text(entry.get("folderid")),
            added=timestamp(entry.get("added")),
            last_update=timestamp(entry.get("last_update")),
            started=timestamp(entry.get("started")),
            finished=timestamp(entry.get("finished")),
            file_id=text(entry.get("extid")),
            url=text(entry.get("url")),
        )


@dataclass(frozen=True, slots=True)
class Folder:
    folder_id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class FolderFile:
    """A file of ``file/listfolder``."""

    file_id: str
    name: str | None
    sha1: str | None
    folder_id: str | None
    upload_at: int | None
    status: str | None
    size: int | None
    content_type: str | None
    download_count: int | None
    #: The conversion status (``cstatus``): ok, pending, Completed, ...
    convert_status: str | None
    link: str | None

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> FolderFile | None:
        file_id = text(entry.get("linkextid")) or text(entry.get("id"))
        if file_id is None:
            return None
        return cls(
            file_id=file_id,
            name=text(entry.get("name")),
            sha1=sha1_hex(entry.get("sha1")),
            folder_id=text(entry.get("folderid")),
            upload_at=timestamp(entry.get("upload_at")),
            status=text(entry.get("status")),
            size=loose_int(entry.get("size")),
            content_type=text(entry.get("content_type")),
            download_count=loose_int(entry.get("download_count")),
            convert_status=text(entry.get("cstatus")),
            link=text(entry.get("link")),
        )


@dataclass(frozen=True, slots=True)
class FolderListing:
    """``file/listfolder``, every page of it."""

    folders: tuple[Folder, ...]
    files: tuple[FolderFile, ...]


@dataclass(frozen=True, slots=True)
class Conversion:
    """One running conversion of ``file/runningconverts``."""

    conversion_id: str | None
    name: str | None
    status: str | None
    last_update: int | None
    #: 0.0 to 1.0 when the service says.
    progress: float | None
    retries: int | None
    link: str | None
    file_id: str | None

    @classmethod
    def read(cls, entry: Mapping[str, Any], file_id_of: Any) -> Conversion:
        link = text(entry.get("link"))
        return cls(
            conversion_id=text(entry.get("id")),
            name=text(entry.get("name")),
            status=text(entry.get("status")),
            last_update=timestamp(entry.get("last_update")),
            progress=loose_float(entry.get("progress")),
            retries=loose_int(entry.get("retries")),
            link=link,
            file_id=text(entry.get("linkextid")) or (file_id_of(link) if link else None),
        )
