"""Long work for the web page: a job per paste (or per Click'n'Load delivery), followed by
polling or server-sent events.

Resolving can take minutes (ticket waits, captchas, cloud downloads), so a request only
starts a job and answers at once; the job's rows change as links resolve, and every change
bumps the job's ``version`` and wakes whoever waits for it. A captcha met while resolving
shows in its row (the image as a data URL) until the page answers it.

Each row is resolved on a thread of the job's own, which knows its row: a provider's reports
and captchas go to the row whose resolution asked, even when two jobs hold the same link.
A job is ``done`` only when no row is still at work, so nothing says "done" while a captcha
waits. :meth:`JobManager.stop` ends it all at once (serve's Ctrl-C).

The work is bounded, whatever arrives: at most ``running`` jobs resolve at once (the others
wait their turn, their rows shown as queued), each on at most ``threads_per_job`` threads,
and downloads on as many threads as jobs run. A job dropped from the list (discarded, or
the oldest when there are too many) is cancelled: its rows not yet started never start,
its captchas stop waiting. A Click'n'Load job may wait for the person's confirmation
before anything is spent on it (:meth:`JobManager.confirm`).

Given a package store, every job is a package that outlives the process (:mod:`.packages`):
written when it starts, each row at each change of its state (never per downloaded byte),
the job when it ends; :meth:`JobManager.restore` picks the unfinished ones up after a
restart. A job that downloads (``download``) downloads each link as soon as it is resolved,
at most ``downloads`` at once over all jobs. When a job has ended — every link, and its
downloads — the ``package_ended`` hook is told, once.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

from ..errors import Interrupted, ResolverError
from ..hookspecs import hookimpl
from ..models import CaptchaChallenge, Wait
from ..pipeline import Outcome, Resolver
from ..records import outcome_json
from ..running import MAX_WAITING
from ..state import PackageStore
from .job_downloads import DOWNLOADS, JobDownloads
from .job_keeping import MAX_JOBS, JobKeeping
from .rows import (
    AT_WORK,
    CLICKNLOAD,
    ENDED,
    MIRROR,
    PASTE,
    QUEUED,
    RESOLVING,
    UNCONFIRMED,
    WATCH,
    Job,
    Row,
)

__all__ = [
    "CLICKNLOAD",
    "DOWNLOADS",
    "MAX_JOBS",
    "PASTE",
    "WATCH",
    "Job",
    "JobManager",
    "Row",
    "RowResolving",
]

log = logging.getLogger("linkresolver")

#: How a row's link is resolved: here (``resolver.resolve_one``), or by workers elsewhere.
RowResolving = Callable[[Job, Row], Outcome]

#: Jobs resolving at once unless told otherwise (``serve --jobs``); the others queue.
RUNNING_JOBS: Final = 8
#: Threads a job resolves its links on unless told otherwise (``serve --job-threads``).
JOB_THREADS: Final = 8
#: Seconds a captcha waits for the page's answer.
CAPTCHA_TIMEOUT: Final = 300.0


class JobManager(JobKeeping, JobDownloads):
    """Starts jobs on one resolver, keeps them, routes progress and captchas to their rows;
    keeps them as packages (:class:`.job_keeping.JobKeeping`) and downloads their links
    (:class:`.job_downloads.JobDownloads`)."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        running: int = RUNNING_JOBS,
        threads_per_job: int = JOB_THREADS,
        resolve_row: RowResolving | None = None,
        store: PackageStore | None = None,
        output: Path | None = None,
        downloads: int = DOWNLOADS,
        on_ended: Callable[[Job], None] | None = None,
    ) -> None:
        self.resolver = resolver
        self.threads_per_job = threads_per_job
        #: Where the jobs are kept beyond this process (None: in memory only).
        self.store = store
        #: The server's download folder (``serve -o``): where a downloading job's files go.
        self.output = output
        #: Runs after a job has ended and was told to ``package_ended`` (pruning the history).
        self.on_ended = on_ended
        #: Resolves one row's link; by default here, with the job's password lent to it.
        self.resolve_row: RowResolving = resolve_row or (
            lambda job, row: resolver.resolve_one(row.input, password=job.password)
        )
        #: Runs the jobs, ``running`` at once; the others wait in its queue (no thread each).
        self._runner = ThreadPoolExecutor(running, thread_name_prefix="job")
        #: Runs the downloads, one link's on each thread: at most ``downloads`` at once.
        self._downloader = ThreadPoolExecutor(max(1, downloads), thread_name_prefix="download")
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        #: Bumped when any job changes or is added: the page follows every job it shows
        #: through one event stream (a browser opens few connections to a server).
        self.version = 0
        #: Bumped when a job is added, so that the page learns of Click'n'Load's jobs.
        self.listed = 0
        self.changed = threading.Condition()
        self._answers: dict[tuple[str, int], tuple[threading.Event, list[str]]] = {}
        self._lock = threading.Lock()
        #: The (job, row) the current thread resolves.
        self._here = threading.local()
        resolver.on_report = self._report
        resolver.on_wait = self._wait
        resolver.pm.register(_WebCaptchaSolver(self), name="web-captcha-solver")

    def start(
        self,
        links: Sequence[str],
        *,
        origin: str = PASTE,
        package: str | None = None,
        password: str | None = None,
        mirrors: Sequence[Sequence[str]] = (),
        download: bool = False,
        limit_rate: float | None = None,
        then: Callable[[Job], None] | None = None,
        confirmed: bool = True,
    ) -> Job:
        """A job for ``links`` (found by ``resolver.links_in``); resolving starts when its
        turn comes, or, when not ``confirmed``, after :meth:`confirm`. ``then(job)`` runs when
        every link has ended (Click'n'Load prints or downloads them). ``password`` goes to
        its links' provider calls; ``mirrors`` are groups of ``links`` holding one file
        (:func:`..paste.mirror_groups`): of each, the first that resolves is the only one.
        ``limit_rate``: bytes a second its downloads take at most together."""
        stage = QUEUED if confirmed else UNCONFIRMED
        job = Job(
            secrets.token_urlsafe(8),
            [Row(n, link, state=stage) for n, link in enumerate(links)],
            origin=origin,
            package=package,
            password=password,
            mirrors=_positions(links, mirrors),
            download=download,
            limit_rate=limit_rate,
            folder=self.output if download else None,
            stage=stage,
            then=then,
            on_change=self._touched,
        )
        self._save_whole(job)
        self._list([job])
        if confirmed:
            self._runner.submit(self._run, job)
        return job

    def _overflow(self) -> list[Job]:
        """Drop jobs beyond :data:`MAX_JOBS` (the lock held): the oldest ended ones first,
        then the oldest; returns those to cancel."""
        dropped = []
        while len(self.jobs) > MAX_JOBS:
            ended = next((key for key, job in self.jobs.items() if job.done), None)
            dropped.append(self.jobs.pop(ended if ended is not None else next(iter(self.jobs))))
        return dropped

    def confirm(self, job: Job) -> bool:
        """Start a job that waits for the person's confirmation; False if it does not wait."""
        with self._lock:
            if job.stage != UNCONFIRMED or self.jobs.get(job.job_id) is not job:
                return False
            job.stage = QUEUED
            for row in job.rows:
                row.state = QUEUED
        self._save_whole(job)
        job.bump()
        self._runner.submit(self._run, job)
        return True

    def discard(self, job: Job) -> bool:
        """Drop ``job`` from the list and cancel it; False if it was not listed."""
        with self._lock:
            if self.jobs.get(job.job_id) is not job:
                return False
            del self.jobs[job.job_id]
        self._cancel(job)
        with self.changed:
            self.listed += 1
        self._touched()
        return True

    def _cancel(self, job: Job) -> None:
        """Rows not started never start; captchas stop waiting; a waiting job ends now."""
        job.cancelled.set()
        with self._lock:
            for (job_id, _), (event, _) in self._answers.items():
                if job_id == job.job_id:
                    event.set()
            unstarted = job.stage == UNCONFIRMED
            if unstarted:
                job.stage = ENDED
        if unstarted:
            for row in job.rows:
                self._finish(job, row, _cancelled(row.input))
            job.resolved_all = True
            job.bump()

    def get(self, job_id: str) -> Job | None:
        """The job listed (:meth:`from_history` reads one of the history)."""
        with self._lock:
            return self.jobs.get(job_id)

    def kept(self) -> list[Job]:
        """Every job kept, oldest first."""
        with self._lock:
            return sorted(self.jobs.values(), key=lambda job: job.created)

    def summaries(self) -> list[dict[str, Any]]:
        return [job.summary() for job in self.kept()]

    def wait_for_change(self, version: int, timeout: float) -> bool:
        """Block until a job changed or was added after ``version`` (True) or ``timeout``
        passes (False)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.version > version, timeout)

    def _touched(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def stop(self) -> None:
        """Stop every job now: waits end, captchas stop waiting for answers, downloads stop.
        The threads end within moments, so the process can exit (serve's Ctrl-C)."""
        self.resolver.cancelled.set()
        with self._lock:
            for event, _ in self._answers.values():
                event.set()
        for pool in (self._runner, self._downloader):
            pool.shutdown(wait=False, cancel_futures=True)

    def answer_captcha(self, job: Job, position: int, answer: str) -> bool:
        with self._lock:
            waiting = self._answers.get((job.job_id, position))
            if waiting is None:
                return False
            event, box = waiting
            box.append(answer)
            event.set()
        return True

    # -- running -----------------------------------------------------------------------------

    def _run(self, job: Job) -> None:
        # A bounded number of threads: a job of a thousand links must not start a thousand
        # (the providers' own limits keep the calls they make few anyway).
        workers = max(1, min(self.threads_per_job, MAX_WAITING, len(job.rows)))
        job.stage = RESOLVING
        job.bump()
        try:
            with ThreadPoolExecutor(workers, thread_name_prefix=f"job-{job.job_id}") as pool:
                for group in _groups(job):
                    pool.submit(self._resolve_mirrors, job, [job.rows[position] for position in group])
        finally:
            job.stage = ENDED
            job.resolved_all = True
            job.bump()
        self._settle(job)
        if (
            job.then is not None
            and not self.resolver.cancelled.is_set()
            and not job.cancelled.is_set()
            and job.ended_by is None
        ):
            try:
                job.then(job)
            except Exception:  # the runner's thread lives on for the next job
                log.exception("after job %s", job.job_id)

    def _resolve_mirrors(self, job: Job, rows: list[Row]) -> None:
        """Resolve ``rows`` (one link, or mirrors of one file) in turn until one resolves;
        the mirrors after it are never asked of a provider. A row that has ended already
        (a restored job's, a retried job's) is not asked again."""
        for tried, row in enumerate(rows):
            if row.state in AT_WORK:
                self._resolve_row(job, row)
            if row.state == "resolved":
                for spare in rows[tried + 1 :]:
                    if spare.state in AT_WORK:
                        spare.mirror_of, spare.state = row.position, MIRROR
                        self._save_row(job, spare)
                job.bump()
                self._download_if_wanted(job, row)
                return

    def _resolve_row(self, job: Job, row: Row) -> None:
        outcome: Outcome
        if self.resolver.cancelled.is_set():
            outcome = Outcome(row.input, "error", error=Interrupted("stopped: the server is stopping"))
        elif job.ended_by is not None:
            outcome = Outcome(row.input, "error", error=job.ended_by)
        elif job.cancelled.is_set():
            outcome = _cancelled(row.input)
        else:
            row.state = RESOLVING
            job.bump()
            self._here.row = (job, row)
            try:
                outcome = self.resolve_row(job, row)
            except ResolverError as exc:  # only a fatal one leaves resolve_one: the job ends
                log.error("job %s ends: %s", job.job_id, exc.for_person())
                job.ended_by = job.ended_by or exc
                outcome = Outcome(row.input, "error", error=exc)
            except Exception:  # a bug must end its row, not hang the job
                log.exception("resolving %s failed", row.input)
                failed = ResolverError("linkresolver failed on this link (a bug: the log tells more)")
                outcome = Outcome(row.input, "error", error=failed)
            finally:
                self._here.row = None
        self._finish(job, row, outcome)

    def _finish(self, job: Job, row: Row, outcome: Outcome) -> None:
        job.outcomes[row.position] = outcome
        data = outcome_json(outcome)
        row.provider, row.hoster = data["provider"], data["hoster"]
        row.url, row.filename, row.size, row.sha1 = data["url"], data["filename"], data["size"], data["sha1"]
        row.error, row.code, row.files = data["error"], data["code"], data["files"]
        row.message, row.captcha, row.wait_until = None, None, None
        state = "resolved" if outcome.status == "ok" else outcome.status
        if outcome.error is not None and outcome.error.kind in ("offline", "legal"):
            state = outcome.error.kind
        row.state = state  # last: the job is done once no row is at work
        self._save_row(job, row)
        job.bump()

    def _current(self) -> tuple[Job, Row] | None:
        """The row the calling thread resolves (None off the jobs' threads)."""
        current: tuple[Job, Row] | None = getattr(self._here, "row", None)
        return current

    def _report(self, link: str, message: str) -> None:
        current = self._current()
        if current is None:
            log.info("%s: %s", link, message)
            return
        job, row = current
        row.message = message
        row.state = "resolving"
        row.wait_until = None
        job.bump()

    def _wait(self, link: str, wait: Wait) -> None:
        """A provider's wait: the row says why, and counts down to its end."""
        current = self._current()
        if current is None:
            log.info("%s: %s", link, wait.for_person())
            return
        job, row = current
        row.message = wait.for_person()
        row.state = "waiting"
        row.wait_until = wait.until
        job.bump()

    def _solve(self, challenge: CaptchaChallenge) -> str | None:
        current = self._current()
        if current is None or challenge.image is None:
            return None
        job, row = current
        event, box = threading.Event(), list[str]()
        key = (job.job_id, row.position)
        with self._lock:
            self._answers[key] = (event, box)
        if self.resolver.cancelled.is_set() or job.cancelled.is_set():  # nobody will answer
            event.set()
        media = (challenge.content_type or "image/png").split(";")[0]
        row.captcha = {"image": f"data:{media};base64,{base64.b64encode(challenge.image).decode()}"}
        row.state = "captcha"
        job.bump()
        try:
            answered = event.wait(CAPTCHA_TIMEOUT)
        finally:
            with self._lock:
                self._answers.pop(key, None)
            row.captcha = None
            row.state = "resolving"
            job.bump()
        if not answered or not box or self.resolver.cancelled.is_set() or job.cancelled.is_set():
            return None
        return box[0]


def _positions(links: Sequence[str], mirrors: Sequence[Sequence[str]]) -> list[list[int]]:
    """The mirror groups of ``links`` as their positions (a link in no group of two or
    more is left out; a link given twice counts at its first place)."""
    where = {link: position for position, link in reversed(list(enumerate(links)))}
    groups = [[where[link] for link in dict.fromkeys(group) if link in where] for group in mirrors]
    return [group for group in groups if len(group) > 1]


def _groups(job: Job) -> list[list[int]]:
    """Every row's position once: each mirror group together, every other row alone, in
    the order of the job's first rows."""
    grouped = {position: group for group in job.mirrors for position in group}
    seen: set[int] = set()
    groups = []
    for row in job.rows:
        if row.position in seen:
            continue
        group = grouped.get(row.position, [row.position])
        seen.update(group)
        groups.append(group)
    return groups


def _cancelled(link: str) -> Outcome:
    return Outcome(link, "error", error=Interrupted("cancelled: the job was discarded"))


class _WebCaptchaSolver:
    """The ``solve_captcha`` implementation of the web page: the person answers in the row."""

    def __init__(self, manager: JobManager) -> None:
        self.manager = manager

    @hookimpl
    def solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
        return self.manager._solve(challenge)
