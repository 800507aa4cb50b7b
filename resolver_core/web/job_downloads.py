"""Downloads of the web page's jobs into the server's folder: a mixin of
:class:`.jobs.JobManager`.

Each link downloads on a thread of its own from one pool, so that at most ``downloads``
(``[serve] downloads``) run at once over every job, whichever job they belong to. A row's
download state is written to the store at each change (never per byte); a download that
was in flight when the server died is started again by the next one and resumes from its
part files (:func:`..download.download_outcome`).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..errors import ResolverError
from .rows import Job, Row

if TYPE_CHECKING:
    from ..download import DownloadOutcome
    from ..download.bandwidth import RateLimit
    from ..outcomes import Outcome
    from ..pipeline import Resolver

log = logging.getLogger("linkresolver")

#: Downloads at once over every job unless told otherwise (``[serve] downloads``).
DOWNLOADS: Final = 4
#: Connections each download opens (as ``linkresolver download``'s default).
CONNECTIONS: Final = 4


class JobDownloads:
    """The downloading part of :class:`.jobs.JobManager` (which sets these attributes)."""

    resolver: Resolver
    jobs: OrderedDict[str, Job]
    _lock: threading.Lock
    _downloader: ThreadPoolExecutor

    if TYPE_CHECKING:

        def _save_row(self, job: Job, row: Row) -> None: ...

        def _settle(self, job: Job) -> None: ...

    def start_download(
        self, job: Job, folder: Path, then: Callable[[list[DownloadOutcome]], None] | None = None
    ) -> int:
        """Download every resolved link of ``job`` into ``folder``; how many were started.
        ``then(results)`` gets how each ended."""
        with self._lock:
            rows = [
                row
                for row in job.rows
                if row.state == "resolved"
                and row.download in (None, "failed")
                and row.position in job.outcomes
            ]
        return self._download_rows(job, rows, folder, then)

    def _download_rows(
        self,
        job: Job,
        rows: list[Row],
        folder: Path,
        then: Callable[[list[DownloadOutcome]], None] | None,
    ) -> int:
        """Queue one download per row (the pool runs :data:`DOWNLOADS` at once); ``then``
        gets the results once the last of these rows has ended."""
        with self._lock:
            rows = [row for row in rows if row.download != "downloading"]
            for row in rows:
                row.download, row.downloaded, row.error = "downloading", 0, None
                row.download_size = _download_size(job.outcomes[row.position])
            job.downloading += len(rows)
        for row in rows:
            self._save_row(job, row)
        job.bump()
        batch = _Batch(len(rows), then)
        for row in rows:
            self._downloader.submit(self._download, job, row, folder, batch)
        return len(rows)

    def _download(self, job: Job, row: Row, folder: Path, batch: _Batch) -> None:
        from ..download import DownloadOutcome, download_outcome  # noqa: PLC0415

        def progress(name: str, size: int | None) -> Callable[[int], None]:
            def advance(count: int) -> None:
                row.downloaded = max(0, row.downloaded + count)
                job.bump()

            return advance

        outcome = job.outcomes[row.position]

        def again(links: Sequence[str]) -> list[Outcome]:  # an expired link: with its password
            return [self.resolver.resolve_one(link, fresh=True, password=job.password) for link in links]

        try:
            result = download_outcome(
                self.resolver,
                outcome,
                folder,
                CONNECTIONS,
                False,
                progress,
                again,
                package_limit=self._package_limit(job),
            )
        except Exception as exc:  # a bug must end its row, not leave the job downloading
            log.exception("downloading %s failed", row.input)
            result = DownloadOutcome(
                outcome, error=ResolverError(f"the download failed ({type(exc).__name__})")
            )
        if result.error is None and result.saved:
            row.download = "saved"
            row.saved = [saved.path.name for saved in result.saved]
            row.saved_as = row.saved[0]
            row.verified = all(saved.verified for saved in result.saved)
            row.downloaded = sum(saved.size for saved in result.saved)
        else:
            row.download = "failed"
            error = result.error or result.outcome.error
            row.error = error.for_person() if error else "the download failed"
        with self._lock:
            job.downloading -= 1
        self._save_row(job, row)
        job.bump()
        results = batch.add(result)
        if results is not None and batch.then is not None:
            try:
                batch.then(results)
            except Exception:  # the download thread lives on for the next one
                log.exception("after downloading job %s", job.job_id)
        self._settle(job)

    def _package_limit(self, job: Job) -> RateLimit | None:
        """The bucket every download of ``job`` shares (None: no limit of its own)."""
        from ..download.bandwidth import RateLimit  # noqa: PLC0415

        if job.limit_rate is None:
            return None
        with self._lock:
            if job.limiter is None:
                job.limiter = RateLimit(job.limit_rate, name=f"package {job.job_id}")
            return job.limiter

    def _download_if_wanted(self, job: Job, row: Row) -> None:
        """A downloading job's row just resolved (or found resolved after a restart):
        download it now, into the job's folder."""
        if (
            job.download
            and job.folder is not None
            and row.state == "resolved"
            and row.download is None
            and not job.cancelled.is_set()
            and not self.resolver.cancelled.is_set()
        ):
            self._download_rows(job, [row], job.folder, None)


class _Batch:
    """Downloads started together, whose ``then`` gets every result once the last ends."""

    def __init__(self, size: int, then: Callable[[list[DownloadOutcome]], None] | None) -> None:
        self.size = size
        self.then = then
        self.results: list[DownloadOutcome] = []
        self._lock = threading.Lock()

    def add(self, result: DownloadOutcome) -> list[DownloadOutcome] | None:
        """Count ``result`` in; every result when it was the last, else None."""
        with self._lock:
            self.results.append(result)
            return list(self.results) if len(self.results) == self.size else None


def _download_size(outcome: Outcome) -> int | None:
    """The bytes downloading ``outcome`` brings: every file's, or the link's when single."""
    link = outcome.link
    if link is None:
        return None
    if not link.files:
        return link.size
    sizes = [file.size for file in link.files]
    return None if None in sizes else sum(size or 0 for size in sizes)
