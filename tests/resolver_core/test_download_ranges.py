"""The downloader against range answers that are wrong in one precise way each: the file
it saves is the server's file, or it says which answer it could not use."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses

from resolver_core.download import DownloadFailed, download_file
from resolver_core.download import fetch as fetch_module
from resolver_core.download.ranges import parse_content_range
from resolver_core.download.state import PartState, Segment, StateWriter

from .hostile_files import RIGHT, URL, Answer, HostileServer

DATA = random.Random("ranges").randbytes(10_000)


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments of 2,000 bytes, so that a small file is fetched over several connections."""
    monkeypatch.setattr(fetch_module, "MIN_SEGMENT", 2_000)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as running:
        yield running


def fetch(server: HostileServer, mock: responses.RequestsMock, out: Path, **kwargs: object) -> bytes:
    server.install(mock)
    with requests.Session() as session:
        saved = download_file(session, URL, out, link="L", size=len(DATA), **kwargs)  # type: ignore[arg-type]
    return saved.path.read_bytes()


def test_a_probe_answered_from_another_byte_is_asked_again_without_a_range(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    server = HostileServer(DATA, lambda asked, times: Answer(shift=5) if asked else RIGHT)
    assert fetch(server, mock, tmp_path, connections=1) == DATA
    assert server.requests == ["bytes=0-", None]  # no segment asked of a server like that


def test_a_segment_of_a_file_with_another_total_starts_the_download_over(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    def plan(asked: str | None, times: int) -> Answer:
        return Answer(total=1) if asked and not asked.startswith("bytes=0-") else RIGHT

    server = HostileServer(DATA, plan)
    counted: list[int] = []
    assert fetch(server, mock, tmp_path, connections=4, progress=counted.append) == DATA
    assert server.requests[-1] is None  # the whole file, on one connection, without a Range
    assert sum(counted) == len(DATA)  # what the segments had written is taken back


def test_a_206_that_claims_the_asked_start_but_says_another_total_is_not_written(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    """The bytes sent are the file's from another offset, the start claimed is the asked one:
    only the total gives it away (the file it came from is not this one)."""

    def plan(asked: str | None, times: int) -> Answer:
        if asked and asked != "bytes=0-":
            return Answer(shift=-1000, honest_start=False, total=-1)
        return RIGHT

    server = HostileServer(DATA, plan)
    assert fetch(server, mock, tmp_path, connections=2) == DATA


def test_a_206_without_a_length_sending_more_than_its_range_has_only_its_range_written(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    def plan(asked: str | None, times: int) -> Answer:
        return Answer(length=None, junk=5_000, most=1_500) if asked else RIGHT

    server = HostileServer(DATA, plan)
    assert fetch(server, mock, tmp_path, connections=1) == DATA


def test_a_206_whose_length_contradicts_its_range_is_not_used(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    def plan(asked: str | None, times: int) -> Answer:
        return Answer(length=-1_000, junk=0) if asked and asked != "bytes=0-" else RIGHT

    server = HostileServer(DATA, plan)
    assert fetch(server, mock, tmp_path, connections=3) == DATA
    assert server.requests[-1] is None


def test_a_server_that_answers_from_another_byte_even_without_a_range_is_refused(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    server = HostileServer(DATA, lambda asked, times: Answer(shift=5))
    server.install(mock)
    mock.replace(
        responses.GET, URL, status=206, headers={"Content-Range": "bytes 5-9999/10000"}, body=DATA[5:]
    )
    with requests.Session() as session, pytest.raises(DownloadFailed) as caught:
        download_file(session, URL, tmp_path, link="L", size=len(DATA))
    assert "answered a request for the whole file with the bytes from 5" in caught.value.for_person()
    assert list(tmp_path.iterdir()) == []


def test_a_200_without_a_length_longer_than_the_promise_is_cut_and_saved_when_the_sha1_agrees(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    server = HostileServer(DATA, lambda asked, times: Answer(whole=True, length=None, junk=3_000))
    sha1 = hashlib.sha1(DATA).hexdigest()
    assert fetch(server, mock, tmp_path, connections=2, sha1=sha1) == DATA


def test_a_200_without_a_length_longer_than_the_promise_fails_without_a_sha1(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    server = HostileServer(DATA, lambda asked, times: Answer(whole=True, length=None, junk=3_000))
    with pytest.raises(DownloadFailed) as caught:
        fetch(server, mock, tmp_path, connections=2)
    assert "sent more than the 10000 bytes promised" in caught.value.for_person()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes 0-9/10", (0, 9, 10)),
        ("bytes 5-9/*", (5, 9, None)),
        ("BYTES  2-2/3", (2, 2, 3)),
        ("bytes 9-5/10", None),  # ends before it starts
        ("bytes 0-10/10", None),  # past the total
        ("bytes 0-9", None),
        ("bytes */10", None),  # a 416's, not a 206's
        ("items 0-9/10", None),
        ("bytes -1-9/10", None),
        ("bytes 0-9/10, bytes 0-9/10", None),
        ("bytes 0-99999999999999999999/1", None),  # longer than any file
        ("", None),
        (None, None),
    ],
)
def test_content_range_is_read_strictly(
    header: str | None, expected: tuple[int, int, int | None] | None
) -> None:
    answered = parse_content_range(header)
    assert (None if answered is None else (answered.start, answered.end, answered.total)) == expected


def test_206_answers_that_end_before_their_range_count_as_dropped_connections(
    mock: responses.RequestsMock, tmp_path: Path
) -> None:
    """Empty bodies without a length: no error from the transport, and no progress. They
    are dropped connections (a few, then the link fails), not a loop without end."""
    server = HostileServer(DATA, lambda asked, times: Answer(length=None, cut=0) if times < 200 else RIGHT)
    with pytest.raises(DownloadFailed) as caught:
        fetch(server, mock, tmp_path, connections=1)
    assert "the connection kept failing" in caught.value.for_person()
    assert len(server.requests) < 20 and server.requests[-1] == "bytes=0-9999"


@pytest.mark.parametrize(
    "segments",
    [
        [Segment(0, 6_000, 6_000), Segment(6_000, 1 << 40, 0)],  # past the size
        [Segment(0, 4_000, 4_000), Segment(5_000, 10_000, 0)],  # a hole
        [Segment(0, 6_000, 6_000), Segment(4_000, 10_000, 0)],  # an overlap
        [Segment(2_000, 10_000, 0)],  # not from the start
        [],
    ],
)
def test_a_state_whose_segments_do_not_tile_the_file_is_not_resumed(
    mock: responses.RequestsMock, tmp_path: Path, segments: list[Segment]
) -> None:
    part = tmp_path / "data.bin.part"
    part.write_bytes(DATA[:4_000] + bytes(2_000))  # not all of it what the state claims
    StateWriter(part, PartState(URL, len(DATA), segments=segments)).save()
    server = HostileServer(DATA, lambda asked, times: RIGHT)
    assert fetch(server, mock, tmp_path, connections=2) == DATA
    assert server.requests.count("bytes=0-") == 1  # started over at once, not after a bad file
    assert all(asked in ("bytes=0-", "bytes=0-4999", "bytes=5000-9999") for asked in server.requests)
