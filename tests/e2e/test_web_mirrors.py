"""Mirrors and a password in a package of ``linkresolver serve``: of the links holding one
file, the first that resolves serves it and the others are never asked of a provider; the
package's password goes with its links' calls."""

from __future__ import annotations

from pathlib import Path

from resolver_core.pipeline import Outcome
from resolver_core.sandbox import Sandbox
from resolver_core.web.jobs import JobManager, Row
from resolver_core.web.rows import Job

from .test_web_api import sandbox_resolver
from .test_web_bounds import wait_until

OFFLINE = "https://rapidgator.net/file/status404/Holiday.rar.html"
FIRST = "https://rapidgator.net/file/mirror1/Holiday.rar.html"
SECOND = "https://rg.to/file/mirror2/Holiday.rar.html"
ALONE = "https://rapidgator.net/file/alone1/Other.mkv"


def test_the_first_mirror_that_resolves_serves_the_file(sandbox: Sandbox, tmp_path: Path) -> None:
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    asked: list[tuple[str, str | None]] = []

    def resolve_row(job: Job, row: Row) -> Outcome:
        asked.append((row.input, job.password))
        return resolver.resolve_one(row.input, password=job.password)

    manager = JobManager(resolver, resolve_row=resolve_row)
    try:
        job = manager.start(
            [OFFLINE, ALONE, FIRST, SECOND], password="from-the-post", mirrors=[[OFFLINE, FIRST, SECOND]]
        )
        wait_until(lambda: job.done)
        states = [(row.state, row.mirror_of) for row in job.rows]
        assert states == [("offline", None), ("resolved", None), ("resolved", None), ("mirror", 2)]
        assert sorted(asked) == sorted((link, "from-the-post") for link in (OFFLINE, ALONE, FIRST))
        assert job.summary()["password"] == "from-the-post"
        assert 3 not in job.outcomes
    finally:
        manager.stop()


def test_links_given_twice_or_alone_are_no_mirror_group(sandbox: Sandbox, tmp_path: Path) -> None:
    manager = JobManager(sandbox_resolver(sandbox, tmp_path, sandbox.env()))
    try:
        job = manager.start([FIRST, ALONE], mirrors=[[FIRST], [ALONE, "https://elsewhere.example/x"]])
        assert job.mirrors == []
        wait_until(lambda: job.done)
        assert [row.state for row in job.rows] == ["resolved", "resolved"]
    finally:
        manager.stop()
