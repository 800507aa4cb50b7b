"""The packages of ``linkresolver serve`` on the Redis state store: the SQLite store's
packages (:mod:`.sqlite_packages`), call for call, on a server every machine shares.

Keys, under the store's prefix (``linkresolver:``):

``linkresolver:packages``
    A sorted set of every package's id, scored by its ``created`` time: the history's
    order. Members of one score come in reverse order of their ids, as SQLite's
    ``ORDER BY created DESC, id DESC`` gives them.
``linkresolver:package:ID``
    A hash ``created``, ``finished`` (``""`` while at work), ``state``, ``record``.
``linkresolver:package-links:ID``
    A hash of the package's links: position (as text) to the link's JSON text.

Packages never expire by themselves: they are history, pruned by :meth:`prune_packages`
as configured. A change that must not bring a removed package back (an update, a link's
new state) is a script that first checks the package is kept; a package's save or removal
is one ``MULTI``/``EXEC``: nothing is seen half-written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, Final

from .store import PACKAGE_ACTIVE, StoredPackage

if TYPE_CHECKING:
    import redis

#: KEYS[1] the package's hash; ARGV record, state, finished. Nothing when it is not kept.
_UPDATE: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'state', ARGV[2], 'finished', ARGV[3])
return 1
"""
#: KEYS[1] the package's hash, KEYS[2] its links; ARGV position, record.
_SAVE_LINK: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""
#: Ids read from the sorted set at a time while a listing skips packages of other states.
_PAGE: Final = 200


