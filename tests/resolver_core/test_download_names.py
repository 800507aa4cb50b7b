"""Download names: where they come from, how hostile ones are cleaned, where files land."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver_core.download.names import (
    FALLBACK_NAME,
    UnsafePath,
    free_name,
    inside,
    name_from_disposition,
    name_from_url,
    safe_name,
)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="a b.txt"', "a b.txt"),
        ("attachment; filename*=UTF-8''na%C3%AFve%20file.txt; filename=fallback.txt", "naïve file.txt"),
        ("attachment; filename=fallback.txt; filename*=UTF-8''na%C3%AFve%20file.txt", "naïve file.txt"),
        ("inline", None),
        (None, None),
    ],
)
def test_content_disposition_prefers_filename_star(header: str | None, name: str | None) -> None:
    assert name_from_disposition(header) == name


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("/abs/path", "path"),
        ("C:\\Windows\\system32.dll", "system32.dll"),
        ("CON", "CON_"),
        ("new\nline.txt", "new_line.txt"),
        ("..", FALLBACK_NAME),
        ("   ", FALLBACK_NAME),
        ("a\x00b.bin", "ab.bin"),
    ],
)
def test_hostile_names_become_safe_base_names(hostile: str, expected: str) -> None:
    assert safe_name(hostile) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_name("é" * 300 + ".mkv")
    assert name.endswith(".mkv") and len(name.encode()) <= 200


def test_the_first_usable_candidate_wins() -> None:
    assert safe_name(None, "..", "from-header.zip", "from-url.bin") == "from-header.zip"
    assert name_from_url("https://h.example/dl/My%20File.rar?x=1") == "My File.rar"


def test_paths_stay_inside_and_names_are_free(tmp_path: Path) -> None:
    assert inside(tmp_path, "a.bin") == tmp_path.resolve() / "a.bin"
    with pytest.raises(UnsafePath):
        inside(tmp_path, "../a.bin")
    (tmp_path / "a.bin").write_bytes(b"x")
    (tmp_path / "a (2).bin.part").write_bytes(b"x")
    assert free_name(tmp_path, "a.bin") == "a (3).bin"
    assert free_name(tmp_path, "new.bin") == "new.bin"


@pytest.mark.parametrize("ending", [".part.lock", ".part.state"])
def test_a_name_a_download_holds_is_not_free(tmp_path: Path, ending: str) -> None:
    """A mirror of the same batch holds ``a.bin`` (its lock, or its state) before its part
    exists: another file does not pick that name and then wait for it."""
    (tmp_path / "a.bin").write_bytes(b"x")
    (tmp_path / f"a (2).bin{ending}").write_bytes(b"")
    assert free_name(tmp_path, "a.bin") == "a (3).bin"
    (tmp_path / f"b.bin{ending}").write_bytes(b"")
    assert free_name(tmp_path, "b.bin") == "b (2).bin"
