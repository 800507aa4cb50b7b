"""The server's jobs tell the plugins when a package ends (the ``package_ended`` hook):
once, with the summary the hook documents, each observer on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from linkresolver.api import hookimpl
from resolver_core.sandbox import Sandbox
from resolver_core.web.jobs import JobManager

from .test_web_api import sandbox_resolver
from .test_web_bounds import wait_until

OFFLINE = "https://rapidgator.net/file/status404/Holiday.rar.html"
FIRST = "https://rapidgator.net/file/mirror1/Holiday.rar.html"
SECOND = "https://rg.to/file/mirror2/Holiday.rar.html"
ALONE = "https://rapidgator.net/file/alone1/Other.mkv"


class Observer:
    def __init__(self) -> None:
        self.ended: list[tuple[dict[str, Any], Any]] = []

    @hookimpl
    def package_ended(self, package: dict[str, Any], config: Any) -> None:
        self.ended.append((package, config))


class Broken:
    @hookimpl
    def package_ended(self, package: dict[str, Any]) -> None:
        raise RuntimeError("an observer's bug")


def test_a_package_that_ended_is_told_once_with_its_summary(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    observer = Observer()
    resolver.pm.register(Broken())  # registered first, called last: its bug stops nobody
    resolver.pm.register(observer)
    manager = JobManager(resolver)
    try:
        job = manager.start(
            [OFFLINE, ALONE, FIRST, SECOND],
            package="Holiday",
            password="pw-of-the-post",
            mirrors=[[FIRST, SECOND]],
        )
        wait_until(lambda: len(observer.ended) == 1)
        done = manager.start([ALONE])
        wait_until(lambda: len(observer.ended) == 2)
        manager._settle(job)  # a second ending of the same job is not told
    finally:
        manager.stop()
    (package, config), (other, _) = observer.ended
    assert config is resolver.config
    assert package["id"] == job.job_id and other["id"] == done.job_id
    assert package["name"] == "Holiday" and other["name"] == "Other.mkv"
    assert (package["origin"], package["state"], other["state"]) == ("paste", "failed", "done")
    assert package["counts"] == {"total": 4, "ok": 3, "failed": 1}  # the spare mirror's file was got
    assert [failure["link"] for failure in package["failures"]] == [OFFLINE]
    assert "deleted" in package["failures"][0]["reason"]
    assert package["created"] == job.created <= package["finished"]
    assert "password" not in package and "pw-of-the-post" not in repr(package)
    told = [r for r in caplog.records if r.getMessage().startswith("the package_ended observer of plugin")]
    assert [str(r.exc_info[1]) if r.exc_info else None for r in told] == ["an observer's bug"] * 2


def test_a_discarded_package_is_not_told(sandbox: Sandbox, tmp_path: Path) -> None:
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    observer = Observer()
    resolver.pm.register(observer)
    manager = JobManager(resolver)
    try:
        waiting = manager.start([ALONE], confirmed=False)
        manager.discard(waiting)
        manager.start([FIRST])
        wait_until(lambda: len(observer.ended) == 1)
    finally:
        manager.stop()
    assert [package["name"] for package, _ in observer.ended] == ["Holiday.rar"]
