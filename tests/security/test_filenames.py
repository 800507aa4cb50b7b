"""File names from APIs and from Content-Disposition: whatever they say, the file is saved
inside the output directory, under a sane name (no separators, no controls or invisible
characters, no Windows device names, no names of only dots, at most 200 bytes, NFKC)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from resolver_core.download import download_file
from resolver_core.download.names import (
    FALLBACK_NAME,
    MAX_NAME_BYTES,
    UnsafePath,
    inside,
    name_from_disposition,
    safe_name,
)
from resolver_core.http import make_session
from resolver_core.redact import clear_secrets, register_secrets

from .conftest import HostileServer

WINDOWS_DEVICES = {"con", "prn", "aux", "nul", "conin$", "conout$"} | {
    f"{port}{n}" for port in ("com", "lpt") for n in range(10)
}

HOSTILE_NAMES = {
    "parent": "../../etc/passwd",
    "absolute": "/etc/passwd",
    "windows parent": "..\\..\\windows\\win.ini",
    "drive": "C:\\Windows\\system32\\evil.dll",
    "NUL inside": "report\x00.pdf.exe",
    "CON": "CON",
    "NUL.txt": "NUL.txt",
    "nul.tar.gz": "nul.tar.gz",
    "COM1": "COM1",
    "lpt9.log": "lpt9.log",
    "CON space dot": "CON .txt",
    "AUX dot": "AUX.",
    "CONIN$": "CONIN$",
    "CONOUT$.txt": "CONOUT$.txt",
    "COM superscript one": "COM\u00b9.txt",
    "trailing dot": "file.txt.",
    "trailing spaces": "file.txt   ",
    "dot": ".",
    "dot dot": "..",
    "dots": "......",
    "dots and spaces": ". . .",
    "hidden": ".bashrc",
    "1,000 bytes": "a" * 996 + ".mkv",
    "1,200 bytes of é": "\u00e9" * 600 + ".mkv",
    "a megabyte": "x" * (1 << 20) + ".zip",
    "a hundred thousand parents": "../" * 100_000 + "x.bin",
    "full-width traversal": "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fetc\uff0fpasswd",
    "one-dot leaders": "\u2024\u2024",
    "full-width con": "\uff43\uff4f\uff4e",
    "ligature": "\ufb01le.txt",
    "decomposed": "e\u0301te\u0301.txt",
    "RTL override hiding .exe": "invoice\u202etxt.exe",
    "only an RTL override": "\u202e",
    "zero-width": "\u200b\u200b",
    "lone surrogate": "\ud800.txt",
    "escaped byte": "caf\udce9.txt",
    "terminal escape": "\x1b]0;pwned\x07\x1b[31mred.txt",
    "line separator": "a\u2028b.txt",
    "reserved characters": 'a<b>c:d"e|f?g*h.txt',
    "a part file": "victim.bin.part",
    "a state file": "victim.bin.PART.state",
    "a lock file": "victim.bin.part.lock",
    "a full-width part file": "victim.bin\uff0epart",
    "a part file with trailing dots": "victim.bin.part. .",
}


def assert_sane(name: str) -> None:
    assert name, "empty"
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert not set(name) & set('/\\<>:"|?*\x00')
    assert name == name.strip(" ."), "leading or trailing dot or space"
    assert set(name) - {"."}, "only dots"
    assert not [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    assert unicodedata.normalize("NFKC", name) == name
    assert name.split(".", 1)[0].rstrip(" ").lower() not in WINDOWS_DEVICES
    assert not name.lower().endswith((".part", ".part.state", ".part.lock")), "a download's own file"


@pytest.mark.parametrize("hostile", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_every_hostile_name_becomes_a_sane_name_inside(hostile: str, tmp_path: Path) -> None:
    name = safe_name(hostile)
    assert_sane(name)
    assert inside(tmp_path, name).parent == tmp_path.resolve()


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("invoice\u202etxt.exe", "invoicetxt.exe"),  # the real extension shows
        ("\uff0e\uff0e\uff0fetc\uff0fpasswd", "passwd"),
        ("CON .txt", "CON_ .txt"),
        ("CONIN$", "CONIN$_"),
        ("COM\u00b9.txt", "COM1_.txt"),
        ("\uff43\uff4f\uff4e", "con_"),
        ("e\u0301te\u0301.txt", "\u00e9t\u00e9.txt"),
        ("\ud800.txt", "_.txt"),
        ("only dots...", "only dots"),
        ("......", FALLBACK_NAME),
        ("\u202e", FALLBACK_NAME),
    ],
)
def test_what_hostile_names_become(hostile: str, expected: str) -> None:
    assert safe_name(hostile) == expected


def test_long_names_keep_their_extension() -> None:
    for long in ("a" * 996 + ".mkv", "\u00e9" * 600 + ".mkv", "\u65e5" * 400 + ".mkv"):
        name = safe_name(long)
        assert name.endswith(".mkv") and len(name.encode()) <= MAX_NAME_BYTES


DISPOSITIONS = {
    "quoted parent": 'attachment; filename="../../.bashrc"',
    "encoded parent": "attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd",
    "encoded backslashes": "attachment; filename*=UTF-8''%2e%2e%5c%2e%2e%5cboot.ini",
    "absolute, star wins": "attachment; filename=\"/etc/shadow\"; filename*=UTF-8''..%2F..%2Fx",
    "device": 'attachment; filename="CON.txt"',
    "RTL override": "attachment; filename*=UTF-8''invoice%E2%80%AEtxt.exe",
    "NUL": "attachment; filename*=UTF-8''%00",
    "encoded surrogate": "attachment; filename*=UTF-8''%ED%A0%80.txt",
    "1,200 bytes": "attachment; filename*=UTF-8''" + quote("\u00e9" * 600) + ".mkv",
    "only dots": 'attachment; filename="..."',
    "full-width": "attachment; filename*=UTF-8''" + quote("\uff0e\uff0e\uff0fpasswd"),
}


@pytest.mark.parametrize("header", DISPOSITIONS.values(), ids=DISPOSITIONS.keys())
def test_content_disposition_names_are_made_sane(header: str, tmp_path: Path) -> None:
    name = safe_name(name_from_disposition(header), "fallback-from-url.bin")
    assert_sane(name)
    assert inside(tmp_path, name).parent == tmp_path.resolve()


@pytest.mark.parametrize("header", DISPOSITIONS.values(), ids=DISPOSITIONS.keys())
def test_a_download_lands_inside_under_a_sane_name(
    hostile: HostileServer, tmp_path: Path, header: str
) -> None:
    """The whole way: a file server's Content-Disposition, then the file on disk."""
    out = tmp_path / "out"
    out.mkdir()
    url = hostile.serve("/dl/1", b"file content", headers={"Content-Disposition": header})
    saved = download_file(make_session(retries=0), url, out, link="https://rapidgator.net/file/abc")
    assert saved.path.parent == out.resolve()
    assert_sane(saved.path.name)
    assert [p.name for p in tmp_path.rglob("*")] == ["out", saved.path.name]
    assert saved.path.read_bytes() == b"file content"


