"""A link through TorBox: a magnet as a torrent, a hoster link as a web download; the two
go the same way (the documentation: "/webdl is nearly the same as /torrents").

Create it (``createtorrent`` / ``createwebdownload``: an id), poll ``mylist?id=`` with a
growing interval, the progress reported, until its files are there (``download_finished``
and ``download_present``; a cached one is at once) or it fails (``error``, ``stalled (no
seeds)``...); then ``requestdl`` gives each file's direct link. The transfer is deleted
afterwards (the links stay usable), unless ``keep_downloads = true``, and when it failed:
nothing is left behind in the account by accident. One that takes longer than
``transfer_timeout_minutes`` is kept, since it goes on at TorBox.

Once the transfer is created, a call that gets no answer (a reset, a timeout, an HTML page)
or is told to rest briefly is made again (:func:`linkresolver.api.patiently`), up to three
times: asking the whole link again would create the transfer anew, and TorBox allows 60
creations an hour.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from linkresolver.api import FileLink, ResolveContext, errors, patiently

from .client import TORRENTS, TorBoxClient
from .errors import PROVIDER, TorBoxFileOffline, TorBoxRefused
from .results import Transfer

#: Polling mylist: first interval, growth, longest interval (seconds).
POLL_FIRST: Final = 1.0
POLL_GROWTH: Final = 1.5
POLL_LONGEST: Final = 15.0
#: Files of one transfer whose links are asked for at most (each is a call).
MAX_FILES: Final = 500
Kind = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class TransferOptions:
    """The provider's settings for transfers."""

    keep: bool
    #: Seconds a transfer may take before the link is given up.
    timeout: float


@dataclass(frozen=True, slots=True)
class Fetched:
    """A finished transfer and its files' direct links."""

    transfer: Transfer
    files: tuple[FileLink, ...]


def fetch(
    client: TorBoxClient,
    kind: Kind,
    link: str,
    ctx: ResolveContext,
    options: TransferOptions,
    create: Callable[[], int],
) -> Fetched:
    """The files of ``link``, created with ``create`` (which gives the transfer's id)."""
    transfer_id = create()
    keep = False
    try:
        fetched = _fetch(client, kind, transfer_id, link, ctx, options)
        keep = options.keep
        return fetched
    except StillFetching:
        keep = True  # it goes on at TorBox: `linkresolver torbox ... info ID` shows it later
        raise
    finally:
        if not keep:
            with contextlib.suppress(errors.ResolverError):
                patiently(ctx, lambda: client.delete(kind, transfer_id))


def _fetch(
    client: TorBoxClient,
    kind: Kind,
    transfer_id: int,
    link: str,
    ctx: ResolveContext,
    options: TransferOptions,
) -> Fetched:
    poll = _Poll(ctx, kind, transfer_id, link, time.monotonic() + options.timeout)

    def current() -> Transfer:
        return patiently(ctx, lambda: client.transfer(kind, transfer_id, link=link))

    info = current()
    if info.ready:
        ctx.report(f"torbox has this {_noun(kind)} cached: its files are ready at once")
    while not info.ready:
        if info.failed or (info.finished and not info.files):
            raise _failed(kind, info, link)
        poll.wait(info)
        info = current()
    if len(info.files) > MAX_FILES:
        ctx.report(
            f"torbox: the {_noun(kind)} holds {len(info.files)} files; the first {MAX_FILES} are taken"
        )
    files = tuple(
        FileLink(
            patiently(ctx, functools.partial(client.request_link, kind, transfer_id, file.id, link=link)),
            file.name,
            file.size,
        )
        for file in info.files[:MAX_FILES]
    )
    return Fetched(info, files)


def _noun(kind: Kind) -> str:
    return "torrent" if kind is TORRENTS else "web download"


def _failed(kind: Kind, info: Transfer, link: str) -> errors.ResolverError:
    dead = kind is TORRENTS and "no seeds" in info.state.lower()
    error_class = TorBoxFileOffline if dead else TorBoxRefused
    error = error_class(
        f"could not fetch the {_noun(kind)}: it is {info.state}", provider=PROVIDER, link=link
    )
    error.given_advice = "another provider, or another source of the same files, may work"
    return error


class StillFetching(errors.ProviderOutage):
    """The transfer took longer than allowed; it is kept at TorBox, where it goes on."""


class _Poll:
    """Waits between polls, growing; reports each new state; gives up at the deadline."""

    def __init__(self, ctx: ResolveContext, kind: Kind, transfer_id: int, link: str, deadline: float) -> None:
        self.ctx = ctx
        self.kind = kind
        self.transfer_id = transfer_id
        self.link = link
        self.deadline = deadline
        self.interval = POLL_FIRST
        self.last_said = ""

    def wait(self, info: Transfer) -> None:
        said = f"torbox is fetching the {_noun(self.kind)} ({info.state}"
        said += f", {info.progress:.0f}%)" if info.progress is not None else ")"
        if said != self.last_said:
            self.ctx.report(said)
            self.last_said = said
        if time.monotonic() + self.interval > self.deadline:
            group = "torrents" if self.kind is TORRENTS else "webdl"
            raise StillFetching(
                f"is still fetching the {_noun(self.kind)} after the time allowed (transfer_timeout_minutes);"
                f" see `linkresolver torbox {group} info {self.transfer_id}`",
                provider=PROVIDER,
                link=self.link,
                retry_after=600,
            )
        self.ctx.wait_until(time.monotonic() + self.interval)
        self.interval = min(POLL_LONGEST, self.interval * POLL_GROWTH)
