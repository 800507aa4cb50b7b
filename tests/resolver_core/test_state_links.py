"""The state store keeps resolved links for a while: remember, recall, replace, expire,
prune; a file of the first format gains the table and keeps what it held."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from resolver_core.state import STATE_FILE, Rest, SqliteStateStore
from resolver_core.state.sqlite import MAX_LINK_KEPT, PRUNE_EVERY, SCHEMA_VERSION

from .state_helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> SqliteStateStore:
    return SqliteStateStore(tmp_path / STATE_FILE, clock=clock)


def _rows(path: Path) -> list[tuple[str, str, float]]:
    with sqlite3.connect(path) as db:
        return [(str(k), str(r), float(u)) for k, r, u in db.execute("SELECT key, record, until FROM links")]


def test_a_link_is_recalled_until_its_time_is_over(store: SqliteStateStore, clock: FakeClock) -> None:
    store.remember_link("k1", '{"url": "https://x.example/1"}', 60)
    assert store.recall_link("k1") == '{"url": "https://x.example/1"}'
    clock.now += 59.9
    assert store.recall_link("k1") == '{"url": "https://x.example/1"}'
    clock.now += 0.1
    assert store.recall_link("k1") is None


def test_an_unknown_key_is_none(store: SqliteStateStore) -> None:
    assert store.recall_link("nothing here") is None


def test_a_later_remember_replaces_record_and_time(store: SqliteStateStore, clock: FakeClock) -> None:
    store.remember_link("k", "first", 600)
    store.remember_link("k", "second", 10)
    assert store.recall_link("k") == "second"
    clock.now += 11
    assert store.recall_link("k") is None


def test_no_time_forgets_the_key(store: SqliteStateStore) -> None:
    store.remember_link("k", "kept", 600)
    store.remember_link("k", "ignored", 0)
    assert store.recall_link("k") is None
    assert _rows(store.path) == []


def test_no_link_is_kept_beyond_the_cap(store: SqliteStateStore, clock: FakeClock) -> None:
    store.remember_link("k", "r", 10 * MAX_LINK_KEPT)
    assert _rows(store.path) == [("k", "r", clock.now + MAX_LINK_KEPT)]


def test_links_past_their_time_are_pruned_now_and_then(store: SqliteStateStore, clock: FakeClock) -> None:
    store.remember_link("old", "r", 5)  # the first remember prunes (nothing yet)
    clock.now += 10
    store.remember_link("new", "r", 5)  # within PRUNE_EVERY: "old" stays in the file
    assert {row[0] for row in _rows(store.path)} == {"old", "new"}
    clock.now += PRUNE_EVERY
    store.remember_link("newest", "r", 5)
    assert {row[0] for row in _rows(store.path)} == {"newest"}


def test_a_file_of_the_first_format_gains_the_links_table_and_keeps_its_rows(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / STATE_FILE
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, stamp REAL NOT NULL);"
            "CREATE TABLE rests (provider TEXT NOT NULL, hoster TEXT NOT NULL, until REAL NOT NULL,"
            " reason TEXT NOT NULL, code INTEGER, PRIMARY KEY (provider, hoster));"
            "INSERT INTO buckets VALUES ('rd', 3.0, 999999.0);"
            f"INSERT INTO rests VALUES ('pm', '', {clock.now + 300}, 'fair use', 509);"
            "PRAGMA user_version = 1;"
        )
    store = SqliteStateStore(path, clock=clock)
    assert store.rests() == [Rest("pm", None, clock.now + 300, "fair use", 509)]
    store.remember_link("k", "r", 60)
    assert store.recall_link("k") == "r"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert db.execute("SELECT name, tokens FROM buckets").fetchall() == [("rd", 3.0)]


def _remember_in_child(path: str) -> None:
    SqliteStateStore(Path(path)).remember_link("from the child", "its record", 600)


def test_a_link_remembered_by_one_process_is_recalled_by_another(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    child = multiprocessing.get_context("spawn").Process(target=_remember_in_child, args=(str(path),))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert SqliteStateStore(path).recall_link("from the child") == "its record"
