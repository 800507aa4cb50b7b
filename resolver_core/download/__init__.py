"""Downloads: resolved links into files that are complete and verified, or into part files
that the next run resumes. Nothing is written outside the output directory.

:func:`download_many` resolves, then downloads with a bounded number of files in flight
(several connections each where the provider allows it); :func:`download_file` is one file.
Rate limits and downloads at once per hoster (:mod:`.bandwidth`) apply to both.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import requests

from ..errors import ConfigError, ResolverError
from ..models import FileLink, ResolvedLink
from ..pipeline import Outcome, Resolver
from ..records import link_files, outcome_json
from .bandwidth import Bandwidth, HosterSlots, RateLimit, Throttle, process_bandwidth
from .fetch import ChecksumMismatch, DownloadFailed, Fetcher, LinkExpired, file_sha1, probe
from .lock import DownloadBusy, owning
from .names import free_name, inside, name_from_disposition, name_from_url, safe_name
from .state import remove_part, remove_state, state_path

log = logging.getLogger("linkresolver")

#: A file whose bytes are wrong is fetched again this many times before the link fails.
CHECKSUM_ATTEMPTS: Final = 3


@dataclass(frozen=True, slots=True)
class Saved:
    """Where a file landed, and what was checked."""

    path: Path
    size: int
    #: True: the sha1 the API gave matches; False: no sha1 was given (the size was checked).
    verified: bool
    #: It was there already, identical.
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class DownloadOutcome:
    """How one input link ended: resolved and saved (one file or several), or an error."""

    outcome: Outcome
    saved: tuple[Saved, ...] = ()
    error: ResolverError | None = None

    @property
    def status(self) -> str:
        if self.outcome.status != "ok":
            return self.outcome.status
        return "error" if self.error is not None else "ok"

    def to_json(self) -> dict[str, Any]:
        """resolve's JSON object plus ``path`` and ``verified`` (DESIGN.md)."""
        data = outcome_json(self.outcome)
        error = self.error or self.outcome.error
        data.update(
            status=self.status,
            error=error.for_person() if error else None,
            code=error.code if error else None,
            path=str(self.saved[0].path) if len(self.saved) == 1 else None,
            verified=all(s.verified for s in self.saved) if self.saved else None,
        )
        if len(self.saved) > 1:
            data["paths"] = [str(s.path) for s in self.saved]
        return data


def download_file(
    session: requests.Session,
    url: str,
    directory: Path,
    *,
    link: str,
    name: str | None = None,
    size: int | None = None,
    sha1: str | None = None,
    headers: dict[str, str] | None = None,
    connections: int = 1,
    resume: bool = True,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
    cancelled: threading.Event | None = None,
    throttle: Throttle | None = None,
) -> Saved:
    """Fetch ``url`` into ``directory``; a file that is complete, of the right size and sha1.

    A bad checksum discards the part and fetches again (:data:`CHECKSUM_ATTEMPTS` in all).
    The part file is this thread's alone while it works on it (:func:`.lock.owning`):
    another process downloading the same file into the same folder makes this one fail with
    :class:`DownloadBusy`, and nothing on disk changes.
    """
    sha1 = sha1.lower() if sha1 else None
    for attempt in range(1, CHECKSUM_ATTEMPTS + 1):
        first = probe(session, url, headers or {}, link)
        expected = size if size is not None else first.size
        try:
            chosen = safe_name(name, name_from_disposition(first.disposition), name_from_url(url))
            with _claimed(directory, chosen, expected, sha1, overwrite, link, cancelled) as (final, there):
                if there:
                    return Saved(final, final.stat().st_size, sha1 is not None, skipped=True)
                part = final.with_name(final.name + ".part")
                fetcher = Fetcher(
                    session,
                    url,
                    part,
                    link=link,
                    headers=headers,
                    connections=connections,
                    resume=resume,
                    sha1=sha1,
                    size=expected,
                    progress=progress,
                    cancelled=cancelled,
                    throttle=throttle,
                )
                try:
                    fetcher.run(first)
                except FileExistsError as exc:  # a state file that is not this download's
                    raise DownloadFailed(
                        f"{Path(str(exc.filename)).name} appeared while this download was starting it;"
                        " it was left alone",
                        link=link,
                    ) from None
                problem = _check(part, expected, sha1, overlong=fetcher.overlong)
                if problem is None:
                    os.replace(part, final)
                    remove_state(part)
                    return Saved(final, final.stat().st_size, sha1 is not None)
                remove_part(part)  # nothing half-true stays
        finally:
            first.response.close()
        if progress is not None:
            progress(-(expected or 0))
        if attempt == CHECKSUM_ATTEMPTS:
            raise ChecksumMismatch(f"{problem} {CHECKSUM_ATTEMPTS} times; nothing was kept", link=link)
        log.warning("%s: %s; fetching it again", link, problem)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _claimed(
    directory: Path,
    chosen: str,
    size: int | None,
    sha1: str | None,
    overwrite: bool,
    link: str,
    cancelled: threading.Event | None,
) -> Iterator[tuple[Path, bool]]:
    """The final path for ``chosen``, its part file held (:func:`.lock.owning`) for the
    block, and whether that file is already there, complete (``size``, ``sha1``). A
    different file of that name, or a part file that is not a download's (no state file
    beside it: a person's own ``report.pdf.part``), gets a free name beside it (unless
    ``overwrite``), held the same way. Looked at under the lock: an owner that just
    finished has renamed its part."""
    final = inside(directory, chosen)
    while True:
        part = final.with_name(final.name + ".part")
        with owning(part, link=link, cancelled=cancelled):
            if final.exists() and not part.exists() and _complete(final, size, sha1):
                yield final, True
                return
            foreign_part = part.exists() and not state_path(part).exists()
            if (final.exists() or foreign_part) and not overwrite:
                final = inside(directory, free_name(directory, chosen))
                continue
            yield final, False
            return


