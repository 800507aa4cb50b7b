"""Cooldowns: a provider's "stop" remembered, by every worker and by the next run.

Premiumize's advice (seed 002) is to come back after about 3 minutes on a 502 or 503 and
after about 10 on a 509; a 428 means the hoster is down at that provider until it is back;
an HTTP ``Retry-After`` says exactly how long. A cooldown covers the whole provider (fair
use, maintenance, too many requests) or one hoster at it (a 428, a 502 from the hoster
behind it). Every worker checks it before it calls, so one 509 stops the batch, and it is
kept in the cache directory (``cooldowns.json``) so the next run does not ask again before
the time is up.

A provider that answers nothing at all (timeouts, resets, pages that are not its API) did
not say stop, but ten such failures in a row rest it for a minute: a dead provider must
not take hundreds of attempts.

The steady spacing of calls that have not been told to stop is :mod:`.budget`'s.

Given a shared state store (:mod:`.state`), the rests live there instead of in the file:
every process sees a rest the moment it is recorded (the file is looked at once a second),
and a ``cooldowns.json`` left from before is moved into the store once. The streak of
silent failures stays each process's own. :func:`.factory.build_resolver` always passes
one (the SQLite file of the state directory by default); the file alone is for a resolver
made from parts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Final

from . import errors
from .atomicfile import write_text
from .state import Rest, StateStore

log = logging.getLogger("linkresolver")

#: How long to rest a provider or hoster when it said stop without saying how long.
OUTAGE_REST: Final = 180.0  # seed 002: 502 and 503, "we recommend 3 minutes"
QUOTA_REST: Final = 600.0  # seed 002: 509, "we recommend 10 minutes"
HOSTER_DOWN_REST: Final = 300.0  # 428: until the hoster is back; one link asks again after this
TOO_MANY_REST: Final = 60.0  # HTTP 429 without Retry-After
#: Failures without an answer in a row that rest a provider, and for how long.
SILENT_STREAK: Final = 10
SILENT_REST: Final = 60.0
#: No provider's word keeps it resting longer than this (a Retry-After of a year is a bug).
MAX_REST: Final = 24 * 3600.0
COOLDOWN_FILE: Final = "cooldowns.json"
#: Where a cooldowns.json that is not JSON is moved, so that the next run starts quietly.
CORRUPT_SUFFIX: Final = ".corrupt"
#: Seconds between looks at whether another process changed the file.
RELOAD_EVERY: Final = 1.0
#: What a cooldowns.json becomes once its rests are in the state store.
MIGRATED_SUFFIX: Final = ".migrated"


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """An HTTP ``Retry-After`` (seconds or an HTTP date) in seconds from now, or None when
    absent or unreadable; bounded by :data:`MAX_REST`."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"  # "0000000120" is 120 s; a number of 10 digits, "long"
        seconds = float(digits) if len(digits) <= 9 else MAX_REST
    else:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_REST)


@dataclass(frozen=True, slots=True)
class Cooldown:
    """A provider (``hoster`` None) or one hoster at it resting until ``until`` (Unix time)."""

    provider: str
    hoster: str | None
    until: float
    reason: str
    code: int | None = None

    def remaining(self, now: float | None = None) -> float:
        return self.until - (time.time() if now is None else now)

    @classmethod
    def of(cls, rest: Rest) -> Cooldown:
        """The cooldown a state store's :class:`Rest` records (the same fields)."""
        return cls(rest.provider, rest.hoster, rest.until, rest.reason, rest.code)

    def error(self) -> errors.CoolingDown:
        """What a link that meets this cooldown is told."""
        what = f"asked to pause {self.hoster} links" if self.hoster else "asked to pause"
        return errors.CoolingDown(
            f"{what} until {moment(self.until)} ({self.reason})",
            provider=self.provider,
            code=self.code,
            retry_after=max(0.0, self.remaining()),
        )


