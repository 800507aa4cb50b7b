"""One file from a direct link to the disk, resumable and verified.

The first request asks for ``Range: bytes=0-``: a 206 says the server takes ranges (and
gives the size, ETag and Last-Modified that decide whether a part on disk is still this
file), a 200 says it does not (the download then starts over whenever it must). With
ranges, the file is split into segments, one connection each, written in place with
``os.pwrite`` into ``NAME.part``; a dropped connection resumes its segment where it
stopped. The final file appears, by an atomic rename, only when every byte is there and
the size and sha1 (when known) are right.

The size the API promised bounds everything: a server that announces another size is
refused before a byte is written, one that sends more is cut at the promise (and the file
counts as corrupt unless its sha1 says otherwise), and no part file grows past it. Every
206 must say (in ``Content-Range``) that it starts where the request asked and that the file
has the promised size; one that does not sends the download back to a single connection
from the first byte, so bytes from the wrong offset never land in the file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import requests
import urllib3

from ..errors import ResolverError
from ..http import RedirectRefused
from ..redact import redact
from .bandwidth import Throttle
from .ranges import parse_content_range, range_problem
from .state import PartState, Segment, StateWriter, load_state, remove_part

log = logging.getLogger("linkresolver")

CHUNK: Final = 1 << 20
#: A file is split into segments of at least this much.
MIN_SEGMENT: Final = 2 << 20
#: Attempts per segment after dropped connections.
SEGMENT_ATTEMPTS: Final = 8


class DownloadFailed(ResolverError):
    """The file could not be fetched or written; what is on disk is kept when resumable."""

    kind = "download"


class LinkExpired(DownloadFailed):
    """The file server refused the direct link (403/410): resolving it again may help."""

    kind = "link_expired"


class ChecksumMismatch(DownloadFailed):
    """The bytes are not the file the API described (sha1 or size): fetched again, or failed."""

    kind = "checksum"


class _RangeRefused(Exception):
    """A range answer that cannot be used (a 200, or a 206 for other bytes): the download
    starts over on one connection."""


class _Abandoned(Exception):
    """Another segment's range answer was refused: this one stops too."""


@dataclass(frozen=True, slots=True)
class Probe:
    """What the first answer said about the file."""

    response: requests.Response
    ranges: bool
    size: int | None
    etag: str | None
    last_modified: str | None
    disposition: str | None


