"""AllDebrid's answers as typed values: each read defensively (a field of the wrong type is
absent, never a crash), since the answers come from the network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import errors

from .errors import api_error, error_of_code

#: magnet/status's ``statusCode``: 0-3 still processing, 4 ready, 5 and above failed.
READY: Final = 4
#: What each failed ``statusCode`` means (the documentation's table).
FAILED_STATES: Final = {
    5: "upload failed",
    6: "internal error on unpacking",
    7: "not downloaded in 20 minutes",
    8: "file too big",
    9: "internal error",
    10: "download took more than 72 hours",
    11: "deleted on the hoster website",
    12: "processing failed",
    13: "processing failed",
    14: "error while contacting the tracker",
    15: "file not available (no peer)",
}
#: Failed states that mean the files are gone, not that this service failed.
OFFLINE_STATES: Final = frozenset({11, 15})
#: The largest number an answer is taken to mean (sizes, seconds, Unix times are far below):
#: beyond it, a number is none (a float of 10**400 overflows, a time of it has no date).
MAX_NUMBER: Final = 2**53
#: The last Unix time a date can show (9999-12-31 23:59:59 UTC).
LATEST_TIME: Final = 253_402_300_799


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def number(value: Any) -> int | None:
    """A whole number (numbers sent as text too, as ``premiumUntil`` is at times), up to
    :data:`MAX_NUMBER` either way."""
    found: int | None = None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        found = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and value.strip().isdigit() and len(value) < 20
    ):
        found = int(value)
    return found if found is not None and -MAX_NUMBER <= found <= MAX_NUMBER else None


def http_url(value: Any) -> str | None:
    return value if isinstance(value, str) and value[:8].lower().startswith(("http://", "https://")) else None


def entry_error(entry: Any, link: str | None) -> errors.ResolverError | None:
    """The error one entry of a batch answer carries, or None."""
    code, message = api_error(entry)
    if code is None and not isinstance(entry, dict):
        return errors.ProviderOutage(
            "answered with an entry that is not an object", provider="alldebrid", link=link
        )
    return None if code is None else error_of_code(code, message, link=link)


@dataclass(frozen=True, slots=True)
class Unlocked:
    """``link/unlock``: a download link now, or a ``delayed`` id to poll."""

    download: str | None
    filename: str | None
    filesize: int | None
    host: str | None
    delayed: int | None

    @classmethod
    def read(cls, answer: dict[str, Any]) -> Unlocked:
        return cls(
            http_url(answer.get("link")),
            text(answer.get("filename")),
            number(answer.get("filesize")),
            text(answer.get("host")),
            number(answer.get("delayed")),
        )


@dataclass(frozen=True, slots=True)
class Delayed:
    """``link/delayed``: 1 still processing, 2 ready (with the link), 3 failed."""

    status: int | None
    time_left: int | None
    download: str | None

    @classmethod
    def read(cls, answer: dict[str, Any]) -> Delayed:
        return cls(
            number(answer.get("status")), number(answer.get("time_left")), http_url(answer.get("link"))
        )


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """One entry of ``link/infos``."""

    link: str
    filename: str | None
    size: int | None
    host: str | None


@dataclass(frozen=True, slots=True)
class Magnet:
    """A magnet of ``magnet/status`` (or ``magnet/upload``'s answer, fewer fields)."""

    id: str
    filename: str | None
    size: int | None
    status: str | None
    status_code: int | None
    downloaded: int | None
    speed: int | None
    seeders: int | None
    uploaded_at: int | None
    ready: bool = False

    @classmethod
    def read(cls, entry: dict[str, Any]) -> Magnet | None:
        magnet_id = number(entry.get("id"))
        if magnet_id is None:
            return None
        return cls(
            str(magnet_id),
            text(entry.get("filename")) or text(entry.get("name")),
            number(entry.get("size")),
            text(entry.get("status")),
            number(entry.get("statusCode")),
            number(entry.get("downloaded")),
            number(entry.get("downloadSpeed")),
            number(entry.get("seeders")),
            number(entry.get("uploadDate")),
            entry.get("ready") is True,
        )

    @property
    def finished(self) -> bool:
        return self.status_code is not None and self.status_code >= READY

    @property
    def progress(self) -> float | None:
        if self.status_code == READY:
            return 100.0
        if self.size and self.downloaded is not None:
            return max(0.0, min(100.0, 100.0 * self.downloaded / self.size))
        return None


@dataclass(frozen=True, slots=True)
class MagnetFile:
    """A file of ``magnet/files``' tree, its folders joined into its path."""

    path: str
    size: int | None
    link: str


def flatten(nodes: Any, prefix: str = "", depth: int = 0) -> list[MagnetFile]:
    """The files of a ``magnet/files`` tree (``n`` name, ``s`` size, ``l`` link, ``e`` a
    folder's entries), in order; bounded in depth (it comes from the network)."""
    files: list[MagnetFile] = []
    if not isinstance(nodes, list) or depth > 32:
        return files
    for node in nodes:
        if not isinstance(node, dict):
            continue
        name = text(node.get("n")) or "file"
        if isinstance(node.get("e"), list):
            files.extend(flatten(node["e"], f"{prefix}{name}/", depth + 1))
        elif (link := http_url(node.get("l"))) is not None:
            files.append(MagnetFile(prefix + name, number(node.get("s")), link))
    return files


@dataclass(frozen=True, slots=True)
class User:
    username: str | None
    premium: bool
    trial: bool
    premium_until: int | None
    points: int | None
    #: Remaining MB for each limited hoster.
    quotas: tuple[tuple[str, int], ...]
    trial_quota: int | None

    @classmethod
    def read(cls, answer: dict[str, Any]) -> User:
        quotas = answer.get("limitedHostersQuotas")
        listed = (
            tuple(
                sorted(
                    (str(k), v) for k, v in quotas.items() if isinstance(v, int) and not isinstance(v, bool)
                )
            )
            if isinstance(quotas, dict)
            else ()
        )
        until = number(answer.get("premiumUntil"))
        return cls(
            text(answer.get("username")),
            answer.get("isPremium") is True,
            answer.get("isTrial") is True,
            until if until and 0 < until <= LATEST_TIME else None,
            number(answer.get("fidelityPoints")),
            listed[:100],
            number(answer.get("remainingTrialQuota")),
        )

    @property
    def type(self) -> str:
        return "premium" if self.premium else "trial" if self.trial else "free"


@dataclass(frozen=True, slots=True)
class SavedLink:
    """An entry of ``user/links`` or ``user/history``."""

    link: str
    filename: str | None
    size: int | None
    date: int | None
    host: str | None

    @classmethod
    def read(cls, entry: Any) -> SavedLink | None:
        if not isinstance(entry, dict) or (link := text(entry.get("link"))) is None:
            return None
        return cls(
            link,
            text(entry.get("filename")),
            number(entry.get("size")),
            number(entry.get("date")),
            text(entry.get("host")),
        )
