"""A magnet through Debrid-Link's seedbox: add it, wait until every file is downloaded,
and take each file's download link.

``seedbox/add`` (asynchronously) gives the torrent; ``seedbox/list?ids=`` is polled with a
growing interval, the progress reported, until every file is at 100 % with its link (a
torrent Debrid-Link has cached is so at once). The torrent is removed afterwards
(``seedbox/{id}/remove``; the links stay usable), unless ``keep_torrents = true``; one that
takes longer than ``torrent_timeout_minutes`` is kept, since it goes on at Debrid-Link.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Final

from linkresolver.api import FileLink, ResolveContext, errors

from .client import DebridLinkClient
from .errors import PROVIDER
from .results import Torrent

#: Polling seedbox/list: first interval, growth, longest interval (seconds).
POLL_FIRST: Final = 1.0
POLL_GROWTH: Final = 1.5
POLL_LONGEST: Final = 15.0


class SeedboxTimeout(errors.ProviderOutage):
    """The torrent took longer than allowed: the link is given up, the torrent kept."""


@dataclass(frozen=True, slots=True)
class SeedboxOptions:
    keep: bool
    #: Seconds a torrent may take to download before the link is given up.
    timeout: float


def fetch_magnet(
    client: DebridLinkClient, magnet: str, ctx: ResolveContext, options: SeedboxOptions
) -> tuple[Torrent, tuple[FileLink, ...]]:
    """The finished torrent and each of its files' links."""
    torrent = client.add_torrent(magnet)
    keep = options.keep
    try:
        torrent = _wait(client, torrent, magnet, ctx, options.timeout)
    except SeedboxTimeout:
        keep = True  # it goes on at Debrid-Link
        raise
    finally:
        if not keep:
            with contextlib.suppress(errors.ResolverError):
                client.remove_torrent(torrent.id)
    files = tuple(FileLink(f.download, f.name, f.size) for f in torrent.files if f.download)
    return torrent, files


def _wait(
    client: DebridLinkClient, torrent: Torrent, magnet: str, ctx: ResolveContext, timeout: float
) -> Torrent:
    started = time.monotonic()
    interval = POLL_FIRST
    while not torrent.downloaded:
        if time.monotonic() - started > timeout:
            raise SeedboxTimeout(
                f"has not finished the torrent within {round(timeout / 60)} minutes; it is kept"
                " in the seedbox (`linkresolver debridlink seedbox list`)",
                provider=PROVIDER,
                link=magnet,
            )
        ctx.report(f"downloading at Debrid-Link: {torrent.percent:.0f}% of {torrent.name or 'the torrent'}")
        ctx.wait_until(time.monotonic() + interval)
        interval = min(POLL_LONGEST, interval * POLL_GROWTH)
        torrent = client.torrent(torrent.id, link=magnet)
    return torrent
