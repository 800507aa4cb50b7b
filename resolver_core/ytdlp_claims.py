"""Which links the yt-dlp plugin claims, decided without a network call or a heavy import.

yt-dlp asks its plugin extractors about every URL it is given, before its own extractors,
so deciding must cost next to nothing for a URL that is not a file host's. What the plugin
decides by is a pure function of three inputs: the configuration (the file and the
``LINKRESOLVER_*`` environment), the hoster lists in linkresolver's cache, and the installed
code. It is kept in :data:`DATA_FILE` in the cache directory, stamped with a fingerprint of
those inputs taken from file stats (not contents), and rebuilt whenever the fingerprint
differs, by loading the enabled providers in linkresolver's order: a file host's static
patterns as they are, a debrid service's list from the cache whatever its age, and a
provider whose list was never cached recorded as *pending*. Data written under another
configuration therefore never claims a link, and a fresh install knows its file hosts'
links before linkresolver ever ran.

For one URL: its host (no import), then the hosters whose domains it is on (a dictionary of
the data); only for a URL on a hoster domain is :mod:`hostermatch` imported, and a small
:class:`~hostermatch.HosterIndex` of just those hosters built, so untrusted patterns run
with its safety (RE2, bounded ``re``, ``regex`` with a timeout) and nowhere else. A URL
that some other program takes (``taken_elsewhere``: yt-dlp's own extractors) is declined.

A pending list is fetched once, on the first URL that could be a hoster link (on no known
hoster domain, and not taken elsewhere), and said in one line; when that fails, one line
says how to build it (``linkresolver hosts``), and the fetch is not tried again for an hour.

What the yt-dlp plugin leaves out: a provider's links beyond its hoster patterns
(``Provider.claims``: Offcloud's "any link") and patterns that name no host would take
URLs of every site, and yt-dlp supports thousands of sites itself.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from hostermatch import HosterIndex

from .claims_data import (
    DATA_FILE,
    FORMAT,
    RETRY_SECONDS,
    ClaimData,
    Hoster,
    Inputs,
    build_data,
    cache_dir_of,
    config_path_of,
    current_inputs,
    fetch_lists,
    quiet,
    read_data,
    write_data,
)

__all__ = [
    "DATA_FILE",
    "FORMAT",
    "RECHECK_SECONDS",
    "RETRY_SECONDS",
    "ClaimData",
    "Hoster",
    "Inputs",
    "YtDlpClaims",
    "build_data",
    "cache_dir_of",
    "config_path_of",
    "current_inputs",
    "fetch_lists",
    "read_data",
    "url_host",
    "write_data",
]

#: How long the data read is trusted before the inputs are stat'ed again (a long-lived
#: program that embeds yt-dlp sees a changed configuration this much later).
RECHECK_SECONDS: Final = 10.0
#: Decisions remembered per URL: yt-dlp asks about one URL several times.
_MEMO_SIZE: Final = 1024


def url_host(url: object) -> str | None:
    """The host of an http(s) URL, lower-case, as :mod:`hostermatch` reads it (the part
    before ``/ ? # \\``, after any user info, without port or trailing dots); None for
    anything else. An internationalised host costs the import of hostermatch's mapping."""
    if not isinstance(url, str) or not url[:8].lower().startswith(("http://", "https://")):
        return None
    rest = url[url.index("://") + 3 :]
    end = len(rest)
    for stop in "/?#\\":
        found = rest.find(stop, 0, end)
        if found != -1:
            end = found
    host = rest[:end].rpartition("@")[2]
    if host.startswith("["):  # an IPv6 literal: never a hoster's domain, but said as it is
        return host[1 : host.find("]")].lower() or None
    host = host.partition(":")[0].strip().rstrip(".").lower()
    if host.isascii():
        return host or None
    from hostermatch.urls import to_ascii_host  # noqa: PLC0415 (IDNA, for the rare non-ASCII host)

    return to_ascii_host(host) or None


class YtDlpClaims:
    """The decisions of one process: the data read (or rebuilt) on first use, checked again
    every :data:`RECHECK_SECONDS`, a small index per set of candidate hosters.

    ``taken_elsewhere(url)`` says whether another program supports ``url`` (yt-dlp's own
    extractors); it is asked only about URLs that would otherwise be claimed, and about
    URLs that would make a pending list be fetched. ``say`` shows one line to the person.
    """

    def __init__(
        self,
        taken_elsewhere: Callable[[str], bool],
        say: Callable[[str], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._taken_elsewhere = taken_elsewhere
        self._say = say
        self._environ = os.environ if environ is None else environ
        self._lock = threading.RLock()
        self._data: ClaimData | None = None
        self._inputs: Inputs | None = None
        self._checked_at = 0.0
        self._indexes: dict[tuple[int, ...], HosterIndex] = {}
        self._memo: dict[str, bool] = {}
        self._taken: dict[str, bool] = {}
        self._fetch_tried = False

    def reset(self) -> None:
        """Forget everything read: the next URL reads the inputs again."""
        with self._lock:
            self._data = self._inputs = None
            self._indexes.clear()
            self._memo.clear()
            self._taken.clear()
            self._fetch_tried = False

    def claims(self, url: str) -> bool:
        """Whether ``url`` is a link linkresolver's enabled providers serve and nothing else
        takes."""
        host = url_host(url) if isinstance(url, str) else None
        if host is None:
            return False
        with self._lock:
            data = self._current()
            known = self._memo.get(url)
            if known is None:
                known = self._decide(url, host, data)
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.clear()
                    self._taken.clear()
                self._memo[url] = known
            return known

    def _decide(self, url: str, host: str, data: ClaimData) -> bool:
        found = data.candidates(host)
        if found and self._matches(data, found, url):
            return not self._is_taken(url)
        # No hoster known yet: the list of a pending provider may name it.
        if self._fetch_tried or not data.due(time.time()) or self._is_taken(url):
            return False
        data = self._fetch_pending(data)
        found = data.candidates(host)
        return bool(found) and self._matches(data, found, url)

    def _current(self) -> ClaimData:
        now = time.monotonic()
        if self._data is not None and now - self._checked_at < RECHECK_SECONDS:
            return self._data
        inputs = current_inputs(self._environ)
        self._checked_at = now
        if self._data is not None and self._inputs == inputs:
            return self._data
        data = read_data(inputs.cache_dir)
        if data is None or data.fingerprint != inputs.fingerprint:
            data = build_data(inputs, self._environ)
            write_data(inputs.cache_dir, data)
            if data.problem:
                self._say(data.problem)
        self._use(data, inputs)
        return data

    def _use(self, data: ClaimData, inputs: Inputs) -> None:
        if data is not self._data:
            self._indexes.clear()
            self._memo.clear()
        self._data, self._inputs = data, inputs

    def _fetch_pending(self, data: ClaimData) -> ClaimData:
        self._fetch_tried = True
        names = data.due(time.time())
        self._say(
            f"linkresolver: fetching the hoster list of {', '.join(names)}, once"
            " (later runs read it from linkresolver's cache)"
        )
        failures = fetch_lists(names, self._environ, cache_dir_of(self._environ))
        inputs = current_inputs(self._environ)
        if inputs.fingerprint != data.fingerprint:
            data = build_data(inputs, self._environ)  # the lists that came are cached now
        now = time.time()
        data = data.with_failures(dict.fromkeys(failures, now))
        write_data(inputs.cache_dir, data)
        self._use(data, inputs)
        for name, reason in failures.items():
            self._say(
                f"linkresolver: no hoster list from {name} ({reason}); its links are left to yt-dlp"
                " until `linkresolver hosts` caches the list"
            )
        return data

    def _matches(self, data: ClaimData, found: tuple[int, ...], url: str) -> bool:
        index = self._indexes.get(found)
        if index is None:
            from hostermatch import HosterIndex  # noqa: PLC0415 (only for a URL on a hoster domain)

            index = HosterIndex()
            hosters = data.hosters
            with quiet():
                for position in found:
                    if isinstance(position, int) and 0 <= position < len(hosters):  # else a damaged file
                        hoster = hosters[position]
                        index.add(hoster.name, hoster.patterns, owner=hoster.owner)
            self._indexes[found] = index
        with quiet():
            return bool(index.match(url))

    def _is_taken(self, url: str) -> bool:
        taken = self._taken.get(url)
        if taken is None:
            taken = self._taken[url] = bool(self._taken_elsewhere(url))
        return taken
