"""What the state stores' tests share: a clock moved by hand, and four threads taking from
one bucket (the same answers are expected of every store)."""

from __future__ import annotations

import threading

from resolver_core.state import StateStore


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
