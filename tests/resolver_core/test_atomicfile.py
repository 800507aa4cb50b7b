"""Files are replaced whole or not at all: a crash mid-write leaves the old file and no
temporary file, for the helper and for each of its callers (hoster lists, cooldowns, the
yt-dlp claims, a download's state)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver_core import atomicfile, cooldowns, ytdlp_claims
from resolver_core.cache import HosterListCache
from resolver_core.download.state import PartState, Segment, StateWriter, remove_state, state_path


class Crash(Exception):
    """What a process dying mid-write looks like to the code around the write."""


@pytest.fixture
def failing_fsync(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The disk fails while the new contents are flushed: after they were written."""

    def fsync(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    yield


def test_writes_the_whole_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    target.write_text("old", encoding="utf-8")
    atomicfile.write_text(target, "new", prefix=".data-")
    assert target.read_text(encoding="utf-8") == "new"
    assert os.listdir(tmp_path) == ["data.json"]


def test_a_crash_mid_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(Crash), atomicfile.replacing(target, prefix=".data-") as stream:
        stream.write("half of the n")
        stream.flush()
        assert len(os.listdir(tmp_path)) == 2  # the temporary file exists meanwhile
        raise Crash
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["data.json"]


@pytest.mark.usefixtures("failing_fsync")
def test_a_failed_sync_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        atomicfile.write_text(target, "new", prefix=".data-")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["data.json"]


def test_a_failed_rename_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "data.json"
    target.write_text("old", encoding="utf-8")

    def replace(source: str, destination: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        atomicfile.write_text(target, "new", prefix=".data-")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["data.json"]


def test_the_file_and_its_directory_are_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        synced.append("directory" if os.path.isdir(f"/proc/self/fd/{handle}") else "file")
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    atomicfile.write_text(tmp_path / "data.json", "new", prefix=".data-")
    assert synced[0] == "file"
    if os.name == "posix" and os.path.isdir("/proc/self/fd"):
        assert synced == ["file", "directory"]


# -- each caller keeps its own way with a failure -------------------------------------------------


@pytest.mark.usefixtures("failing_fsync")
def test_a_hoster_list_that_cannot_be_written_keeps_the_old_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = HosterListCache(tmp_path, ttl_hours=0)
    cache.path("p").write_text(json.dumps({"hosters": ["old.example"]}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        assert cache.get("p", lambda: {"hosters": ["new.example"]}) == {"hosters": ["new.example"]}
    assert json.loads(cache.path("p").read_text(encoding="utf-8")) == {"hosters": ["old.example"]}
    assert os.listdir(tmp_path) == ["hosterlist-p.json"]
    assert any("cannot cache the hoster list of p" in r.getMessage() for r in caplog.records)


def test_cooldowns_that_cannot_be_written_keep_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rests = cooldowns.Cooldowns(tmp_path)
    rests.start("a", None, 100, "quota")
    before = (tmp_path / cooldowns.COOLDOWN_FILE).read_text(encoding="utf-8")

    def fsync(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        rests.start("b", None, 100, "quota")
    assert (tmp_path / cooldowns.COOLDOWN_FILE).read_text(encoding="utf-8") == before
    assert sorted(os.listdir(tmp_path)) == ["cooldowns.json", "cooldowns.lock"]
    assert rests.active("b") is not None  # still known to this run
    assert any("cannot remember the cooldown" in r.getMessage() for r in caplog.records)


@pytest.mark.usefixtures("failing_fsync")
def test_claims_that_cannot_be_written_keep_the_old_file(tmp_path: Path) -> None:
    old = ytdlp_claims.ClaimData("old", domains={"old.example": [0]})
    (tmp_path / ytdlp_claims.DATA_FILE).write_text(old.to_text(), encoding="utf-8")
    new = ytdlp_claims.ClaimData("new", domains={"new.example": [0]})
    ytdlp_claims.write_data(tmp_path, new)  # a cache that cannot be written: quiet, rebuilt next run
    kept = ytdlp_claims.read_data(tmp_path)
    assert kept is not None and kept.fingerprint == "old"
    assert os.listdir(tmp_path) == [ytdlp_claims.DATA_FILE]


def test_a_state_that_cannot_be_written_keeps_the_last_good_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = tmp_path / "file.bin.part"
    state = PartState(url="https://x.example/f", size=10, segments=[Segment(0, 10)])
    writer = StateWriter(part, state, fresh=True)
    writer.save()
    before = state_path(part).read_text(encoding="utf-8")

    def dump(*args: object, **kwargs: object) -> None:
        raise Crash  # the process dies while the new state is being written

    monkeypatch.setattr(json, "dump", dump)
    state.segments[0].done = 5
    with pytest.raises(Crash):
        writer.save()
    assert state_path(part).read_text(encoding="utf-8") == before
    assert os.listdir(tmp_path) == [state_path(part).name]


def test_the_temporary_state_a_killed_download_left_goes_with_its_state(tmp_path: Path) -> None:
    """SIGKILL between a state's temporary file and its rename leaves the temporary file;
    named after its part, it is deleted with that part's state, and no other part's is."""
    part = tmp_path / "file[1].bin.part"
    StateWriter(part, PartState(url="https://x.example/f", size=10, segments=[Segment(0, 10)])).save()
    stale = tmp_path / ".file[1].bin.part.state-k1ll3d"
    other = tmp_path / ".other.bin.part.state-k1ll3d"
    stale.write_text("{", encoding="utf-8")
    other.write_text("{", encoding="utf-8")
    remove_state(part)
    assert sorted(os.listdir(tmp_path)) == [other.name]
