"""The watch folder: files read once, only when complete, moved to processed/ or failed/
(with the reason), never overwritten, never read again when they cannot be moved."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from resolver_core.errors import ConfigError
from resolver_core.intake import Dropped
from resolver_core.watch import (
    FolderWatch,
    WatchSettings,
    held_open_for_writing,
    move_without_overwriting,
    prepare_folder,
    watch_settings,
)

from .test_intake import NF, RG, links_in


class Recorder:
    def __init__(self) -> None:
        self.packages: list[tuple[Dropped, str]] = []
        self.notes: list[str] = []

    def on_package(self, dropped: Dropped, path: Path) -> None:
        self.packages.append((dropped, path.name))

    def note(self, message: str) -> None:
        self.notes.append(message)


def nobody_writes(paths: list[Path]) -> set[Path]:
    return set()


def watcher(folder: Path, record: Recorder) -> FolderWatch:
    return FolderWatch(folder, links_in, record.on_package, note=record.note, held_for_writing=nobody_writes)


def test_a_file_is_read_once_it_stays_the_same_over_two_polls(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path, record)
    (tmp_path / "post.txt").write_text(f"{RG}\npw: abc\n", encoding="utf-8")
    assert watch.poll() == 0 and record.packages == []  # seen once: perhaps still growing
    assert watch.poll() == 1
    assert record.packages == [(Dropped("post", [RG], "abc", [[RG]]), "post.txt")]
    assert not (tmp_path / "post.txt").exists()
    assert (tmp_path / "processed" / "post.txt").read_text(encoding="utf-8") == f"{RG}\npw: abc\n"
    assert watch.poll() == 0 and watch.poll() == 0 and len(record.packages) == 1


def test_a_growing_file_is_read_only_when_complete(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path, record)
    path = tmp_path / "slow.txt"
    with path.open("w", encoding="utf-8") as file:
        for link in (RG, NF):
            file.write(link)
            file.flush()
            watch.poll()
            file.write("\n")
            file.flush()
            watch.poll()
    assert record.packages == []
    watch.poll()
    assert [dropped.links for dropped, _ in record.packages] == [[RG, NF]]


def test_a_file_held_open_for_writing_waits_however_long_it_looks_still(tmp_path: Path) -> None:
    record = Recorder()
    watch = FolderWatch(tmp_path, links_in, record.on_package, note=record.note)  # the real /proc check
    path = tmp_path / "held.txt"
    with path.open("w", encoding="utf-8") as file:
        file.write(RG + "\n")
        file.flush()
        assert held_open_for_writing([path]) == {path}
        for _ in range(3):
            assert watch.poll() == 0
    assert held_open_for_writing([tmp_path / "processed" / "held.txt"]) == set()
    assert watch.poll() == 1 and len(record.packages) == 1


def test_held_open_for_writing_tells_writers_from_readers(tmp_path: Path) -> None:
    read, appended, written, closed = (tmp_path / name for name in ("r.txt", "a.txt", "w.txt", "c.txt"))
    for path in (read, appended, written, closed):
        path.write_text("x", encoding="utf-8")
    with (
        read.open(encoding="utf-8"),
        appended.open("a", encoding="utf-8"),
        written.open("r+", encoding="utf-8"),
    ):
        assert held_open_for_writing([read, appended, written, closed]) == {appended, written}
    assert held_open_for_writing([read, appended, written, closed]) == set()


def test_a_bad_file_goes_to_failed_with_its_reason(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path, record)
    (tmp_path / "broken.torrent").write_bytes(b"<html>not found</html>")
    watch.poll()
    watch.poll()
    assert record.packages == []
    assert (tmp_path / "failed" / "broken.torrent").read_bytes() == b"<html>not found</html>"
    reason = (tmp_path / "failed" / "broken.torrent.reason").read_text(encoding="utf-8")
    assert reason == "not a torrent file (not bencode: unexpected '<' at byte 0)\n"
    assert record.notes == [f"watch: broken.torrent: {reason.strip()}; moved to failed/"]


def test_a_name_taken_in_processed_gets_a_suffix_never_overwriting(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path, record)
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "post.txt").write_text("earlier", encoding="utf-8")
    (tmp_path / "processed" / "post (2).txt").write_text("earlier too", encoding="utf-8")
    (tmp_path / "post.txt").write_text(RG, encoding="utf-8")
    watch.poll()
    watch.poll()
    assert (tmp_path / "processed" / "post.txt").read_text(encoding="utf-8") == "earlier"
    assert (tmp_path / "processed" / "post (2).txt").read_text(encoding="utf-8") == "earlier too"
    assert (tmp_path / "processed" / "post (3).txt").read_text(encoding="utf-8") == RG


def test_without_hard_links_a_free_name_is_still_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "a.txt").write_text("old", encoding="utf-8")
    (tmp_path / "a.txt").write_text("new", encoding="utf-8")
    moved = move_without_overwriting(tmp_path / "a.txt", tmp_path / "done")
    assert moved.name == "a (2).txt" and moved.read_text(encoding="utf-8") == "new"
    assert (tmp_path / "done" / "a.txt").read_text(encoding="utf-8") == "old"
    assert not (tmp_path / "a.txt").exists()


def test_a_file_that_cannot_be_moved_is_reported_once_and_not_read_again(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path, record)
    (tmp_path / "processed").write_text("a file where the folder should be", encoding="utf-8")
    (tmp_path / "post.txt").write_text(RG, encoding="utf-8")
    for _ in range(5):
        watch.poll()
    assert len(record.packages) == 1 and (tmp_path / "post.txt").exists()
    assert len(record.notes) == 1 and record.notes[0].startswith("watch: cannot move post.txt to processed/:")
    # Changed (a new list of links under the same name): read again.
    (tmp_path / "post.txt").write_text(NF, encoding="utf-8")
    watch.poll()
    watch.poll()
    assert [dropped.links for dropped, _ in record.packages] == [[RG], [NF]]


def test_a_package_that_cannot_start_is_not_retried_in_a_loop(tmp_path: Path) -> None:
    calls = []

    def refuse(dropped: Dropped, path: Path) -> None:
        calls.append(path.name)
        raise RuntimeError("the server is stopping")

    watch = FolderWatch(tmp_path, links_in, refuse, note=Recorder().note, held_for_writing=nobody_writes)
    (tmp_path / "post.txt").write_text(RG, encoding="utf-8")
    for _ in range(4):
        watch.poll()
    assert calls == ["post.txt"] and (tmp_path / "post.txt").exists()


def test_other_hidden_and_temporary_files_are_left_alone(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path, record)
    names = ["notes.csv", ".hidden.txt", "post.txt.part", "post.txt~", "links.tmp", "x.crdownload"]
    for name in names:
        (tmp_path / name).write_text(RG, encoding="utf-8")
    (tmp_path / "sub.txt").mkdir()
    for _ in range(3):
        assert watch.poll() == 0
    assert record.packages == []
    assert record.notes == [
        "watch: notes.csv is left alone (the watch folder reads .txt, .crawljob, .magnet, .torrent files)"
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([*names, "sub.txt"])


def test_the_thread_picks_up_what_is_already_there_and_stops(tmp_path: Path) -> None:
    (tmp_path / "waiting.magnet").write_text(
        "magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685\n", encoding="utf-8"
    )
    got = threading.Event()
    watch = FolderWatch(
        tmp_path,
        links_in,
        lambda dropped, path: got.set(),
        interval=0.05,
        held_for_writing=nobody_writes,
    )
    watch.start()
    try:
        assert got.wait(5)
    finally:
        watch.stop()
    time.sleep(0.1)
    assert (tmp_path / "processed" / "waiting.magnet").exists()


def test_a_missing_folder_is_reported_once(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path / "gone", record)
    watch.poll()
    watch.poll()
    assert len(record.notes) == 1 and "cannot read" in record.notes[0]


# -- the settings ------------------------------------------------------------------------------


def test_settings_from_the_option_or_the_table() -> None:
    assert watch_settings({}, folder=None, where="c.toml") is None
    assert watch_settings({"interval": 5}, folder=None, where="c.toml") is None
    assert watch_settings({"folder": "/drop", "interval": 5}, folder=None, where="c.toml") == WatchSettings(
        Path("/drop"), 5.0
    )
    chosen = watch_settings({"folder": "/drop"}, folder="/given", where="c.toml")
    assert chosen == WatchSettings(Path("/given"), 2.0)
    home = watch_settings({}, folder="~/drop", where="c.toml")
    assert home is not None and home.folder == Path.home() / "drop"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"folder": 3}, "c.toml: [watch] folder must be a text (a folder's path)"),
        ({"folder": " "}, "c.toml: [watch] folder must be a text (a folder's path)"),
        ({"interval": "2"}, "c.toml: [watch] interval must be a number of seconds from 0.1 to 3600"),
        ({"interval": True}, "c.toml: [watch] interval must be a number of seconds from 0.1 to 3600"),
        ({"interval": 0}, "c.toml: [watch] interval must be a number of seconds from 0.1 to 3600"),
        ({"folders": "/x"}, "c.toml: [watch] has no key 'folders' (its keys: folder, interval)"),
    ],
)
def test_a_wrong_table_is_refused_naming_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        watch_settings(table, folder=None, where="c.toml")
    assert str(raised.value) == message


def test_prepare_folder_creates_it_and_refuses_a_file(tmp_path: Path) -> None:
    prepare_folder(tmp_path / "new" / "drop")
    assert (tmp_path / "new" / "drop").is_dir()
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        prepare_folder(tmp_path / "file")


def test_a_file_whose_folder_forbids_removing_it_stays_once_not_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving needs the right to remove the file from the watch folder: without it, the copy
    already linked into processed/ is taken back, so the file is in one place only."""
    source = tmp_path / "post.txt"
    unlink = Path.unlink

    def forbidden(path: Path, missing_ok: bool = False) -> None:
        if path == source:
            raise PermissionError(13, "Permission denied")
        unlink(path, missing_ok)

    monkeypatch.setattr(Path, "unlink", forbidden)
    record = Recorder()
    watch = watcher(tmp_path, record)
    source.write_text(RG, encoding="utf-8")
    for _ in range(4):
        watch.poll()
    assert len(record.packages) == 1 and source.exists()
    assert list((tmp_path / "processed").iterdir()) == []
    assert record.notes == [
        "watch: cannot move post.txt to processed/: Permission denied; it is not read again until it changes"
    ]


def test_a_bad_file_that_cannot_be_moved_says_why_it_failed_once(tmp_path: Path) -> None:
    record = Recorder()
    watch = watcher(tmp_path, record)
    (tmp_path / "failed").write_text("a file where the folder should be", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("no links\n", encoding="utf-8")
    for _ in range(4):
        watch.poll()
    assert record.notes == [
        "watch: cannot move empty.txt (no links in it) to failed/: File exists;"
        " it is not read again until it changes"
    ]
