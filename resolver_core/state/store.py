"""What several linkresolver processes must share, behind one small interface.

A provider's limits are the account's, not the process's: four commands started at once
against one Real-Debrid token share its 250 calls a minute, and a 509 seen by one of them
must stop the other three too. Per-process token buckets (:mod:`..budget`) and a JSON file
re-read once a second (:mod:`..cooldowns`) cannot promise either, so both move behind
:class:`StateStore`, whose every answer is the one all processes see.

The store also keeps resolved links for a while (:meth:`StateStore.remember_link`), so
that a link resolved again by any process costs no second API call, and the packages of
``linkresolver serve`` (:class:`PackageStore`): its jobs and their history, so that
a restart picks up where the server was.

The interface is deliberately small — only what the pipeline asks — so that a second
backend (Redis, for machines that share one account) is a short class, not a port. The
SQLite backend is :mod:`.sqlite`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

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


#: A package's states as the store keeps them: at work (not ended: queued, resolving,
#: downloading, waiting for a confirmation), or ended, every link well or not.
PACKAGE_ACTIVE: Final = "active"
PACKAGE_DONE: Final = "done"
PACKAGE_FAILED: Final = "failed"


@dataclass(frozen=True, slots=True)
class StoredPackage:
    """A package (a job of ``linkresolver serve``: a paste, a Click'n'Load delivery, a
    watch-folder file) as the store keeps it.

    The store reads only ``package_id``, ``created``, ``finished`` and ``state`` (to list,
    page and prune); ``record`` (the package's own fields) and ``links`` (one JSON text per
    link, by position: ``links[n]`` is the link at position ``n``) are JSON texts it keeps
    as given. What they hold is :mod:`..web.packages`' business, not the store's.
    """

    package_id: str
    #: When the package was made (Unix time): the history's order, newest first.
    created: float
    #: :data:`PACKAGE_ACTIVE`, :data:`PACKAGE_DONE` or :data:`PACKAGE_FAILED`.
    state: str
    #: The package's fields as a JSON object text (name, origin, password, folder...).
    record: str
    #: Each link's JSON object text, in position order.
    links: list[str] = field(default_factory=list)
    #: When it ended (Unix time); None while it is at work.
    finished: float | None = None


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
            "it holds request budgets, pauses, recently resolved links and serve's package history,"
            " so deleting it is safe (that history is lost); or set LINKRESOLVER_STATE_DIR to another folder"
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


@runtime_checkable
class PackageStore(Protocol):
    """The packages of ``linkresolver serve`` (its jobs) and their history, kept in the
    state store so that a restart, or a SIGKILL, picks up where the server was.

    A protocol of its own beside :class:`StateStore` (the SQLite and Redis stores are
    both): what only counts budgets and rests (a test's stand-in) need not keep packages.
    :func:`package_store` gives an opened store's. Each method is atomic across processes
    and threads; a failing store raises :class:`StateStoreError`. The store knows no
    outcome classes: a package's and its links' fields are JSON texts it keeps as given.
    """

    def save_package(self, package: StoredPackage) -> None:
        """Keep ``package`` with its links, replacing whatever its id held (links too: a
        link position it no longer has is dropped). Called when a package is made."""
        ...

    def update_package(self, package_id: str, *, record: str, state: str, finished: float | None) -> None:
        """Replace the package's own ``record``, ``state`` and ``finished``; its links stay
        as they are. A package not (or no longer) kept is left alone: an update racing a
        removal never brings the package back."""
        ...

    def save_package_link(self, package_id: str, position: int, record: str) -> None:
        """Replace (or add) the link at ``position`` of the package with ``record``; called
        at each of a link's state changes, not on every downloaded byte. A package not (or
        no longer) kept is left alone, as with :meth:`update_package`."""
        ...

    def package(self, package_id: str) -> StoredPackage | None:
        """The package with its links; None when it is not kept."""
        ...

    def packages(
        self, *, limit: int, before: float | None = None, states: Collection[str] | None = None
    ) -> list[StoredPackage]:
        """At most ``limit`` packages with their links, newest (``created``) first; only
        those created before ``before`` (a page of history: the last one's ``created``
        given back as ``before``), only those in one of ``states`` when given (``serve``'s
        restart asks for ``{PACKAGE_ACTIVE}``). Packages created at the same moment come
        in a stable order (by id, descending)."""
        ...

    def remove_package(self, package_id: str) -> bool:
        """Forget the package and its links; whether it was kept."""
        ...

    def prune_packages(self, *, finished_before: float | None = None, keep: int | None = None) -> int:
        """Forget ended packages (never an active one): those that ended before
        ``finished_before`` (Unix time), and those beyond the newest ``keep`` ended ones
        (by ``created``). None: no limit of that kind. How many were forgotten."""
        ...


def package_store(store: StateStore) -> PackageStore:
    """``store`` as the keeper of packages; :class:`StateStoreError` when it keeps none."""
    if not isinstance(store, PackageStore):
        raise StateStoreError(
            f"the state store {store.location} cannot keep packages (history) yet", store=store.location
        )
    return store
