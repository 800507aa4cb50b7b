"""The shared request budget: a token bucket per provider, for every thread of the process.

Every API call (resolve, check, account, the command groups) takes a token from its
provider's bucket first, so a batch of 500 links costs the provider a steady trickle, not a
burst of 500. A provider that asks us to stop altogether is another matter, remembered
across runs: :mod:`.cooldowns`.

The buckets are the process's own unless a shared state store is given (:func:`use_store`):
then every bucket is a :class:`SharedBucket`, kept in the store, so that several processes
using one account share its budget. :func:`.factory.build_resolver` gives the store the
configuration names (:mod:`.state.opening`).

A provider with several accounts has a bucket per account (``realdebrid/home``). Its
client passes the provider's name, as it does not know which account it calls for: the
pipeline says so around each call (:func:`calling_as`), and :func:`bucket` picks that
account's bucket.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final, Protocol

from . import cooldowns, errors

if TYPE_CHECKING:
    from .state import StateStore

#: Calls a second per provider when neither the provider nor the configuration says.
DEFAULT_RATE: Final = 10.0
#: Calls a provider may get at once after a quiet spell.
DEFAULT_BURST: Final = 20


class TokenBucket:
    """``rate`` calls a second on average, ``burst`` at once; thread-safe.

    A caller that finds the bucket empty reserves the next token and sleeps until it is due,
    so concurrent callers queue in arrival order instead of waking together.
    """

    def __init__(self, rate: float, burst: int = DEFAULT_BURST) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it (0 when one was there)."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Take a token, sleeping until it is due; the seconds slept."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)
        return delay


class SharedBucket:
    """A :class:`TokenBucket` kept in a state store, shared by every process using it.

    The same answers as a TokenBucket of the same rate and burst, call for call (the store's
    ``take`` is that algorithm); only where the bucket's level lives differs. One more
    thing: a link's first call to a provider (:func:`first_call`) that waited for its turn
    looks whether the provider was put to rest meanwhile. Calls of several processes
    queue in one bucket, so a turn can be seconds away (four processes' four slots at four
    calls a second: four seconds), and a rest one of them records must stop the links
    queued in all of them, not only those still to queue. The later calls of a link's
    flow go on: a rest stops new work, not work begun (TorBox's hour of new downloads
    spent must not strand the downloads it started).
    """

    def __init__(self, store: StateStore, name: str, rate: float, burst: int = DEFAULT_BURST) -> None:
        self.store = store
        self.name = name
        self.rate = rate
        self.burst = max(1, burst)

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it (0 when one was there)."""
        return self.store.take(self.name, self.rate, self.burst)

    def acquire(self) -> float:
        """Take a token, sleeping until it is due; the seconds slept. Raises
        :class:`~resolver_core.errors.RestedWhileWaiting` for a link's first call
        (:func:`first_call`) when, after a wait, the provider (or, for an account's bucket
        ``provider/label``, that account or its provider) rests."""
        delay = self.reserve()
        first = getattr(_attempt, "first", False)
        _attempt.first = False
        if delay > 0:
            time.sleep(delay)
            if first:
                self._mind_rest()
        return delay

    def _mind_rest(self) -> None:
        for name in dict.fromkeys((self.name, self.name.partition("/")[0])):
            rest = self.store.resting(name)
            if rest is not None:
                raise errors.RestedWhileWaiting(
                    f"asked to pause until {cooldowns.moment(rest.until)} ({rest.reason})",
                    provider=rest.provider,
                    code=rest.code,
                    retry_after=max(0.0, rest.until - time.time()),
                )


#: Whether the thread's next call is a link's first at its provider (:func:`first_call`).
_attempt = threading.local()


@contextlib.contextmanager
def first_call() -> Iterator[None]:
    """Within it, the thread's next call through a shared bucket is the first of a link's
    attempt at a provider: after waiting for its turn, it is not made when the provider
    rests (:class:`SharedBucket`). The pipeline wraps each attempt in it."""
    _attempt.first = True
    try:
        yield
    finally:
        _attempt.first = False


class Bucket(Protocol):
    """What callers of :func:`bucket` use: a :class:`TokenBucket` or a :class:`SharedBucket`."""

    rate: float
    burst: int

    def reserve(self) -> float: ...

    def acquire(self) -> float: ...


#: The account (its key, ``provider/label``) the current call is made for, if any.
_calling_account: ContextVar[str | None] = ContextVar("linkresolver_account", default=None)


@contextmanager
def calling_as(account: str) -> Iterator[None]:
    """Count the calls made inside (in this thread) against ``account``'s bucket: the key of
    an account (``realdebrid/home``), or a provider's name (its single account)."""
    token = _calling_account.set(account)
    try:
        yield
    finally:
        _calling_account.reset(token)


def call_as(account: str) -> None:
    """Count every call made from now on in this thread against ``account`` (a command of
    a plugin's group works for one account from start to end; see :func:`calling_as`)."""
    _calling_account.set(account)


def budget_key(provider: str) -> str:
    """Whose bucket a call of ``provider`` takes from: the account the pipeline is calling
    for (:func:`calling_as`) when it is one of ``provider``'s, else the provider's."""
    account = _calling_account.get()
    if account is not None and account.startswith(provider + "/"):
        return account
    return provider


_buckets: dict[str, Bucket] = {}
_buckets_lock = threading.Lock()
_store: StateStore | None = None


def use_store(store: StateStore | None) -> None:
    """Keep every bucket made from now on in ``store`` (None: in this process again).

    The buckets made before are dropped, so that no provider is counted in two places.
    """
    global _store  # noqa: PLW0603 (the process's one choice, like the buckets themselves)
    with _buckets_lock:
        _store = store
        _buckets.clear()


def current_store() -> StateStore | None:
    """The store the buckets are kept in (None: this process's own)."""
    return _store


def _new_bucket(provider: str, rate: float, burst: int) -> Bucket:
    return TokenBucket(rate, burst) if _store is None else SharedBucket(_store, provider, rate, burst)


def configure_bucket(provider: str, rate: float, burst: int = DEFAULT_BURST) -> None:
    """Set ``provider``'s calls a second (0: no limit). A bucket of the same rate is kept
    as it is: every resolver of the process (the web server makes one a job) shares it."""
    with _buckets_lock:
        current = _buckets.get(provider)
        if current is None or current.rate != rate or current.burst != max(1, burst):
            _buckets[provider] = _new_bucket(provider, rate, burst)


def bucket(provider: str) -> Bucket:
    """The bucket for ``provider`` (one for every session and thread of the process), or
    for the account of it being called for (:func:`calling_as`)."""
    key = budget_key(provider)
    found = _buckets.get(key)
    if found is None:
        with _buckets_lock:
            found = _buckets.setdefault(key, _new_bucket(key, DEFAULT_RATE, DEFAULT_BURST))
    return found
