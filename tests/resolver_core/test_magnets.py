"""Reading a magnet: its info hash in either form, its name, and magnets that have neither."""

from __future__ import annotations

import base64

import pytest

from resolver_core.magnets import info_hash, magnet_name

HEX = "1C6B6858D61DA9543D4231A71DB4B1C9264B0685"


@pytest.mark.parametrize(
    ("magnet", "expected"),
    [
        (f"magnet:?xt=urn:btih:{HEX}&dn=x", HEX.lower()),
        (f"magnet:?xt=urn:btih:{base64.b32encode(bytes.fromhex(HEX)).decode()}", HEX.lower()),
        (f"magnet:?xt=urn:sha1:abc&xt=urn:btih:{HEX.lower()}", HEX.lower()),  # the BitTorrent topic
        ("magnet:?xt=urn:btih:" + "0" * 39, None),  # too short
        ("magnet:?xt=urn:btih:" + "g" * 40, None),  # not hex
        ("magnet:?xt=urn:btih:" + "1" * 32, None),  # not base32
        ("magnet:?dn=only-a-name", None),
        ("magnet:?xt=urn:btih:[", None),
        ("http://[::1/magnet", None),  # not even a URL: urllib's ValueError stays inside
    ],
)
def test_the_info_hash_is_read_in_either_form(magnet: str, expected: str | None) -> None:
    assert info_hash(magnet) == expected


def test_the_name_is_the_magnets_own() -> None:
    assert magnet_name(f"magnet:?xt=urn:btih:{HEX}&dn=Holiday+Photos") == "Holiday Photos"
    assert magnet_name(f"magnet:?xt=urn:btih:{HEX}") is None
    assert magnet_name("http://[::1/magnet") is None
