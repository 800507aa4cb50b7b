"""File names for downloads: chosen from what the API, the server or the URL says, then made
safe, and a final path that is always inside the output directory.

A name comes from the provider's API (it knows the file), else the Content-Disposition
header (RFC 6266, ``filename*`` preferred), else the URL's last segment. Every one of them
is hostile until cleaned: normalised (NFKC, so that a full-width slash or dot is what it
looks like, and two names that look alike are alike), stripped of invisible format
characters (a right-to-left override, U+202E, before "fdp.exe" makes "invoice" + U+202E +
"fdp.exe" read as "invoiceexe.pdf"), reduced to a base name, then cleaned by ``pathvalidate`` of separators,
control characters, reserved names (``CON``) and excess length. A name that ends as the
files of an unfinished download do (``.part``, ``.part.state``, ``.part.lock``, in any case)
has that dot made a "_": a file someone names ``victim.bin.part`` must not become the part
file (nor the state) that a download of ``victim.bin`` resumes. A registered secret (the
user's key or PIN, in any form :mod:`resolver_core.redact` knows) is masked out of a name.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from pathvalidate import sanitize_filename
from werkzeug.http import parse_options_header

from ..errors import ResolverError
from ..redact import redact

#: Bytes a name may have (most file systems allow 255; room is left for " (12).part.state").
MAX_NAME_BYTES: Final = 200
FALLBACK_NAME: Final = "download.bin"
#: The endings of an unfinished download's own files (:mod:`.state`, :mod:`.lock`).
_WORK_FILE: Final = re.compile(r"\.part(?:\.state|\.lock)?$", re.IGNORECASE)
#: A name is taken by a file of its own, or by a download's part, state or lock file.
_TAKEN_BY: Final = ("", ".part", ".part.state", ".part.lock")
_PLAIN_FILENAME: Final = re.compile(r';\s*filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', re.IGNORECASE)
#: Characters of a candidate that are read: a base name and its extension are at its end,
#: and a megabyte "name" from an API is not worth normalising whole.
_MAX_CANDIDATE: Final = 4_096
#: Windows device names: reserved whatever extension follows, and with spaces before it
#: ("CON .txt" is CON); pathvalidate knows most, not CONIN$/CONOUT$ nor the spaced forms.
_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{port}{number}" for port in ("com", "lpt") for number in range(10)}
)


class UnsafePath(ResolverError):
    """A download would land outside its output directory."""

    kind = "unsafe_path"


def name_from_disposition(header: str | None) -> str | None:
    """The file name a Content-Disposition header gives, ``filename*`` before ``filename``."""
    if not header:
        return None
    if "filename*" in header.lower():
        header = _PLAIN_FILENAME.sub("", header)  # RFC 6266: filename* wins, whatever the order
    _, options = parse_options_header(header)
    return options.get("filename") or None


def name_from_url(url: str) -> str | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    return unquote(path.rstrip("/").rsplit("/", 1)[-1]) or None


def safe_name(*candidates: str | None) -> str:
    """The first candidate that survives cleaning, as a safe base name."""
    for candidate in candidates:
        if not candidate:
            continue
        # A name the provider built around the user's key or PIN must not keep it on disk
        # (file names are listed, synced and shared): masked first, then cleaned like the rest.
        text = unicodedata.normalize("NFKC", redact(candidate[-_MAX_CANDIDATE:]).replace("\x00", ""))
        base = re.split(r"[/\\]", "".join(map(_visible, text)))[-1]
        # Length is cut first, keeping the extension (pathvalidate would cut the end off).
        cleaned = sanitize_filename(_shorten(base), platform="universal", replacement_text="_")
        cleaned = _not_a_work_file(_unreserved(cleaned.strip(" .")))
        if len(cleaned.encode()) > MAX_NAME_BYTES:  # the "_" that made "NUL.txt..." an ordinary name
            cleaned = _shorten(cleaned)
        if not cleaned or set(cleaned) <= {"_"}:
            continue
        return cleaned
    return FALLBACK_NAME


def _visible(char: str) -> str:
    """``char``, or nothing for an invisible format character (bidirectional overrides,
    zero-width joiners, soft hyphens), or "_" for a control, a line separator or a lone
    surrogate (bytes that were not UTF-8: no file system takes them as they are)."""
    if char.isprintable() or char == " ":
        return char
    category = unicodedata.category(char)
    if category == "Cf":
        return ""
    return "_" if category in ("Cc", "Cs", "Zl", "Zp") else char


def _not_a_work_file(name: str) -> str:
    """``name``, with the dot of a ``.part`` (``.part.state``, ``.part.lock``) ending made a
    "_" ("victim.bin.part" is saved as "victim.bin_part")."""
    while (ending := _WORK_FILE.search(name)) is not None:
        name = f"{name[: ending.start()]}_{name[ending.start() + 1 :]}"
    return name


def _unreserved(name: str) -> str:
    """``name`` with a Windows device name ("COM1 .txt", "CONIN$") made an ordinary one."""
    device = name.split(".", 1)[0].rstrip(" ")
    if device.lower() not in _RESERVED:
        return name
    return device + "_" + name[len(device) :]


def _shorten(name: str) -> str:
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 16:
        stem, suffix = name, ""
    keep = MAX_NAME_BYTES - len(suffix.encode()) - (1 if suffix else 0)
    short = stem.encode()[:keep].decode(errors="ignore").rstrip(" .")
    return f"{short}.{suffix}" if suffix else short


def inside(directory: Path, name: str) -> Path:
    """``directory/name``, checked after resolving links and ``..``: never outside."""
    root = directory.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise UnsafePath(f"{name!r} would be saved outside {root}; refused")
    return target


def free_name(directory: Path, name: str) -> str:
    """``name``, or ``name (2).ext``... : a name no file in ``directory`` has yet, nor a
    download (its part, state or lock file: a mirror of this batch may hold the name and
    not have made its part yet)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    for number in range(1, 10_000):
        candidate = name if number == 1 else f"{stem} ({number}).{suffix}" if suffix else f"{stem} ({number})"
        if not any((directory / f"{candidate}{ending}").exists() for ending in _TAKEN_BY):
            return candidate
    raise UnsafePath(f"no free name for {name} in {directory}")
