"""What ``linkresolver serve`` takes on stays bounded: jobs resolving at once, threads, the
jobs kept, the depth of a JSON body. Resolution itself is held back here (a stand-in that
waits for a signal), so that every job is at work at once, as under a flood of pastes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from resolver_core.errors import ResolverError
from resolver_core.pipeline import Outcome, Resolver
from resolver_core.sandbox import Sandbox
from resolver_core.web.app import create_app
from resolver_core.web.jobs import JobManager

from .test_web_api import csrf, sandbox_resolver

#: Jobs at once and threads a job, by default.
RUNNING, THREADS = 8, 8
#: Threads the whole flood may add: the jobs at once, each on its threads and its own.
THREAD_BOUND = RUNNING * (THREADS + 1)


class HeldResolution:
    """``resolve_one`` that waits until released, and remembers what it was asked."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def __call__(
        self, url: str, candidates: object = None, *, fresh: bool | None = None, password: str | None = None
    ) -> Outcome:
        with self._lock:
            self.asked.append(url)
        assert self.released.wait(60)
        return Outcome(url, "error", error=ResolverError("held for the test"))


@pytest.fixture
def held(sandbox: Sandbox, tmp_path: Path) -> Iterator[tuple[FlaskClient, HeldResolution]]:
    resolver: Resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    holding = HeldResolution()
    resolver.resolve_one = holding  # type: ignore[method-assign]
    app = create_app(resolver)
    with app.test_client() as client:
        yield client, holding
    holding.released.set()


def links(job: int, count: int = 20) -> str:
    """A job's text: ``count`` different files (files of one name would be mirrors)."""
    return "\n".join(f"https://rapidgator.net/file/bound{job}x{n}/F{n}.rar.html" for n in range(count))


def wait_until(test: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def test_two_hundred_jobs_of_twenty_links_stay_within_a_fixed_number_of_threads(
    held: tuple[FlaskClient, HeldResolution],
) -> None:
    """Before: a thread per job and one per link, 4,200 threads for this flood."""
    client, holding = held
    headers = csrf(client)
    before = set(threading.enumerate())
    ids = []
    for job in range(200):
        reply = client.post("/api/resolve", json={"text": links(job)}, headers=headers)
        assert reply.status_code == 202
        ids.append(reply.get_json()["id"])
    wait_until(lambda: len(holding.asked) == RUNNING * THREADS)
    time.sleep(0.3)  # had a thread more been started, it would be by now
    # The threads the flood started. A sandbox's server in this test process (the e2e tests
    # share one) keeps its connections on threads of their own, idle up to a few seconds:
    # those belong to that server, not to the service under test, which has no server here.
    # Nor does the process's one deadline watcher, started at the first API call of any test
    # (this one's, when its file runs alone).
    started = [
        thread.name
        for thread in threading.enumerate()
        if thread not in before
        and "process_request_thread" not in thread.name
        and thread.name != "linkresolver-deadlines"
    ]
    assert len(started) <= THREAD_BOUND, started
    assert len(holding.asked) == RUNNING * THREADS  # eight jobs, eight links each, no more
    stages = [client.get(f"/api/jobs/{job_id}").get_json() for job_id in ids]
    assert [job["stage"] for job in stages[:RUNNING]] == ["resolving"] * RUNNING
    assert {job["stage"] for job in stages[RUNNING:]} == {"queued"}
    assert {row["state"] for row in stages[-1]["links"]} == {"queued"} and not stages[-1]["done"]
    listed = {job["id"]: job["stage"] for job in client.get("/api/jobs").get_json()["jobs"]}
    assert list(listed.values()).count("queued") == 200 - RUNNING
    holding.released.set()
    wait_until(lambda: all(client.get(f"/api/jobs/{i}").get_json()["done"] for i in ids[-3:]), 120)
    assert len(holding.asked) == 200 * 20


def test_a_discarded_job_is_cancelled_and_the_oldest_is_when_too_many(
    held: tuple[FlaskClient, HeldResolution],
) -> None:
    client, holding = held
    headers = csrf(client)
    ids = [
        client.post("/api/resolve", json={"text": links(j)}, headers=headers).get_json()["id"]
        for j in range(200)
    ]
    wait_until(lambda: len(holding.asked) == RUNNING * THREADS)
    # A queued job discarded: gone from the list, and none of its links will be resolved.
    assert client.post(f"/api/jobs/{ids[10]}/discard", json={}, headers=headers).get_json() == {
        "discarded": ids[10]
    }
    assert client.get(f"/api/jobs/{ids[10]}").status_code == 404
    assert ids[10] not in {job["id"] for job in client.get("/api/jobs").get_json()["jobs"]}
    # The list is full again with two more: the oldest job (at work) is dropped and cancelled.
    extra = [
        client.post("/api/resolve", json={"text": links(j)}, headers=headers).get_json()["id"]
        for j in (200, 201)
    ]
    kept = [job["id"] for job in client.get("/api/jobs").get_json()["jobs"]]
    assert len(kept) == 200 and ids[0] not in kept and kept[-2:] == extra
    holding.released.set()
    wait_until(lambda: all(client.get(f"/api/jobs/{i}").get_json()["done"] for i in extra), 120)
    asked = set(holding.asked)
    assert not any(f"bound10x{n}/" in url for url in asked for n in range(20))
    # The oldest job had eight links at work when it was dropped; the other twelve never started.
    assert sum(url.startswith("https://rapidgator.net/file/bound0x") for url in holding.asked) == 8
    assert client.post(f"/api/jobs/{ids[10]}/discard", json={}, headers=headers).status_code == 404


def test_a_deeply_nested_body_gets_a_400_with_a_json_error(held: tuple[FlaskClient, HeldResolution]) -> None:
    """Before: a RecursionError, and Flask's HTML page of a 500."""
    client, _ = held
    headers = {**csrf(client), "Content-Type": "application/json"}
    for path in ("/api/resolve", "/api/check", "/api/jobs/nope/captcha"):
        reply = client.post(path, data="[" * 100_000, headers=headers)
        assert reply.status_code in (400, 404), (path, reply.status_code)
        assert reply.is_json and reply.get_json()["error"], path
    reply = client.post("/api/resolve", data="[" * 100_000 + "]" * 100_000, headers=headers)
    assert reply.status_code == 400 and "JSON object" in reply.get_json()["error"]


def test_the_limits_are_the_ones_given(sandbox: Sandbox, tmp_path: Path) -> None:
    """``serve --jobs 2 --job-threads 3``: two jobs at once, three links of each."""
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    holding = HeldResolution()
    resolver.resolve_one = holding  # type: ignore[method-assign]
    manager = JobManager(resolver, running=2, threads_per_job=3)
    try:
        jobs = [
            manager.start([f"https://rapidgator.net/file/given{j}x{n}/F" for n in range(5)]) for j in range(4)
        ]
        wait_until(lambda: len(holding.asked) == 2 * 3)
        time.sleep(0.3)
        assert len(holding.asked) == 6 and [job.stage for job in jobs] == ["resolving"] * 2 + ["queued"] * 2
        assert [row.state for row in jobs[0].rows] == ["resolving"] * 3 + ["queued"] * 2
    finally:
        holding.released.set()
    wait_until(lambda: all(job.done for job in jobs))
    assert len(holding.asked) == 20
