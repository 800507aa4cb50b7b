"""Bandwidth: byte rates that downloads share, and download slots per hoster.

A :class:`RateLimit` is a token bucket over bytes shared by every thread that downloads under
it (each connection of each file): a thread *takes* the bytes it has just received and waits
until the bucket has paid for them. Taking reserves at once (the bucket may go into debt),
so threads are served in the order they asked and the rate holds over any stretch of time
however many connections share it; the wait happens in slices of at most
:data:`WAIT_SLICE` seconds on the download's cancel event, so Ctrl-C or a job's stop ends it
at once. The bucket starts empty and holds at most :data:`BURST_SECONDS` of bytes, so that
a download's average over its whole length (what a person measures) stays at the limit.

A :class:`Throttle` is the limits one download obeys, all of them: the global one (``serve
--limit-rate``, ``download --limit-rate``) and its package's. No limit, no throttle: the
download loop then does nothing more than before (``download_bench.py`` measures it).

:class:`HosterSlots` caps the downloads at once at one hoster (``--max-per-hoster``, as
pyLoad and JDownloader offer): free hosters and debrid services cap connections per
account, and a file over the cap fails or crawls.

Rates are written as aria2c's ``--max-overall-download-limit`` and curl's ``--limit-rate``
take them (:func:`parse_rate`).
"""

from __future__ import annotations

import contextlib
import difflib
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from ..errors import ConfigError

#: The longest a waiting thread sleeps before it looks at its cancel event again.
WAIT_SLICE: Final = 0.05
#: Bytes a bucket may hold, in seconds of its rate: enough to smooth the threads' turns,
#: little enough that a 4-second download's average is within a few percent of the limit.
BURST_SECONDS: Final = 0.05
#: The bytes a limited download reads at a time, in seconds of its rate: small takes keep
#: the flow even (a 1 MiB read at 100 KiB/s would be ten seconds of silence, then a burst).
READ_SECONDS: Final = 0.05
#: The smallest and largest read of a limited download.
MIN_READ: Final = 16 << 10
MAX_READ: Final = 1 << 20
#: The lowest limit taken: below it, reads would be a few bytes each.
MIN_RATE: Final = 1 << 10
#: The highest (1 TiB/s): above it, no limit is meant.
MAX_RATE: Final = 1 << 40
#: Downloads at once at one hoster, at most, that ``max_per_hoster`` may ask for.
MAX_PER_HOSTER: Final = 32

_UNITS: Final = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "kib": 1 << 10,
    "kb": 1000,
    "m": 1 << 20,
    "mib": 1 << 20,
    "mb": 1000**2,
    "g": 1 << 30,
    "gib": 1 << 30,
    "gb": 1000**3,
}
_RATE: Final = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*(?:/\s*s)?", re.IGNORECASE)
#: What :func:`parse_rate` takes, in the words of its error messages.
RATE_SYNTAX: Final = (
    "a number of bytes per second with an optional unit, as aria2c takes it: 500K, 5M, 1.5MiB/s"
    " (K, M, G count 1024s; kB, MB, GB count 1000s; 0: no limit)"
)


class RateError(ValueError):
    """A rate that cannot be read; its message names the text and the syntax."""


def parse_rate(text: str) -> float | None:
    """Bytes per second from ``5M``, ``500K``, ``1.5MiB/s``, ``2MB/s``, ``800000``; None for
    ``0`` (no limit, as aria2c's 0). K, M and G are binary (aria2c's and curl's meaning);
    kB, MB and GB decimal. Raises :class:`RateError` saying why the text is not a rate."""
    written = text.strip()
    match = _RATE.fullmatch(written)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise RateError(f"{text!r} is not a rate: give {RATE_SYNTAX}")
    rate = float(match.group(1)) * _UNITS[unit]
    if rate == 0:
        return None
    if rate < MIN_RATE:
        raise RateError(f"{text!r} is below the lowest limit, 1K (1024 bytes a second)")
    if rate > MAX_RATE:
        raise RateError(f"{text!r} is above the highest limit, 1024G (use 0 for no limit)")
    return rate


