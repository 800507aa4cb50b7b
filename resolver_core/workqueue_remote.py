"""serve's side of the work queue: a row of a job is resolved by whichever worker takes it.

:class:`RemoteRows` is a :data:`~.web.jobs.RowResolving`: the job manager calls it for a
row, on the row's thread, as it would resolve the link here; it queues the row's task and
waits for its result. One thread reads the results stream (serve's consumer group) and
hands each result to the row that waits for it. A result nobody waits for (the row ended
already, or serve restarted and has not asked for the row again yet) is kept for a while:
a row asked for again picks it up instead of queueing its link a second time.

A worker that downloaded the link says which files it saved; the row shows them.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from .errors import Interrupted
from .outcomes import Outcome
from .workqueue import Result, WorkQueue, WorkQueueError
from .workqueue_records import outcome_of

if TYPE_CHECKING:
    from .web.rows import Job, Row

log = logging.getLogger("linkresolver")

#: Results kept for rows not waiting for them (the oldest go first).
MAX_EARLY: Final = 10_000
#: Seconds between two looks at whether a waiting row's job was discarded.
LOOK_EVERY: Final = 0.5


@dataclass
class _Waiting:
    job: Job
    row: Row
    task: str | None = None
    result: Result | None = None
    arrived: threading.Event = field(default_factory=threading.Event)


class RemoteRows:
    """Resolves rows through ``queue``; ``cancelled`` is the server's stop (its resolver's).
    :meth:`start` the results' reader before the first row, :meth:`close` at the end."""

    def __init__(self, queue: WorkQueue, cancelled: threading.Event, *, consumer: str = "serve") -> None:
        self.queue = queue
        self.cancelled = cancelled
        self.consumer = consumer
        self._waiting: dict[tuple[str, int], _Waiting] = {}
        self._early: OrderedDict[tuple[str, int], Result] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, name="worker-results", daemon=True)

    def start(self) -> RemoteRows:
        self._reader.start()
        return self

    def close(self) -> None:
        self._closed.set()
        if self._reader.is_alive():
            self._reader.join(5)

    def __call__(self, job: Job, row: Row) -> Outcome:
        key = (job.job_id, row.position)
        waiting = _Waiting(job, row)
        with self._lock:
            early = self._early.pop(key, None)
            if early is not None and early.link == row.input:
                waiting.result = early
            else:
                self._waiting[key] = waiting
        if waiting.result is None:
            row.message = "waiting for a worker"
            job.bump()
            try:
                waiting.task = self.queue.submit(job.job_id, row.position, row.input, job.password)
            except WorkQueueError:
                with self._lock:
                    self._waiting.pop(key, None)
                raise  # fatal: the job ends with it, saying which server failed
            while not waiting.arrived.wait(LOOK_EVERY):
                if job.cancelled.is_set() or self.cancelled.is_set():
                    return self._given_up(key, waiting)
        assert waiting.result is not None
        return self._outcome(waiting.result, row)

    def _given_up(self, key: tuple[str, int], waiting: _Waiting) -> Outcome:
        """The job was discarded, or serve stops: the row's task is taken back."""
        with self._lock:
            self._waiting.pop(key, None)
        if waiting.task is not None and not self.cancelled.is_set():
            try:
                self.queue.withdraw(waiting.task, *key)
            except WorkQueueError as exc:
                log.warning("%s", exc.for_person())
        if self.cancelled.is_set():
            return Outcome(waiting.row.input, "error", error=Interrupted("stopped: the server is stopping"))
        return Outcome(waiting.row.input, "error", error=Interrupted("cancelled: the job was discarded"))

    def _outcome(self, result: Result, row: Row) -> Outcome:
        """The result's outcome; the files its worker saved, in the row."""
        outcome = outcome_of(result.data, row.input)
        saved = result.data.get("saved")
        if isinstance(saved, list) and saved:
            names = [str(item.get("name")) for item in saved if isinstance(item, dict)]
            row.download, row.saved, row.saved_as = "saved", names, names[0] if names else None
            row.verified = all(bool(item.get("verified")) for item in saved if isinstance(item, dict))
            row.downloaded = sum(int(item.get("size") or 0) for item in saved if isinstance(item, dict))
        elif result.data.get("download_error"):
            row.download = "failed"
        row.message = None
        return outcome

    def _read(self) -> None:
        """Hand every result to its row; first those read before a restart and not acknowledged."""
        again = True
        while not self._closed.is_set():
            try:
                results = self.queue.results(self.consumer, block=1.0, again=again)
            except WorkQueueError as exc:
                log.warning("%s (trying again)", exc.for_person())
                self._closed.wait(2.0)
                continue
            if again and not results:
                again = False
                continue
            for result in results:
                self._deliver(result)
                try:
                    self.queue.acknowledge(result.id)
                except WorkQueueError as exc:
                    log.warning("%s", exc.for_person())

    def _deliver(self, result: Result) -> None:
        key = (result.job, result.position)
        with self._lock:
            waiting = self._waiting.get(key)
            if waiting is not None and waiting.row.input == result.link and waiting.result is None:
                del self._waiting[key]
                waiting.result = result
                waiting.arrived.set()
                return
            self._early[key] = result
            while len(self._early) > MAX_EARLY:
                self._early.popitem(last=False)
        log.debug("a result for a row not waiting for it (%s:%d), kept", result.job, result.position)


__all__ = ["RemoteRows"]