@pytest.mark.parametrize("api_name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_an_api_file_name_lands_inside_under_a_sane_name(
    hostile: HostileServer, tmp_path: Path, api_name: str
) -> None:
    """The name a provider's API gives (``ResolvedLink.filename``) wins over the others."""
    out = tmp_path / "out"
    out.mkdir()
    url = hostile.serve("/dl/2", b"x")
    saved = download_file(
        make_session(retries=0), url, out, link="https://rapidgator.net/file/abc", name=api_name
    )
    assert saved.path.parent == out.resolve()
    assert_sane(saved.path.name)
    assert {p.name for p in tmp_path.rglob("*")} == {"out", saved.path.name}


def test_a_symlink_planted_in_the_output_directory_is_not_followed(
    hostile: HostileServer, tmp_path: Path
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "f.bin").symlink_to(elsewhere / "f.bin")
    url = hostile.serve("/dl/3", b"x", headers={"Content-Disposition": 'attachment; filename="f.bin"'})
    with pytest.raises(UnsafePath):
        download_file(make_session(retries=0), url, out, link="https://rapidgator.net/file/abc")
    assert list(elsewhere.iterdir()) == []


@pytest.fixture
def registered_pin() -> Iterator[str]:
    pin = "pin4711secret"
    register_secrets([pin])
    try:
        yield pin
    finally:
        clear_secrets()


@pytest.mark.parametrize(
    "made",
    [
        "{pin}.mkv",
        "Holiday-{pin}-1080p.mkv",
        "dl_{hex}.bin",
        "https://cdn.example/{pin}/report.pdf",
    ],
)
def test_a_name_never_keeps_the_users_secret(made: str, registered_pin: str) -> None:
    """A provider that builds a file name around the user's PIN (plainly or hex-encoded):
    the file on disk does not carry it, and is still a usable name."""
    name = safe_name(made.format(pin=registered_pin, hex=registered_pin.encode().hex()))
    assert registered_pin not in name
    assert registered_pin.encode().hex() not in name
    assert name not in ("", FALLBACK_NAME) or made.startswith("https")
    assert "*" not in name  # the mask itself is no file name character on every system


def test_a_download_named_after_the_secret_lands_without_it(
    registered_pin: str, hostile: HostileServer, tmp_path: Path
) -> None:
    """The whole way: the name from the server's Content-Disposition, and the one from the
    API; neither reaches the disk with the PIN in it."""
    header = f'attachment; filename="{registered_pin}.bin"'
    url = hostile.serve("/dl/pin", b"x", headers={"Content-Disposition": header})
    for api_name in (None, f"movie.{registered_pin}.mkv"):
        out = tmp_path / ("api" if api_name else "header")
        out.mkdir()
        saved = download_file(
            make_session(retries=0), url, out, link="https://rapidgator.net/file/a", name=api_name
        )
        assert registered_pin not in saved.path.name
        assert [p.name for p in out.iterdir()] == [saved.path.name]
