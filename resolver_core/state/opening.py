"""Opening the state store the configuration names, once per process.

``state = "sqlite"`` (the default) is the file in the user's state directory; a
``redis://``, ``rediss://`` or ``unix://`` URL is a Redis server, for machines that share
an account. A store is opened once per location and process, and kept: the web server
builds a resolver for every job, and each must not open new connections, nor reset the
budgets it shares with the other jobs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .spec import SQLITE, state_problem, without_credentials
from .sqlite import SqliteStateStore
from .store import StateStore, StateStoreError

_opened: dict[str, StateStore] = {}
_opened_lock = threading.Lock()


def open_store(spec: str | None, state_dir: Path) -> StateStore:
    """The store ``spec`` names (None or "sqlite": ``state.sqlite3`` in ``state_dir``), the
    same object for the same location every time in this process.

    Opening is lazy: a store that cannot be reached fails at its first use, with a
    :class:`StateStoreError` naming it.
    """
    text = (spec or SQLITE).strip()
    problem = state_problem(text)
    if problem:
        raise StateStoreError(
            f"state store {without_credentials(text)!r} {problem}", store=without_credentials(text)
        )
    if text.lower() == SQLITE:
        return _kept(f"sqlite:{state_dir.resolve()}", lambda: SqliteStateStore.in_directory(state_dir))
    # A Redis URL (state_problem allows nothing else); kept, once supported, with
    # _kept(f"redis:{shown}", ...) like the file.
    shown = without_credentials(text)
    raise StateStoreError(
        f"the state store {shown} is a Redis server: Redis state stores need "
        'a linkresolver with Redis support; use state = "sqlite" meanwhile',
        store=shown,
    )


def close_stores() -> None:
    """Close every store opened in this process and forget them (tests; a process's end)."""
    with _opened_lock:
        stores = list(_opened.values())
        _opened.clear()
    for store in stores:
        store.close()


def _kept(key: str, make: Callable[[], StateStore]) -> StateStore:
    """The store kept under ``key``, made by ``make`` the first time."""
    with _opened_lock:
        found = _opened.get(key)
        if found is None:
            found = _opened[key] = make()
        return found
