"""The Openload family's sandbox state: its accounts, files, tickets, remote uploads and
conversions, and what a file's id says it does (see :mod:`.sandbox`)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Final

from .services import HIGHLOAD, OPENLOAD, STREAMANGO, Service

MESSAGES: Final = {
    200: "OK",
    400: "Bad request",
    403: "Permission denied",
    404: "File not found",
    451: "Unavailable For Legal Reasons",
    500: "Internal server error",
    509: "Bandwidth usage exceeded. Please try again later.",
}
TICKET_LIFETIME: Final = 300.0
#: Files the demo's forum post links to, by id: (name, wait seconds, captcha).
DEMO_FILES: Final = {
    "Hx7Lq2Wp0aZ": ("Holiday.Video.Extras.mkv", 2, True),
    "Zr4Tn8Ks1Qm": ("Holiday.Video.Subtitles.zip", 2, True),
}
ARCHIVE_FILES: Final = 450
#: Names a hostile server might give (file ids with ``hostile0`` ... ``hostile9``); the last
#: three are the part, state and lock files of a download of ``victim.bin`` (file id ``victim``).
HOSTILE_NAMES: Final = (
    "../../etc/passwd",
    "/abs/path",
    "CON",
    "x" * 300 + ".bin",
    "new\nline.txt",
    "..",
    "<img src=x onerror=alert(1)>.mkv",
    "victim.bin.part",
    "victim.bin.PART.state",
    "victim.bin.part.lock",
)


@dataclass(frozen=True, slots=True)
class Mount:
    """Where a service lives in the sandbox, and its account."""

    service: Service
    prefix: str
    api_path: str
    login: str
    key: str


MOUNTS: Final = (
    Mount(OPENLOAD, "/openload", "/openload/1", "5147a8f8e924bc82", "S3NT1NEL-openload-sandbox-key-openload"),
    Mount(
        STREAMANGO,
        "/streamango",
        "/streamango/api",
        "streamango-sandbox",
        "S3NT1NEL-streamango-sandbox-key-streamango",
    ),
    Mount(
        HIGHLOAD, "/highload", "/highload/api", "8efb927ef798aa827", "S3NT1NEL-highload-sandbox-key-highload"
    ),
)


@dataclass
class StoredFile:
    """A file of an account (or one made up for a scenario id)."""

    file_id: str
    name: str
    size: int
    folder_id: str
    status: int = 200
    #: The seed of its bytes at the file server (an upload's holds the uploaded bytes).
    seed: str = ""
    uploaded_at: float = field(default_factory=time.time)
    downloads: int = 0


@dataclass
class Ticket:
    """A download ticket: its wait, when it expires, its captcha's answer."""

    file_id: str
    issued: float
    wait: int
    expires: float
    answer: str | None


@dataclass
class RemoteUpload:
    """A remote upload (the service fetching a URL into the account)."""

    upload_id: str
    url: str
    folder_id: str
    started: float
    added_at: float
    total: int
    file_id: str | None = None


@dataclass
class Conversion:
    """A video conversion under way."""

    conversion_id: str
    file_id: str
    started: float


def status_in(file_id: str) -> int | None:
    """The status a scenario id asks for (``status404`` ...), or None."""
    match = re.search(r"status(404|451|500|509)", file_id.lower())
    return int(match.group(1)) if match else None
