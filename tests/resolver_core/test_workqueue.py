"""The work queue of ``linkresolver worker`` on a real Redis server: each task delivered to
one worker, acknowledged with its result at once, taken over from a worker gone quiet but
never from a live one, and answered once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resolver_core.errors import ConfigError, FileOffline, Interrupted
from resolver_core.outcomes import Outcome
from resolver_core.web.rows import Job, Row
from resolver_core.workqueue import Task, WorkerSettings, WorkQueue, WorkQueueError
from resolver_core.workqueue_records import outcome_of, result_record
from resolver_core.workqueue_remote import RemoteRows
from resolver_core.workqueue_worker import Worker


@pytest.fixture
def queue(empty_redis: str) -> Iterator[WorkQueue]:
    opened = WorkQueue.from_url(empty_redis, claim_after=0.5)
    yield opened
    opened.close()


def done(link: str) -> dict[str, Any]:
    return result_record(Outcome(link, "error", error=FileOffline("says the file is offline", code=404)))


def test_each_task_is_delivered_to_one_worker(queue: WorkQueue) -> None:
    ids = [queue.submit("job", n, f"https://rapidgator.net/file/{n}") for n in range(10)]
    first = queue.take("a", 6, block=0.1)
    second = queue.take("b", 10, block=0.1)
    assert len(first) == 6 and len(second) == 4
    assert sorted(task.id for task in first + second) == sorted(ids)
    assert queue.take("c", 10, block=0.1) == []
    assert sorted(queue.holding("a")) == sorted(task.id for task in first)


def test_a_row_queued_again_gets_its_task_back_until_it_is_done(queue: WorkQueue) -> None:
    task_id = queue.submit("job", 0, "https://rapidgator.net/file/0")
    assert queue.submit("job", 0, "https://rapidgator.net/file/0") == task_id
    [task] = queue.take("a", 5, block=0.1)
    assert queue.complete("a", task, done(task.link))
    assert queue.submit("job", 0, "https://rapidgator.net/file/0") != task_id


def test_a_result_is_written_with_the_tasks_acknowledgement_once(queue: WorkQueue) -> None:
    queue.submit("job", 3, "https://rapidgator.net/file/3", "secret-pw")
    [task] = queue.take("a", 1, block=0.1)
    assert (task.job, task.position, task.password) == ("job", 3, "secret-pw")
    assert queue.complete("a", task, done(task.link))
    assert queue.holding("a") == []
    assert not queue.complete("a", task, done(task.link)), "acknowledged already"
    [result] = queue.results("serve", block=0.1)
    assert (result.task, result.job, result.position, result.worker) == (task.id, "job", 3, "a")
    outcome = outcome_of(result.data, task.link)
    assert isinstance(outcome.error, FileOffline) and outcome.error.code == 404
    queue.acknowledge(result.id)
    assert queue.results("serve", block=0.1) == []
    assert queue.results("serve", again=True) == []


def test_a_result_read_but_not_acknowledged_is_read_again_after_a_restart(
    queue: WorkQueue, empty_redis: str
) -> None:
    queue.submit("job", 0, "https://rapidgator.net/file/0")
    [task] = queue.take("a", 1, block=0.1)
    queue.complete("a", task, done(task.link))
    [read] = queue.results("serve", block=0.1)
    restarted = WorkQueue.from_url(empty_redis)
    try:
        [again] = restarted.results("serve", again=True)
        assert again.id == read.id
    finally:
        restarted.close()


def test_a_task_of_a_worker_gone_quiet_is_taken_over_and_its_late_answer_dropped(queue: WorkQueue) -> None:
    queue.submit("job", 0, "https://rapidgator.net/file/0")
    [task] = queue.take("dead", 1, block=0.1)
    assert queue.take("live", 1, block=0.1) == [], "not idle long enough yet"
    time.sleep(0.7)
    [taken] = queue.take("live", 1, block=0.1)
    assert taken.id == task.id and taken.deliveries == 2
    assert queue.holding("dead") == [] and queue.holding("live") == [task.id]
    assert not queue.complete("dead", task, done(task.link)), "no longer its task"
    assert queue.complete("live", taken, done(task.link))
    assert len(queue.results("serve", block=0.1)) == 1


def test_a_live_worker_keeps_its_task_however_long_it_takes(queue: WorkQueue) -> None:
    queue.submit("job", 0, "https://rapidgator.net/file/0")
    [task] = queue.take("slow", 1, block=0.1)
    for _ in range(8):  # 1.6 s, three times claim_after
        time.sleep(0.2)
        assert queue.keep("slow", [task.id]) == [task.id]
        assert queue.take("other", 1, block=0.01) == []
    assert queue.keep("other", [task.id]) == [], "a claim is refreshed only by its holder"
    assert queue.holding("slow") == [task.id]


def test_a_withdrawn_task_is_not_delivered(queue: WorkQueue) -> None:
    task_id = queue.submit("job", 0, "https://rapidgator.net/file/0")
    queue.submit("job", 1, "https://rapidgator.net/file/1")
    held = queue.task(task_id)
    assert held is not None and (held.job, held.position, held.link) == (
        "job",
        0,
        "https://rapidgator.net/file/0",
    )
    queue.withdraw(task_id, "job", 0)
    assert queue.task(task_id) is None
    [task] = queue.take("a", 5, block=0.1)
    assert task.position == 1


def test_an_unreachable_server_is_one_line_naming_it() -> None:
    from tests.redis_server import free_port

    with pytest.raises(WorkQueueError) as raised:
        WorkQueue.from_url(f"redis://:hunter2-pw@127.0.0.1:{free_port()}/0", timeout=1)
    message = raised.value.for_person()
    assert "127.0.0.1" in message and "hunter2" not in message and "\n" not in message


# -- serve's side ---------------------------------------------------------------------------------


def job_of(*links: str) -> Job:
    return Job("j1", [Row(n, link) for n, link in enumerate(links)])


def test_a_row_is_resolved_by_a_worker_and_a_second_answer_ignored(queue: WorkQueue) -> None:
    rows = RemoteRows(queue, threading.Event()).start()
    job = job_of("https://rapidgator.net/file/0")
    try:
        answer: list[Outcome] = []
        waiting = threading.Thread(target=lambda: answer.append(rows(job, job.rows[0])))
        waiting.start()
        [task] = queue.take("w", 1, block=2)
        assert job.rows[0].message == "waiting for a worker"
        queue.complete("w", task, done(task.link))
        # A duplicate result (a worker's, for the same row) arrives after the row ended.
        queue.submit("j1", 0, task.link)
        [again] = queue.take("w", 1, block=2)
        queue.complete("w", again, result_record(Outcome(task.link, "ok")))
        waiting.join(10)
        [outcome] = answer
        assert outcome.status == "error" and isinstance(outcome.error, FileOffline)
    finally:
        rows.close()


def test_a_discarded_jobs_row_takes_its_task_back(queue: WorkQueue) -> None:
    rows = RemoteRows(queue, threading.Event()).start()
    job = job_of("https://rapidgator.net/file/0")
    try:
        answer: list[Outcome] = []
        waiting = threading.Thread(target=lambda: answer.append(rows(job, job.rows[0])))
        waiting.start()
        time.sleep(0.3)
        job.cancelled.set()
        waiting.join(5)
        assert isinstance(answer[0].error, Interrupted)
        assert queue.take("w", 1, block=0.1) == []
    finally:
        rows.close()


def test_a_result_that_came_before_serve_asked_again_is_used(queue: WorkQueue) -> None:
    """A serve restarted: its job's rows are asked again, their results are there already."""
    queue.submit("j1", 0, "https://rapidgator.net/file/0")
    [task] = queue.take("w", 1, block=0.1)
    queue.complete("w", task, done(task.link))
    rows = RemoteRows(queue, threading.Event()).start()
    try:
        time.sleep(1.5)
        job = job_of("https://rapidgator.net/file/0")
        outcome = rows(job, job.rows[0])
        assert isinstance(outcome.error, FileOffline)
        assert queue.take("w", 1, block=0.1) == [], "nothing queued again"
    finally:
        rows.close()


