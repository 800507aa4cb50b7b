"""The state stores: budgets and rests shared by processes, as today's are by threads.

The budget is held to today's token bucket (:mod:`resolver_core.budget`) call for call;
the processes' tests run real interpreters (``spawn``) against one file. The behaviour
tests (the ``store`` fixture) run against both stores, the SQLite file and a real Redis
server (``test_state_redis.py`` has the Redis store's own tests).
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import sqlite3
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from resolver_core import budget, errors
from resolver_core.state import STATE_FILE, Rest, SqliteStateStore, StateStore, StateStoreError
from resolver_core.state.redis import RedisStateStore
from resolver_core.state.sqlite import MAX_REST, SCHEMA_VERSION

from .state_helpers import FOUR_THREADS_WAITS, FakeClock, four_threads_take, rest_seen_by_another_process


class RecordingClock:
    """The real wall clock, remembering the last moment it gave: the ``now`` a take was
    computed at, so that the test knows each call's due moment exactly (now + wait)."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self) -> float:
        self.last = time.time()
        return self.last


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[StateStore]:
    """Each store, its clock moved by hand (the Redis store's scripts are given it instead
    of reading the server's)."""
    opened: StateStore
    if request.param == "sqlite":
        opened = SqliteStateStore(tmp_path / STATE_FILE, clock=clock)
    else:
        opened = RedisStateStore.from_url(request.getfixturevalue("empty_redis"))
        opened._clock = clock
    yield opened
    opened.close()


def buckets_written(store: StateStore) -> int:
    """How many budgets the store holds."""
    if isinstance(store, RedisStateStore):
        return len(list(store._client.scan_iter(match=f"{store.prefix}bucket:*")))
    assert isinstance(store, SqliteStateStore)
    with sqlite3.connect(store.path) as db:
        return int(db.execute("SELECT count(*) FROM buckets").fetchone()[0])


def todays_bucket(
    moments: list[float], rate: float, burst: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[float], float]:
    """What today's in-process :class:`budget.TokenBucket` answers to calls at ``moments``,
    and the tokens it has left after the last."""
    fake = FakeClock(moments[0])
    monkeypatch.setattr(budget, "time", types.SimpleNamespace(monotonic=fake, sleep=time.sleep))
    bucket = budget.TokenBucket(rate, burst)
    waits = []
    for moment in moments:
        fake.now = moment
        waits.append(bucket.reserve())
    return waits, bucket._tokens


# -- the budget, in one process ---------------------------------------------------------------


