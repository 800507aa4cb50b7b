"""Bencode written by the tests (the product only reads it): real ``.torrent`` files."""

from __future__ import annotations

import hashlib
from typing import Any


def bencode(value: Any) -> bytes:
    """``value`` (int, str, bytes, list, dict) as bencode, dict keys sorted as the spec says."""
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        keys = sorted((key.encode() if isinstance(key, str) else key, item) for key, item in value.items())
        return b"d" + b"".join(bencode(key) + bencode(item) for key, item in keys) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def torrent(
    name: str, *, trackers: list[list[str]] | None = None, cached: bool | None = None
) -> tuple[bytes, str]:
    """A single-file v1 torrent named ``name`` and its info hash (hex). ``cached``: pick the
    info dict so that its hash starts with a digit 0-7 (the sandbox's debrid services have
    such torrents cached) or 8-f (they do not)."""
    for attempt in range(1000):
        info = {"name": name, "length": 1024 + attempt, "piece length": 16384, "pieces": b"\x01" * 20}
        digest = hashlib.sha1(bencode(info)).hexdigest()
        if cached is None or (digest[0] in "01234567") == cached:
            break
    meta: dict[str, Any] = {"info": info}
    if trackers:
        meta["announce"] = trackers[0][0]
        meta["announce-list"] = trackers
    return bencode(meta), digest
