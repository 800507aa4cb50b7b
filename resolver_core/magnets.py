"""What a magnet link says about its torrent: its BitTorrent info hash and its name.

Every debrid service that takes magnets asks about the torrent by its info hash (a cache
check, a transfer), and names it by the magnet's ``dn`` until the service knows better: one
reading of a magnet for every provider plugin (plugins do not import each other)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, urlsplit

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def info_hash(magnet: str) -> str | None:
    """A magnet's BitTorrent v1 info hash as lower-case hex (given as 40 hex digits or 32
    base32 characters), or None when it has none."""
    try:
        topics = parse_qs(urlsplit(magnet).query).get("xt", [])
    except ValueError:
        return None
    for topic in topics:
        if not topic.lower().startswith("urn:btih:"):
            continue
        value = topic[9:]
        if len(value) == 40 and _HEX_DIGITS.issuperset(value):
            return value.lower()
        if len(value) == 32:
            try:
                return base64.b32decode(value.upper()).hex()
            except (binascii.Error, ValueError):
                return None
    return None


def magnet_name(magnet: str) -> str | None:
    """The torrent's name as the magnet gives it (``dn``), or None."""
    try:
        names = parse_qs(urlsplit(magnet).query).get("dn")
    except ValueError:
        return None
    return names[0] if names else None
