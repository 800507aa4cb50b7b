"""The files of the watch folder read into packages: each kind, good and bad."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from resolver_core.intake import MAX_FILE_BYTES, Dropped, Unreadable, read_dropped
from resolver_core.magnets import info_hash, magnet_name
from tests.bencoding import torrent

RG = "https://rapidgator.net/file/a1/Show.S01.part1.rar.html"
NF = "https://nitroflare.com/view/B2/Show.S01.part1.rar"
RG2 = "https://rapidgator.net/file/a2/Show.S01.part2.rar.html"
MAGNET = "magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Holiday.pack"


def links_in(texts: Iterable[str]) -> list[str]:
    """A stand-in for Resolver.links_in: http(s) and magnet links, once each, in order."""
    found: list[str] = []
    for link in re.findall(r"(?:https?://|magnet:\?)[^\s\"'<>\[\]]+", "\n".join(texts)):
        if link not in found:
            found.append(link)
    return found


def read(tmp_path: Path, name: str, content: str | bytes) -> Dropped:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return read_dropped(path, links_in)


# -- .txt --------------------------------------------------------------------------------------


def test_a_text_file_is_a_forum_post_with_its_password_and_mirrors(tmp_path: Path) -> None:
    post = (
        f"[b]Show S01[/b]\nMirror 1: [url]{RG}[/url]\nMirror 2: {NF}\nPart 2: {RG2}\n"
        "[b]Passwort:[/b] s3cr3t\n"
    )
    dropped = read(tmp_path, "Show S01.txt", post)
    assert dropped == Dropped("Show S01", [RG, NF, RG2], "s3cr3t", [[RG, NF], [RG2]])


def test_a_text_file_with_a_bom_and_no_password(tmp_path: Path) -> None:
    dropped = read(tmp_path, "plain.TXT", "\ufeff" + RG + "\n")
    assert (dropped.name, dropped.links, dropped.password) == ("plain", [RG], None)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("just words, nothing to fetch\n", "no links in it"),
        ("", "no links in it"),
        (b"\xff\xfe" + "https://x".encode("utf-16-le"), "not UTF-8 text"),
    ],
)
def test_a_text_file_that_is_no_package_says_why(tmp_path: Path, content: str | bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read(tmp_path, "bad.txt", content)


def test_a_file_over_the_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(Unreadable, match="too big: over 10 MiB"):
        read_dropped(path, links_in)


# -- .magnet -------------------------------------------------------------------------------------


def test_a_magnet_file_holds_one_magnet_a_line(tmp_path: Path) -> None:
    other = "magnet:?xt=urn:btih:1c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Album"
    dropped = read(tmp_path, "two.magnet", f"# from the tracker\n{MAGNET}\n\n{other}\n{MAGNET}\n")
    assert dropped == Dropped("two", [MAGNET, other])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("https://rapidgator.net/file/a1/x.rar\n", "line 1 is not a magnet link"),
        (f"{MAGNET}\nmagnet:?dn=no-hash\n", "line 2 is not a magnet link"),
        ("\n# nothing\n", "no magnet links in it"),
    ],
)
def test_a_bad_magnet_file_says_which_line(tmp_path: Path, content: str, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read(tmp_path, "bad.magnet", content)


# -- .torrent ----------------------------------------------------------------------------------


def test_a_torrent_file_becomes_its_magnet(tmp_path: Path) -> None:
    data, digest = torrent("Holiday.pack", trackers=[["udp://tracker.example:1337/announce"]])
    dropped = read(tmp_path, "holiday.torrent", data)
    assert dropped.name == "holiday" and len(dropped.links) == 1
    assert info_hash(dropped.links[0]) == digest and magnet_name(dropped.links[0]) == "Holiday.pack"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html>404</html>", "not bencode"),
        (b"d8:announce3:udpe", "no 'info' dictionary"),
        (b"d4:infod4:name1:x", "not bencode: it ends in the middle"),
    ],
)
def test_a_bad_torrent_file_says_why(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read(tmp_path, "bad.torrent", content)


# -- .crawljob --------------------------------------------------------------------------------


def test_a_crawljob_of_key_value_entries(tmp_path: Path) -> None:
    crawljob = (
        "# JDownloader folder watch\n"
        f'text={RG}\npackageName=My Show\nextractPasswords=["first","second"]\n'
        "downloadFolder=/data/shows\nautoStart=TRUE\n"
        f"\n\ntext={NF}\npackageName=Other name\n"
        f"\ntext={RG2}\n"
    )
    dropped = read(tmp_path, "job.crawljob", crawljob)
    assert dropped == Dropped("My Show", [RG, NF, RG2], "first", [[RG, NF], [RG2]], "/data/shows")


def test_a_crawljob_as_a_json_array_with_a_text_password(tmp_path: Path) -> None:
    entries = [
        {"text": RG, "enabled": "TRUE"},
        {"text": f"{NF}\n{RG2}", "packageName": "Json Show", "extractPasswords": "pw1"},
    ]
    dropped = read(tmp_path, "job.crawljob", json.dumps(entries))
    assert (dropped.name, dropped.links, dropped.password) == ("Json Show", [RG, NF, RG2], "pw1")


def test_a_crawljob_of_one_json_object_named_by_its_file_and_a_password_in_its_text(tmp_path: Path) -> None:
    dropped = read(tmp_path, "single.crawljob", json.dumps({"text": f"{MAGNET}\npw: inline"}))
    assert dropped == Dropped("single", [MAGNET], "inline", [[MAGNET]])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('[{"text": "x"', "not valid JSON \\(line 1"),
        ('["just a link"]', "not a list of entries"),
        ("packageName=No links\n", "no 'text'"),
        (f"text={RG}\nthis line has no equals sign\n", "line 2 is not 'key=value'"),
        ("text=nothing to fetch here\n", "no links in it"),
    ],
)
def test_a_bad_crawljob_says_why(tmp_path: Path, content: str, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read(tmp_path, "bad.crawljob", content)


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Unreadable, match="not a kind of file"):
        read(tmp_path, "links.csv", RG)