def moment(until: float, now: float | None = None) -> str:
    """When a rest ends, as a person reads it: the time of day, with the date in front when
    that is not today (a rest of up to a day can end tomorrow: "until 09:00:00" would read
    as this morning)."""
    end = time.localtime(until)
    today = time.localtime(time.time() if now is None else now)
    if (end.tm_year, end.tm_yday) == (today.tm_year, today.tm_yday):
        return time.strftime("%H:%M:%S", end)
    return time.strftime("%Y-%m-%d %H:%M:%S", end)


def rest_for(exc: errors.ResolverError) -> tuple[bool, float] | None:
    """Whether ``exc`` says stop, as ``(whole provider?, seconds)``; None when it does not.

    Only what the provider said counts: a status in its answer or in HTTP. An answer that
    never came is counted by :meth:`Cooldowns.note` instead.
    """
    if exc.no_answer:
        return None
    given = exc.retry_after if exc.retry_after_given else None
    if isinstance(exc, errors.RateLimited):
        return True, given if given is not None else TOO_MANY_REST
    if isinstance(exc, errors.QuotaExhausted):
        return True, given if given is not None else QUOTA_REST
    if isinstance(exc, errors.HosterUnavailable):
        return False, given if given is not None else HOSTER_DOWN_REST
    if isinstance(exc, errors.ProviderOutage) and exc.code is not None and 500 <= exc.code < 600:
        # 502 is "most likely from a 3rd party provider" (seed 002): that hoster rests;
        # other 5xx (maintenance) are the provider's own.
        return exc.code != 502, given if given is not None else OUTAGE_REST
    return None


def is_silent(exc: errors.ResolverError) -> bool:
    """A failure without a word from the provider: no answer, or not its API's answer
    (``no_answer``). Not any outage without a code: a cloud download that took too long,
    or an answer of the wrong shape, would be asked again for nothing (a resolve asked
    again is a new cloud job, a new ticket and captcha)."""
    return isinstance(exc, errors.ProviderOutage) and exc.no_answer


