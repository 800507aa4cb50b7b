"""The request budget: no provider gets more than its rate of calls, from any thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import responses

from resolver_core import budget
from resolver_core.http import get_json, make_session


def test_bucket_spaces_calls_across_threads() -> None:
    bucket = budget.TokenBucket(rate=100, burst=5)
    stamps: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(10):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 40 calls, 5 at once, then 100 a second: at least 0.35 s, whatever the threads do.
    assert max(stamps) - started >= 0.34
    # In any window of 0.1 s after the burst, no more than 10 (+1 at the edge) calls.
    late = sorted(s for s in stamps if s - started > 0.06)
    assert all(sum(1 for s in late if t <= s < t + 0.1) <= 11 for t in late)


def test_rate_zero_means_no_limit() -> None:
    bucket = budget.TokenBucket(rate=0)
    started = time.monotonic()
    for _ in range(10_000):
        bucket.acquire()
    assert time.monotonic() - started < 1


def test_the_configured_rate_reaches_every_api_call(tmp_path: Path) -> None:
    budget.configure_bucket("slowpoke", rate=20, burst=1)
    session = make_session(retries=0)
    with responses.RequestsMock() as mocked:
        mocked.get("https://api.example/x", json={})
        started = time.monotonic()
        for _ in range(6):
            get_json(session, "https://api.example/x", provider="slowpoke")
        assert time.monotonic() - started >= 5 / 20 - 0.01
    budget.configure_bucket("slowpoke", rate=0)