def probe(
    session: requests.Session, url: str, headers: dict[str, str], link: str, *, ranged: bool = True
) -> Probe:
    """``GET url`` with ``Range: bytes=0-`` (without a Range when not ``ranged``); the open
    response and what it says. A 206 that does not start at byte 0 is asked again without a
    Range; a server that answers that with one too is refused."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadFailed(
            f"the direct link is a {scheme or 'relative'}: URL, not http(s): refused", link=link
        )
    try:
        response = session.get(
            url, headers=_request_headers(headers, "bytes=0-" if ranged else None), stream=True
        )
    except RedirectRefused as exc:
        raise DownloadFailed(f"the file server {_reason(exc)}", link=link) from None
    except requests.RequestException as exc:
        raise DownloadFailed(f"cannot reach the file server: {_reason(exc)}", link=link) from None
    _check_status(response, link)
    size = None
    if response.status_code == 206:
        problem = range_problem(response, 0, None)
        if problem is not None:
            response.close()
            if not ranged:
                raise DownloadFailed(
                    f"the file server answered a request for the whole file with {problem}", link=link
                )
            log.info("%s: the file server answered with %s; asking for the whole file", link, problem)
            return probe(session, url, headers, link, ranged=False)
        answered = parse_content_range(response.headers.get("Content-Range"))
        size = answered.total if answered is not None else None
    elif response.headers.get("Content-Length", "").isdigit():
        size = int(response.headers["Content-Length"])
    return Probe(
        response,
        ranges=ranged and response.status_code == 206 and size is not None,
        size=size,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        disposition=response.headers.get("Content-Disposition"),
    )


class Fetcher:
    """Fetches one file into its part file; :meth:`run` returns when every byte is there."""

    def __init__(
        self,
        session: requests.Session,
        url: str,
        part: Path,
        *,
        link: str,
        headers: dict[str, str] | None = None,
        connections: int = 1,
        resume: bool = True,
        sha1: str | None = None,
        size: int | None = None,
        progress: Callable[[int], None] | None = None,
        cancelled: threading.Event | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.session = session
        self.url = url
        self.part = part
        self.link = link
        self.headers = headers or {}
        self.connections = max(1, connections)
        self.resume = resume
        self.sha1 = sha1
        #: The promised size (the API's, else the server's): nothing is written past it.
        self.size = size
        #: The server sent more than :attr:`size`: the file is corrupt unless its sha1 is right.
        self.overlong = False
        self._abandon = threading.Event()
        self.progress = progress or (lambda count: None)
        self.cancelled = cancelled or threading.Event()
        #: Whether this run makes the part file anew (exclusively) rather than resuming it.
        self._fresh = True
        #: The rate limits this download obeys (None: none, and the loop costs nothing more).
        self.throttle = throttle
        #: Bytes read at a time: smaller under a limit, so that the flow stays even.
        self._read = throttle.read_size() if throttle is not None else CHUNK

    def run(self, first: Probe) -> None:
        self._check_announced(first)
        if self.size is None:
            self.size = first.size
        if not first.ranges or not self.resume or self.size is None:
            self._whole(first)
            return
        state = load_state(self.part)
        if state is not None and state.matches(first.size, first.etag, first.last_modified):
            log.info(
                "%s: resuming %s at %d of %d bytes", self.link, self.part.name, state.written, state.size
            )
            self.progress(state.written)
            self._fresh = False
        else:
            remove_part(self.part)
            state = PartState(self.url, self.size, first.etag, first.last_modified, self.sha1)
            state.segments = _plan(self.size, self.connections)
        first.response.close()
        state.url = self.url
        try:
            self._segments(state)
        except _RangeRefused as exc:
            log.info("%s: %s; downloading again on one connection from the start", self.link, exc)
            self._abandon.clear()
            self.progress(-state.written)  # those bytes are fetched again
            remove_part(self.part)
            self._whole(self._probe(ranged=False))

    def _probe(self, *, ranged: bool) -> Probe:
        again = probe(self.session, self.url, self.headers, self.link, ranged=ranged)
        try:
            self._check_announced(again)
        except DownloadFailed:
            again.response.close()
            raise
        return again

    def _check_announced(self, first: Probe) -> None:
        """A server that announces another size than the promised one serves another file
        (or would grow the part past the promise): refused before anything is written."""
        if self.size is not None and first.size is not None and first.size != self.size:
            raise DownloadFailed(
                f"the file server announced {first.size} bytes, the provider said {self.size}:"
                " refused, nothing was written",
                link=self.link,
            )

    # -- with ranges: segments in place ---------------------------------------------------------

    def _segments(self, state: PartState) -> None:
        writer = StateWriter(self.part, state, fresh=self._fresh)
        fd = self._open()
        try:
            writer.save()
            pending = [segment for segment in state.segments if segment.remaining > 0]
            if len(pending) <= 1:
                for segment in pending:
                    self._segment(fd, segment, writer)
            else:
                with ThreadPoolExecutor(len(pending), thread_name_prefix="segment") as pool:
                    futures = [pool.submit(self._segment, fd, s, writer) for s in pending]
                    errors = [future.exception() for future in futures]
                # A refused range stops every segment: it is the reason, not their stopping.
                failures = [e for e in errors if e is not None and not isinstance(e, _Abandoned)]
                failures.sort(key=lambda error: not isinstance(error, _RangeRefused))
                if failures:
                    raise failures[0]
        finally:
            writer.save()
            os.close(fd)

    def _segment(self, fd: int, segment: Segment, writer: StateWriter) -> None:
        try:
            self._fetch_segment(fd, segment, writer)
        except _RangeRefused:
            self._abandon.set()
            raise

    def _fetch_segment(self, fd: int, segment: Segment, writer: StateWriter) -> None:
        attempts = 0
        while segment.remaining > 0:
            self._check_cancelled()
            offset = segment.start + segment.done
            try:
                response = self.session.get(
                    self.url,
                    headers=_request_headers(self.headers, f"bytes={offset}-{segment.end - 1}"),
                    stream=True,
                )
                _check_status(response, self.link)
                if response.status_code != 206:
                    response.close()
                    raise _RangeRefused("the file server stopped taking ranges")
                problem = range_problem(response, offset, self.size)
                if problem is not None:
                    response.close()
                    raise _RangeRefused(f"the file server answered a range with {problem}")
                answered = parse_content_range(response.headers.get("Content-Range"))
                assert answered is not None  # range_problem read it
                # Never more than this answer says it holds, nor past this segment.
                left = min(segment.remaining, answered.length)
                with response:
                    for received in _body(response, self._read):
                        self._check_cancelled()
                        chunk = received[:left]
                        if self.throttle is not None:
                            self._pay(len(chunk))
                        self._write(fd, chunk, segment.start + segment.done, writer)
                        writer.advance(segment, len(chunk))
                        self.progress(len(chunk))
                        left -= len(chunk)
                        if left == 0:
                            break
                if left > 0:  # no error from the transport, and not all the bytes: a drop
                    raise requests.ConnectionError(f"the answer ended {left} bytes before its range did")
            except RedirectRefused as exc:
                raise DownloadFailed(f"the file server {_reason(exc)}", link=self.link) from None
            except requests.RequestException as exc:
                attempts += 1
                if attempts >= SEGMENT_ATTEMPTS:
                    raise DownloadFailed(
                        f"the connection kept failing ({_reason(exc)}); the part file is kept:"
                        " run again to resume",
                        link=self.link,
                    ) from None
                log.info("%s: connection lost at byte %d (%s); resuming", self.link, offset, _reason(exc))
                time.sleep(min(2.0, 0.1 * 2**attempts))

    # -- without ranges: the whole file in one go -----------------------------------------------

    def _whole(self, first: Probe) -> None:
        response = first.response
        for attempt in range(SEGMENT_ATTEMPTS):
            remove_part(self.part)
            self._fresh = True
            fd = self._open()
            written = 0
            self.overlong = False
            try:
                # A state that resumes nothing (no size): it says the part is a download's.
                StateWriter(self.part, PartState(self.url, None), fresh=True).save()
                with response:
                    for received in _body(response, self._read):
                        self._check_cancelled()
                        chunk = received
                        if self.size is not None and written + len(received) > self.size:
                            chunk = received[: self.size - written]  # and not a byte more
                            self.overlong = True
                        if self.throttle is not None:
                            self._pay(len(chunk))
                        self._write(fd, chunk, written, None)
                        written += len(chunk)
                        self.progress(len(chunk))
                        if self.overlong:
                            log.info("%s: the file server sent more than %d bytes", self.link, self.size)
                            break
                if self.size is None or written == self.size:
                    return
                raise requests.ConnectionError(f"the connection closed at byte {written} of {self.size}")
            except requests.RequestException as exc:
                self.progress(-written)
                if attempt + 1 >= SEGMENT_ATTEMPTS:
                    raise DownloadFailed(
                        f"the download kept failing: {_reason(exc)}", link=self.link
                    ) from None
                log.info(
                    "%s: connection lost (%s); the server takes no ranges, starting over", self.link, exc
                )
                first = self._probe(ranged=True)
                response = first.response
            finally:
                os.close(fd)

    # -- shared ------------------------------------------------------------------------------

    def _open(self) -> int:
        """The part file: made anew exclusively (``O_EXCL``: a file that appeared under its
        name since it was removed is someone else's, never written into), or the one resumed."""
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if self._fresh else 0)
        try:
            return os.open(self.part, flags, 0o644)
        except FileExistsError:
            raise DownloadFailed(
                f"{self.part} appeared while this download was starting it; it was left alone", link=self.link
            ) from None
        except OSError as exc:
            raise DownloadFailed(f"cannot write {self.part}: {exc.strerror}", link=self.link) from None

    def _write(self, fd: int, chunk: bytes, offset: int, writer: StateWriter | None) -> None:
        try:
            os.pwrite(fd, chunk, offset)
        except OSError as exc:
            if writer is not None:
                writer.save()
            kept = "the part file is kept: free some space and run again to resume" if writer else ""
            raise DownloadFailed(
                f"cannot write {self.part}: {exc.strerror}; {kept}".rstrip("; "), link=self.link
            ) from None

    def _pay(self, count: int) -> None:
        """Wait until the limits allow the ``count`` bytes just received, before they are
        written or counted (the server waits with us: TCP's window fills); a cancel
        meanwhile ends the download at once, those bytes unwritten (they are fetched again)."""
        assert self.throttle is not None
        if not self.throttle.take(count, self.cancelled):
            self._check_cancelled()

    def _check_cancelled(self) -> None:
        if self._abandon.is_set():
            raise _Abandoned()
        if self.cancelled.is_set():
            raise DownloadFailed("interrupted; the part file is kept: run again to resume", link=self.link)


