"""A part's state is saved while downloading without the connections waiting for one
another's saves (each syncs the disk), in order, and at most once a second."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from resolver_core.download.state import PartState, Segment, StateWriter, state_path


def writer_of(tmp_path: Path, **options: float) -> tuple[StateWriter, list[Segment]]:
    segments = [Segment(0, 100 << 20), Segment(100 << 20, 200 << 20)]
    state = PartState(url="https://x.example/f", size=200 << 20, segments=segments)
    return StateWriter(tmp_path / "f.part", state, 1 << 20, fresh=True, **options), segments


def saved_done(tmp_path: Path) -> list[int]:
    data = json.loads(state_path(tmp_path / "f.part").read_text(encoding="utf-8"))
    return [segment["done"] for segment in data["segments"]]


def test_a_connection_does_not_wait_for_another_ones_slow_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, segments = writer_of(tmp_path, seconds=0)
    writer.save()
    syncing = threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        syncing.set()
        time.sleep(0.5)  # a busy disk
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    first = threading.Thread(target=writer.advance, args=(segments[0], 2 << 20))
    first.start()
    assert syncing.wait(5)
    started = time.monotonic()
    writer.advance(segments[1], 2 << 20)  # past the interval too, while the first one saves
    assert time.monotonic() - started < 0.1
    first.join()
    # The save recorded what was written before it took its copy, never more.
    assert saved_done(tmp_path)[0] == 2 << 20 and saved_done(tmp_path)[1] in (0, 2 << 20)
    writer.save()
    assert saved_done(tmp_path) == [2 << 20, 2 << 20]


def test_saves_while_downloading_are_at_most_a_second_apart(tmp_path: Path) -> None:
    writer, segments = writer_of(tmp_path)
    writer.save()
    for _ in range(50):  # 50 MiB in no time: one save would be due every MiB
        writer.advance(segments[0], 1 << 20)
    assert saved_done(tmp_path) == [0, 0]
    writer._saved_at -= 1.0  # a second later
    writer.advance(segments[0], 1 << 20)
    assert saved_done(tmp_path) == [51 << 20, 0]
