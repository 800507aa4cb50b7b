"""Long work for the web page: a job per paste, followed by polling or server-sent events.

Resolving can take minutes (ticket waits, captchas, cloud downloads), so a request only
starts a job and answers at once; the job's rows change as links resolve, and every change
bumps the job's ``version`` and wakes whoever waits for it. A captcha met while resolving
shows in its row (the image as a data URL) until the page answers it.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from ..hookspecs import hookimpl
from ..models import CaptchaChallenge
from ..pipeline import Outcome, Resolver

#: Jobs kept (the oldest finished ones go first).
MAX_JOBS: Final = 200
#: A provider's report of a ticket's wait ("waiting 10 s for openload's download ticket").
_WAIT: Final = re.compile(r"\bwaiting (\d{1,5}) s\b")
#: Seconds a captcha waits for the page's answer.
CAPTCHA_TIMEOUT: Final = 300.0


@dataclass
class Row:
    """One link of a job, as the page shows it."""

    position: int
    input: str
    #: queued, resolving, waiting, captcha, resolved, error, unsupported
    state: str = "queued"
    provider: str | None = None
    hoster: str | None = None
    url: str | None = None
    filename: str | None = None
    size: int | None = None
    sha1: str | None = None
    error: str | None = None
    code: int | None = None
    #: The provider's latest word on a long step ("waiting 10 s...").
    message: str | None = None
    #: While a ticket's wait runs: when it ends (Unix time), for the page's countdown.
    wait_until: float | None = None
    #: A captcha to answer: {"image": data URL}.
    captcha: dict[str, str] | None = None
    #: Downloading into the server's folder: None, downloading, saved, failed.
    download: str | None = None
    downloaded: int = 0
    #: The saved file's name in the server's folder (never a path outside it).
    saved_as: str | None = None
    verified: bool | None = None


@dataclass
class Job:
    job_id: str
    rows: list[Row]
    created: float = field(default_factory=time.time)
    done: bool = False
    version: int = 0
    #: Downloads under way (the event stream follows a job until it is done and these end).
    downloading: int = 0
    #: How each link ended, by position (for exports).
    outcomes: dict[int, Outcome] = field(default_factory=dict, repr=False)
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.job_id,
            "done": self.done,
            "downloading": self.downloading,
            "version": self.version,
            "links": [asdict(row) for row in self.rows],
        }

    def bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def wait_for_change(self, version: int, timeout: float) -> bool:
        """Block until the job is past ``version`` (True) or ``timeout`` passes (False)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.version > version, timeout)


