"""What a link does in AllDebrid's emulation: its hoster, its file, and the error it asks
for or earns (:mod:`.sandbox`), written in the link itself."""

from __future__ import annotations

import hashlib
import re
from typing import Final
from urllib.parse import unquote, urlsplit

from .errors import MEANINGS

#: The link password of the sandbox's protected links.
LINK_PASSWORD: Final = "sandbox"  # noqa: S105 (the sandbox's published password)
#: name: (domains, pattern as the service writes it)
HOSTERS: Final[dict[str, tuple[list[str], str]]] = {
    "hitfile": (
        ["hitfile.net", "hil.to"],
        r"https?:\/\/(?:www\.)?(?:hitfile\.net|hil\.to)\/[0-9A-Za-z_-]+(?:\/[^\/?#]+)?",
    ),
    "alfafile": (["alfafile.net"], r"https?:\/\/(?:www\.)?alfafile\.net\/file\/[0-9A-Za-z]+(?:\/[^\/?#]+)?"),
}


def asked_error(link: str) -> str | None:
    asked = re.search(r"aderror[-_]?([a-z0-9_]+)", link.lower())
    code = asked.group(1).upper() if asked else None
    return code if code in MEANINGS else None


def refusal_of(link: str, password: str | None) -> str | None:
    """The error code a link asks for, or that its hoster earns (unsupported, dead)."""
    asked = asked_error(link)
    if asked is not None:
        return asked
    low = link.lower()
    if not low.startswith(("http://", "https://")):
        return "BAD_LINK"
    if hoster_of(link) is None:
        return "LINK_HOST_NOT_SUPPORTED"
    if "status404" in low:  # the sandbox's dead file, whichever provider is asked for it
        return "LINK_DOWN"
    if "protected" in low and password != LINK_PASSWORD:
        return "LINK_PASS_PROTECTED"
    return None


def hoster_of(link: str) -> str | None:
    host = (urlsplit(link).hostname or "").lower().removeprefix("www.")
    for name, (domains, _) in HOSTERS.items():
        if host in domains:
            return name
    return None


def file_of(link: str) -> tuple[str, int]:
    """A file name and size for a hoster link: its last segment when it names a file."""
    path = unquote(urlsplit(link).path).rstrip("/")
    segments = [s for s in path.split("/") if s and s not in ("file", "folder")]
    last = segments[-1] if segments else "download"
    name = last if "." in last else f"{last}.bin"
    size = 50_000 + int(hashlib.sha1(link.encode()).hexdigest()[:5], 16) % 150_000  # noqa: S324
    return name.replace("\\", "_"), size