class Cooldowns:
    """Every cooldown in force, shared by the threads of a run and kept in ``directory``,
    or in ``store`` when one is given.

    The file is read again whenever another process changed it, and written atomically
    under a lock, merged with what other processes wrote meanwhile.
    """

    def __init__(self, directory: Path | None, store: StateStore | None = None) -> None:
        self.store = store
        self.path = directory / COOLDOWN_FILE if directory is not None else None
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str | None], Cooldown] = {}
        #: What the file was when last read (device, inode, mtime, size): a write by another
        #: process within one mtime tick still changes the inode (files are replaced whole).
        self._stamp: tuple[int, int, int, int] | None = None
        self._silent: dict[str, int] = {}
        self._next_look = 0.0
        self._load()
        if store is not None:
            self._migrate(store)

    # -- reading ----------------------------------------------------------------------------

    def active(self, provider: str, hoster: str | None = None) -> Cooldown | None:
        """The cooldown that keeps ``provider`` (or ``hoster`` at it) resting now, the
        longest if both do; None when it may be asked."""
        if self.store is not None:
            rest = self.store.resting(provider, hoster)
            return None if rest is None else Cooldown.of(rest)
        self._reload_if_changed()
        now = time.time()
        with self._lock:
            found = [
                entry
                for key in ((provider, None), (provider, hoster))
                if (entry := self._entries.get(key)) is not None and entry.until > now
            ]
        return max(found, key=lambda entry: entry.until) if found else None

    def all(self) -> list[Cooldown]:
        """Every cooldown still in force, soonest over first."""
        if self.store is not None:
            return [Cooldown.of(rest) for rest in self.store.rests()]
        self._reload_if_changed()
        now = time.time()
        with self._lock:
            return sorted((e for e in self._entries.values() if e.until > now), key=lambda e: e.until)

    # -- what happened ----------------------------------------------------------------------

    def note(self, provider: str, hoster: str | None, exc: errors.ResolverError) -> Cooldown | None:
        """Learn from ``exc`` (a failure of ``provider`` on a ``hoster`` link): the cooldown
        it started, or None."""
        said = rest_for(exc)
        if said is not None:
            self._silent.pop(provider, None)
            whole, seconds = said
            reason = _reason(exc)
            return self.start(provider, None if whole else hoster, seconds, reason, exc.code)
        if is_silent(exc):
            with self._lock:
                streak = self._silent[provider] = self._silent.get(provider, 0) + 1
            if streak >= SILENT_STREAK:
                self._silent.pop(provider, None)
                return self.start(
                    provider, None, SILENT_REST, f"{streak} calls in a row failed without an answer"
                )
        return None

    def succeeded(self, provider: str) -> None:
        """A call that got an answer ends a streak of silent failures."""
        if self._silent:
            self._silent.pop(provider, None)

    def start(
        self, provider: str, hoster: str | None, seconds: float, reason: str, code: int | None = None
    ) -> Cooldown:
        """Rest ``provider`` (or ``hoster`` at it) for ``seconds``, unless it already rests
        longer; the cooldown in force afterwards."""
        entry = Cooldown(provider, hoster, time.time() + min(max(seconds, 0.0), MAX_REST), reason, code)
        if self.store is not None:
            kept = Cooldown.of(self.store.rest(Rest(provider, hoster, entry.until, reason, code)))
            if kept == entry:
                _log_rest(entry)
            return kept
        with self._lock:
            current = self._entries.get((provider, hoster))
            if current is not None and current.until >= entry.until:
                return current
            self._entries[(provider, hoster)] = entry
        _log_rest(entry)
        self._save(entry)
        return entry

    # -- the file ---------------------------------------------------------------------------

    def _migrate(self, store: StateStore) -> None:
        """Move the file's rests (already read) into ``store``, and the file out of the way
        (``cooldowns.json.migrated``), so that it is read once, not every run. Several
        processes may do it at once: a rest stored twice is kept once (the longer wins),
        and the file is renamed by whichever gets there first."""
        if self.path is None:
            return
        now = time.time()
        with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            if entry.until > now:
                store.rest(Rest(entry.provider, entry.hoster, entry.until, entry.reason, entry.code))
        try:
            os.replace(self.path, self.path.with_name(self.path.name + MIGRATED_SUFFIX))
        except FileNotFoundError:  # none, or another process moved it first
            pass
        except OSError as exc:
            _warn_once(self.path, "%s cannot be moved aside after reading it (%s)", self.path, exc)

    def _load(self, *, locked: bool = False) -> None:
        """Merge the file's cooldowns in; ``locked``: the caller holds the file's lock."""
        if self.path is None:
            return
        try:
            seen = self.path.stat()
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except UnicodeDecodeError as exc:
            self._set_aside(seen, exc, locked=locked)
            return
        except OSError as exc:
            _warn_once(self.path, "%s cannot be read (%s); starting without cooldowns", self.path, exc)
            return
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # not JSON, or nested beyond reason
            self._set_aside(seen, exc, locked=locked)
            return
        stamp = _identity(seen)
        entries = _parse(data)
        with self._lock:
            for key, entry in entries.items():
                current = self._entries.get(key)
                if current is None or entry.until > current.until:
                    self._entries[key] = entry
            self._stamp = stamp

    def _set_aside(self, seen: os.stat_result, problem: Exception, *, locked: bool) -> None:
        """Move a damaged file (``seen``) to ``cooldowns.json.corrupt``, replacing an older one.

        Read again every run, it would draw the same warning forever, and nothing rewrites it
        until a provider next says stop. It is our own cache, so nothing of the user's is
        lost. A file being written is never seen half done (:meth:`_save` replaces it whole),
        so it is damaged, not busy; but another process may have replaced it since it was
        read, so it is moved only while it is still the file that was read, under the lock.
        """
        assert self.path is not None
        aside = self.path.with_name(self.path.name + CORRUPT_SUFFIX)
        try:
            with contextlib.nullcontext() if locked else _file_lock(self.path.with_suffix(".lock")):
                now = self.path.stat()
                if _same_file(now, seen):
                    os.replace(self.path, aside)
                else:  # rewritten meanwhile: the next look reads the new one
                    return
        except FileNotFoundError:  # another process moved it aside (and said so)
            return
        except OSError as exc:
            self._stamp = _identity(seen)  # not read again until it changes
            _warn_once(
                self.path,
                "%s cannot be read (%s), nor moved aside (%s); starting without cooldowns",
                self.path,
                problem,
                exc.strerror or exc,
            )
            return
        _warn_once(
            self.path,
            "%s cannot be read (%s); moved it aside to %s and started without cooldowns",
            self.path,
            problem,
            aside.name,
        )

    def _reload_if_changed(self) -> None:
        """Read the file again when another process changed it: looked at once a second at
        most (a stat per link would cost the batch more than the news is worth)."""
        if self.path is None:
            return
        now = time.monotonic()
        if now < self._next_look:
            return
        self._next_look = now + RELOAD_EVERY
        try:
            stamp = _identity(os.stat(self.path))
        except OSError:
            return
        if stamp != self._stamp:
            self._load()

    def _save(self, entry: Cooldown) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _file_lock(self.path.with_suffix(".lock")):
                self._load(locked=True)  # what other processes wrote meanwhile
                now = time.time()
                with self._lock:
                    self._entries[(entry.provider, entry.hoster)] = max(
                        entry, self._entries.get((entry.provider, entry.hoster), entry), key=lambda e: e.until
                    )
                    kept = [asdict(e) for e in self._entries.values() if e.until > now]
                write_text(self.path, json.dumps({"version": 1, "cooldowns": kept}), prefix=".cooldowns-")
                self._stamp = _identity(self.path.stat())
        except OSError as exc:
            log.warning("cannot remember the cooldown in %s: %s", self.path, exc)


