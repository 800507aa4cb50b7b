"""A provider's wait is an event (who waits, why, until when), not a sentence to parse: the
terminal shows it as the same line as before, the web page counts down to its end."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Final

from resolver_core.cache import HosterListCache
from resolver_core.factory import build_resolver
from resolver_core.http import make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.models import ResolvedLink, Wait
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext
from resolver_core.web.jobs import JobManager
from tests.builtins import without_builtins

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config

LINK: Final = "https://rapidgator.net/file/abc"


class Waiting(ScriptedProvider):
    """Reports a 30-second wait (or a sentence that only reads like one), then holds until
    the test lets it go, so the test sees what the person sees meanwhile."""

    def __init__(self, report: str | None = None) -> None:
        super().__init__("waiter", 1)
        self.report = report
        self.reported = threading.Event()
        self.release = threading.Event()
        self.wait: Wait | None = None

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        if self.report is not None:
            ctx.report(self.report)
        else:
            self.wait = Wait.lasting(30, provider=self.name, reason="waiter's download ticket")
            ctx.report_wait(self.wait)
        self.reported.set()
        assert self.release.wait(10)
        return super().resolve(url, hoster, ctx)


def resolver_with(tmp_path: Path, provider: Waiting) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(provider)],
        env=without_builtins(),
    )
    return build_resolver(empty_config(tmp_path), pm=pm)


def test_a_wait_reads_as_the_sentence_people_know() -> None:
    before = time.time()
    wait = Wait.lasting(10, provider="openload", reason="openload's download ticket")
    assert wait.for_person() == "waiting 10 s for openload's download ticket"
    assert before + 10 <= wait.until <= time.time() + 10
    assert (wait.provider, wait.seconds) == ("openload", 10)


def test_without_a_wait_channel_the_wait_is_reported_as_its_sentence(tmp_path: Path) -> None:
    reports: list[str] = []
    ctx = ResolveContext(
        make_session(retries=0),
        HosterListCache(tmp_path, 1),
        lambda challenge: None,
        threading.Event(),
        reporter=reports.append,
    )
    ctx.report_wait(Wait.lasting(7, provider="p", reason="p's ticket"))
    assert reports == ["waiting 7 s for p's ticket"]


def test_a_run_without_a_wait_observer_shows_the_wait_as_a_report(tmp_path: Path) -> None:
    """The command line sets only ``on_report``: its line stays what it was."""
    provider = Waiting()
    provider.release.set()
    resolver = resolver_with(tmp_path, provider)
    seen: list[tuple[str, str]] = []
    resolver.on_report = lambda url, message: seen.append((url, message))
    assert resolver.resolve_many([LINK])[0].status == "ok"
    assert seen == [(LINK, "waiting 30 s for waiter's download ticket")]


def test_a_run_with_a_wait_observer_gets_the_event_with_its_link(tmp_path: Path) -> None:
    provider = Waiting()
    provider.release.set()
    resolver = resolver_with(tmp_path, provider)
    reports: list[tuple[str, str]] = []
    waits: list[tuple[str, Wait]] = []
    resolver.on_report = lambda url, message: reports.append((url, message))
    resolver.on_wait = lambda url, wait: waits.append((url, wait))
    assert resolver.resolve_many([LINK])[0].status == "ok"
    assert provider.wait is not None
    assert (waits, reports) == ([(LINK, provider.wait)], [])


def test_the_web_row_counts_down_to_the_waits_end(tmp_path: Path) -> None:
    provider = Waiting()
    manager = JobManager(resolver_with(tmp_path, provider))
    try:
        job = manager.start([LINK])
        assert provider.reported.wait(10)
        [row] = job.rows
        assert provider.wait is not None
        assert (row.state, row.message, row.wait_until) == (
            "waiting",
            "waiting 30 s for waiter's download ticket",
            provider.wait.until,
        )
        provider.release.set()
        deadline = time.monotonic() + 10
        while not job.done and time.monotonic() < deadline:
            job.wait_for_change(job.version, 0.1)
        assert (row.state, row.wait_until) == ("resolved", None)
    finally:
        provider.release.set()
        manager.stop()


def test_a_report_that_reads_like_a_wait_is_not_one(tmp_path: Path) -> None:
    """A provider's own words ("waiting 5 s for the server to answer") are shown, not parsed."""
    provider = Waiting(report="still waiting 5 s for the server to answer")
    manager = JobManager(resolver_with(tmp_path, provider))
    try:
        job = manager.start([LINK])
        assert provider.reported.wait(10)
        [row] = job.rows
        assert (row.state, row.message, row.wait_until) == (
            "resolving",
            "still waiting 5 s for the server to answer",
            None,
        )
    finally:
        provider.release.set()
        manager.stop()