# -- a worker ---------------------------------------------------------------------------------


class FakeResolver:
    """Resolves every link as offline, slowly (a ticket's wait), and counts the calls."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.cancelled = threading.Event()
        self.seconds = seconds
        self.calls: list[str] = []

    def resolve_one(self, url: str, *, password: str | None = None) -> Outcome:
        self.calls.append(url)
        if self.cancelled.wait(self.seconds):
            return Outcome(url, "error", error=Interrupted("stopped"))
        return Outcome(url, "error", error=FileOffline("says the file is offline", code=404))


def test_a_stopping_worker_finishes_what_it_holds_and_takes_nothing_more(queue: WorkQueue) -> None:
    for n in range(6):
        queue.submit("job", n, f"https://rapidgator.net/file/{n}")
    resolver = FakeResolver(seconds=1.0)
    worker = Worker(queue, resolver, name="w", threads=2, grace=5)  # type: ignore[arg-type]
    running = threading.Thread(target=worker.run)
    running.start()
    time.sleep(0.4)
    worker.stop()
    running.join(10)
    assert len(resolver.calls) == 2 and worker.tally.failed == 2
    assert len(queue.results("serve", block=0.1)) == 2
    assert len(queue.take("next", 10, block=0.1)) == 4


def test_a_worker_whose_grace_ends_leaves_its_tasks_for_another(queue: WorkQueue) -> None:
    queue.submit("job", 0, "https://rapidgator.net/file/0")
    resolver = FakeResolver(seconds=30.0)
    worker = Worker(queue, resolver, name="w", threads=1, grace=0.3)  # type: ignore[arg-type]
    running = threading.Thread(target=worker.run)
    running.start()
    time.sleep(0.4)
    worker.stop()
    running.join(10)
    assert not running.is_alive() and worker.tally.handed_back == 1
    assert queue.results("serve", block=0.1) == [], "no 'interrupted' answer"
    time.sleep(0.6)
    [task] = queue.take("next", 1, block=0.1)
    assert task.deliveries == 2


def test_a_task_every_worker_died_on_ends_with_an_error(queue: WorkQueue) -> None:
    resolver = FakeResolver()
    worker = Worker(queue, resolver, name="w", threads=1, grace=1)  # type: ignore[arg-type]
    outcome = worker._resolve(Task("1-0", "job", 0, "https://rapidgator.net/file/0", deliveries=4))
    assert outcome is not None and "given up after 3 workers" in str(outcome.error)
    assert resolver.calls == []


# -- settings ---------------------------------------------------------------------------------


def test_the_workers_table_is_checked_key_by_key() -> None:
    path = Path("config.toml")
    settings = WorkerSettings.from_section({"claim_after": 5, "threads": 8, "name": " box "}, path)
    assert (settings.claim_after, settings.threads, settings.name, settings.grace) == (5.0, 8, "box", 30.0)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"claim_after": "soon"}, "[workers] claim_after must be a number of seconds"),
        ({"threads": 0}, "[workers] threads must be a whole number from 1 to 256"),
        ({"name": 3}, "[workers] name must be a text"),
        ({"clam_after": 3}, "[workers] has no key 'clam_after'"),
    ]
    for table, words in cases:
        with pytest.raises(ConfigError, match=r"^config\.toml: ") as raised:
            WorkerSettings.from_section(table, path)
        assert words in str(raised.value)


class ResolvingResolver(FakeResolver):
    """Resolves every link, but has nothing to download with (a bug in the download)."""

    def resolve_one(self, url: str, *, password: str | None = None) -> Outcome:
        from resolver_core.models import ResolvedLink

        link = ResolvedLink(url, "http://127.0.0.1:9/x", "premiumize", "rapidgator", filename="x")
        return Outcome(url, "ok", link=link, provider="premiumize", hoster="rapidgator")


def test_a_link_whose_download_fails_on_a_bug_still_gets_its_result(queue: WorkQueue, tmp_path: Path) -> None:
    queue.submit("job", 0, "https://rapidgator.net/file/0")
    worker = Worker(queue, ResolvingResolver(), name="w", threads=1, grace=1, output=tmp_path)  # type: ignore[arg-type]
    [task] = queue.take("w", 1, block=0.1)
    worker._in_hand[task.id] = task
    worker._work(task)
    [result] = queue.results("serve", block=0.1)
    assert result.data["status"] == "ok" and result.data["saved"] == []
    assert "the download failed on the worker w" in result.data["download_error"]
