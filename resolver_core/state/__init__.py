"""State shared between linkresolver processes: request budgets and rests (cooldowns).

:mod:`.store` says what a store promises (:class:`StateStore`); :mod:`.sqlite` keeps it in
one SQLite file of the state directory, the default; :mod:`.redis` on a Redis server, for
machines that share an account (imported only when such a store is opened: its driver is
an optional extra).
"""

from __future__ import annotations

from .sqlite import STATE_FILE, SqliteStateStore
from .store import (
    PACKAGE_ACTIVE,
    PACKAGE_DONE,
    PACKAGE_FAILED,
    PackageStore,
    Rest,
    StateStore,
    StateStoreError,
    StoredPackage,
    package_store,
)

__all__ = [
    "PACKAGE_ACTIVE",
    "PACKAGE_DONE",
    "PACKAGE_FAILED",
    "STATE_FILE",
    "PackageStore",
    "Rest",
    "SqliteStateStore",
    "StateStore",
    "StateStoreError",
    "StoredPackage",
    "package_store",
]