def rate_words(rate: float) -> str:
    """A rate for a person: ``5 MiB/s``, ``500 KiB/s``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if rate >= size:
            return f"{rate / size:.3g} {unit}/s"
    return f"{rate:.0f} B/s"


class RateLimit:
    """A byte rate shared by threads (a token bucket that may go into debt; see the module).

    ``clock`` and ``sleep`` are the monotonic clock and a wait that returns early (True) when
    the download is cancelled; tests give fake ones that move time themselves."""

    def __init__(
        self,
        rate: float,
        *,
        name: str = "limit",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"a rate must be positive, not {rate!r}")
        self.rate = float(rate)
        self.name = name
        self._clock = clock
        self._capacity = self.rate * BURST_SECONDS
        self._lock = threading.Lock()
        self._tokens = 0.0  # starts empty: the first bytes are paid for too
        self._stamp = clock()

    def reserve(self, count: int) -> float:
        """Take ``count`` bytes now; the seconds until the bucket has paid for them."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= count
            return -self._tokens / self.rate if self._tokens < 0 else 0.0

    def __repr__(self) -> str:
        return f"RateLimit({rate_words(self.rate)}, {self.name})"


def _event_wait(cancelled: threading.Event | None, seconds: float) -> bool:
    """Wait up to ``seconds``; True when ``cancelled`` was set meanwhile."""
    if cancelled is None:
        time.sleep(seconds)
        return False
    return cancelled.wait(seconds)


@dataclass(frozen=True, slots=True)
class Throttle:
    """Every limit one download obeys (the global one, its package's): each byte is taken
    from each, and the download waits for the slowest."""

    limits: tuple[RateLimit, ...]
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    #: ``wait(cancelled, seconds) -> cancelled?``; a fake in tests.
    wait: Callable[[threading.Event | None, float], bool] = field(default=_event_wait, compare=False)

    @staticmethod
    def of(*limits: RateLimit | None) -> Throttle | None:
        """The throttle of the limits given (None ones left out); None when none is left:
        a download without limits runs its loop untouched."""
        present = tuple(limit for limit in limits if limit is not None)
        return Throttle(present) if present else None

    @property
    def rate(self) -> float:
        """The rate this download can have at most: its slowest limit's."""
        return min(limit.rate for limit in self.limits)

    def read_size(self) -> int:
        """How many bytes the download should read at a time (see :data:`READ_SECONDS`)."""
        return int(min(MAX_READ, max(MIN_READ, self.rate * READ_SECONDS)))

    def take(self, count: int, cancelled: threading.Event | None = None) -> bool:
        """Pay for ``count`` bytes received: returns once every limit allows them, or at
        once (False) when ``cancelled`` is set meanwhile; True when they were paid for."""
        delay = max(limit.reserve(count) for limit in self.limits)
        if delay <= 0:
            return True
        until = self.clock() + delay
        while (left := until - self.clock()) > 0:
            if self.wait(cancelled, min(WAIT_SLICE, left)):
                return False
        return True


_Item = TypeVar("_Item")


