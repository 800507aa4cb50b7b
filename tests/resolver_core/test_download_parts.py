"""Part files cannot be planted or clobbered: no download is saved under a part, state or
lock file's name, a part and its state are made exclusively by their download, and a
person's own ``NAME.part`` is neither deleted nor resumed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
import responses

from resolver_core.download import DownloadFailed, download_file
from resolver_core.download import fetch as download_fetch
from resolver_core.download.names import safe_name
from resolver_core.download.state import remove_part

BODY = bytes(range(256)) * 64
URL = "https://files.example/f/victim"


def serve_with_ranges(url: str, body: bytes, name: str | None = None) -> None:
    """``url`` as a file server that takes ranges serves it (206, Content-Range)."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        first, _, last = str(request.headers["Range"]).removeprefix("bytes=").partition("-")
        start, end = int(first), int(last) if last else len(body) - 1
        headers = {"Content-Range": f"bytes {start}-{end}/{len(body)}"}
        if name is not None:
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return 206, headers, body[start : end + 1]

    responses.add_callback(responses.GET, url, callback=answer)


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ("victim.bin.part", "victim.bin_part"),
        ("victim.bin.PART", "victim.bin_PART"),
        ("victim.bin.part.state", "victim.bin_part.state"),
        ("victim.bin.Part.STATE", "victim.bin_Part.STATE"),
        ("victim.bin.part.lock", "victim.bin_part.lock"),
        ("victim.bin.part. . ", "victim.bin_part"),
        ("victim.bin\uff0epart", "victim.bin_part"),
        ("x.part.part", "x.part_part"),
        (".part", "part"),
    ],
)
def test_no_name_is_that_of_a_part_state_or_lock_file(given: str, saved: str) -> None:
    assert safe_name(given) == saved


@responses.activate
def test_files_named_as_a_part_and_its_state_are_not_resumed_as_the_victim(tmp_path: Path) -> None:
    """A download named ``victim.bin.part`` (bytes of the attacker's) and one named
    ``victim.bin.part.state`` (saying those bytes are all of ``victim.bin``) change nothing
    in a later download of ``victim.bin``."""
    planted = b"\x66" * len(BODY)
    state = {"url": URL, "size": len(BODY), "segments": [{"start": 0, "end": len(BODY), "done": len(BODY)}]}
    serve_with_ranges("https://evil.example/1", planted, "victim.bin.part")
    serve_with_ranges("https://evil.example/2", json.dumps(state).encode(), "victim.bin.part.state")
    serve_with_ranges(URL, BODY)
    session = requests.Session()
    for url in ("https://evil.example/1", "https://evil.example/2"):
        download_file(session, url, tmp_path, link=url)
    saved = download_file(session, URL, tmp_path, link="L", name="victim.bin", size=len(BODY))
    assert saved.path == (tmp_path / "victim.bin").resolve() and saved.path.read_bytes() == BODY
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "victim.bin",
        "victim.bin_part",
        "victim.bin_part.state",
    ]


@responses.activate
def test_a_persons_own_part_file_is_neither_deleted_nor_resumed(tmp_path: Path) -> None:
    serve_with_ranges(URL, BODY)
    own = tmp_path / "report.pdf.part"
    own.write_bytes(BODY[:100])  # the start of the right file, even: still not a download's
    saved = download_file(requests.Session(), URL, tmp_path, link="L", name="report.pdf", size=len(BODY))
    assert saved.path.name == "report (2).pdf" and saved.path.read_bytes() == BODY
    assert own.read_bytes() == BODY[:100]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report (2).pdf", "report.pdf.part"]
    replaced = download_file(
        requests.Session(), URL, tmp_path, link="L", name="report.pdf", size=len(BODY), overwrite=True
    )
    assert replaced.path.name == "report.pdf" and replaced.path.read_bytes() == BODY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report (2).pdf", "report.pdf"]


@pytest.mark.parametrize("ranges", [True, False])
@pytest.mark.parametrize("planted", ["victim.bin.part", "victim.bin.part.state"])
@responses.activate
def test_a_part_or_state_that_appears_as_the_download_starts_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ranges: bool, planted: str
) -> None:
    """Between removing an old part and making the new one, another program makes one: the
    download fails, and writes into neither."""
    if ranges:
        serve_with_ranges(URL, BODY)
    else:
        responses.get(URL, body=BODY, headers={"Content-Length": str(len(BODY))})
    real_remove: Callable[[Path], None] = remove_part

    def remove_then_someone_plants(part: Path) -> None:
        real_remove(part)
        (tmp_path / planted).write_bytes(b"someone else's")

    monkeypatch.setattr(download_fetch, "remove_part", remove_then_someone_plants)
    with pytest.raises(DownloadFailed, match=f"{planted} appeared while this download was starting it"):
        download_file(requests.Session(), URL, tmp_path, link="L", name="victim.bin", size=len(BODY))
    assert (tmp_path / planted).read_bytes() == b"someone else's"
    assert not (tmp_path / "victim.bin").exists()
