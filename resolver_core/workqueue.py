"""The work queue of ``linkresolver worker``: links to resolve, on Redis Streams.

``serve --workers`` only accepts and shows work; workers on any machine resolve it. Each
link is a task on one stream, read by the consumer group ``workers``: Redis delivers each
task to one worker, and keeps it in that worker's pending list until the worker
acknowledges it. Results go to a second stream, read by serve through a consumer group of
its own, so a serve that restarts reads again what it had not acknowledged.

What makes a task done exactly once:

- A worker writes its result and acknowledges its task in one script, which Redis runs
  whole or not at all (the atomicity of MULTI/EXEC), and only while the task is still
  its own: a worker killed between the two leaves either both or neither, and a worker
  whose task was taken from it (it stalled past ``claim_after``) writes nothing.
- A worker that dies mid-task leaves the task pending; once it has been idle
  ``claim_after`` seconds, a live worker takes it over (``XAUTOCLAIM``). A live worker
  on a long task (a ticket's wait, a cloud download) keeps its claim fresh (``XCLAIM
  ... JUSTID`` to itself every few seconds), so the task is never taken while it lives.
- A task delivered :data:`MAX_DELIVERIES` times (each worker that took it died) ends with
  an error result instead of killing the next worker too.
- serve submits a row's task once: a serve that restarts and submits the same row again
  (same job, same position) while its task is still queued gets the same task back.

Keys, under the state store's prefix (``linkresolver:``):

``linkresolver:queue:tasks``     the tasks: ``job``, ``position``, ``link``, ``password``
``linkresolver:queue:results``   the results: ``task``, ``job``, ``position``, ``link``,
                                  ``worker``, ``result`` (JSON, :mod:`.workqueue_records`)
``linkresolver:queue:submitted`` a hash: ``JOB:POSITION`` -> the task still to be done
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from . import redact
from .errors import ConfigError
from .state.redis import redis_client
from .state.spec import url_secrets, without_credentials

if TYPE_CHECKING:
    import redis

log = logging.getLogger("linkresolver")

PREFIX: Final = "linkresolver:"
#: The consumer group of the workers (on the tasks) and of serve (on the results).
WORKERS: Final = "workers"
SERVE: Final = "serve"
#: Seconds a task may stay untouched in a worker's hands before another takes it over.
CLAIM_AFTER: Final = 60.0
#: Seconds a stopping worker gives the tasks in its hands to end.
GRACE: Final = 30.0
#: Links a worker resolves at once unless told otherwise.
THREADS: Final = 4
#: Deliveries after which a task ends with an error (every worker that took it died).
MAX_DELIVERIES: Final = 3
#: Seconds to connect, and to wait for an answer.
TIMEOUT: Final = 10.0

#: KEYS tasks, submitted; ARGV job:position, job, position, link, password ("" none).
#: The task still queued for that row, else a new one; its id.
_SUBMIT: Final = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held and #redis.call('XRANGE', KEYS[1], held, held) > 0 then return held end
local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[2], 'position', ARGV[3], 'link', ARGV[4],
                      'password', ARGV[5])
redis.call('HSET', KEYS[2], ARGV[1], id)
return id
"""

#: KEYS tasks, results, submitted; ARGV group, consumer, task id, job:position, then the
#: result's fields and values. Writes the result and acknowledges (and deletes) the task,
#: only while the task is pending for this consumer; 1 if done, 0 if it was not its own.
_COMPLETE: Final = """
local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #held == 0 then return 0 end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], '*', unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
if redis.call('HGET', KEYS[3], ARGV[4]) == ARGV[3] then redis.call('HDEL', KEYS[3], ARGV[4]) end
return 1
"""

#: KEYS tasks; ARGV group, consumer, task ids. Resets the idle time of the tasks still
#: pending for this consumer (never claims another's); the ids still its own.
_KEEP: Final = """
local kept = {}
for i = 3, #ARGV do
  local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #held > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
"""


