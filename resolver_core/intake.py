"""The files a watch folder takes, read into packages: ``.txt``, ``.crawljob``, ``.magnet``,
``.torrent``.

Each file becomes one package (:class:`Dropped`): its links, its name (a crawljob's
``packageName``, else the file's stem), the archive password given with them and which
links are mirrors of one file. A file that cannot be a package raises :class:`Unreadable`
with one line saying what is wrong, which the watch folder writes beside the file in
``failed/``. Pure reading: no moving, no resolving (:mod:`.watch` does those).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .magnets import info_hash
from .paste import mirror_groups, password_in
from .torrentfile import BencodeError, magnet_of_torrent

#: Bytes a dropped file may have: links and torrents are small; a bigger file is a mistake.
MAX_FILE_BYTES: Final = 10 * 1024 * 1024
#: The extensions read (lower case); other files are left where they are.
KINDS: Final = (".txt", ".crawljob", ".magnet", ".torrent")

#: How links are found in texts (``Resolver.links_in``: the hosters the providers know).
LinksIn = Callable[[Iterable[str]], list[str]]


class Unreadable(ValueError):
    """The file cannot become a package; the message (one line) says why."""


@dataclass(frozen=True)
class Dropped:
    """A package read from a dropped file."""

    name: str
    links: list[str]
    password: str | None = None
    #: Groups of ``links`` holding one file (other hosters' copies), as
    #: :func:`.paste.mirror_groups` gives them.
    mirrors: list[list[str]] = field(default_factory=list)
    #: The folder a crawljob asks its files to go to, as written.
    folder: str | None = None


def read_dropped(path: Path, links_in: LinksIn) -> Dropped:
    """The package ``path`` holds, read by its extension (one of :data:`KINDS`)."""
    kind = path.suffix.lower()
    data = _file_bytes(path)
    if kind == ".torrent":
        return _torrent(path, data)
    text = _text(data)
    if kind == ".txt":
        return _pasted(path.stem, [text], links_in)
    if kind == ".magnet":
        return _magnets(path, text)
    if kind == ".crawljob":
        return _crawljob(path, text, links_in)
    raise Unreadable(f"not a kind of file the watch folder reads ({', '.join(KINDS)})")


def _file_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise Unreadable(f"cannot be read: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"too big: over {MAX_FILE_BYTES // (1024 * 1024)} MiB (a list of links is smaller)")
    return data


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (byte {exc.start} cannot be read)") from None


def _pasted(
    name: str,
    texts: Sequence[str],
    links_in: LinksIn,
    *,
    password: str | None = None,
    folder: str | None = None,
) -> Dropped:
    """A package from pasted text: its links, the password given with them (unless given
    here), its mirrors."""
    links = links_in(texts)
    if not links:
        raise Unreadable("no links in it")
    password = password or password_in("\n".join(texts))
    return Dropped(name, links, password, mirror_groups(links), folder)


def _magnets(path: Path, text: str) -> Dropped:
    """One magnet link a line (blank lines and ``#`` comments aside)."""
    magnets = []
    for number, line in enumerate(text.splitlines(), 1):
        magnet = line.strip()
        if not magnet or magnet.startswith("#"):
            continue
        if not magnet.lower().startswith("magnet:?") or info_hash(magnet) is None:
            raise Unreadable(f"line {number} is not a magnet link with a BitTorrent info hash")
        if magnet not in magnets:
            magnets.append(magnet)
    if not magnets:
        raise Unreadable("no magnet links in it")
    return Dropped(path.stem, magnets)


def _torrent(path: Path, data: bytes) -> Dropped:
    try:
        magnet = magnet_of_torrent(data)
    except BencodeError as exc:
        raise Unreadable(f"not a torrent file ({exc})") from None
    except ValueError as exc:
        raise Unreadable(str(exc)) from None
    return Dropped(path.stem, [magnet])


# -- crawljob ------------------------------------------------------------------------------


def _crawljob(path: Path, text: str, links_in: LinksIn) -> Dropped:
    """JDownloader's Folder Watch file: a JSON array of entries (or one entry), or
    ``key=value`` lines with blank lines between entries. Each entry's ``text`` holds links
    (or a whole post); the package is named by the first ``packageName``, its password is
    the first of ``extractPasswords`` (else one the texts give), its folder the first
    ``downloadFolder``."""
    entries = _json_entries(text) if text.lstrip().startswith(("[", "{")) else _property_entries(text)
    texts = [entry["text"] for entry in entries if isinstance(entry.get("text"), str)]
    if not texts:
        raise Unreadable("a crawljob with no 'text' (the links) in any entry")
    name = _first_text(entry.get("packageName") for entry in entries) or path.stem
    password = next((found for entry in entries for found in _passwords(entry.get("extractPasswords"))), None)
    folder = _first_text(entry.get("downloadFolder") for entry in entries)
    return _pasted(name, texts, links_in, password=password, folder=folder)


def _json_entries(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"a crawljob that is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    entries = data if isinstance(data, list) else [data]
    if not all(isinstance(entry, dict) for entry in entries):
        raise Unreadable("a crawljob whose JSON is not a list of entries ({...} objects)")
    return entries


def _property_entries(text: str) -> list[dict[str, Any]]:
    """``key=value`` lines (``#``/``!`` comments), an entry per run of lines."""
    entries: list[dict[str, Any]] = [{}]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            if entries[-1]:
                entries.append({})
            continue
        if line.startswith(("#", "!")):
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            raise Unreadable(f"a crawljob whose line {number} is not 'key=value'")
        entries[-1][key.strip()] = value.strip()
    return [entry for entry in entries if entry]


def _passwords(value: Any) -> list[str]:
    """``extractPasswords``: a list, or a text (``["a","b"]`` as the properties form writes
    it, or one password)."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                return [stripped]
        else:
            return [stripped] if stripped else []
    if isinstance(value, list):
        return [item.strip() for item in value if isinstance(item, str) and item.strip()]
    return []


def _first_text(values: Iterable[Any]) -> str | None:
    return next((value.strip() for value in values if isinstance(value, str) and value.strip()), None)
