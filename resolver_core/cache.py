"""Hoster lists cached on disk, refreshed when stale, never replaced by a failure.

A debrid service's hoster list changes slowly and costs a request; resolving a batch must not
wait for it each time. A cached list younger than the configured hours is used as it is. An
older one is refreshed; when the refresh fails, or brings something that is not a hoster
list, the old list stays in place and in use (ResolveURL replaced good lists with failures;
this never does), and the failure is logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomicfile import write_text
from .errors import ResolverError
from .redact import redact

if TYPE_CHECKING:
    from .state import StateStore

log = logging.getLogger("linkresolver")

#: How a cached hoster list's file is named: ``hosterlist-<provider>.json``.
HOSTERLIST_PREFIX = "hosterlist-"


class HosterListMissing(Exception):
    """No cached list for this provider, and :class:`CachedListsOnly` may not fetch one.

    Not a :class:`ResolverError`: a provider passes those on as its own failure, while this
    must reach the caller, who counts the provider as waiting for its list.
    """

    def __init__(self, provider: str) -> None:
        super().__init__(f"no cached hoster list of {provider}")
        self.provider = provider


class HosterListCache:
    """One JSON file per provider under ``directory``; with ``shared`` (a state store that
    machines share), each list fetched is kept there too, and a machine whose own copy is
    missing or stale takes the one another machine fetched while it is fresh: one hoster
    list call per provider for every machine, not one each (each counts against the
    account's calls a minute)."""

    def __init__(self, directory: Path, ttl_hours: float, shared: StateStore | None = None) -> None:
        self.directory = directory
        self.ttl_seconds = ttl_hours * 3600
        self.shared = shared

    def path(self, provider: str) -> Path:
        return self.directory / f"{HOSTERLIST_PREFIX}{provider}.json"

    def get(
        self,
        provider: str,
        fetch: Callable[[], dict[str, Any]],
        *,
        refresh: bool = False,
        valid: Callable[[dict[str, Any]], bool] = bool,
    ) -> dict[str, Any]:
        """The provider's list: cached when fresh, else fetched (and cached when ``valid``).

        Raises the fetch's :class:`ResolverError` only when there is no usable cached list.
        """
        cached, age = self._read(provider)
        if cached is not None and not refresh and age is not None and age < self.ttl_seconds:
            return cached
        if not refresh and self.shared is not None:
            found = self._shared_list(provider, valid)
            if found is not None:
                return found
        try:
            fresh = fetch()
            if not valid(fresh):
                raise ResolverError("sent a hoster list with no hosters in it", provider=provider)
        except ResolverError as exc:
            if cached is None or exc.fatal:
                raise
            log.warning("%s; using the cached hoster list from %s ago", exc, _ago(age))
            return cached
        self._write(provider, fresh)
        self._share(provider, fresh)
        return fresh

    def _shared_list(self, provider: str, valid: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """The list another machine fetched, while fresh, copied to this machine's cache
        (its file dated when it was fetched, so that it goes stale on time); else None."""
        assert self.shared is not None
        record = self.shared.recall_link(_shared_key(provider))
        if not record:
            return None
        try:
            kept = json.loads(record)
            fetched, data = float(kept["at"]), kept["list"]
        except (TypeError, ValueError, KeyError, RecursionError):  # not a record of ours
            return None
        age = time.time() - fetched
        if not isinstance(data, dict) or not valid(data) or not 0 <= age < self.ttl_seconds:
            return None
        self._write(provider, data)
        with contextlib.suppress(OSError):
            os.utime(self.path(provider), (fetched, fetched))
        log.info("the hoster list of %s from the shared state store (fetched %s ago)", provider, _ago(age))
        return data

    def _share(self, provider: str, data: dict[str, Any]) -> None:
        """Keep ``data`` in the shared store for as long as it is fresh."""
        if self.shared is None or self.ttl_seconds <= 0 or self.ttl_seconds == float("inf"):
            return
        record = redact(json.dumps({"at": time.time(), "list": data}))
        self.shared.remember_link(_shared_key(provider), record, self.ttl_seconds)

    def _read(self, provider: str) -> tuple[dict[str, Any] | None, float | None]:
        path = self.path(provider)
        try:
            age = time.time() - path.stat().st_mtime
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError) as exc:
            log.warning("cached hoster list %s is unreadable (%s); fetching a new one", path, exc)
            return None, None
        return (data, age) if isinstance(data, dict) else (None, None)

    def _write(self, provider: str, data: dict[str, Any]) -> None:
        self._write_json(self.path(provider), data, f"the hoster list of {provider}")

    def _write_json(self, path: Path, data: dict[str, Any], what: str) -> None:
        """Write atomically: a crash mid-write leaves the old file, never half a new one."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Nothing secret goes to the cache directory, even when a provider echoed the
            # user's key in its list (a pattern holding "***" no longer compiles).
            write_text(path, redact(json.dumps(data)), prefix=".cache-")
        except OSError as exc:
            log.warning("cannot cache %s in %s: %s", what, self.directory, exc)


class CachedListsOnly(HosterListCache):
    """The cached lists as they are, whatever their age, and never a fetch: for deciding
    which links are linkresolver's without a network call (the yt-dlp plugin, see
    :mod:`resolver_core.ytdlp_claims`). A provider without a cached list raises
    :class:`HosterListMissing` out of its ``hosters``."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, ttl_hours=float("inf"))

    def get(
        self,
        provider: str,
        fetch: Callable[[], dict[str, Any]],
        *,
        refresh: bool = False,
        valid: Callable[[dict[str, Any]], bool] = bool,
    ) -> dict[str, Any]:
        cached, _ = self._read(provider)
        if cached is None or not valid(cached):
            raise HosterListMissing(provider)
        return cached


def _shared_key(provider: str) -> str:
    """A provider's list in the shared store (kept with the link cache's records, under a
    key of its own kind)."""
    return f"hosters:{provider}"


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "an unknown time"
    hours = seconds / 3600
    return f"{hours:.1f} hours" if hours >= 1 else f"{seconds / 60:.0f} minutes"