def test_a_full_bucket_lets_burst_calls_go_then_queues_them(store: StateStore) -> None:
    waits = [store.take("rd", per_second=20, burst=5) for _ in range(8)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([0.05, 0.10, 0.15])


def test_take_answers_as_todays_token_bucket_does(
    store: StateStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bursts, quiet spells longer than a refill, calls closer than a token: the same waits.
    gaps = [0, 0, 0, 0.01, 0.3, 0, 0, 0, 0, 0, 2.5, 0.001, 0.05, 0, 0, 0.2, 0, 0, 0, 0, 0, 0, 1.0]
    moments = [clock.now + sum(gaps[: i + 1]) for i in range(len(gaps))]
    ours = []
    for moment in moments:
        clock.now = moment
        ours.append(store.take("oc", per_second=4, burst=3))
    assert ours == pytest.approx(todays_bucket(moments, 4, 3, monkeypatch)[0], abs=1e-9)


def test_a_quiet_spell_refills_no_more_than_the_burst(store: StateStore, clock: FakeClock) -> None:
    for _ in range(3):
        store.take("rd", 10, 3)
    clock.now += 3600
    assert [store.take("rd", 10, 3) for _ in range(4)] == pytest.approx([0, 0, 0, 0.1])


def test_a_clock_set_back_refills_nothing(store: StateStore, clock: FakeClock) -> None:
    for _ in range(2):
        store.take("rd", 10, 2)
    clock.now -= 3600
    assert store.take("rd", 10, 2) == pytest.approx(0.1)


def test_rate_zero_is_no_limit_and_writes_nothing(store: StateStore) -> None:
    store.rests()  # the file made
    assert [store.take("rd", 0, 1) for _ in range(50)] == [0.0] * 50
    assert buckets_written(store) == 0
    store.take("rd", 1, 1)
    assert buckets_written(store) == 1


def test_buckets_are_separate_by_name_and_shared_by_every_store_of_the_file(
    tmp_path: Path, clock: FakeClock
) -> None:
    one = SqliteStateStore(tmp_path / STATE_FILE, clock=clock)
    other = SqliteStateStore.in_directory(tmp_path)
    other._clock = clock
    assert one.take("rd", 1, 1) == 0.0
    assert one.take("pm", 1, 1) == 0.0  # another provider's budget is untouched
    assert other.take("rd", 1, 1) == pytest.approx(1.0)  # the first store's call counts
    one.close()
    other.close()


def test_threads_of_one_process_never_share_a_slot(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / STATE_FILE, clock=FakeClock())
    waits = four_threads_take(store)
    store.close()
    assert waits == FOUR_THREADS_WAITS


def _take_in_child(store: StateStore, results: Any) -> None:
    results.put(store.take("rd", 1, 2))
    store.close()  # the parent's connection, inherited, is left alone


def test_a_forked_child_opens_its_own_connection(store: StateStore) -> None:
    assert store.take("rd", 1, 2) == 0.0  # the parent's connection is open
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_take_in_child, args=(store, results))
    child.start()
    assert results.get(timeout=30) == 0.0  # the second of the burst: counted in the file
    child.join(timeout=10)
    assert child.exitcode == 0
    assert store.take("rd", 1, 2) == pytest.approx(1.0)  # the parent sees the child's call


def test_the_store_keeps_the_protocol(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / STATE_FILE)
    typed: StateStore = store  # mypy checks the shape; this checks it is usable through it
    assert typed.location == str(store.path)


# -- rests ------------------------------------------------------------------------------------


def test_a_rest_is_read_back_as_it_was_written(store: StateStore, clock: FakeClock) -> None:
    rest = Rest("pm", None, clock.now + 600, "fair use, 509", 509)
    assert store.rest(rest) == rest
    assert store.resting("pm") == rest
    assert store.resting("pm", "rapidgator.net") == rest  # the provider's rest covers its hosters
    assert store.resting("oc") is None


def test_a_hoster_rest_keeps_only_that_hoster(store: StateStore, clock: FakeClock) -> None:
    rest = Rest("pm", "rapidgator.net", clock.now + 300, "hoster down, 428", 428)
    store.rest(rest)
    assert store.resting("pm", "rapidgator.net") == rest
    assert store.resting("pm", "nitroflare.com") is None
    assert store.resting("pm") is None


def test_the_longer_of_provider_and_hoster_rest_wins(store: StateStore, clock: FakeClock) -> None:
    short = store.rest(Rest("pm", None, clock.now + 60, "too many requests, 429", 429))
    long = store.rest(Rest("pm", "rapidgator.net", clock.now + 300, "hoster down, 428", 428))
    assert store.resting("pm", "rapidgator.net") == long
    assert store.resting("pm", "nitroflare.com") == short


def test_a_shorter_rest_never_cuts_a_longer_one(store: StateStore, clock: FakeClock) -> None:
    long = store.rest(Rest("pm", None, clock.now + 600, "fair use, 509", 509))
    assert store.rest(Rest("pm", None, clock.now + 60, "too many requests, 429", 429)) == long
    assert store.resting("pm") == long
    longer = Rest("pm", None, clock.now + 900, "maintenance, 503", 503)
    assert store.rest(longer) == longer


def test_rests_end_on_time_and_are_listed_soonest_first(store: StateStore, clock: FakeClock) -> None:
    later = store.rest(Rest("pm", None, clock.now + 600, "fair use", 509))
    sooner = store.rest(Rest("oc", "uploaded.net", clock.now + 60, "hoster down", None))
    assert store.rests() == [sooner, later]
    clock.now += 60
    assert store.rests() == [later]
    assert store.resting("oc", "uploaded.net") is None


def test_a_rest_is_cleared(store: StateStore, clock: FakeClock) -> None:
    store.rest(Rest("pm", None, clock.now + 600, "fair use", 509))
    hoster = store.rest(Rest("pm", "rapidgator.net", clock.now + 60, "down", 428))
    store.clear_rest("pm")
    assert store.resting("pm", "rapidgator.net") == hoster
    store.clear_rest("pm", "rapidgator.net")
    assert store.rests() == []


def test_no_rest_lasts_more_than_a_day(store: StateStore, clock: FakeClock) -> None:
    kept = store.rest(Rest("pm", None, clock.now + 365 * 86400, "Retry-After of a year", 429))
    assert kept.until == clock.now + MAX_REST


# -- several processes ------------------------------------------------------------------------


def _hammer(path: str, rate: float, burst: int, seconds: float, ready: Any, results: Any) -> None:
    """A process taking calls from one bucket as fast as the bucket allows, for ``seconds``."""
    clock = RecordingClock()
    store = SqliteStateStore(Path(path), clock=clock)
    store.take("warm-up", 0, 1)  # open the file before the start, not in the race
    store.rests()
    ready.wait()
    calls = []
    end = time.time() + seconds
    while time.time() < end:
        wait = store.take("rd", rate, burst)
        calls.append((clock.last, clock.last + wait))
        time.sleep(wait)
    store.close()
    results.put(calls)


def _run(target: Callable[..., None], *args: Any) -> Any:
    """Start ``target`` in a fresh interpreter (``spawn``: nothing inherited but arguments)."""
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=target, args=args)
    process.start()
    return process


