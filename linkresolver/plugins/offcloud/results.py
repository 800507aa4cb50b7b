"""Typed results of Offcloud's API (seed 004), read from answers that real servers vary.

``cloud/status`` comes nested (``{"status": {"status": "downloaded", ...}}``) or flat;
``cache`` as ``{"cachedItems": [...]}``, a list, or an object of hash -> bool; ids and sizes
as strings or numbers. Every reader takes all of those; a value of the wrong kind becomes
None rather than an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import loose_int

#: cloud/status states after which polling stops.
FINISHED: Final = frozenset({"downloaded", "error", "canceled", "cancelled"})


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def http_url(value: Any) -> str | None:
    url = text(value)
    return url if url and url.lower().startswith(("http://", "https://")) else None


@dataclass(frozen=True, slots=True)
class Request:
    """What ``instant``, ``cloud`` and ``remote`` answer: the request and, for instant and
    finished cloud requests, the download link."""

    request_id: str | None
    file_name: str | None
    url: str | None
    site: str | None
    #: created, downloading, downloaded, error, ...
    status: str | None
    original_link: str | None
    created_on: str | None

    @classmethod
    def read(cls, result: Mapping[str, Any]) -> Request:
        return cls(
            request_id=text(result.get("requestId")),
            file_name=text(result.get("fileName")),
            url=http_url(result.get("url")),
            site=text(result.get("site")),
            status=(text(result.get("status")) or "").lower() or None,
            original_link=text(result.get("originalLink")),
            created_on=text(result.get("createdOn")),
        )


@dataclass(frozen=True, slots=True)
class Status:
    """``cloud/status`` and ``remote/status`` of one request, nested or flat."""

    request_id: str | None
    #: created, downloading, downloaded, error, canceled, ...
    status: str | None
    file_name: str | None
    #: Bytes, when the service says.
    file_size: int | None
    #: Bytes fetched so far, when the service says.
    amount: int | None
    #: The request is a folder (a multi-file torrent, an unpacked archive): see explore.
    is_directory: bool
    url: str | None
    #: Why it failed, when it says.
    message: str | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def progress(self) -> float | None:
        if self.amount is None or not self.file_size:
            return None
        return min(1.0, self.amount / self.file_size)

    @classmethod
    def read(cls, answer: Mapping[str, Any]) -> Status:
        nested = answer.get("status")
        body: Mapping[str, Any] = nested if isinstance(nested, dict) else answer
        return cls(
            request_id=text(body.get("requestId")),
            status=(text(body.get("status")) or "").lower() or None,
            file_name=text(body.get("fileName")),
            file_size=loose_int(body.get("fileSize")),
            amount=loose_int(body.get("amount")),
            is_directory=body.get("isDirectory") is True,
            url=http_url(body.get("url")),
            message=text(body.get("errorMessage")) or text(body.get("message")),
        )


@dataclass(frozen=True, slots=True)
class Proxy:
    proxy_id: str
    name: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class RemoteAccount:
    """One of ``remote/accounts``."""

    account_id: str
    type: str | None
    username: str | None
    status: str | None
    host: str | None
    port: int | None
    usage: int | None

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> RemoteAccount | None:
        account_id = text(entry.get("accountId"))
        if account_id is None:
            return None
        return cls(
            account_id=account_id,
            type=text(entry.get("type")),
            username=text(entry.get("username")),
            status=text(entry.get("status")),
            host=text(entry.get("host")),
            port=loose_int(entry.get("port"), maximum=65535),
            usage=loose_int(entry.get("usage")),
        )


@dataclass(frozen=True, slots=True)
class Login:
    """What ``login`` gives: who, and the session cookie that stands for the password."""

    email: str | None
    user_id: str | None
    session: str
