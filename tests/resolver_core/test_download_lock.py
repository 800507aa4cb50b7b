"""The part-file lock: one process at a time on a part file, threads of one process in turn,
no lock file left behind, and a dead owner's lock gone with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import responses

from resolver_core.download import DownloadBusy, DownloadFailed, download_file
from resolver_core.download import lock as part_lock
from resolver_core.download.lock import lock_path, owning

#: Holds a FileLock on argv[1] until its stdin closes: another process, as a second run is.
HOLDER = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture(autouse=True)
def quick_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(part_lock, "BUSY_WAIT", 0.2)


@contextmanager
def held_by_another_process(path: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()


def test_a_part_held_by_another_process_is_busy_and_its_lock_is_not_touched(tmp_path: Path) -> None:
    part = tmp_path / "Film.mkv.part"
    with held_by_another_process(lock_path(part)):
        started = time.monotonic()
        with pytest.raises(DownloadBusy) as caught, owning(part, link="L"):
            pytest.fail("the block ran while another process held the part")
        assert time.monotonic() - started < 5
        assert lock_path(part).exists()  # the other process's lock file stays
    message = caught.value.for_person()
    assert message == (
        f"Film.mkv is being downloaded into {tmp_path} by another process;"
        " this run left it alone (run again once that one is done)"
    )
    assert caught.value.link == "L" and caught.value.kind == "busy"
    assert isinstance(caught.value, DownloadFailed)


def test_the_owner_leaves_no_lock_file(tmp_path: Path) -> None:
    part = tmp_path / "Film.mkv.part"
    with owning(part, link="L"):
        assert lock_path(part).exists()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError), owning(part, link="L"):
        raise RuntimeError("the download failed")
    assert list(tmp_path.iterdir()) == []


def test_the_lock_is_held_until_the_block_ends(tmp_path: Path) -> None:
    part = tmp_path / "Film.mkv.part"
    probe = [
        sys.executable,
        "-c",
        "import sys; from filelock import FileLock; FileLock(sys.argv[1]).acquire(timeout=0)",
    ]
    with owning(part, link="L"):
        refused = subprocess.run([*probe, str(lock_path(part))], capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "Timeout" in refused.stderr
    taken = subprocess.run([*probe, str(lock_path(part))], capture_output=True, text=True, check=False)
    assert taken.returncode == 0, taken.stderr


def test_a_killed_owner_leaves_no_lock_that_blocks(tmp_path: Path) -> None:
    part = tmp_path / "Film.mkv.part"
    with held_by_another_process(lock_path(part)) as holder:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        with owning(part, link="L"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    part = tmp_path / "Film.mkv.part"
    events: list[str] = []

    def second() -> None:
        with owning(part, link="mirror"):
            events.append("second in")

    with owning(part, link="first"):
        events.append("first in")
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.5)  # the second thread is waiting meanwhile, not failing
        assert waiter.is_alive()
        events.append("first out")
    waiter.join(5)
    assert events == ["first in", "first out", "second in"]
    assert list(tmp_path.iterdir()) == []


def test_a_thread_waiting_its_turn_stops_when_cancelled(tmp_path: Path) -> None:
    part = tmp_path / "Film.mkv.part"
    cancelled = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with owning(part, link="mirror", cancelled=cancelled):
                pass
        except DownloadFailed as exc:
            errors.append(exc)

    with owning(part, link="first"):
        waiter = threading.Thread(target=second)
        waiter.start()
        cancelled.set()
        waiter.join(5)
        assert not waiter.is_alive()
    assert len(errors) == 1 and "interrupted" in str(errors[0])


def test_a_lock_that_cannot_be_made_is_a_download_error(tmp_path: Path) -> None:
    part = tmp_path / "Film.mkv.part"
    lock_path(part).mkdir()  # something that is not a file has the lock file's name
    with pytest.raises(DownloadFailed) as caught, owning(part, link="L"):
        pytest.fail("the block ran without a lock")
    assert not isinstance(caught.value, DownloadBusy)
    assert f"cannot lock {lock_path(part)}" in str(caught.value)


@responses.activate
def test_download_file_leaves_another_process_s_part_as_it_is(tmp_path: Path) -> None:
    url = "https://files.example/f/Film.mkv"
    body = bytes(range(256)) * 4
    responses.add(
        responses.GET,
        url,
        body=body,
        status=206,
        headers={"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}"},
    )
    part = tmp_path / "Film.mkv.part"
    part.write_bytes(b"another process's bytes")
    state = tmp_path / "Film.mkv.part.state"
    state.write_text('{"theirs": true}', encoding="utf-8")
    with held_by_another_process(lock_path(part)), pytest.raises(DownloadBusy):
        download_file(requests.Session(), url, tmp_path, link="L", name="Film.mkv", size=len(body))
    assert part.read_bytes() == b"another process's bytes"
    assert state.read_text(encoding="utf-8") == '{"theirs": true}'
    assert not (tmp_path / "Film.mkv").exists()
    download_file(requests.Session(), url, tmp_path, link="L", name="Film.mkv", size=len(body))
    assert (tmp_path / "Film.mkv").read_bytes() == body
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Film.mkv"]
