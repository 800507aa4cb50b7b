"""The packages of ``linkresolver serve`` in the SQLite state file (schema 3).

Kept apart from :mod:`.sqlite` (which calls these with a connection inside its own
transaction or read) so that each module stays small. Two tables, made by
:data:`PACKAGES_SCHEMA` when a file of schema 2 is opened (its other tables kept):

``packages(id PRIMARY KEY, created, finished, state, record)``
    One row per package: what the store reads (its times and state, to list, page and
    prune) as columns, the rest as the JSON text ``record``.
``package_links(package, position, record)``, primary key ``(package, position)``
    One row per link of a package, its JSON text; deleted with its package.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Final

from .store import PACKAGE_ACTIVE, StoredPackage

PACKAGES_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS packages (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    finished REAL,
    state TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS packages_by_created ON packages (created DESC, id DESC);
CREATE TABLE IF NOT EXISTS package_links (
    package TEXT NOT NULL,
    position INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (package, position)
);
"""


def save(db: sqlite3.Connection, package: StoredPackage) -> None:
    """:meth:`.store.PackageStore.save_package`, in the caller's write transaction."""
    db.execute(
        "INSERT INTO packages (id, created, finished, state, record) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET created = excluded.created, finished = excluded.finished, "
        "state = excluded.state, record = excluded.record",
        (package.package_id, package.created, package.finished, package.state, package.record),
    )
    db.execute("DELETE FROM package_links WHERE package = ?", (package.package_id,))
    db.executemany(
        "INSERT INTO package_links (package, position, record) VALUES (?, ?, ?)",
        [(package.package_id, position, record) for position, record in enumerate(package.links)],
    )


def update(db: sqlite3.Connection, package_id: str, record: str, state: str, finished: float | None) -> None:
    """:meth:`.store.PackageStore.update_package`: an UPDATE, so a removed package stays so."""
    db.execute(
        "UPDATE packages SET record = ?, state = ?, finished = ? WHERE id = ?",
        (record, state, finished, package_id),
    )


def save_link(db: sqlite3.Connection, package_id: str, position: int, record: str) -> None:
    """:meth:`.store.PackageStore.save_package_link`; nothing when the package is not kept."""
    if db.execute("SELECT 1 FROM packages WHERE id = ?", (package_id,)).fetchone() is None:
        return
    db.execute(
        "INSERT INTO package_links (package, position, record) VALUES (?, ?, ?) "
        "ON CONFLICT (package, position) DO UPDATE SET record = excluded.record",
        (package_id, position, record),
    )


def one(db: sqlite3.Connection, package_id: str) -> StoredPackage | None:
    """:meth:`.store.PackageStore.package`."""
    row = db.execute(
        "SELECT id, created, finished, state, record FROM packages WHERE id = ?", (package_id,)
    ).fetchone()
    return None if row is None else _with_links(db, row)


def listed(
    db: sqlite3.Connection, limit: int, before: float | None, states: Collection[str] | None
) -> list[StoredPackage]:
    """:meth:`.store.PackageStore.packages`."""
    where, values = [], list[object]()
    if before is not None:
        where.append("created < ?")
        values.append(before)
    if states is not None:
        if not states:
            return []
        where.append(f"state IN ({', '.join('?' for _ in states)})")
        values.extend(states)
    condition = f"WHERE {' AND '.join(where)} " if where else ""
    rows = db.execute(
        f"SELECT id, created, finished, state, record FROM packages {condition}"  # noqa: S608 (placeholders only)
        "ORDER BY created DESC, id DESC LIMIT ?",
        (*values, max(0, limit)),
    ).fetchall()
    return [_with_links(db, row) for row in rows]


def remove(db: sqlite3.Connection, package_id: str) -> bool:
    """:meth:`.store.PackageStore.remove_package`."""
    db.execute("DELETE FROM package_links WHERE package = ?", (package_id,))
    return db.execute("DELETE FROM packages WHERE id = ?", (package_id,)).rowcount > 0


def prune(db: sqlite3.Connection, finished_before: float | None, keep: int | None) -> int:
    """:meth:`.store.PackageStore.prune_packages`: the ids to forget, then their rows."""
    doomed: set[str] = set()
    if finished_before is not None:
        rows = db.execute(
            "SELECT id FROM packages WHERE state != ? AND finished IS NOT NULL AND finished < ?",
            (PACKAGE_ACTIVE, finished_before),
        )
        doomed.update(str(row[0]) for row in rows)
    if keep is not None:
        rows = db.execute(
            "SELECT id FROM packages WHERE state != ? ORDER BY created DESC, id DESC LIMIT -1 OFFSET ?",
            (PACKAGE_ACTIVE, max(0, keep)),
        )
        doomed.update(str(row[0]) for row in rows)
    for package_id in doomed:
        remove(db, package_id)
    return len(doomed)


def _with_links(db: sqlite3.Connection, row: tuple[str, float, float | None, str, str]) -> StoredPackage:
    package_id, created, finished, state, record = row
    links = db.execute(
        "SELECT record FROM package_links WHERE package = ? ORDER BY position", (package_id,)
    ).fetchall()
    return StoredPackage(
        package_id=str(package_id),
        created=float(created),
        state=str(state),
        record=str(record),
        links=[str(link[0]) for link in links],
        finished=None if finished is None else float(finished),
    )
