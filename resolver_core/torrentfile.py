"""A ``.torrent`` file as the magnet link that names the same torrent.

Debrid services take a torrent by its info hash; a ``.torrent`` dropped into the watch folder
becomes ``magnet:?xt=urn:btih:<sha1 of the bencoded info dict>&dn=<name>&tr=<tracker>...``.
The info hash is the sha1 of the ``info`` value's bytes exactly as the file holds them (not a
re-encoding, which would differ for a file that is not canonically sorted).

The reader is strict and small (the standard library only): a file that is not bencode, or
nests too deep, or has trailing bytes, is refused with one line saying why. A torrent is a
few kilobytes to a few megabytes; the caller caps what it reads.
"""

from __future__ import annotations

import hashlib
from typing import Final
from urllib.parse import quote

#: Lists and dicts inside each other, at most (a torrent nests four or five deep).
MAX_DEPTH: Final = 64

Value = int | bytes | list["Value"] | dict[bytes, "Value"]


class BencodeError(ValueError):
    """The bytes are not bencode (the message says what is wrong, and where)."""


def magnet_of_torrent(data: bytes) -> str:
    """The magnet link of the torrent ``data`` (a ``.torrent`` file's bytes): its BitTorrent
    v1 info hash, its name and its trackers. Raises :class:`BencodeError` (not bencode) or
    :class:`ValueError` (bencode, but not a torrent), each with a one-line message."""
    top, info_span = _decode_top(data)
    if not isinstance(top, dict):
        raise ValueError("not a torrent: its top level is not a dictionary")
    info = top.get(b"info")
    if not isinstance(info, dict) or info_span is None:
        raise ValueError("not a torrent: it has no 'info' dictionary")
    if b"pieces" not in info:
        raise ValueError("a BitTorrent v2-only torrent (no v1 info hash), which debrid services do not take")
    digest = hashlib.sha1(data[info_span[0] : info_span[1]]).hexdigest()  # noqa: S324 (BitTorrent's hash)
    parts = [f"xt=urn:btih:{digest}"]
    name = _text(info.get(b"name.utf-8")) or _text(info.get(b"name"))
    if name:
        parts.append(f"dn={quote(name, safe='')}")
    parts += [f"tr={quote(tracker, safe='')}" for tracker in _trackers(top)]
    return "magnet:?" + "&".join(parts)


def _trackers(top: dict[bytes, Value]) -> list[str]:
    """``announce`` and every tier of ``announce-list``, in order, once each."""
    found: list[str] = []
    candidates: list[Value] = [top.get(b"announce", b"")]
    tiers = top.get(b"announce-list")
    if isinstance(tiers, list):
        for tier in tiers:
            candidates += tier if isinstance(tier, list) else [tier]
    for candidate in candidates:
        tracker = _text(candidate)
        if tracker and tracker not in found:
            found.append(tracker)
    return found


def _text(value: Value | None) -> str | None:
    if not isinstance(value, bytes):
        return None
    try:
        return value.decode("utf-8").strip() or None
    except UnicodeDecodeError:
        return None


def decode(data: bytes) -> Value:
    """The bencoded value ``data`` holds (and nothing after it)."""
    return _decode_top(data)[0]


def _decode_top(data: bytes) -> tuple[Value, tuple[int, int] | None]:
    """The value, and where the top-level dict's ``info`` value lies in ``data``."""
    reader = _Reader(data)
    value = reader.value(0)
    if reader.at != len(data):
        raise BencodeError(f"not bencode: {len(data) - reader.at} bytes after its end")
    return value, reader.info_span


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0
        self.info_span: tuple[int, int] | None = None

    def value(self, depth: int) -> Value:
        if depth > MAX_DEPTH:
            raise BencodeError(f"not bencode: nested deeper than {MAX_DEPTH} levels")
        if self.at >= len(self.data):
            raise BencodeError("not bencode: it ends in the middle of a value")
        lead = self.data[self.at : self.at + 1]
        if lead == b"i":
            return self._integer()
        if lead == b"l":
            self.at += 1
            items = []
            while self._peek() != b"e":
                items.append(self.value(depth + 1))
            self.at += 1
            return items
        if lead == b"d":
            return self._dict(depth)
        if lead.isdigit():
            return self._bytes()
        raise BencodeError(f"not bencode: unexpected {lead.decode('latin-1')!r} at byte {self.at}")

    def _peek(self) -> bytes:
        if self.at >= len(self.data):
            raise BencodeError("not bencode: it ends in the middle of a list or dictionary")
        return self.data[self.at : self.at + 1]

    def _dict(self, depth: int) -> dict[bytes, Value]:
        self.at += 1
        items: dict[bytes, Value] = {}
        while self._peek() != b"e":
            if not self._peek().isdigit():
                raise BencodeError(f"not bencode: a dictionary key that is not a string at {self.at}")
            key = self._bytes()
            if key in items:
                raise BencodeError(f"not bencode: the key {key[:40]!r} twice in one dictionary")
            start = self.at
            items[key] = self.value(depth + 1)
            if depth == 0 and key == b"info":
                self.info_span = (start, self.at)
        self.at += 1
        return items

    def _integer(self) -> int:
        end = self.data.find(b"e", self.at)
        if end < 0:
            raise BencodeError("not bencode: an integer with no end")
        digits = self.data[self.at + 1 : end]
        if not _canonical_integer(digits):
            raise BencodeError(f"not bencode: a malformed integer at {self.at}")
        self.at = end + 1
        return int(digits)

    def _bytes(self) -> bytes:
        colon = self.data.find(b":", self.at, self.at + 20)
        if colon < 0:
            raise BencodeError(f"not bencode: a string's length with no ':' at {self.at}")
        length_text = self.data[self.at : colon]
        if not length_text.isdigit() or (length_text.startswith(b"0") and length_text != b"0"):
            raise BencodeError(f"not bencode: a malformed string length at {self.at}")
        length = int(length_text)
        end = colon + 1 + length
        if end > len(self.data):
            raise BencodeError("not bencode: a string runs past the end of the file")
        self.at = end
        return self.data[colon + 1 : end]


def _canonical_integer(digits: bytes) -> bool:
    """``i...e``'s digits as bencode writes them: no leading zero, no ``-0``."""
    body = digits[1:] if digits.startswith(b"-") else digits
    if not body.isdigit():
        return False
    return not (body.startswith(b"0") and (body != b"0" or digits.startswith(b"-")))