def _request_headers(headers: dict[str, str], byte_range: str | None) -> dict[str, str]:
    """The provider's headers, the range (if any), and no compression: a file is saved as
    its bytes, which ranges, sizes and sha1s describe (and nothing inflates without bound)."""
    asked = {**headers, "Accept-Encoding": "identity"}
    if byte_range is not None:
        asked["Range"] = byte_range
    else:
        asked = {name: value for name, value in asked.items() if name.lower() != "range"}
    return asked


def _body(response: requests.Response, size: int = CHUNK) -> Iterator[bytes]:
    """The body as served in reads of ``size``, never decompressed (a server that compresses
    anyway gets its bytes saved, and the size or sha1 check says so); transport failures as
    requests'."""
    try:
        yield from response.raw.stream(size, decode_content=False)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise requests.ConnectionError(str(exc)) from None


def _plan(size: int, connections: int) -> list[Segment]:
    count = max(1, min(connections, size // MIN_SEGMENT or 1))
    bounds = [size * n // count for n in range(count + 1)]
    return [Segment(bounds[n], bounds[n + 1]) for n in range(count)]


def _check_status(response: requests.Response, link: str) -> None:
    status = response.status_code
    if status in (401, 403, 410):
        response.close()
        raise LinkExpired(
            f"the file server refused the link (HTTP {status}): it may have expired", link=link, code=status
        )
    if status == 416:
        response.close()
        raise DownloadFailed("the file server refused the byte range (HTTP 416)", link=link, code=status)
    if status >= 400:
        response.close()
        raise DownloadFailed(f"the file server answered HTTP {status}", link=link, code=status)


def file_sha1(path: Path) -> str:
    digest = hashlib.sha1()  # noqa: S324 (the APIs' own checksum)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _reason(exc: BaseException) -> str:
    return redact(str(exc))[:200]