class HosterSlots:
    """At most ``per_hoster`` downloads at once at one hoster (None: no cap), shared by
    threads. :meth:`holding` waits for a slot (cancellable); :meth:`take_next` lets a pool
    of threads pick, from a queue, the first item whose hoster has a slot free, so that a
    thread never sits waiting for one hoster while another's files could go."""

    def __init__(self, per_hoster: int | None) -> None:
        if per_hoster is not None and per_hoster < 1:
            raise ValueError(f"downloads per hoster must be at least 1, not {per_hoster}")
        self.per_hoster = per_hoster
        self._busy: dict[str, int] = {}
        self._changed = threading.Condition()

    def busy(self, hoster: str) -> int:
        """Downloads running now at ``hoster``."""
        with self._changed:
            return self._busy.get(hoster, 0)

    def _free(self, hoster: str) -> bool:
        return self.per_hoster is None or self._busy.get(hoster, 0) < self.per_hoster

    def _hold(self, hoster: str) -> None:
        self._busy[hoster] = self._busy.get(hoster, 0) + 1

    def release(self, hoster: str) -> None:
        with self._changed:
            left = self._busy.get(hoster, 0) - 1
            if left > 0:
                self._busy[hoster] = left
            else:
                self._busy.pop(hoster, None)
            self._changed.notify_all()

    @contextlib.contextmanager
    def holding(self, hoster: str, cancelled: threading.Event | None = None) -> Iterator[bool]:
        """Hold one of ``hoster``'s slots for the block (yields True); yields False without
        a slot when ``cancelled`` is set while waiting."""
        with self._changed:
            while not self._free(hoster):
                if cancelled is not None and cancelled.is_set():
                    yield False
                    return
                self._changed.wait(WAIT_SLICE)
            self._hold(hoster)
        try:
            yield True
        finally:
            self.release(hoster)

    def take_next(
        self,
        queue: list[_Item],
        hoster_of: Callable[[_Item], str | None],
        cancelled: threading.Event | None = None,
    ) -> tuple[_Item, str | None] | None:
        """Remove and return the first item of ``queue`` whose hoster has a free slot, and
        that hoster (its slot now held: :meth:`release` it; None: the item needs none);
        None when the queue is empty or ``cancelled`` is set. ``queue`` is shared: it is
        only read and changed under this object's lock."""
        with self._changed:
            while queue and not (cancelled is not None and cancelled.is_set()):
                for index, item in enumerate(queue):
                    hoster = hoster_of(item)
                    if hoster is None or self._free(hoster):
                        del queue[index]
                        if hoster is not None:
                            self._hold(hoster)
                        return item, hoster
                self._changed.wait(WAIT_SLICE)
            return None


@dataclass(frozen=True, slots=True)
class DownloadSettings:
    """The ``[download]`` table of the configuration, checked."""

    limit_rate: float | None = None
    max_per_hoster: int | None = None


_KEYS: Final = ("limit_rate", "max_per_hoster")


def download_settings(table: Mapping[str, Any], where: str = "config.toml") -> DownloadSettings:
    """``[download]`` (``Config.section("download")``) read and checked; a
    :class:`ConfigError` naming the key and what it takes when a value is wrong."""
    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (it takes {', '.join(_KEYS)})"
            raise ConfigError(f"{where}: [download] has no setting {key!r}{hint}")
    rate = None
    if "limit_rate" in table:
        value = table["limit_rate"]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(f'{where}: [download] limit_rate must be a text such as "5M" ({RATE_SYNTAX})')
        try:
            rate = parse_rate(str(value))
        except RateError as exc:
            raise ConfigError(f"{where}: [download] limit_rate: {exc}") from None
    per_hoster = None
    if "max_per_hoster" in table:
        value = table["max_per_hoster"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PER_HOSTER:
            raise ConfigError(
                f"{where}: [download] max_per_hoster must be a whole number from 1 to {MAX_PER_HOSTER}"
                " (0: no cap)"
            )
        per_hoster = value or None
    return DownloadSettings(rate, per_hoster)


def chosen(option: float | None, configured: float | None) -> float | None:
    """An option's value when given (0: none), else the configuration's."""
    value = configured if option is None else option
    return value or None


@dataclass(slots=True)
class Bandwidth:
    """The process's download policy: its global limit and hoster slots. ``serve`` sets it
    once (its downloads run deep inside the job manager); ``download`` passes its own."""

    overall: RateLimit | None = None
    slots: HosterSlots = field(default_factory=lambda: HosterSlots(None))

    @staticmethod
    def of(rate: float | None, per_hoster: int | None) -> Bandwidth:
        """The policy of a global ``rate`` (None: none) and a hoster cap (None: none)."""
        return Bandwidth(RateLimit(rate, name="global") if rate else None, HosterSlots(per_hoster))


_process = Bandwidth()


def process_bandwidth() -> Bandwidth:
    """The process's policy (no limit and no cap until :func:`set_process_bandwidth`)."""
    return _process


def set_process_bandwidth(rate: float | None, per_hoster: int | None) -> Bandwidth:
    """Set the process's global limit and hoster cap (``serve``), and return it."""
    global _process  # noqa: PLW0603 (one policy per process is what "global limit" means)
    _process = Bandwidth.of(rate, per_hoster)
    return _process
