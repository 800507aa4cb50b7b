"""What the state stores' tests share: a clock moved by hand, and four threads taking from
one bucket (the same answers are expected of every store)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

from resolver_core.state import Rest, SqliteStateStore, StateStore


class FakeClock:
    """A wall clock a test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


#: Four threads' 100 takes of a bucket of 10 a second, burst 5, with the clock standing
#: still: 5 go now, and the other 95 queue one slot each, 0.1 s apart (no two share one).
FOUR_THREADS_WAITS = [0.0] * 5 + [round(0.1 * k, 6) for k in range(1, 96)]


def four_threads_take(store: StateStore) -> list[float]:
    """The waits four threads of one process are given, 25 takes each, sorted (rounded)."""
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(25):
            wait = store.take("rd", 10, 5)
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(round(w, 6) for w in waits)


def store_at(where: str) -> StateStore:
    """The store at ``where``: a Redis URL, else a SQLite file's path."""
    if where.startswith("redis://"):
        from resolver_core.state.redis import RedisStateStore

        return RedisStateStore.from_url(where)
    return SqliteStateStore(Path(where))


def _watch(where: str, ready: Any, results: Any) -> None:
    """A process that waits for a rest of ``pm`` and says when it saw it."""
    store = store_at(where)
    store.rests()  # opened, the schema there, before it says it is ready
    ready.set()
    give_up = time.time() + 10
    while (rest := store.resting("pm", "rapidgator.net")) is None and time.time() < give_up:
        time.sleep(0.01)
    results.put((time.time(), rest))
    store.close()


def rest_seen_by_another_process(where: str) -> tuple[float, Rest | None, Rest]:
    """A rest written here, watched for by another process (a fresh interpreter): how long
    it took that process to see it, what it saw, and what was written."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    process = context.Process(target=_watch, args=(where, ready, results))
    process.start()
    assert ready.wait(timeout=60)
    time.sleep(0.2)
    store = store_at(where)
    written = time.time()
    rest = store.rest(Rest("pm", None, written + 600, "fair use, 509", 509))
    seen, seen_rest = results.get(timeout=30)
    process.join(timeout=10)
    store.close()
    return seen - written, seen_rest, rest
