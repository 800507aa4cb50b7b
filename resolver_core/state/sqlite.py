"""The state store in one SQLite file, shared by every process on the machine.

Why SQLite: it is in Python's standard library, its locking between processes is proven
(``BEGIN IMMEDIATE`` takes the one write lock, so a read-modify-write is atomic), and WAL
mode lets readers go on while one process writes. Each process and thread has its own
connection (SQLite connections must not cross threads or ``fork``); the file is the only
thing shared.

Schema (``PRAGMA user_version`` 3; an earlier version — 1 without ``links``, 2 without the
packages — is brought up to date by adding the tables it lacks, its rows kept):

``buckets(name PRIMARY KEY, tokens REAL, stamp REAL)``
    One token bucket per limited thing. ``tokens`` is what was left at ``stamp`` (Unix
    time); negative when callers hold reservations for calls still to come.
``rests(provider, hoster, until, reason, code)``, primary key ``(provider, hoster)``
    The ``cooldowns.json`` entries as rows. A provider's own rest has ``hoster = ''``
    (SQLite treats NULLs in a key as all distinct, so None would not be one row).
``links(key PRIMARY KEY, record, until)``
    Resolved links (:mod:`...linkcache`): ``record`` is a JSON text, kept until ``until``.
    Rows past their time are never read, and deleted now and then (:data:`PRUNE_EVERY`).
``packages``, ``package_links``
    ``linkresolver serve``'s packages and their links (:mod:`.sqlite_packages`).

The clock is wall time (``time.time``): the only clock every process reads alike. A clock
set back is treated as no time passing, never as a refill.

Not for a network file system: SQLite's locks are not reliable there (use Redis for
machines that share an account).
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Final

from . import sqlite_packages
from .store import Rest, StateStoreError, StoredPackage

#: The file's name in the state directory.
STATE_FILE: Final = "state.sqlite3"
#: The schema this code writes; a file of a later version is refused, not misread.
SCHEMA_VERSION: Final = 3
#: Idle connections kept for the next calls: as many as calls usually run at once; more
#: threads at once open more, closed when given back.
MAX_IDLE: Final = 8
#: How long a call waits for another process's write before giving up (seconds). A take
#: holds the lock for well under a millisecond, so only a stuck process reaches this.
BUSY_TIMEOUT: Final = 10.0
#: No rest lasts longer than this, whatever was stored (a Retry-After of a year is a bug).
MAX_REST: Final = 24 * 3600.0
#: No link is kept longer than this, whatever was asked (a direct link lives hours at most).
MAX_LINK_KEPT: Final = 7 * 24 * 3600.0
#: How often (seconds) a process deletes the links past their time, on a remember: a batch
#: of a thousand links must not scan the table a thousand times.
PRUNE_EVERY: Final = 600.0

_SCHEMA: Final = (
    """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    stamp REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rests (
    provider TEXT NOT NULL,
    hoster TEXT NOT NULL,
    until REAL NOT NULL,
    reason TEXT NOT NULL,
    code INTEGER,
    PRIMARY KEY (provider, hoster)
);
CREATE TABLE IF NOT EXISTS links (
    key TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    until REAL NOT NULL
);
"""
    + sqlite_packages.PACKAGES_SCHEMA
)


class SqliteStateStore:
    """A :class:`.store.StateStore` in the SQLite file ``path`` (created when missing).

    ``busy_timeout``: seconds to wait for another process's write lock. ``clock``: the
    Unix time, replaceable so that tests can see exactly which moment a take was computed
    at.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.location = str(path)
        self.spans_machines = False  # one machine's file: its cache folder serves it already
        self.busy_timeout = busy_timeout
        self._clock = clock
        #: Connections not in use now, with the process that opened them: a call borrows
        #: one and gives it back (:meth:`_borrowed`), so that threads that come and go (a
        #: batch's pool, a job's) do not leave a connection, its memory and its files each.
        self._idle: list[tuple[int, sqlite3.Connection]] = []
        self._idle_lock = threading.Lock()
        #: When this process last deleted the links past their time (None: not yet).
        self._pruned: float | None = None

    @classmethod
    def in_directory(cls, directory: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> SqliteStateStore:
        """The store of the state directory ``directory`` (``state.sqlite3`` in it)."""
        return cls(directory / STATE_FILE, busy_timeout=busy_timeout)

    # -- budgets ----------------------------------------------------------------------------

    def take(self, bucket: str, per_second: float, burst: int) -> float:
        """See :meth:`.store.StateStore.take`: today's token bucket (:mod:`..budget`),
        its level kept in the file instead of the process.

        Within one ``BEGIN IMMEDIATE`` transaction: refill the bucket for the time since
        its stamp (capped at ``burst``), take one token, write it back. A bucket below
        zero is a queue of reservations: the caller's call is due when the refill has
        paid its token back, ``-tokens / per_second`` from now.
        """
        if per_second <= 0:
            return 0.0
        burst = max(1, burst)
        with self._transaction() as db:
            now = self._clock()
            row = db.execute("SELECT tokens, stamp FROM buckets WHERE name = ?", (bucket,)).fetchone()
            tokens = float(burst) if row is None else float(row[0])
            elapsed = 0.0 if row is None else max(0.0, now - float(row[1]))
            tokens = min(float(burst), tokens + elapsed * per_second) - 1.0
            db.execute(
                "INSERT INTO buckets (name, tokens, stamp) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, stamp = excluded.stamp",
                (bucket, tokens, now),
            )
        return 0.0 if tokens >= 0 else -tokens / per_second

    # -- rests ------------------------------------------------------------------------------

    def rest(self, rest: Rest) -> Rest:
        """See :meth:`.store.StateStore.rest`; also forgets rests that are over."""
        until = min(rest.until, self._clock() + MAX_REST)
        with self._transaction() as db:
            db.execute("DELETE FROM rests WHERE until <= ?", (self._clock(),))
            db.execute(
                "INSERT INTO rests (provider, hoster, until, reason, code) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (provider, hoster) DO UPDATE SET until = excluded.until, "
                "reason = excluded.reason, code = excluded.code WHERE excluded.until > rests.until",
                (rest.provider, rest.hoster or "", until, rest.reason, rest.code),
            )
            row = db.execute(
                "SELECT provider, hoster, until, reason, code FROM rests WHERE provider = ? AND hoster = ?",
                (rest.provider, rest.hoster or ""),
            ).fetchone()
        return _rest(row)

    def resting(self, provider: str, hoster: str | None = None) -> Rest | None:
        """See :meth:`.store.StateStore.resting`."""
        with self._reading() as db:
            row = db.execute(
                "SELECT provider, hoster, until, reason, code FROM rests "
                "WHERE provider = ? AND hoster IN ('', ?) AND until > ? ORDER BY until DESC LIMIT 1",
                (provider, hoster or "", self._clock()),
            ).fetchone()
        return None if row is None else _rest(row)

    def rests(self) -> list[Rest]:
        """See :meth:`.store.StateStore.rests`."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT provider, hoster, until, reason, code FROM rests WHERE until > ? ORDER BY until",
                (self._clock(),),
            ).fetchall()
        return [_rest(row) for row in rows]

    def clear_rest(self, provider: str, hoster: str | None = None) -> None:
        """See :meth:`.store.StateStore.clear_rest`."""
        with self._transaction() as db:
            db.execute("DELETE FROM rests WHERE provider = ? AND hoster = ?", (provider, hoster or ""))

    # -- resolved links ---------------------------------------------------------------------

    def remember_link(self, key: str, record: str, seconds: float) -> None:
        """See :meth:`.store.StateStore.remember_link`; now and then (every
        :data:`PRUNE_EVERY` seconds in a process) also deletes the links past their time."""
        now = self._clock()
        with self._transaction() as db:
            if seconds <= 0:
                db.execute("DELETE FROM links WHERE key = ?", (key,))
                return
            db.execute(
                "INSERT INTO links (key, record, until) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET record = excluded.record, until = excluded.until",
                (key, record, now + min(seconds, MAX_LINK_KEPT)),
            )
            if self._pruned is None or not 0 <= now - self._pruned < PRUNE_EVERY:
                db.execute("DELETE FROM links WHERE until <= ?", (now,))
                self._pruned = now

    def recall_link(self, key: str) -> str | None:
        """See :meth:`.store.StateStore.recall_link`."""
        with self._reading() as db:
            row = db.execute(
                "SELECT record FROM links WHERE key = ? AND until > ?", (key, self._clock())
            ).fetchone()
        return None if row is None else str(row[0])

    # -- packages (serve's jobs and history: :mod:`.sqlite_packages`) -------------------------

    def save_package(self, package: StoredPackage) -> None:
        """See :meth:`.store.PackageStore.save_package`."""
        with self._transaction() as db:
            sqlite_packages.save(db, package)

    def update_package(self, package_id: str, *, record: str, state: str, finished: float | None) -> None:
        """See :meth:`.store.PackageStore.update_package`."""
        with self._transaction() as db:
            sqlite_packages.update(db, package_id, record, state, finished)

    def save_package_link(self, package_id: str, position: int, record: str) -> None:
        """See :meth:`.store.PackageStore.save_package_link`."""
        with self._transaction() as db:
            sqlite_packages.save_link(db, package_id, position, record)

    def package(self, package_id: str) -> StoredPackage | None:
        """See :meth:`.store.PackageStore.package` (one transaction: package and links agree)."""
        with self._transaction() as db:
            return sqlite_packages.one(db, package_id)

    def packages(
        self, *, limit: int, before: float | None = None, states: Collection[str] | None = None
    ) -> list[StoredPackage]:
        """See :meth:`.store.PackageStore.packages`."""
        with self._transaction() as db:
            return sqlite_packages.listed(db, limit, before, states)

    def remove_package(self, package_id: str) -> bool:
        """See :meth:`.store.PackageStore.remove_package`."""
        with self._transaction() as db:
            return sqlite_packages.remove(db, package_id)

    def prune_packages(self, *, finished_before: float | None = None, keep: int | None = None) -> int:
        """See :meth:`.store.PackageStore.prune_packages`."""
        with self._transaction() as db:
            return sqlite_packages.prune(db, finished_before, keep)

    # -- the file ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections this object keeps idle for this process (one in use at the
        moment is kept for the next call when it is given back; the store stays usable).

        A connection inherited through ``fork`` is the parent's: it is dropped, not closed,
        as closing it in the child could release the parent's locks on the file.
        """
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for pid, connection in idle:
            if pid == os.getpid():
                with contextlib.suppress(sqlite3.Error):
                    connection.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` takes the file's write lock first (waiting
        up to ``busy_timeout``), so what is read inside is still true when it is written."""
        with self._failures(), self._borrowed() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.commit()
            except BaseException:
                _roll_back(db)
                raise

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read: one statement is its own consistent snapshot in WAL mode, no lock needed."""
        with self._failures(), self._borrowed() as db:
            yield db

    @contextlib.contextmanager
    def _borrowed(self) -> Iterator[sqlite3.Connection]:
        """A connection for one call: an idle one of this process, else a new one (and the
        schema made, on the file's first use); given back afterwards, or closed when
        :data:`MAX_IDLE` wait already. After ``fork`` the parent's are never used."""
        pid = os.getpid()
        db: sqlite3.Connection | None = None
        with self._idle_lock:
            while self._idle and db is None:
                owner, candidate = self._idle.pop()
                if owner == pid:
                    db = candidate
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = self._prepared_connection()
        try:
            yield db
        finally:
            with self._idle_lock:
                kept = len(self._idle) < MAX_IDLE
                if kept:
                    self._idle.append((pid, db))
            if not kept:
                with contextlib.suppress(sqlite3.Error):
                    db.close()

    def _prepared_connection(self) -> sqlite3.Connection:
        """A new connection, set up (:func:`_prepare`). Switching a new file to WAL takes
        the file's exclusive lock, and SQLite answers "locked" at once, without waiting
        the busy timeout, to the thread or process that asks at the same moment (several
        workers of a fresh run do): so that one tries again, until the busy timeout."""
        give_up = time.monotonic() + self.busy_timeout
        while True:
            # isolation_level=None: no implicit transactions; each is begun explicitly.
            # check_same_thread=False: a connection serves one call at a time, of any thread
            # (:meth:`_borrowed`), never two at once.
            db = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                _prepare(db, self.path)
            except sqlite3.OperationalError as exc:
                db.close()
                if not _is_busy(exc) or time.monotonic() >= give_up:
                    raise
            except BaseException:
                db.close()
                raise
            else:
                return db
            time.sleep(random.uniform(0.005, 0.02))  # noqa: S311 (a jitter, not a secret)

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """SQLite's and the file system's errors as one :class:`StateStoreError` naming the
        file: a traceback from the driver tells the user nothing they can act on."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StateStoreError(_explain(self.path, exc, self.busy_timeout), store=self.location) from None
        except OSError as exc:
            raise StateStoreError(
                f"the state file {self.path} cannot be created ({exc.strerror or exc})", store=self.location
            ) from None


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    """Settings every connection needs, and the schema when the file is new.

    The busy timeout is ``sqlite3.connect``'s ``timeout``. WAL: readers never wait for the
    writer. ``synchronous=NORMAL``: a power cut may lose
    the last take or rest, which costs at most one call too many, never a damaged file.
    """
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StateStoreError(
            f"the state file {path} was written by a newer linkresolver (format {version})",
            store=str(path),
        )
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have made the schema since.
        if int(db.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
            db.commit()
            return
        # Every statement creates only what is missing: a file of an earlier version keeps
        # its tables and rows, and gains the new ones.
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.commit()
    except BaseException:
        _roll_back(db)
        raise


def _is_busy(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" (or "busy"): another holds the lock."""
    text = str(exc)
    return "locked" in text or "busy" in text


def _roll_back(db: sqlite3.Connection) -> None:
    """Undo a transaction that failed, so the connection can be used again; a rollback that
    fails too (the file gone bad) leaves the first error to be reported, not its own."""
    with contextlib.suppress(sqlite3.Error):
        if db.in_transaction:
            db.rollback()


def _explain(path: Path, exc: sqlite3.Error, busy_timeout: float) -> str:
    """What went wrong with the state file, in one line a person can act on."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"the state file {path} stayed locked by another process for over {busy_timeout:g} s"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"the state file {path} is damaged ({text})"
    if "readonly" in text or "unable to open" in text or "disk I/O" in text:
        return f"the state file {path} cannot be written ({text})"
    return f"the state file {path} cannot be used ({text})"


def _rest(row: tuple[str, str, float, str, int | None]) -> Rest:
    provider, hoster, until, reason, code = row
    return Rest(provider, hoster or None, float(until), reason, code)