class JobManager:
    """Starts jobs on one resolver, keeps them, routes progress and captchas to their rows."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._active: dict[str, list[tuple[Job, Row]]] = {}  # input link -> rows resolving it
        self._answers: dict[tuple[str, int], tuple[threading.Event, list[str]]] = {}
        self._lock = threading.Lock()
        resolver.on_report = self._report
        resolver.pm.register(_WebCaptchaSolver(self), name="web-captcha-solver")

    def start(self, text: str) -> Job:
        """A job for every link in ``text`` (which has some); resolving starts at once."""
        links = self.resolver.links_in([text])
        job = Job(secrets.token_urlsafe(8), [Row(n, link) for n, link in enumerate(links)])
        with self._lock:
            self.jobs[job.job_id] = job
            while len(self.jobs) > MAX_JOBS:
                oldest = next(iter(self.jobs))
                if not self.jobs[oldest].done:
                    break
                del self.jobs[oldest]
            for row in job.rows:
                self._active.setdefault(row.input, []).append((job, row))
                row.state = "resolving"
        threading.Thread(target=self._run, args=(job,), name=f"job-{job.job_id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self.jobs.get(job_id)

    def start_download(self, job: Job, folder: Path) -> int:
        """Download every resolved link of ``job`` into ``folder``; how many were started."""
        rows = [row for row in job.rows if row.state == "resolved" and row.download in (None, "failed")]
        for row in rows:
            row.download, row.downloaded, row.error = "downloading", 0, None
        job.downloading += len(rows)
        job.bump()
        if rows:
            threading.Thread(
                target=self._download, args=(job, rows, folder), name=f"download-{job.job_id}", daemon=True
            ).start()
        return len(rows)

    def _download(self, job: Job, rows: list[Row], folder: Path) -> None:
        from ..download import DownloadOutcome, download_outcome  # noqa: PLC0415

        for row in rows:
            outcome = job.outcomes[row.position]

            def progress(name: str, size: int | None, row: Row = row) -> Callable[[int], None]:
                def advance(count: int) -> None:
                    row.downloaded = max(0, row.downloaded + count)
                    job.bump()

                return advance

            result: DownloadOutcome = download_outcome(self.resolver, outcome, folder, 4, False, progress)
            if result.error is None and result.saved:
                row.download, row.saved_as = "saved", result.saved[0].path.name
                row.verified = all(saved.verified for saved in result.saved)
                row.downloaded = sum(saved.size for saved in result.saved)
            else:
                row.download = "failed"
                error = result.error or result.outcome.error
                row.error = error.for_person() if error else "the download failed"
            job.downloading -= 1
            job.bump()

    def answer_captcha(self, job: Job, position: int, answer: str) -> bool:
        waiting = self._answers.get((job.job_id, position))
        if waiting is None:
            return False
        event, box = waiting
        box.append(answer)
        event.set()
        return True

    # -- running -----------------------------------------------------------------------------

    def _run(self, job: Job) -> None:
        def done(position: int, outcome: Outcome) -> None:
            self._finish(job, job.rows[position], outcome)

        try:
            self.resolver.resolve_many([row.input for row in job.rows], done)
        finally:
            job.done = True
            job.bump()

    def _finish(self, job: Job, row: Row, outcome: Outcome) -> None:
        with self._lock:
            rows = self._active.get(row.input, [])
            if (job, row) in rows:
                rows.remove((job, row))
            if not rows:
                self._active.pop(row.input, None)
        job.outcomes[row.position] = outcome
        data = outcome.to_json()
        row.provider, row.hoster = data["provider"], data["hoster"]
        row.url, row.filename, row.size, row.sha1 = data["url"], data["filename"], data["size"], data["sha1"]
        row.error, row.code = data["error"], data["code"]
        row.state = "resolved" if outcome.status == "ok" else outcome.status
        if outcome.error is not None and outcome.error.kind in ("offline", "legal"):
            row.state = outcome.error.kind
        row.message, row.captcha, row.wait_until = None, None, None
        job.bump()

    def _rows_of(self, link: str) -> list[tuple[Job, Row]]:
        with self._lock:
            return list(self._active.get(link, []))

    def _report(self, link: str, message: str) -> None:
        wait = _WAIT.search(message)
        for job, row in self._rows_of(link):
            row.message = message
            row.state = "waiting" if wait else "resolving"
            row.wait_until = time.time() + int(wait.group(1)) if wait else None
            job.bump()

    def _solve(self, challenge: CaptchaChallenge) -> str | None:
        rows = self._rows_of(challenge.link)
        if not rows or challenge.image is None:
            return None
        job, row = rows[0]
        event, box = threading.Event(), list[str]()
        self._answers[(job.job_id, row.position)] = (event, box)
        media = (challenge.content_type or "image/png").split(";")[0]
        row.captcha = {"image": f"data:{media};base64,{base64.b64encode(challenge.image).decode()}"}
        row.state = "captcha"
        job.bump()
        try:
            answered = event.wait(CAPTCHA_TIMEOUT)
        finally:
            self._answers.pop((job.job_id, row.position), None)
            row.captcha = None
            row.state = "resolving"
            job.bump()
        return box[0] if answered and box else None


class _WebCaptchaSolver:
    """The ``solve_captcha`` implementation of the web page: the person answers in the row."""

    def __init__(self, manager: JobManager) -> None:
        self.manager = manager

    @hookimpl
    def solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
        return self.manager._solve(challenge)