class WorkQueueError(ConfigError):
    """The Redis server of the work queue cannot be used: nothing can be handed on until
    it can (exit 2, as the state store's failure). Names the server, never its password."""

    fatal = True


@dataclass(frozen=True, slots=True)
class Task:
    """A link to resolve: the row ``position`` of serve's job ``job``."""

    id: str
    job: str
    position: int
    link: str
    password: str | None = None
    #: How many times it was delivered (1: this is its first worker).
    deliveries: int = 1

    @property
    def row(self) -> str:
        return f"{self.job}:{self.position}"


@dataclass(frozen=True, slots=True)
class Result:
    """A worker's result for a task: ``data`` is :func:`.workqueue_records.result_record`'s
    with ``saved`` (the files a worker downloaded) added."""

    id: str
    task: str
    job: str
    position: int
    link: str
    worker: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """The ``[workers]`` table: how workers share the queue."""

    claim_after: float = CLAIM_AFTER
    grace: float = GRACE
    threads: int = THREADS
    name: str | None = None

    @classmethod
    def from_section(cls, table: Mapping[str, Any], config_path: Path | None) -> WorkerSettings:
        """The settings of ``table``; a wrong value raises ConfigError naming the key."""
        where = f"{config_path or 'config.toml'}: [workers]"
        known = ("claim_after", "grace", "threads", "name")
        for key in table:
            if key not in known:
                raise ConfigError(f"{where} has no key {key!r} (keys: {', '.join(known)})")

        def seconds(key: str, default: float, least: float) -> float:
            value = table.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= least:
                raise ConfigError(f"{where} {key} must be a number of seconds, at least {least:g}")
            return float(value)

        threads = table.get("threads", THREADS)
        if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 256:
            raise ConfigError(f"{where} threads must be a whole number from 1 to 256")
        name = table.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ConfigError(f"{where} name must be a text (this worker's name in the queue)")
        return cls(
            claim_after=seconds("claim_after", CLAIM_AFTER, 0.5),
            grace=seconds("grace", GRACE, 0.0),
            threads=threads,
            name=name.strip() if name else None,
        )


