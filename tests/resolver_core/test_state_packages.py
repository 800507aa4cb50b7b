"""The packages of ``linkresolver serve`` in the state store: kept, listed newest first,
paged, updated link by link, removed and pruned, across processes and a schema upgrade.

Both stores are held to the same tests: the SQLite file, and the Redis store on a real
``redis-server``.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver_core.state import (
    PACKAGE_ACTIVE,
    PACKAGE_DONE,
    PACKAGE_FAILED,
    STATE_FILE,
    PackageStore,
    SqliteStateStore,
    StateStoreError,
    StoredPackage,
    package_store,
)
from resolver_core.state.redis import RedisStateStore
from resolver_core.state.sqlite import SCHEMA_VERSION

from .state_helpers import FakeClock


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PackageStore]:
    opened: SqliteStateStore | RedisStateStore
    if request.param == "sqlite":
        opened = SqliteStateStore(tmp_path / STATE_FILE, clock=FakeClock())
    else:
        opened = RedisStateStore.from_url(request.getfixturevalue("empty_redis"))
    yield opened
    opened.close()


def _package(
    package_id: str, created: float, *, state: str = PACKAGE_ACTIVE, links: int = 2
) -> StoredPackage:
    return StoredPackage(
        package_id,
        created,
        state,
        json.dumps({"name": f"package {package_id}"}),
        [json.dumps({"position": n, "state": "queued"}) for n in range(links)],
        None if state == PACKAGE_ACTIVE else created + 5,
    )


def test_a_saved_package_comes_back_with_its_links_in_order(store: PackageStore) -> None:
    package = _package("a", 100.0, links=12)
    store.save_package(package)
    assert store.package("a") == package
    assert store.package("missing") is None


def test_saving_again_replaces_the_package_and_drops_links_it_no_longer_has(store: PackageStore) -> None:
    store.save_package(_package("a", 100.0, links=3))
    store.save_package(_package("a", 100.0, state=PACKAGE_DONE, links=1))
    again = store.package("a")
    assert again is not None
    assert (again.state, again.finished, len(again.links)) == (PACKAGE_DONE, 105.0, 1)


def test_one_link_is_replaced_and_the_others_stay(store: PackageStore) -> None:
    store.save_package(_package("a", 100.0, links=3))
    store.save_package_link("a", 1, '{"state":"resolved"}')
    kept = store.package("a")
    assert kept is not None
    assert [json.loads(link)["state"] for link in kept.links] == ["queued", "resolved", "queued"]


def test_the_package_update_keeps_the_links(store: PackageStore) -> None:
    store.save_package(_package("a", 100.0))
    store.update_package("a", record='{"name":"renamed"}', state=PACKAGE_FAILED, finished=130.0)
    kept = store.package("a")
    assert kept is not None
    assert (kept.record, kept.state, kept.finished, len(kept.links)) == (
        '{"name":"renamed"}',
        "failed",
        130.0,
        2,
    )


def test_a_removed_package_is_gone_and_late_updates_do_not_bring_it_back(store: PackageStore) -> None:
    store.save_package(_package("a", 100.0))
    assert store.remove_package("a") is True
    assert store.remove_package("a") is False
    store.save_package_link("a", 0, '{"state":"resolved"}')
    store.update_package("a", record="{}", state=PACKAGE_DONE, finished=1.0)
    assert store.package("a") is None
    assert store.packages(limit=10) == []


def test_packages_are_listed_newest_first_and_paged_by_their_time(store: PackageStore) -> None:
    for n in range(5):
        store.save_package(_package(f"p{n}", 100.0 + n, state=PACKAGE_DONE))
    first = store.packages(limit=2)
    assert [p.package_id for p in first] == ["p4", "p3"]
    second = store.packages(limit=2, before=first[-1].created)
    assert [p.package_id for p in second] == ["p2", "p1"]
    assert [p.package_id for p in store.packages(limit=2, before=second[-1].created)] == ["p0"]


def test_packages_of_one_moment_come_in_a_stable_order(store: PackageStore) -> None:
    for name in ("b", "c", "a"):
        store.save_package(_package(name, 100.0))
    assert [p.package_id for p in store.packages(limit=10)] == ["c", "b", "a"]


def test_the_list_keeps_to_the_states_asked(store: PackageStore) -> None:
    store.save_package(_package("busy", 100.0))
    store.save_package(_package("ok", 101.0, state=PACKAGE_DONE))
    store.save_package(_package("bad", 102.0, state=PACKAGE_FAILED))
    assert [p.package_id for p in store.packages(limit=10, states={PACKAGE_ACTIVE})] == ["busy"]
    assert [p.package_id for p in store.packages(limit=10, states={PACKAGE_FAILED, PACKAGE_DONE})] == [
        "bad",
        "ok",
    ]
    assert store.packages(limit=10, states=()) == []


def test_pruning_by_age_forgets_only_ended_packages_that_ended_before(store: PackageStore) -> None:
    store.save_package(_package("old", 100.0, state=PACKAGE_DONE))  # ended at 105
    store.save_package(_package("new", 200.0, state=PACKAGE_FAILED))  # ended at 205
    store.save_package(_package("busy", 50.0))  # never ended: never pruned
    assert store.prune_packages(finished_before=150.0) == 1
    assert sorted(p.package_id for p in store.packages(limit=10)) == ["busy", "new"]


def test_pruning_by_count_keeps_the_newest_ended_packages(store: PackageStore) -> None:
    for n in range(5):
        store.save_package(_package(f"p{n}", 100.0 + n, state=PACKAGE_DONE))
    store.save_package(_package("busy", 10.0))
    assert store.prune_packages(keep=2) == 3
    assert [p.package_id for p in store.packages(limit=10)] == ["p4", "p3", "busy"]
    assert store.prune_packages(keep=2) == 0
    assert store.package("p0") is None


def test_a_file_of_schema_2_gains_the_package_tables_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, stamp REAL NOT NULL);"
            "CREATE TABLE rests (provider TEXT NOT NULL, hoster TEXT NOT NULL, until REAL NOT NULL,"
            " reason TEXT NOT NULL, code INTEGER, PRIMARY KEY (provider, hoster));"
            "CREATE TABLE links (key TEXT PRIMARY KEY, record TEXT NOT NULL, until REAL NOT NULL);"
            "INSERT INTO links VALUES ('k', 'kept', 9e12);"
            "PRAGMA user_version = 2;"
        )
    store = SqliteStateStore(path)
    assert store.recall_link("k") == "kept"
    store.save_package(_package("a", 1.0))
    assert store.package("a") is not None
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def _save_in_child(path: str) -> None:
    SqliteStateStore(Path(path)).save_package_link("a", 1, '{"state":"from the child"}')


def test_another_process_sees_and_changes_the_same_packages(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / STATE_FILE)
    store.save_package(_package("a", 1.0))
    child = multiprocessing.get_context("spawn").Process(target=_save_in_child, args=(str(store.path),))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    kept = store.package("a")
    assert kept is not None
    assert json.loads(kept.links[1]) == {"state": "from the child"}


def test_a_store_that_keeps_no_packages_is_said_in_one_line() -> None:
    class OnlyBudgets:
        location = "memory://budgets"

    with pytest.raises(StateStoreError, match="cannot keep packages"):
        package_store(OnlyBudgets())  # type: ignore[arg-type]
    sqlite = SqliteStateStore(Path("unused.sqlite3"))
    assert package_store(sqlite) is sqlite


def test_the_redis_store_pages_past_packages_of_other_states(empty_redis: str) -> None:
    """More packages than one read of the sorted set brings: the list goes on reading."""
    store = RedisStateStore.from_url(empty_redis)
    try:
        store.save_package(_package("busy", 1.0))
        for n in range(450):
            store.save_package(_package(f"done{n:03}", 100.0 + n, state=PACKAGE_DONE, links=0))
        assert [p.package_id for p in store.packages(limit=5, states={PACKAGE_ACTIVE})] == ["busy"]
        assert len(store.packages(limit=1000)) == 451
        assert store.prune_packages(keep=400) == 50
        assert store.package("done049") is None and store.package("done050") is not None
        assert store.package("busy") is not None
    finally:
        store.close()


def test_the_redis_store_keeps_packages_under_its_prefix(empty_redis: str) -> None:
    store = RedisStateStore.from_url(empty_redis)
    try:
        store.save_package(_package("a", 1.0))
        keys = sorted(str(key) for key in store._client.scan_iter(match="*"))
        assert keys == ["linkresolver:package-links:a", "linkresolver:package:a", "linkresolver:packages"]
        store.remove_package("a")
        assert list(store._client.scan_iter(match="*")) == []
    finally:
        store.close()
