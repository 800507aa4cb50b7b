"""End to end: the downloader against file servers whose sizes and ranges lie. A file is
never longer than the size the API promised, a size that contradicts it is refused before
anything is written, and a range answered from the wrong byte never lands in the file."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from resolver_core.download import DownloadFailed, download_file
from resolver_core.download.fetch import ChecksumMismatch
from resolver_core.sandbox import Sandbox
from resolver_core.sandbox.files import EXTRA

from .conftest import CLI
from .test_download import leftovers, only, sha1_of


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as running:
        yield running


@pytest.fixture
def furthest(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The furthest byte any write reached; a write past 64 MiB fails (a runaway download
    stops there instead of filling the disk)."""
    real_pwrite = os.pwrite
    reached = [0]

    def recorded(fd: int, data: bytes, offset: int) -> int:
        if offset + len(data) > 64 << 20:
            raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
        reached[0] = max(reached[0], offset + len(data))
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", recorded)
    return reached


def served(sandbox: Sandbox, name: str) -> tuple[str, bytes, str]:
    """A sandbox file's direct link, its bytes and their sha1."""
    file = sandbox.add_file(name)
    data = sandbox.file_data(file)[0]
    return sandbox.url + file.path, data, hashlib.sha1(data).hexdigest()


# -- 5: downloads stop at the size the API promised ---------------------------------------------


@pytest.mark.parametrize("connections", [1, 4])
def test_a_server_announcing_more_than_the_api_said_is_refused_before_anything_is_written(
    sandbox: Sandbox, session: requests.Session, tmp_path: Path, furthest: list[int], connections: int
) -> None:
    url, data, _ = served(sandbox, "size3m-longer.bin")
    with pytest.raises(DownloadFailed) as caught:
        download_file(session, url, tmp_path, link="L", size=len(data), connections=connections)
    message = caught.value.for_person()
    assert f"{len(data) + EXTRA} bytes" in message and f"{len(data)}" in message, message
    assert not isinstance(caught.value, ChecksumMismatch)  # refused, not fetched three times
    assert furthest == [0] and leftovers(tmp_path) == [] and list(tmp_path.glob("*.bin")) == []


def test_a_wrong_content_range_total_is_refused_before_anything_is_written(
    sandbox: Sandbox, session: requests.Session, tmp_path: Path, furthest: list[int]
) -> None:
    url, data, sha1 = served(sandbox, "size3m-badtotal.bin")
    with pytest.raises(DownloadFailed) as caught:
        download_file(session, url, tmp_path, link="L", size=len(data), sha1=sha1, connections=2)
    assert f"{2 * len(data)} bytes" in caught.value.for_person()
    assert furthest == [0] and leftovers(tmp_path) == [] and list(tmp_path.glob("*.bin")) == []


def test_an_endless_answer_stops_at_the_promised_size_and_is_corrupt_without_a_sha1(
    sandbox: Sandbox, session: requests.Session, tmp_path: Path, furthest: list[int]
) -> None:
    url, data, _ = served(sandbox, "size2m-endless.bin")
    with pytest.raises(ChecksumMismatch) as caught:
        download_file(session, url, tmp_path, link="L", size=len(data), connections=4)
    assert "more than the" in caught.value.for_person() and "nothing was kept" in caught.value.for_person()
    assert furthest[0] == len(data)  # no byte past the promise was ever written
    assert list(tmp_path.iterdir()) == []


def test_an_endless_answer_whose_first_bytes_match_the_sha1_is_saved(
    sandbox: Sandbox, session: requests.Session, tmp_path: Path, furthest: list[int]
) -> None:
    url, data, sha1 = served(sandbox, "size2m-endless-sha1.bin")
    saved = download_file(session, url, tmp_path, link="L", size=len(data), sha1=sha1, connections=4)
    assert saved.verified and saved.size == len(data) and saved.path.read_bytes() == data
    assert furthest[0] == len(data) and leftovers(tmp_path) == []


def test_the_cli_reports_a_longer_file_as_that_links_error(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = cli("download", "--json", "-o", str(out), "https://openload.co/f/size1m-longer/x")
    line = only(run)
    assert line["status"] == "error" and run.returncode == 1 and "Traceback" not in run.stderr
    assert "the provider said" in str(line["error"]) and line["path"] is None
    assert list(out.iterdir()) == []


# -- 6: range answers are checked ---------------------------------------------------------------


def test_a_server_that_answers_every_range_from_byte_zero_gives_the_right_file(
    sandbox: Sandbox,
    session: requests.Session,
    tmp_path: Path,
    furthest: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, data, sha1 = served(sandbox, "size8m-fromzero.bin")
    with caplog.at_level(logging.INFO, logger="linkresolver"):
        saved = download_file(session, url, tmp_path, link="L", size=len(data), connections=4)
    assert saved.size == len(data) and sha1_of(saved.path) == sha1  # not a corrupted one
    assert "one connection from the start" in caplog.text
    assert furthest[0] == len(data) and leftovers(tmp_path) == []


def test_the_cli_saves_the_right_file_from_a_server_that_answers_ranges_from_byte_zero(
    cli: CLI, sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    link = "https://uploaded.net/file/fz01/size8m-fromzero.bin"  # no sha1 from the API
    line = only(cli("download", "--json", "-o", str(out), "--connections", "4", link))
    assert line["status"] == "ok" and line["verified"] is False, line
    truth = sandbox.add_file("size8m-fromzero.bin", seed="uploaded.net/fz01")
    assert sha1_of(Path(str(line["path"]))) == hashlib.sha1(sandbox.file_data(truth)[0]).hexdigest()