def _log_rest(entry: Cooldown) -> None:
    scope = f"{entry.hoster} at {entry.provider}" if entry.hoster else entry.provider
    log.info("%s rests for %.0f s: %s", scope, entry.remaining(), entry.reason)


def _parse(data: object) -> dict[tuple[str, str | None], Cooldown]:
    """The cooldowns of a file's contents; anything malformed is left out, not fatal."""
    entries: dict[tuple[str, str | None], Cooldown] = {}
    items = data.get("cooldowns") if isinstance(data, Mapping) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        provider, hoster, until = item.get("provider"), item.get("hoster"), item.get("until")
        reason, code = item.get("reason"), item.get("code")
        if (
            isinstance(provider, str)
            and (hoster is None or isinstance(hoster, str))
            and isinstance(until, int | float)
            and not isinstance(until, bool)
        ):
            until = min(float(until), time.time() + MAX_REST)
            entries[(provider, hoster)] = Cooldown(
                provider,
                hoster,
                until,
                reason if isinstance(reason, str) else "",
                code if isinstance(code, int) and not isinstance(code, bool) else None,
            )
    return entries


def _identity(seen: os.stat_result) -> tuple[int, int, int, int]:
    """What tells two looks at a file apart (a replaced file has a new inode)."""
    return (seen.st_dev, seen.st_ino, seen.st_mtime_ns, seen.st_size)


def _same_file(one: os.stat_result, other: os.stat_result) -> bool:
    """Whether two looks saw the same file, unchanged."""
    return _identity(one) == _identity(other)


_warned: set[Path] = set()
_warned_lock = threading.Lock()


def _warn_once(path: Path, message: str, *args: object) -> None:
    """A warning about the cooldown file ``path``, once a process: every worker and every
    resolver of a run reads it, and one warning says all there is to say."""
    with _warned_lock:
        if path in _warned:
            return
        _warned.add(path)
    log.warning(message, *args)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes, on every OS (``filelock``: ``flock`` on POSIX,
    ``LockFileEx`` on Windows); imported here, as a cooldown is seldom written."""
    from filelock import FileLock  # noqa: PLC0415

    with FileLock(path):
        yield


def _reason(exc: errors.ResolverError) -> str:
    """The cooldown's reason in a few words: the error's message, and its code."""
    words = exc.message.split(" (it said", 1)[0]
    return f"{words}, {exc.code}" if exc.code else words
