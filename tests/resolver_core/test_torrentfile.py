"""A .torrent file read as its magnet link: the info hash of the bytes as written, its name,
its trackers; files that are not torrents refused with a line saying why."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from resolver_core.magnets import info_hash, magnet_name
from resolver_core.torrentfile import BencodeError, decode, magnet_of_torrent
from tests.bencoding import bencode, torrent


def test_a_torrent_becomes_the_magnet_of_its_info_hash_name_and_trackers() -> None:
    data, digest = torrent(
        "Holiday Pack & more.mkv",
        trackers=[
            ["udp://tracker.one:80/announce"],
            ["http://two/announce", "udp://tracker.one:80/announce"],
        ],
    )
    magnet = magnet_of_torrent(data)
    assert info_hash(magnet) == digest
    assert magnet_name(magnet) == "Holiday Pack & more.mkv"
    assert parse_qs(urlsplit(magnet).query)["tr"] == ["udp://tracker.one:80/announce", "http://two/announce"]


def test_the_hash_is_of_the_info_bytes_as_written_not_a_re_encoding() -> None:
    # Keys out of order: re-encoding would sort them and give another hash.
    info = b"d6:lengthi5e4:name1:x6:pieces20:" + b"\x00" * 20 + b"12:piece lengthi16384ee"
    unsorted = b"d4:infod4:name1:x6:lengthi5e12:piece lengthi16384e6:pieces20:" + b"\x00" * 20 + b"ee"
    as_written = hashlib.sha1(unsorted[len(b"d4:info") : -1]).hexdigest()
    assert info_hash(magnet_of_torrent(unsorted)) == as_written
    assert hashlib.sha1(info).hexdigest() != as_written  # the sorted encoding of the same dict
    assert info_hash(magnet_of_torrent(b"d4:info" + info + b"e")) == hashlib.sha1(info).hexdigest()


def test_a_utf8_name_key_is_preferred() -> None:
    data = bencode({"info": {"name": b"\xff", "name.utf-8": "Grüße", "pieces": b"", "length": 1}})
    assert magnet_name(magnet_of_torrent(data)) == "Grüße"


def test_decode_reads_every_kind() -> None:
    assert decode(b"d1:ai-3e1:bl0:4:spame1:cd1:di0eee") == {
        b"a": -3,
        b"b": [b"", b"spam"],
        b"c": {b"d": 0},
    }


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "ends in the middle"),
        (b"i03e", "malformed integer"),
        (b"i-0e", "malformed integer"),
        (b"ie", "malformed integer"),
        (b"i12", "integer with no end"),
        (b"5:abc", "past the end"),
        (b"01:a", "malformed string length"),
        (b"li1e", "ends in the middle of a list"),
        (b"d1:ai1e1:ai2ee", "twice"),
        (b"di1ei2ee", "key that is not a string"),
        (b"i1ei2e", "after its end"),
        (b"x", "unexpected 'x' at byte 0"),
        (b"l" * 100 + b"e" * 100, "nested deeper"),
        (b"<html>not a torrent</html>", "unexpected '<' at byte 0"),
    ],
)
def test_what_is_not_bencode_is_refused_saying_why(data: bytes, words: str) -> None:
    with pytest.raises(BencodeError, match=words):
        magnet_of_torrent(data)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (bencode([1, 2]), "top level is not a dictionary"),
        (bencode({"announce": "udp://x"}), "no 'info' dictionary"),
        (bencode({"info": "x"}), "no 'info' dictionary"),
        (bencode({"info": {"name": "x", "meta version": 2, "file tree": {}}}), "v2-only"),
    ],
)
def test_bencode_that_is_no_torrent_is_refused_saying_why(data: bytes, words: str) -> None:
    with pytest.raises(ValueError, match=words) as raised:
        magnet_of_torrent(data)
    assert not isinstance(raised.value, BencodeError)
