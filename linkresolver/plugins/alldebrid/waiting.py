"""The waits of AllDebrid's flows: a delayed link polled on ``link/delayed`` until its
download link is ready, a magnet polled on ``magnet/status`` until its files are, and a call
on something already added made again when it got no answer (:func:`linkresolver.api.patiently`,
without waiting out rests: a rest AllDebrid asks for fails the call).

Every wait goes through ``ctx.wait_until`` (the provider's slot is lent meanwhile, Ctrl-C
ends it) and says how it goes through ``ctx.report``.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from linkresolver.api import FileLink, ResolveContext, errors, patiently

from .client import AllDebridClient
from .errors import PROVIDER, AllDebridFileOffline, AllDebridRefused
from .results import FAILED_STATES, OFFLINE_STATES, Magnet

_T = TypeVar("_T")
#: link/delayed: the documentation asks for 5 seconds or more between polls.
DELAYED_POLL: Final = 5.0
DELAYED_LONGEST: Final = 30.0
#: How long a delayed link may take before it is given up (seconds).
DELAYED_TIMEOUT: Final = 600.0
#: magnet/status: first interval, growth, longest interval (seconds).
POLL_FIRST: Final = 1.0
POLL_GROWTH: Final = 1.5
POLL_LONGEST: Final = 15.0


def _patiently(ctx: ResolveContext, call: Callable[[], _T]) -> _T:
    """``call`` made again only when it got no answer (AllDebrid's rests are not waited out)."""
    return patiently(ctx, call, rests=False)


def delayed_link(client: AllDebridClient, delayed_id: int, link: str, ctx: ResolveContext) -> str:
    """The download link of a link AllDebrid is still preparing (``delayed``)."""
    deadline = time.monotonic() + DELAYED_TIMEOUT
    interval = DELAYED_POLL
    ctx.report("alldebrid is preparing the download link (a delayed link)")
    while True:
        if time.monotonic() + interval > deadline:
            raise errors.ProviderOutage(
                "was still preparing the download link after 10 minutes",
                provider=PROVIDER,
                link=link,
                retry_after=600,
            )
        ctx.wait_until(time.monotonic() + interval)
        state = _patiently(ctx, lambda: client.delayed(delayed_id, link=link))
        if state.status == 2 and state.download:
            return state.download
        if state.status == 3:
            error = AllDebridRefused(
                "could not generate the download link (delayed link failed)", provider=PROVIDER, link=link
            )
            error.given_advice = "try again later, or through another provider"
            raise error
        if state.time_left:
            ctx.report(f"alldebrid is preparing the download link (about {state.time_left} s left)")
        interval = min(DELAYED_LONGEST, max(DELAYED_POLL, float(state.time_left or 0)))


@dataclass(frozen=True, slots=True)
class MagnetOptions:
    keep: bool
    #: Seconds a magnet may take before the link is given up (it goes on at AllDebrid).
    timeout: float


@dataclass(frozen=True, slots=True)
class Fetched:
    magnet: Magnet
    files: tuple[FileLink, ...]


class StillFetching(errors.ProviderOutage):
    """The magnet took longer than allowed; it is kept at AllDebrid, where it goes on."""


def fetch_magnet(
    client: AllDebridClient,
    magnet: str,
    ctx: ResolveContext,
    options: MagnetOptions,
    unlock: Callable[[str], FileLink],
) -> Fetched:
    """The magnet's files, each unlocked with ``unlock``; the magnet deleted afterwards
    (and when it failed) unless ``keep``; kept when it is still downloading at the timeout."""
    uploaded = client.upload_magnet(magnet)
    keep = False
    try:
        fetched = _fetch(client, uploaded, magnet, ctx, options, unlock)
        keep = options.keep
        return fetched
    except StillFetching:
        keep = True
        raise
    finally:
        if not keep:
            with contextlib.suppress(errors.ResolverError):
                _patiently(ctx, lambda: client.delete_magnet(uploaded.id))


def _fetch(
    client: AllDebridClient,
    uploaded: Magnet,
    magnet: str,
    ctx: ResolveContext,
    options: MagnetOptions,
    unlock: Callable[[str], FileLink],
) -> Fetched:
    deadline = time.monotonic() + options.timeout
    if uploaded.ready:
        ctx.report("alldebrid has this magnet cached: its files are ready at once")
    interval = POLL_FIRST
    last_said = ""
    info = _patiently(ctx, lambda: client.magnet_status(uploaded.id, link=magnet))
    while not info.finished:
        said = f"alldebrid is fetching the magnet ({(info.status or 'processing').lower()}"
        said += f", {info.progress:.0f}%)" if info.progress is not None else ")"
        if said != last_said:
            ctx.report(said)
            last_said = said
        if time.monotonic() + interval > deadline:
            raise StillFetching(
                "is still fetching the magnet after the time allowed (magnet_timeout_minutes);"
                f" see `linkresolver alldebrid magnets status {uploaded.id}`",
                provider=PROVIDER,
                link=magnet,
                retry_after=600,
            )
        ctx.wait_until(time.monotonic() + interval)
        interval = min(POLL_LONGEST, interval * POLL_GROWTH)
        info = _patiently(ctx, lambda: client.magnet_status(uploaded.id, link=magnet))
    if info.status_code is not None and info.status_code > 4:
        reason = FAILED_STATES.get(info.status_code, info.status or f"status {info.status_code}")
        error_class = AllDebridFileOffline if info.status_code in OFFLINE_STATES else AllDebridRefused
        error = error_class(f"could not fetch the magnet: {reason}", provider=PROVIDER, link=magnet)
        error.given_advice = "another provider, or another magnet of the same files, may work"
        raise error
    files = _patiently(ctx, lambda: client.magnet_files(uploaded.id, link=magnet))
    if not files:
        raise errors.ProviderOutage("finished the magnet but gave no files", provider=PROVIDER, link=magnet)
    unlocked = tuple(_patiently(ctx, functools.partial(unlock, file.link)) for file in files)
    named = tuple(
        FileLink(f.url, f.filename or file.path.rsplit("/", 1)[-1], f.size or file.size)
        for f, file in zip(unlocked, files, strict=True)
    )
    return Fetched(info, named)
