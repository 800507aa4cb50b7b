"""Resolved links kept for a while in the shared state store: what is kept, for how long.

The same link resolved again — a script run twice, the web page and pyLoad asking for one
link, a download retried — should cost no second API call and no fair use. A resolved link
is kept in the state store (:meth:`~.state.StateStore.remember_link`), so every process that
shares the store (every machine, with Redis) is answered from it.

What is kept is only the direct link and what the provider said about the file (a
:class:`~.models.ResolvedLink` as JSON), never a credential: a record in which a
registered secret shows (:func:`.redact.redact` would change it) is not kept. Not kept
either: failures, links that need request headers (a cookie is a session's credential),
and links of providers whose ``direct_link_lifetime`` is 0 (links bound to one download).

How long: until the link's own ``valid_until`` when the provider says it, else for the
provider's ``direct_link_lifetime``; in both cases less :data:`MARGIN`, so that a link is
never handed out moments before it lapses (a download takes a while to start).

The key is a hash of the link as given: the store never holds the input
in the clear, and nothing else changes a successful answer (a link's password only decides
whether there is one). The provider is in the record; a link is answered from the cache
only when that provider is one the link would be tried with now, so ``--provider X`` never
gets Y's link.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Final

from .models import DownloadLimits, FileLink, ResolvedLink
from .outcomes import Outcome
from .redact import redact
from .state.store import StateStore

log = logging.getLogger("linkresolver")

#: Seconds before a link's end from which it is no longer handed out.
MARGIN: Final = 120.0
#: The record's format; a record of another format is ignored (resolved again).
RECORD_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class CachedLink:
    """A resolved link as the cache keeps it: the link, the provider and hoster that
    resolved it (the outcome's), and when it stops being valid (Unix time)."""

    link: ResolvedLink
    provider: str
    hoster: str
    valid_until: float
    #: The label of the provider's account that resolved it (None: its only account).
    account: str | None = None

    def outcome(self) -> Outcome:
        """The link's outcome, as from the cache; said in the log (``-v``)."""
        log.info("%s: from the cache (resolved by %s)", self.link.input, self.provider)
        return Outcome(
            self.link.input,
            "ok",
            link=self.link,
            provider=self.provider,
            hoster=self.hoster,
            from_cache=True,
            account=self.account,
        )


def cache_key(url: str) -> str:
    """The store's key for the input link ``url``: a hash, so that the store does not list
    the links a person resolved."""
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
    return f"link:{digest}"


def valid_until(link: ResolvedLink, lifetime: float, now: float) -> float | None:
    """When ``link`` stops being usable again: its own ``valid_until`` if the provider said
    it, capped by ``now + lifetime``; None when it must not be kept at all (lifetime 0,
    headers needed)."""
    if lifetime <= 0 or link.headers:
        return None
    end = now + lifetime
    if link.valid_until is not None:
        end = min(end, link.valid_until)
    return end


def record_of(cached: CachedLink) -> str:
    """``cached`` as the store's JSON text (every field of the link)."""
    link = cached.link
    limits = link.limits
    return json.dumps(
        {
            "v": RECORD_VERSION,
            "provider": cached.provider,
            "hoster": cached.hoster,
            "valid_until": cached.valid_until,
            "account": cached.account,
            "link": {
                "input": link.input,
                "url": link.url,
                "provider": link.provider,
                "hoster": link.hoster,
                "filename": link.filename,
                "size": link.size,
                "sha1": link.sha1,
                "content_type": link.content_type,
                "headers": [list(pair) for pair in link.headers],
                "files": [[item.url, item.filename, item.size] for item in link.files],
                "limits": None if limits is None else [limits.max_connections, limits.resume],
                "valid_until": link.valid_until,
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def cached_of(record: str) -> CachedLink | None:
    """The link kept in ``record``; None for a record this version cannot read (another
    format, a damaged text): it is resolved again, never an error."""
    try:
        data = json.loads(record)
        if data.get("v") != RECORD_VERSION:
            return None
        fields: dict[str, Any] = data["link"]
        limits = fields["limits"]
        link = ResolvedLink(
            input=str(fields["input"]),
            url=str(fields["url"]),
            provider=str(fields["provider"]),
            hoster=str(fields["hoster"]),
            filename=_text(fields["filename"]),
            size=_whole(fields["size"]),
            sha1=_text(fields["sha1"]),
            content_type=_text(fields["content_type"]),
            headers=tuple((str(name), str(value)) for name, value in fields["headers"]),
            files=tuple(FileLink(str(url), _text(name), _whole(size)) for url, name, size in fields["files"]),
            limits=None if limits is None else DownloadLimits(_whole(limits[0]), bool(limits[1])),
            valid_until=None if fields["valid_until"] is None else float(fields["valid_until"]),
        )
        return CachedLink(
            link,
            str(data["provider"]),
            str(data["hoster"]),
            float(data["valid_until"]),
            _text(data.get("account")),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _whole(value: object) -> int | None:
    return None if value is None else int(str(value))


class LinkCache:
    """Resolved links in ``store``, as the pipeline asks for them; ``clock`` is Unix time."""

    def __init__(self, store: StateStore, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock

    def recall(self, url: str, providers: Collection[str]) -> CachedLink | None:
        """The link kept for ``url`` if it is still good for :data:`MARGIN` seconds and
        was resolved by one of ``providers`` (the link's candidates now); else None."""
        record = self.store.recall_link(cache_key(url))
        if record is None:
            return None
        cached = cached_of(record)
        if cached is None or cached.provider not in providers or cached.link.input != url:
            return None
        if cached.valid_until - MARGIN <= self._clock():
            return None
        return cached

    def keep(
        self,
        url: str,
        link: ResolvedLink,
        provider: str,
        hoster: str,
        lifetime: float,
        account: str | None = None,
    ) -> bool:
        """Keep ``link``, just resolved by ``provider`` (its ``account``; whose links live
        ``lifetime`` seconds unless they say otherwise) as ``hoster``, while it stays valid;
        whether it was kept."""
        until = valid_until(link, lifetime, self._clock())
        return until is not None and self.remember(url, CachedLink(link, provider, hoster, until, account))

    def remember(self, url: str, cached: CachedLink) -> bool:
        """Keep ``cached`` for ``url`` until MARGIN before its ``valid_until``; whether it
        was kept (not when its time is too short, or its record would hold a secret)."""
        seconds = cached.valid_until - MARGIN - self._clock()
        if seconds <= 0:
            return False
        record = record_of(cached)
        if redact(record) != record:
            log.debug("%s: not kept in the link cache (its record holds a secret)", url)
            return False
        self.store.remember_link(cache_key(url), record, seconds)
        return True

    def forget(self, url: str) -> None:
        """Forget the link kept for ``url`` (it turned out not to work)."""
        self.store.remember_link(cache_key(url), "", 0)


__all__ = ["MARGIN", "CachedLink", "LinkCache", "cache_key", "cached_of", "record_of", "valid_until"]