class WorkQueue:
    """The tasks and results streams on the Redis server ``client`` talks to (strings
    decoded); ``claim_after``: seconds before an untouched task of a worker is taken over."""

    def __init__(
        self, client: redis.Redis, *, location: str, prefix: str = PREFIX, claim_after: float = CLAIM_AFTER
    ) -> None:
        import redis as driver  # noqa: PLC0415 (present: the caller made ``client`` with it)

        self.location = location
        self.claim_after = claim_after
        self.tasks_key = f"{prefix}queue:tasks"
        self.results_key = f"{prefix}queue:results"
        self.submitted_key = f"{prefix}queue:submitted"
        self._client = client
        self._driver = driver
        self._submit = client.register_script(_SUBMIT)
        self._complete = client.register_script(_COMPLETE)
        self._keep = client.register_script(_KEEP)
        self._claim_cursor = "0-0"
        self._groups_made = False

    @classmethod
    def from_url(cls, url: str, *, claim_after: float = CLAIM_AFTER, timeout: float = TIMEOUT) -> WorkQueue:
        """The queue on the server at ``url`` (the state store's), asked once (PING)."""
        shown = without_credentials(url)
        redact.register_secrets(url_secrets(url))
        try:
            client = redis_client(url, timeout, retry_once=False)
        except ValueError as exc:
            raise WorkQueueError(
                f"the work queue {shown} is not a Redis address ({_one_line(exc)})"
            ) from None
        queue = cls(client, location=shown, claim_after=claim_after)
        with queue._failures():
            client.ping()
        return queue

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()

    # -- serve's side ---------------------------------------------------------------------------

    def submit(self, job: str, position: int, link: str, password: str | None = None) -> str:
        """Queue row ``position`` of ``job`` (its ``link``); the task's id (the one already
        queued for that row, if any)."""
        with self._failures():
            self._ensure_groups()
            row = f"{job}:{position}"
            return str(
                self._submit(
                    keys=[self.tasks_key, self.submitted_key],
                    args=[row, job, position, link, password or ""],
                )
            )

    def withdraw(self, task: str, job: str, position: int) -> None:
        """Take a task back (its job was discarded): not delivered from now on; a worker
        that holds it may still answer, which nobody reads."""
        with self._failures():
            pipe = self._client.pipeline(transaction=True)
            pipe.xdel(self.tasks_key, task)
            pipe.hdel(self.submitted_key, f"{job}:{position}")
            pipe.execute()

    def results(
        self, consumer: str, count: int = 100, block: float = 1.0, *, again: bool = False
    ) -> list[Result]:
        """Results for serve (``consumer`` in the group ``serve``): with ``again``, those it
        read and did not acknowledge (a restarted serve); else new ones, waiting up to
        ``block`` seconds for one."""
        with self._failures():
            self._ensure_groups()
            answer = self._client.xreadgroup(
                SERVE,
                consumer,
                {self.results_key: "0" if again else ">"},
                count=count,
                block=None if again else max(1, int(block * 1000)),
            )
        found, unreadable = [], []
        for entry_id, fields in _entries(answer):
            result = _result(entry_id, fields) if fields else None
            if result is None:
                unreadable.append(entry_id)
            else:
                found.append(result)
        for entry_id in unreadable:  # nobody can read it later either
            self.acknowledge(entry_id)
        return found

    def acknowledge(self, result: str) -> None:
        """serve has the result ``result``: forget it."""
        with self._failures():
            pipe = self._client.pipeline(transaction=True)
            pipe.xack(self.results_key, SERVE, result)
            pipe.xdel(self.results_key, result)
            pipe.execute()

    # -- a worker's side ------------------------------------------------------------------------

    def take(self, consumer: str, count: int, block: float = 1.0) -> list[Task]:
        """Up to ``count`` tasks for the worker ``consumer``: first those of workers gone
        quiet for ``claim_after`` seconds, then new ones (waiting up to ``block`` seconds)."""
        if count <= 0:
            return []
        with self._failures():
            self._ensure_groups()
            tasks = self._taken_over(consumer, count)
            if len(tasks) < count:
                answer = self._client.xreadgroup(
                    WORKERS,
                    consumer,
                    {self.tasks_key: ">"},
                    count=count - len(tasks),
                    block=None if tasks else max(1, int(block * 1000)),
                )
                for entry_id, fields in _entries(answer):
                    task = _task(entry_id, fields) if fields else None
                    if task is None:
                        self._drop(entry_id)
                    else:
                        tasks.append(task)
        return tasks

    def _drop(self, task: str) -> None:
        """Acknowledge and delete a task nobody can read (no worker could do it)."""
        pipe = self._client.pipeline(transaction=True)
        pipe.xack(self.tasks_key, WORKERS, task)
        pipe.xdel(self.tasks_key, task)
        pipe.execute()

    def _taken_over(self, consumer: str, count: int) -> list[Task]:
        """Tasks idle for ``claim_after`` seconds in another worker's hands, now ``consumer``'s."""
        idle = max(1, int(self.claim_after * 1000))
        answer = self._client.xautoclaim(
            self.tasks_key, WORKERS, consumer, idle, start_id=self._claim_cursor, count=count
        )
        self._claim_cursor = str(answer[0])
        claimed = [(entry_id, fields) for entry_id, fields in answer[1] if fields]
        tasks = []
        for entry_id, fields in claimed:
            task = _task(entry_id, fields)
            if task is None:
                self._drop(entry_id)
                continue
            pending = self._client.xpending_range(self.tasks_key, WORKERS, entry_id, entry_id, 1, consumer)
            deliveries = int(pending[0]["times_delivered"]) if pending else 1
            log.info("took over %s (delivered %d times)", task.link, deliveries)
            tasks.append(Task(task.id, task.job, task.position, task.link, task.password, deliveries))
        return tasks

    def keep(self, consumer: str, tasks: list[str]) -> list[str]:
        """Keep the claim of ``consumer`` on ``tasks`` fresh (so that no live worker's task
        is taken over); those still its own."""
        if not tasks:
            return []
        with self._failures():
            return [str(task) for task in self._keep(keys=[self.tasks_key], args=[WORKERS, consumer, *tasks])]

    def complete(self, consumer: str, task: Task, data: dict[str, Any]) -> bool:
        """Write ``data`` (the result of ``task``) and acknowledge the task, at once, if it
        is still ``consumer``'s; whether it was."""
        fields = {
            "task": task.id,
            "job": task.job,
            "position": str(task.position),
            "link": task.link,
            "worker": consumer,
            "result": json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        }
        flat = [item for pair in fields.items() for item in pair]
        with self._failures():
            done = self._complete(
                keys=[self.tasks_key, self.results_key, self.submitted_key],
                args=[WORKERS, consumer, task.id, task.row, *flat],
            )
        return bool(done)

    def holding(self, consumer: str) -> list[str]:
        """The tasks pending for ``consumer`` now (delivered, not acknowledged)."""
        with self._failures():
            self._ensure_groups()
            pending = self._client.xpending_range(self.tasks_key, WORKERS, "-", "+", 100_000, consumer)
        return [str(entry["message_id"]) for entry in pending]

    def task(self, task: str) -> Task | None:
        """The task ``task``, while it is in the queue (not yet done, nor withdrawn)."""
        with self._failures():
            entries = self._client.xrange(self.tasks_key, task, task)
        found = [_task(entry_id, fields) for entry_id, fields in _entries([[self.tasks_key, entries]])]
        return found[0] if found else None

    def waiting(self) -> int:
        """Tasks queued and not yet delivered to any worker (for a status line)."""
        with self._failures():
            self._ensure_groups()
            groups = self._client.xinfo_groups(self.tasks_key)
        lag = next((group.get("lag") for group in groups if group.get("name") == WORKERS), None)
        return int(lag or 0)

    # -- the server -----------------------------------------------------------------------------

    def _ensure_groups(self) -> None:
        """Both streams and their consumer groups, made once (from the start of the stream:
        a task queued before the first worker started is delivered too)."""
        if self._groups_made:
            return
        for key, group in ((self.tasks_key, WORKERS), (self.results_key, SERVE)):
            try:
                self._client.xgroup_create(key, group, id="0", mkstream=True)
            except self._driver.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._groups_made = True

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """The driver's errors as one :class:`WorkQueueError` naming the server."""
        try:
            yield
        except (self._driver.RedisError, OSError) as exc:
            raise WorkQueueError(
                f"the work queue on Redis {self.location} failed: {_one_line(exc)}"
            ) from None


