"""What several linkresolver processes must share, behind one small interface.

A provider's limits are the account's, not the process's: four commands started at once
against one Real-Debrid token share its 250 calls a minute, and a 509 seen by one of them
must stop the other three too. Per-process token buckets (:mod:`..budget`) and a JSON file
re-read once a second (:mod:`..cooldowns`) cannot promise either, so both move behind
:class:`StateStore`, whose every answer is the one all processes see.

The store also keeps resolved links for a while (:meth:`StateStore.remember_link`), so
that a link resolved again by any process costs no second API call.

The interface is deliberately small — only what the pipeline asks — so that a second
backend (Redis, for machines that share one account) is a short class, not a port. The
SQLite backend is :mod:`.sqlite`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .. import errors


@dataclass(frozen=True, slots=True)
class Rest:
    """A provider (``hoster`` None) or one hoster at it resting until ``until`` (Unix time).

    The same fields, with the same meaning, as one entry of ``cooldowns.json``
    (:class:`..cooldowns.Cooldown`): ``reason`` is the few words a person is shown, ``code``
    the provider's status that started it. Kept apart from ``Cooldown`` so that the store
    does not import the module that will use it (no import circle); ``Cooldown`` can become
    this record plus its ``error()`` when the store is wired in.
    """

    provider: str
    hoster: str | None
    until: float
    reason: str
    code: int | None = None


class StateStoreError(errors.ConfigError):
    """The shared state store cannot be used: damaged, not writable, or held too long.

    A configuration problem (exit 2), not a provider's: nothing works until the user fixes
    it, and falling back to per-process state would silently break the limits the store
    exists to keep. The message names the store (its file or address), never a secret.
    ``fatal``: raised while links are resolved, it ends the run rather than failing one
    link (every other link would meet it too).
    """

    fatal = True

    def __init__(self, message: str, *, store: str) -> None:
        super().__init__(message)
        #: The file (or address) of the store, for scripts and tests.
        self.store = store

    def advice(self) -> str:
        return (
            "it holds only request budgets, pauses and recently resolved links, so deleting it is safe; "
            "or set LINKRESOLVER_STATE_DIR to another folder"
        )


class StateStore(Protocol):
    """State shared by every process that opens the same store.

    Every method is atomic across processes and threads: no two callers are given the
    same slot of a budget, and a rest recorded by one is seen by the next call of any.
    Implementations raise :class:`StateStoreError` (never a driver's exception) when the
    store itself fails.
    """

    #: Where the store lives, as a person reads it (a file path, a URL without password).
    location: str
    #: Whether processes on other machines share it (Redis), not only this machine's (the
    #: SQLite file): then it also carries what each machine would otherwise fetch for
    #: itself, the hoster lists (:class:`..cache.HosterListCache`).
    spans_machines: bool

    def take(self, bucket: str, per_second: float, burst: int) -> float:
        """Take one call from ``bucket``'s budget; the seconds to wait before making it.

        0 means go now. ``per_second`` calls a second on average, ``burst`` at once after
        a quiet spell, so no window of ``t`` seconds holds more than ``burst + t *
        per_second`` calls, however many processes share the bucket. A caller told to
        wait has its slot reserved (callers queue instead of retrying), and must sleep
        that long. ``per_second`` <= 0 means no limit. ``bucket`` names what is limited:
        a provider today, ``provider/account`` once there are several accounts.
        """
        ...

    def rest(self, rest: Rest) -> Rest:
        """Record ``rest`` unless its provider (or hoster at it) already rests as long or
        longer; the rest in force afterwards."""
        ...

    def resting(self, provider: str, hoster: str | None = None) -> Rest | None:
        """The rest that keeps ``provider`` — or ``hoster`` at it — from being asked now,
        the longer if both do; None when it may be asked."""
        ...

    def rests(self) -> list[Rest]:
        """Every rest still in force, soonest over first."""
        ...

    def clear_rest(self, provider: str, hoster: str | None = None) -> None:
        """Forget ``provider``'s own rest (``hoster`` None) or the rest of ``hoster`` at it."""
        ...

    def remember_link(self, key: str, record: str, seconds: float) -> None:
        """Keep ``record`` (a JSON text: a resolved link, :mod:`..linkcache`) under ``key``
        for ``seconds``; a later call with the same key replaces it. ``seconds`` <= 0 keeps
        nothing (and forgets what ``key`` held)."""
        ...

    def recall_link(self, key: str) -> str | None:
        """The record kept under ``key``, or None when there is none or its time is over."""
        ...

    def close(self) -> None:
        """Release what this process holds open (the store itself stays)."""
        ...
