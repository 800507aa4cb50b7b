"""A magnet through Real-Debrid: add it, choose its files, wait for the download, and
unrestrict each file's link.

``torrents/addMagnet`` gives a torrent id; its metadata arrives (``magnet_conversion`` ->
``waiting_files_selection``), ``torrents/selectFiles`` starts it (every file, or the video
files only: ``select_files = "video"``), and ``torrents/info`` is polled with a growing
interval, the progress reported, until ``downloaded`` (a torrent Real-Debrid has cached is
``downloaded`` at once) or a state that ends it (``magnet_error``, ``error``, ``virus``,
``dead``). Each of its links then goes through ``unrestrict/link``. The torrent is deleted
afterwards (the unrestricted links stay usable), unless ``keep_torrents = true``, and when
it failed: nothing is left behind in the account by accident. One that takes longer than
``torrent_timeout_minutes`` is kept, since it goes on at Real-Debrid.

Once the torrent is added, a call that gets no answer (a reset, a timeout, an HTML page) or
is told to rest briefly is made again (:func:`linkresolver.api.patiently`), up to three
times: the torrent is there and goes on, and asking the whole link again would add it
anew. A flow of six to eight calls would otherwise fail on any one of them.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from linkresolver.api import FileLink, ResolveContext, errors, patiently

from .client import RealDebridClient
from .errors import PROVIDER, RealDebridFileOffline, RealDebridRefused
from .results import FAILED_STATES, Torrent, TorrentFile

#: Polling torrents/info: first interval, growth, longest interval (seconds).
POLL_FIRST: Final = 1.0
POLL_GROWTH: Final = 1.5
POLL_LONGEST: Final = 15.0
#: Files whose name ends so are what ``select_files = "video"`` keeps.
VIDEO_EXTENSIONS: Final = frozenset(
    {".mkv", ".mp4", ".avi", ".mov", ".wmv", ".m4v", ".mpg", ".mpeg", ".ts", ".m2ts", ".webm", ".flv", ".vob"}
)


@dataclass(frozen=True, slots=True)
class TorrentOptions:
    """The provider's settings for torrents."""

    #: "all" or "video".
    select: str
    keep: bool
    #: Seconds a torrent may take to download before the link is given up.
    timeout: float


@dataclass(frozen=True, slots=True)
class Fetched:
    """A finished torrent: its files, unrestricted, and whether it was cached (ready at once)."""

    torrent: Torrent
    files: tuple[FileLink, ...]
    cached: bool


def fetch_magnet(
    client: RealDebridClient,
    magnet: str,
    ctx: ResolveContext,
    options: TorrentOptions,
    unrestrict: Callable[[str], FileLink],
) -> Fetched:
    """The magnet's files, each unrestricted with ``unrestrict``."""
    torrent_id = client.add_magnet(magnet)
    keep = False
    try:
        fetched = _fetch(client, torrent_id, magnet, ctx, options, unrestrict)
        keep = options.keep
        return fetched
    except StillFetching:
        keep = True  # it goes on at Real-Debrid: `torrents info ID` shows it later
        raise
    finally:
        if not keep:
            with contextlib.suppress(errors.ResolverError):
                patiently(ctx, lambda: client.delete_torrent(torrent_id))


def _fetch(
    client: RealDebridClient,
    torrent_id: str,
    magnet: str,
    ctx: ResolveContext,
    options: TorrentOptions,
    unrestrict: Callable[[str], FileLink],
) -> Fetched:
    deadline = time.monotonic() + options.timeout
    poll = _Poll(ctx, torrent_id, magnet, deadline)

    def current() -> Torrent:
        return patiently(ctx, lambda: client.torrent_info(torrent_id, link=magnet))

    info = current()
    while info.status == "magnet_conversion":
        poll.wait(info)
        info = current()
    if info.status == "waiting_files_selection":
        wanted = chosen(info.files, options.select)
        patiently(ctx, lambda: client.select_files(torrent_id, wanted, link=magnet))
        info = current()
    cached = info.status == "downloaded"
    if cached:
        ctx.report("realdebrid has this torrent cached: its files are ready at once")
    while not info.finished:
        poll.wait(info)
        info = current()
    if info.status != "downloaded":
        reason = FAILED_STATES.get(info.status, info.status)
        error_class = RealDebridFileOffline if info.status == "dead" else RealDebridRefused
        error = error_class(f"could not fetch the torrent: {reason}", provider=PROVIDER, link=magnet)
        error.given_advice = "another provider, or another torrent of the same files, may work"
        raise error
    if not info.links:
        raise errors.ProviderOutage("finished the torrent but gave no links", provider=PROVIDER, link=magnet)
    unrestricted = tuple(patiently(ctx, functools.partial(unrestrict, link)) for link in info.links)
    return Fetched(info, unrestricted, cached)


def chosen(files: tuple[TorrentFile, ...], select: str) -> list[int] | None:
    """The file ids to download: None for every file; the video files when asked and
    there are some (a torrent without any is downloaded whole rather than not at all)."""
    if select != "video":
        return None
    videos = [f.id for f in files if any(f.path.lower().endswith(ext) for ext in VIDEO_EXTENSIONS)]
    return videos or None


class StillFetching(errors.ProviderOutage):
    """The torrent took longer than allowed; it is kept at Real-Debrid, where it goes on."""


class _Poll:
    """Waits between polls, growing; reports each new state; gives up at the deadline."""

    def __init__(self, ctx: ResolveContext, torrent_id: str, magnet: str, deadline: float) -> None:
        self.ctx = ctx
        self.torrent_id = torrent_id
        self.magnet = magnet
        self.deadline = deadline
        self.interval = POLL_FIRST
        self.last_said = ""

    def wait(self, info: Torrent) -> None:
        said = f"realdebrid is fetching the torrent ({info.status.replace('_', ' ')}"
        said += f", {info.progress:.0f}%)" if info.progress is not None else ")"
        if said != self.last_said:
            self.ctx.report(said)
            self.last_said = said
        if time.monotonic() + self.interval > self.deadline:
            raise StillFetching(
                "is still fetching the torrent after the time allowed (torrent_timeout_minutes);"
                f" see `linkresolver realdebrid torrents info {self.torrent_id}`",
                provider=PROVIDER,
                link=self.magnet,
                retry_after=600,
            )
        self.ctx.wait_until(time.monotonic() + self.interval)
        self.interval = min(POLL_LONGEST, self.interval * POLL_GROWTH)
