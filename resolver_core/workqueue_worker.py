"""One ``linkresolver worker``: takes links from the work queue, resolves them with this
machine's configuration and accounts, and answers with each one's result.

It holds at most ``threads`` tasks at once, and keeps its claim on them fresh while it
works (a ticket's wait may take minutes: no other worker must take the task from a live
one). Asked to stop (SIGTERM, Ctrl-C), it takes no more tasks and gives those in its
hands ``grace`` seconds to end; what is still unfinished then is left in the queue,
unacknowledged, for another worker to take over, never answered with "interrupted".

A worker has no person at hand: a link that needs a captcha is answered only by a
configured ``captcha_command`` (or a captcha plugin); otherwise it ends with the
provider's captcha error, as any link nobody could answer, and the page shows it.

With an output folder the worker downloads each resolved link there too (each file's
sha1 verified when the provider gave one); its result then names the files saved.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Interrupted, ResolverError
from .outcomes import Outcome
from .workqueue import MAX_DELIVERIES, Task, WorkQueue, WorkQueueError
from .workqueue_records import result_record

if TYPE_CHECKING:
    from .pipeline import Resolver

log = logging.getLogger("linkresolver")

#: Seconds between two refreshes of a worker's claims, at most (a third of claim_after at least).
KEEP_EVERY = 10.0


@dataclass
class Tally:
    """What a worker did, for its last line."""

    ok: int = 0
    failed: int = 0
    handed_back: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            if outcome.status == "ok":
                self.ok += 1
            else:
                self.failed += 1


class Worker:
    """Resolves the queue's tasks with ``resolver`` as the consumer ``name``."""

    def __init__(
        self,
        queue: WorkQueue,
        resolver: Resolver,
        *,
        name: str,
        threads: int,
        grace: float,
        output: Path | None = None,
    ) -> None:
        self.queue = queue
        self.resolver = resolver
        self.name = name
        self.threads = threads
        self.grace = grace
        self.output = output
        self.tally = Tally()
        #: Set to stop taking tasks (SIGTERM, Ctrl-C).
        self.stopping = threading.Event()
        #: A failure that ends the worker (its queue or state store is gone).
        self.fatal: ResolverError | None = None
        self._in_hand: dict[str, Task] = {}
        self._lock = threading.Condition()

    def run(self) -> None:
        """Take and resolve tasks until :attr:`stopping` is set (or a fatal failure)."""
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="task")
        keeper = threading.Thread(target=self._keep_claims, name="claims", daemon=True)
        keeper.start()
        try:
            while not self.stopping.is_set():
                with self._lock:
                    free = self.threads - len(self._in_hand)
                    if free <= 0:
                        self._lock.wait(0.5)
                        continue
                try:
                    tasks = self.queue.take(self.name, free, block=1.0)
                except WorkQueueError as exc:
                    self._end(exc)
                    break
                for task in tasks:
                    with self._lock:
                        self._in_hand[task.id] = task
                    pool.submit(self._work, task)
        finally:
            self.stopping.set()
            self._finish_in_hand()
            pool.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> None:
        self.stopping.set()

    def _finish_in_hand(self) -> None:
        """Give the tasks in hand ``grace`` seconds; then stop them, leaving them queued."""
        give_up = time.monotonic() + self.grace
        with self._lock:
            while self._in_hand and time.monotonic() < give_up:
                self._lock.wait(min(0.5, max(0.0, give_up - time.monotonic())))
            left = len(self._in_hand)
        if left:
            log.warning("%d links not finished in time: left for another worker", left)
            self.resolver.cancelled.set()
            with self._lock:
                self._lock.wait_for(lambda: not self._in_hand, 10.0)

    def _end(self, error: ResolverError) -> None:
        """A failure no link can get past: the worker stops (its tasks stay queued)."""
        if self.fatal is None:
            self.fatal = error
        self.stopping.set()

    def _keep_claims(self) -> None:
        """Refresh the claims on the tasks in hand, a few times within ``claim_after``, until
        the worker has stopped and its hands are empty."""
        every = max(0.2, min(KEEP_EVERY, self.queue.claim_after / 3))
        while True:
            stopped = self.stopping.wait(every)
            with self._lock:
                held = list(self._in_hand)
            if stopped and not held:
                return
            try:
                self.queue.keep(self.name, held)
            except WorkQueueError as exc:
                log.warning("%s", exc.for_person())
            if stopped:
                time.sleep(every)

    def _work(self, task: Task) -> None:
        try:
            outcome = self._resolve(task)
            if outcome is None:  # stopped: left for another worker
                with self.tally.lock:
                    self.tally.handed_back += 1
                return
            data: dict[str, Any] = result_record(outcome)
            if self.output is not None and outcome.status == "ok" and outcome.link is not None:
                data["saved"], data["download_error"] = self._download(outcome)
            if self.queue.complete(self.name, task, data):
                self.tally.add(outcome)
                log.info("%s: %s", task.link, "resolved" if outcome.status == "ok" else outcome.status)
            else:
                log.warning("%s: another worker took this link over; its result is theirs", task.link)
        except WorkQueueError as exc:
            self._end(exc)
        except Exception:  # the task's thread must tell, and the task stays queued
            log.exception("%s: the worker failed", task.link)
        finally:
            with self._lock:
                self._in_hand.pop(task.id, None)
                self._lock.notify_all()

    def _resolve(self, task: Task) -> Outcome | None:
        """How the task's link ends; None when it was cut short by the worker's stop."""
        if task.deliveries > MAX_DELIVERIES:
            error = ResolverError(
                f"given up after {task.deliveries - 1} workers stopped while resolving this link",
                link=task.link,
            )
            return Outcome(task.link, "error", error=error)
        try:
            outcome = self.resolver.resolve_one(task.link, password=task.password)
        except ResolverError as exc:  # fatal: this worker's store failed; another may do it
            self._end(exc)
            return None
        except Exception:
            log.exception("resolving %s failed", task.link)
            failed = ResolverError(
                f"linkresolver failed on this link on worker {self.name} (a bug: its log tells more)"
            )
            return Outcome(task.link, "error", error=failed)
        if isinstance(outcome.error, Interrupted) and (
            self.stopping.is_set() or self.resolver.cancelled.is_set()
        ):
            return None
        return outcome

    def _download(self, outcome: Outcome) -> tuple[list[dict[str, Any]], str | None]:
        """Download ``outcome`` into the output folder: the files saved, and why not if not."""
        from .download import download_outcome  # noqa: PLC0415 (only workers that download)

        assert self.output is not None
        try:
            result = download_outcome(self.resolver, outcome, self.output, 4, False, None)
        except Exception:  # the link was resolved: its result goes to serve all the same
            log.exception("downloading %s failed", outcome.input)
            return [], f"the download failed on the worker {self.name} (a bug: its log tells more)"
        saved = [
            {"name": item.path.name, "size": item.size, "verified": item.verified} for item in result.saved
        ]
        error = result.error or (None if result.saved else result.outcome.error)
        return saved, None if error is None else error.for_person()


__all__ = ["Tally", "Worker"]