class RedisPackages:
    """:class:`.store.PackageStore` for :class:`.redis.RedisStateStore` (a mixin: the
    store's client, key naming and error translation are its own)."""

    prefix: str
    _client: redis.Redis

    def _key(self, kind: str, name: str) -> str:
        raise NotImplementedError  # the store's

    def _failures(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError  # the store's

    def _register_package_scripts(self) -> None:
        self._update_script = self._client.register_script(_UPDATE)
        self._save_link_script = self._client.register_script(_SAVE_LINK)

    # -- writing ----------------------------------------------------------------------------

    def save_package(self, package: StoredPackage) -> None:
        """See :meth:`.store.PackageStore.save_package`: one transaction."""
        package_key, links_key = self._package_keys(package.package_id)
        with self._failures():
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(package_key, links_key)
            pipe.hset(package_key, mapping=_fields(package))
            if package.links:
                pipe.hset(links_key, mapping={str(n): record for n, record in enumerate(package.links)})
            pipe.zadd(self._index_key(), {package.package_id: package.created})
            pipe.execute()

    def update_package(self, package_id: str, *, record: str, state: str, finished: float | None) -> None:
        """See :meth:`.store.PackageStore.update_package`: a script, so that a removed
        package is not brought back."""
        package_key, _ = self._package_keys(package_id)
        with self._failures():
            self._update_script(keys=[package_key], args=[record, state, _time(finished)])

    def save_package_link(self, package_id: str, position: int, record: str) -> None:
        """See :meth:`.store.PackageStore.save_package_link`."""
        with self._failures():
            self._save_link_script(keys=list(self._package_keys(package_id)), args=[str(position), record])

    def remove_package(self, package_id: str) -> bool:
        """See :meth:`.store.PackageStore.remove_package`: one transaction."""
        with self._failures():
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(*self._package_keys(package_id))
            pipe.zrem(self._index_key(), package_id)
            deleted, unlisted = pipe.execute()
        return bool(deleted or unlisted)

    def prune_packages(self, *, finished_before: float | None = None, keep: int | None = None) -> int:
        """See :meth:`.store.PackageStore.prune_packages`: the ended packages read newest
        first, those past ``keep`` or ended before ``finished_before`` removed."""
        if finished_before is None and keep is None:
            return 0
        doomed = []
        ended = 0
        with self._failures():
            for package_id, state, finished in self._states(self._ids()):
                if state == PACKAGE_ACTIVE:
                    continue
                ended += 1
                too_many = keep is not None and ended > max(0, keep)
                too_old = finished_before is not None and finished is not None and finished < finished_before
                if too_many or too_old:
                    doomed.append(package_id)
        return sum(self.remove_package(package_id) for package_id in doomed)

    # -- reading ----------------------------------------------------------------------------

    def package(self, package_id: str) -> StoredPackage | None:
        """See :meth:`.store.PackageStore.package`."""
        with self._failures():
            found = self._read([package_id])
        return found[0] if found else None

    def packages(
        self, *, limit: int, before: float | None = None, states: Collection[str] | None = None
    ) -> list[StoredPackage]:
        """See :meth:`.store.PackageStore.packages`: ids from the sorted set, newest first,
        a page at a time until ``limit`` of the states asked are found."""
        if limit <= 0 or (states is not None and not states):
            return []
        chosen: list[str] = []
        with self._failures():
            for package_id, state, _ in self._states(self._ids(before)):
                if states is None or state in states:
                    chosen.append(package_id)
                    if len(chosen) == limit:
                        break
            return self._read(chosen)

    def _ids(self, before: float | None = None) -> Iterator[str]:
        """Every package id, newest first; only those created before ``before`` when given."""
        highest = f"({before!r}" if before is not None else "+inf"
        start = 0
        while True:
            page = self._client.zrevrangebyscore(self._index_key(), highest, "-inf", start=start, num=_PAGE)
            yield from (str(package_id) for package_id in page)
            if len(page) < _PAGE:
                return
            start += _PAGE

    def _states(self, ids: Iterator[str]) -> Iterator[tuple[str, str | None, float | None]]:
        """Each id with its package's state and end (read a page at a time); an id whose
        package went meanwhile is skipped."""
        batch: list[str] = []
        for package_id in ids:
            batch.append(package_id)
            if len(batch) == _PAGE:
                yield from self._states_of(batch)
                batch = []
        yield from self._states_of(batch)

    def _states_of(self, ids: list[str]) -> Iterator[tuple[str, str | None, float | None]]:
        pipe = self._client.pipeline(transaction=False)
        for package_id in ids:
            pipe.hmget(self._package_keys(package_id)[0], ["state", "finished"])
        for package_id, (state, finished) in zip(ids, pipe.execute(), strict=True):
            if state is not None:
                yield package_id, str(state), _float(finished)

    def _read(self, ids: list[str]) -> list[StoredPackage]:
        """The packages of ``ids`` with their links, in that order (one round trip); those
        no longer kept are left out."""
        pipe = self._client.pipeline(transaction=True)
        for package_id in ids:
            package_key, links_key = self._package_keys(package_id)
            pipe.hgetall(package_key)
            pipe.hgetall(links_key)
        answers = pipe.execute()
        found = []
        for n, package_id in enumerate(ids):
            fields: dict[str, Any] = answers[2 * n]
            links: dict[str, Any] = answers[2 * n + 1]
            if not fields:
                continue
            found.append(
                StoredPackage(
                    package_id=package_id,
                    created=float(fields["created"]),
                    state=str(fields["state"]),
                    record=str(fields["record"]),
                    links=[str(links[key]) for key in sorted(links, key=int)],
                    finished=_float(fields.get("finished")),
                )
            )
        return found

    def _package_keys(self, package_id: str) -> tuple[str, str]:
        return self._key("package", package_id), self._key("package-links", package_id)

    def _index_key(self) -> str:
        return f"{self.prefix}packages"


def _fields(package: StoredPackage) -> dict[Any, Any]:  # redis-py's mapping type, invariant in its keys
    return {
        "created": repr(package.created),
        "finished": _time(package.finished),
        "state": package.state,
        "record": package.record,
    }


def _time(moment: float | None) -> str:
    return "" if moment is None else repr(moment)


def _float(text: object) -> float | None:
    return float(str(text)) if text not in (None, "") else None
