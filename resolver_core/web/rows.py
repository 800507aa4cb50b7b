"""A job of the web page and its rows: what the page shows of each link, as JSON.

:class:`resolver_core.web.jobs.JobManager` runs the jobs; this is their record, which every
change bumps (``version``), waking whoever follows it (polling, server-sent events).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..state.store import PACKAGE_ACTIVE, PACKAGE_DONE, PACKAGE_FAILED

if TYPE_CHECKING:
    from ..download.bandwidth import RateLimit
    from ..errors import ResolverError
    from ..outcomes import Outcome

#: The states of a row whose resolution has not ended.
AT_WORK: Final = frozenset({"unconfirmed", "queued", "resolving", "waiting", "captcha"})
#: Where a job's links came from.
PASTE: Final = "paste"
CLICKNLOAD: Final = "clicknload"
WATCH: Final = "watch"
#: The state of a row another mirror of its file served: it was never asked of a provider.
MIRROR: Final = "mirror"
#: A job's stages: waiting for the person's confirmation, waiting its turn, at work, ended.
UNCONFIRMED: Final = "unconfirmed"
QUEUED: Final = "queued"
RESOLVING: Final = "resolving"
ENDED: Final = "ended"


@dataclass
class Row:
    """One link of a job, as the page shows it."""

    position: int
    input: str
    #: unconfirmed, queued, resolving, waiting, captcha, resolved, error, unsupported,
    #: offline, legal, mirror (another mirror of the file was resolved: see ``mirror_of``)
    state: str = "queued"
    provider: str | None = None
    hoster: str | None = None
    url: str | None = None
    filename: str | None = None
    size: int | None = None
    sha1: str | None = None
    error: str | None = None
    code: int | None = None
    #: A link that holds several files (a folder, a torrent): each one's url, filename, size.
    files: list[dict[str, Any]] = field(default_factory=list)
    #: The provider's latest word on a long step ("waiting 10 s...").
    message: str | None = None
    #: While a ticket's wait runs: when it ends (Unix time), for the page's countdown.
    wait_until: float | None = None
    #: A captcha to answer: {"image": data URL}.
    captcha: dict[str, str] | None = None
    #: Downloading into the server's folder: None, downloading, saved, failed.
    download: str | None = None
    downloaded: int = 0
    #: The bytes the download will bring, when known (every file of a folder together).
    download_size: int | None = None
    #: The saved file's name in the server's folder (the first one, for a folder).
    saved_as: str | None = None
    #: The names of every file saved for the link (several for a folder).
    saved: list[str] = field(default_factory=list)
    verified: bool | None = None
    #: The position of the row holding the same file (another hoster's mirror of it), when
    #: that one was resolved and this one therefore not.
    mirror_of: int | None = None


@dataclass
class Job:
    """A paste's (or a Click'n'Load delivery's) links, resolved together."""

    job_id: str
    rows: list[Row]
    #: Where the links came from: pasted on the page, or sent by a Click'n'Load button.
    origin: str = PASTE
    #: The package name a Click'n'Load button gave (or the page that sent the links).
    package: str | None = None
    #: The archive password the paste gave next to its links (a forum post's ``pw: ...``):
    #: lent to the providers' calls for its links, shown on the page.
    password: str | None = None
    #: Positions of rows that are mirrors of one file (other hosters' copies), in the order
    #: to try them: the first that resolves serves the file, the others are not asked.
    mirrors: list[list[int]] = field(default_factory=list)
    #: Download the links into the server's folder once resolved.
    download: bool = False
    #: Bytes a second its downloads take at most together (under the server's own limit).
    limit_rate: float | None = None
    #: The limit's shared bucket, made at the package's first download.
    limiter: RateLimit | None = field(default=None, repr=False)
    #: Where its downloads go (the server's folder when the job was made).
    folder: Path | None = None
    created: float = field(default_factory=time.time)
    #: When every link and download had ended (Unix time); None until then, and again
    #: while a retry runs.
    finished: float | None = None
    #: unconfirmed, queued, resolving or ended (:data:`UNCONFIRMED`...).
    stage: str = QUEUED
    #: Set when the job is dropped: its rows not started never start.
    cancelled: threading.Event = field(default_factory=threading.Event, repr=False)
    #: Runs when every link has ended (Click'n'Load prints or downloads them).
    then: Callable[[Job], None] | None = field(default=None, repr=False)
    #: Every row's resolution has returned.
    resolved_all: bool = False
    version: int = 0
    #: Downloads under way (the event stream follows a job until it is done and these end).
    downloading: int = 0
    #: What ended the job early (the shared state store failed): its rows not yet resolved
    #: end with it, and the server goes on with the next job.
    ended_by: ResolverError | None = field(default=None, repr=False)
    #: How each link ended, by position (for exports).
    outcomes: dict[int, Outcome] = field(default_factory=dict, repr=False)
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    #: Told of every change (the manager, whose event stream carries every job's).
    on_change: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        """Every link has ended: none resolving, waiting or waiting for a captcha answer."""
        return self.resolved_all and not any(row.state in AT_WORK for row in self.rows)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "downloading": self.downloading,
            "version": self.version,
            "needs_captcha": sum(row.state == "captcha" for row in self.rows),
            "links": [asdict(row) for row in self.rows],
        }

    def summary(self) -> dict[str, Any]:
        """What the list of jobs tells about this one."""
        return {
            "id": self.job_id,
            "origin": self.origin,
            "package": self.package,
            "name": self.package,
            "password": self.password,
            "created": self.created,
            "stage": self.stage,
            "done": self.done,
            "download": self.download,
            "limit_rate": self.limit_rate,
            "state": package_state(self),
            "finished": self.finished,
            "counts": counts(self),
        }

    def bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()
        if self.on_change is not None:
            self.on_change()

    def wait_for_change(self, version: int, timeout: float) -> bool:
        """Block until the job is past ``version`` (True) or ``timeout`` passes (False)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.version > version, timeout)


def row_ok(job: Job, row: Row) -> bool:
    """Whether ``row`` ended well: resolved (and saved, in a package that downloads), or a
    mirror of a file another row served."""
    if row.state == MIRROR:
        return True
    return row.state == "resolved" and (not job.download or row.download == "saved")


def row_pending(job: Job, row: Row) -> bool:
    """Whether ``row`` still has work: resolving, or (downloading packages) its download."""
    if row.state in AT_WORK:
        return True
    return job.download and row.state == "resolved" and row.download in (None, "downloading")


def counts(job: Job) -> dict[str, int]:
    """``total``, ``ok`` and ``failed`` links (one still at work is neither)."""
    ok = sum(row_ok(job, row) for row in job.rows)
    failed = sum(not row_ok(job, row) and not row_pending(job, row) for row in job.rows)
    return {"total": len(job.rows), "ok": ok, "failed": failed}


def package_state(job: Job) -> str:
    """The store's state of ``job``: active until it has ended, then done or failed."""
    if job.finished is None:
        return PACKAGE_ACTIVE
    return PACKAGE_DONE if all(row_ok(job, row) for row in job.rows) else PACKAGE_FAILED
