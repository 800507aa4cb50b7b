"""Jobs kept as packages in the state store, and ended once: a mixin of
:class:`.jobs.JobManager`.

Written when a job starts (:meth:`JobKeeping._save_whole`), each row at each change of its
state, the job again when it ends (:meth:`JobKeeping._settle`, which also tells the
``package_ended`` hook); a restart takes the unfinished ones up (:meth:`JobKeeping.restore`).
A failing store is logged, never the end of a job: the page goes on, only without memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from ..state import PACKAGE_ACTIVE, PackageStore, StateStoreError
from .ending import announce_ended
from .packages import job_of, link_record, package_record, stored_package, summary_of
from .rows import QUEUED, UNCONFIRMED, Job, Row, package_state, row_ok, row_pending

if TYPE_CHECKING:
    from ..pipeline import Resolver

log = logging.getLogger("linkresolver")

#: Jobs kept in memory (the oldest finished ones go first, then the oldest, which are
#: cancelled); older ones are the store's history.
MAX_JOBS: Final = 200


class JobKeeping:
    """The keeping part of :class:`.jobs.JobManager` (which sets these attributes)."""

    resolver: Resolver
    store: PackageStore | None
    on_ended: Callable[[Job], None] | None
    jobs: OrderedDict[str, Job]
    listed: int
    changed: threading.Condition
    _lock: threading.Lock
    _runner: ThreadPoolExecutor

    if TYPE_CHECKING:

        def _run(self, job: Job) -> None: ...

        def _touched(self) -> None: ...

        def _overflow(self) -> list[Job]: ...

        def _cancel(self, job: Job) -> None: ...

        def discard(self, job: Job) -> bool: ...

        def get(self, job_id: str) -> Job | None: ...

    def retry(self, job: Job) -> int:
        """Resolve (and, in a downloading job, download) again every link of an ended job
        that did not end well; how many. 0 when none failed, or the job is still at work."""
        with self._lock:
            if self.jobs.get(job.job_id) is not job or job.finished is None or job.downloading:
                return 0
            again = [row for row in job.rows if not row_ok(job, row) and not row_pending(job, row)]
            for row in again:
                job.rows[row.position] = Row(row.position, row.input, state=QUEUED)
                job.outcomes.pop(row.position, None)
            if again:
                job.finished, job.resolved_all, job.stage, job.ended_by = None, False, QUEUED, None
        if again:
            self._save_whole(job)
            job.bump()
            self._runner.submit(self._run, job)
        return len(again)

    def remove(self, job_id: str) -> bool:
        """Drop a job from the list and from the history (its files stay); a job at work is
        cancelled first. Whether it was listed or kept."""
        job = self.get(job_id)
        listed = job is not None and self.discard(job)
        kept = False
        if self.store is not None:
            try:
                kept = self.store.remove_package(job_id)
            except StateStoreError as exc:
                log.error("cannot remove package %s: %s", job_id, exc.for_person())
        return listed or kept

    def restore(self) -> int:
        """Take up the store's packages as they were when the last server stopped: every
        unfinished one (up to :data:`MAX_JOBS`, the newest) goes on — its ended links keep
        their outcomes, the others are resolved, its downloads in flight start again and
        resume from their part files — and the newest ended ones are listed beside them
        (:data:`MAX_JOBS` in all, as the list keeps). How many went on."""
        if self.store is None:
            return 0
        unfinished = self.store.packages(limit=MAX_JOBS, states={PACKAGE_ACTIVE})
        recent = self.store.packages(limit=MAX_JOBS)
        found = {stored.package_id: stored for stored in [*recent, *unfinished]}
        made = [job_of(stored) for stored in sorted(found.values(), key=lambda stored: stored.created)]
        # Overflow drops ended ones first: the unfinished are at most MAX_JOBS.
        kept = self._list(made)
        resumed = [
            job
            for job, listed in zip(made, kept, strict=True)
            if listed is job and found[job.job_id].state == PACKAGE_ACTIVE and job.stage != UNCONFIRMED
        ]
        going = [job for job in resumed if job.job_id in self.jobs]
        for job in going:
            self._runner.submit(self._run, job)
        return len(going)

    def from_history(self, job_id: str, *, listed: bool = False) -> Job | None:
        """An ended job of the history, read from the store; None when the store has none.
        ``listed``: listed again too (the person retries it), else only read."""
        if self.store is None:
            return None
        try:
            stored = self.store.package(job_id)
        except StateStoreError as exc:
            log.error("cannot read package %s: %s", job_id, exc.for_person())
            return None
        if stored is None or stored.state == PACKAGE_ACTIVE:  # another server's, at work
            return None
        found = job_of(stored)
        if not listed:
            found.on_change = self._touched
            return found
        return self._list([found])[0]

    def _list(self, jobs: list[Job]) -> list[Job]:
        """Add ``jobs`` to the list (a job of an id already listed stays: it is returned in
        its place), drop what overflows it (cancelled), and tell the page the list changed."""
        for job in jobs:
            job.on_change = self._touched
        with self._lock:
            kept = [self.jobs.setdefault(job.job_id, job) for job in jobs]
            dropped = self._overflow()
        for old in dropped:
            self._cancel(old)
        with self.changed:
            self.listed += 1
        self._touched()
        return kept

    def history(
        self, *, limit: int, before: float | None = None, states: Collection[str] | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """A page of the history, newest first: the packages' summaries, and whether older
        ones are left. Packages listed here are told as they are now (a running one's
        progress), the others as the store has them."""
        if self.store is None:
            return [], False
        stored = self.store.packages(limit=limit + 1, before=before, states=states)
        with self._lock:
            live = dict(self.jobs)
        summaries = [
            live[package.package_id].summary() if package.package_id in live else summary_of(package)
            for package in stored[:limit]
        ]
        return summaries, len(stored) > limit

    def _settle(self, job: Job) -> None:
        """End ``job`` if nothing is left to do — every link ended, every download too:
        written to the store as done or failed, and ``package_ended`` told, once. Not while
        the server stops (its rows end only because it stops: the next one goes on)."""
        if self.resolver.cancelled.is_set():
            return
        with self._lock:
            if (
                job.finished is not None
                or not job.resolved_all
                or job.downloading
                or any(row_pending(job, row) for row in job.rows)
            ):
                return
            job.finished = time.time()
        job.bump()
        self._save_job(job)
        if job.cancelled.is_set():  # discarded by the person: nobody to tell
            return
        announce_ended(self.resolver, job)  # each observer on its own: a bug ends no thread
        if self.on_ended is not None:
            try:
                self.on_ended(job)
            except Exception:
                log.exception("after package %s ended", job.job_id)

    def _save_whole(self, job: Job) -> None:
        """Write the job and every row (when it is made, confirmed or retried)."""
        self._keep(lambda store: store.save_package(stored_package(job)), job)

    def _save_job(self, job: Job) -> None:
        """Write the job's own fields (its state, when it ended)."""
        self._keep(
            lambda store: store.update_package(
                job.job_id, record=package_record(job), state=package_state(job), finished=job.finished
            ),
            job,
        )

    def _save_row(self, job: Job, row: Row) -> None:
        """Write one row, at a change of its state. Not while the server stops: a row ended
        by the stop is taken up again by the next server, as it was before."""
        if self.resolver.cancelled.is_set():
            return
        self._keep(
            lambda store: store.save_package_link(job.job_id, row.position, link_record(job, row)), job
        )

    def _keep(self, write: Callable[[PackageStore], None], job: Job) -> None:
        """Run ``write`` on the store, if any; a failing store is logged, never the end of
        the job (it is still shown, only not kept across a restart)."""
        if self.store is None:
            return
        try:
            write(self.store)
        except StateStoreError as exc:
            log.error("package %s is not kept: %s", job.job_id, exc.for_person())