def test_four_processes_share_one_budget_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rate, burst, workers = 20.0, 5, 4
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(workers + 1), context.Queue()
    path = str(tmp_path / STATE_FILE)
    processes = [_run(_hammer, path, rate, burst, 3.0, ready, results) for _ in range(workers)]
    ready.wait(timeout=60)
    per_process = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=10)
        assert process.exitcode == 0
    assert all(len(calls) >= 5 for calls in per_process), [len(c) for c in per_process]
    calls = sorted(call for process_calls in per_process for call in process_calls)

    # No call lost or counted twice: replayed in the order the file saw them (each take
    # reads the clock inside its transaction), today's token bucket gives every call the
    # same due moment.
    moments = [now for now, _ in calls]
    waits, tokens_left = todays_bucket(moments, rate, burst, monkeypatch)
    expected = [now + wait for now, wait in zip(moments, waits, strict=True)]
    assert [due for _, due in calls] == pytest.approx(expected, abs=1e-6)
    with sqlite3.connect(path) as db:
        (tokens,) = db.execute("SELECT tokens FROM buckets WHERE name = 'rd'").fetchone()
    assert tokens == pytest.approx(tokens_left, abs=1e-6)

    # No second holds more than burst + rate calls, and the processes did press the limit.
    dues = sorted(due for _, due in calls)
    busiest = max(bisect.bisect_right(dues, due + 1.0 + 1e-9) - i for i, due in enumerate(dues))
    assert busiest <= burst + rate
    assert busiest >= rate  # four unlimited processes would make thousands
    assert len(calls) <= burst + rate * (dues[-1] - dues[0]) + 1


def test_a_rest_written_by_one_process_is_seen_by_another_at_once(tmp_path: Path) -> None:
    lag, seen, written = rest_seen_by_another_process(str(tmp_path / STATE_FILE))
    assert seen == written and lag < 1.0


# -- a store that cannot be used --------------------------------------------------------------


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Another connection holding the file's write lock for ``seconds``."""
    held = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        db.rollback()
        db.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(timeout=10)
    return thread


def test_a_busy_file_is_waited_for(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / STATE_FILE, busy_timeout=5)
    store.take("rd", 1, 1)
    holder = _hold_write_lock(store.path, 0.5)
    started = time.monotonic()
    assert store.take("rd", 1, 1) > 0  # waited, then counted
    assert time.monotonic() - started >= 0.4
    holder.join()
    store.close()


def test_a_file_locked_too_long_is_a_clear_error(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / STATE_FILE, busy_timeout=0.2)
    store.take("rd", 1, 1)
    holder = _hold_write_lock(store.path, 1.0)
    with pytest.raises(StateStoreError) as caught:
        store.take("rd", 1, 1)
    holder.join()
    assert str(caught.value) == f"the state file {store.path} stayed locked by another process for over 0.2 s"
    store.close()


def _assert_clear(caught: pytest.ExceptionInfo[StateStoreError], path: Path) -> None:
    error = caught.value
    assert isinstance(error, errors.ConfigError)
    assert str(path) in str(error)
    assert error.store == str(path)
    assert "\n" not in error.for_person()
    assert "deleting it is safe" in error.for_person()
    # No driver traceback behind it: neither a cause nor a context shown.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    path.write_bytes(b"this is not an SQLite database at all, " * 200)
    with pytest.raises(StateStoreError, match=r"is damaged \(file is not a database\)") as caught:
        SqliteStateStore(path).take("rd", 1, 1)
    _assert_clear(caught, path)


def test_a_file_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    path.mkdir()  # a folder where the file should be (chmod does not stop root)
    with pytest.raises(StateStoreError, match="cannot be written") as caught:
        SqliteStateStore(path).rests()
    _assert_clear(caught, path)


def test_a_state_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file, not a folder", encoding="utf-8")
    path = tmp_path / "state" / STATE_FILE
    with pytest.raises(StateStoreError, match="cannot be created") as caught:
        SqliteStateStore(path).rest(Rest("pm", None, time.time() + 60, "fair use"))
    _assert_clear(caught, path)


def test_a_file_of_a_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateStoreError, match="newer linkresolver") as caught:
        SqliteStateStore(path).take("rd", 1, 1)
    _assert_clear(caught, path)


def test_threads_that_come_and_go_leave_no_connections_behind(tmp_path: Path) -> None:
    """A batch's threads (hundreds, a new pool a batch) share a few connections: each one
    kept open would hold its memory and its files (the database, its WAL and index) for as
    long as the process runs, and a paste page runs for months."""
    from resolver_core.state.sqlite import MAX_IDLE

    store = SqliteStateStore(tmp_path / STATE_FILE)

    def files_open() -> int:
        fds = Path("/proc/self/fd")
        return sum(1 for fd in fds.iterdir() if str(tmp_path) in _target(fd))

    for _ in range(5):
        threads = [threading.Thread(target=store.take, args=("rd", 0, 1)) for _ in range(60)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert files_open() <= 3 * MAX_IDLE
    store.close()
    assert files_open() == 0


def _target(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:  # closed between listing and reading
        return ""