def _entries(answer: Any) -> list[tuple[str, dict[str, str]]]:
    """The entries of an XREADGROUP answer (``[[stream, [[id, fields], ...]], ...]``)."""
    return [(str(entry_id), fields or {}) for _, entries in answer or [] for entry_id, fields in entries]


def _task(entry_id: str, fields: Mapping[str, str]) -> Task | None:
    try:
        return Task(
            str(entry_id),
            fields["job"],
            int(fields["position"]),
            fields["link"],
            fields.get("password") or None,
        )
    except (KeyError, ValueError):
        log.warning("a task that cannot be read was skipped (%s)", entry_id)
        return None


def _result(entry_id: str, fields: Mapping[str, str]) -> Result | None:
    try:
        data = json.loads(fields["result"])
        return Result(
            str(entry_id),
            fields["task"],
            fields["job"],
            int(fields["position"]),
            fields["link"],
            fields.get("worker", "?"),
            data if isinstance(data, dict) else {},
        )
    except (KeyError, ValueError):
        log.warning("a result that cannot be read was skipped (%s)", entry_id)
        return None


def _one_line(exc: BaseException) -> str:
    return redact.redact(" ".join(str(exc).split())) or type(exc).__name__


__all__ = [
    "CLAIM_AFTER",
    "MAX_DELIVERIES",
    "Result",
    "Task",
    "WorkQueue",
    "WorkQueueError",
    "WorkerSettings",
]