def _complete(path: Path, size: int | None, sha1: str | None) -> bool:
    return path.stat().st_size == size and (sha1 is None or file_sha1(path) == sha1)


def _check(part: Path, size: int | None, sha1: str | None, *, overlong: bool = False) -> str | None:
    """What is wrong with the part, or None. A server that sent more than the promised size
    (``overlong``; its first bytes are all that was kept) sent something else than the file,
    unless the sha1 proves those bytes right."""
    actual = part.stat().st_size
    if size is not None and actual != size:
        return f"the file arrived with {actual} bytes, not {size}"
    if sha1 is not None:
        return "the file's sha1 is not the one the provider gave" if file_sha1(part) != sha1 else None
    if overlong:
        return f"the file server sent more than the {size} bytes promised"
    return None


def download_many(
    resolver: Resolver,
    urls: Sequence[str],
    directory: Path,
    *,
    connections: int = 1,
    files_at_once: int = 3,
    overwrite: bool = False,
    on_done: Callable[[int, DownloadOutcome], None] | None = None,
    progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
    resolve: Callable[[Sequence[str]], list[Outcome]] | None = None,
    bandwidth: Bandwidth | None = None,
) -> list[DownloadOutcome]:
    """Resolve ``urls``, then download each into ``directory``; outcomes in input order.

    ``progress(name, size)`` gives a callback that receives byte counts for one file.
    ``resolve(urls)`` resolves them (default: ``resolver.resolve_many``; the command line's
    resolves mirrors of one file once, :mod:`resolver_core.mirrors`).
    An expired direct link (403/410 from the file server) is resolved again, once.
    ``bandwidth`` (default: the process's) limits the rate of all of them together, and
    the files at once per hoster: a thread takes the next file whose hoster has a slot free.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output directory {directory}: {exc.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write into the output directory {directory}: permission denied")
    policy = bandwidth if bandwidth is not None else process_bandwidth()
    throttle = Throttle.of(policy.overall)
    outcomes = (resolve or resolver.resolve_many)(urls)
    results: list[DownloadOutcome | None] = [None] * len(outcomes)
    queue = list(range(len(outcomes)))

    def hoster_of(position: int) -> str | None:
        link = outcomes[position].link
        return link.hoster if outcomes[position].status == "ok" and link is not None else None

    def one(position: int) -> None:
        outcome = outcomes[position]
        if outcome.status == "ok" and outcome.link is not None:
            result = _download_resolved(
                resolver, outcome, directory, connections, overwrite, progress, throttle, resolve
            )
        else:
            result = DownloadOutcome(outcome)
        results[position] = result
        if on_done is not None:
            on_done(position, result)

    def worker() -> None:
        while (taken := policy.slots.take_next(queue, hoster_of, resolver.cancelled)) is not None:
            position, hoster = taken
            try:
                one(position)
            finally:
                if hoster is not None:
                    policy.slots.release(hoster)

    workers = max(1, min(files_at_once, len(outcomes)))
    with ThreadPoolExecutor(workers, thread_name_prefix="download") as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
        try:
            for future in futures:
                future.result()
        except KeyboardInterrupt:
            resolver.cancelled.set()
            for future in futures:
                future.cancel()
            raise
    return [result for result in results if result is not None]


def download_outcome(
    resolver: Resolver,
    outcome: Outcome,
    directory: Path,
    connections: int,
    overwrite: bool,
    progress: Callable[[str, int | None], Callable[[int], None]] | None,
    resolve: Callable[[Sequence[str]], list[Outcome]] | None = None,
    *,
    package_limit: RateLimit | None = None,
    bandwidth: Bandwidth | None = None,
) -> DownloadOutcome:
    """Download one resolved outcome (every file of it); an expired link is resolved again,
    once (by ``resolve``, which resolved it: with its password). ``progress(name, size)``
    gives each file's byte counter.

    It waits for a slot at its hoster, then obeys the global limit of ``bandwidth`` (default:
    the process's, which ``serve --limit-rate`` sets) and ``package_limit``, its package's
    limit (one :class:`~.bandwidth.RateLimit` shared by every download of that package)."""
    assert outcome.link is not None
    policy = bandwidth if bandwidth is not None else process_bandwidth()
    with policy.slots.holding(outcome.link.hoster, resolver.cancelled) as held:
        if not held:
            return DownloadOutcome(
                outcome, error=DownloadFailed("interrupted before it started", link=outcome.input)
            )
        throttle = Throttle.of(policy.overall, package_limit)
        return _download_resolved(
            resolver, outcome, directory, connections, overwrite, progress, throttle, resolve
        )


def _download_resolved(
    resolver: Resolver,
    outcome: Outcome,
    directory: Path,
    connections: int,
    overwrite: bool,
    progress: Callable[[str, int | None], Callable[[int], None]] | None,
    throttle: Throttle | None,
    resolve: Callable[[Sequence[str]], list[Outcome]] | None,
) -> DownloadOutcome:
    """:func:`download_outcome` once its hoster's slot is held."""
    assert outcome.link is not None
    renewed = False
    while True:
        link = outcome.link
        assert link is not None
        try:
            saved = tuple(
                _save(resolver, link, item, directory, connections, overwrite, progress, throttle)
                for item in link_files(link)
            )
            return DownloadOutcome(outcome, saved)
        except LinkExpired as exc:
            if renewed:
                return DownloadOutcome(outcome, error=exc)
            log.info("%s: the direct link expired; resolving it again", outcome.input)
            renewed = True
            # A link from the cache may be the dead one: forget it, and ask the provider.
            if resolver.links is not None:
                resolver.links.forget(outcome.input)
            outcome = (resolve or functools.partial(resolver.resolve_many, fresh=True))([outcome.input])[0]
            if outcome.status != "ok":
                return DownloadOutcome(outcome)
        except ResolverError as exc:
            return DownloadOutcome(outcome, error=exc)
        except OSError as exc:  # the disk, not the link: this link's error, the batch goes on
            where = f" ({Path(exc.filename).name})" if exc.filename else ""
            failed = DownloadFailed(
                f"cannot save into {directory}: {exc.strerror or exc}{where}", link=outcome.input
            )
            return DownloadOutcome(outcome, error=failed)


def _save(
    resolver: Resolver,
    link: ResolvedLink,
    item: FileLink,
    directory: Path,
    connections: int,
    overwrite: bool,
    progress: Callable[[str, int | None], Callable[[int], None]] | None,
    throttle: Throttle | None,
) -> Saved:
    limits = link.download_limits()
    single = not link.files
    name = item.filename
    return download_file(
        resolver.session,
        item.url,
        directory,
        link=link.input,
        name=name,
        size=item.size,
        sha1=link.sha1 if single else None,
        headers=dict(link.headers),
        connections=limits.connections(connections),
        resume=limits.resume,
        overwrite=overwrite,
        progress=progress(name or item.url.rsplit("/", 1)[-1], item.size) if progress else None,
        cancelled=resolver.cancelled,
        throttle=throttle,
    )


__all__ = [
    "Bandwidth",
    "DownloadBusy",
    "DownloadFailed",
    "DownloadOutcome",
    "HosterSlots",
    "RateLimit",
    "Saved",
    "download_file",
    "download_many",
    "download_outcome",
]
