"""The sandbox's file server: direct links that behave as real file servers do, faults too.

Files are made of deterministic bytes (or hold an upload's bytes) and are streamed in
blocks, so a 2 GB file costs no memory. Range requests get 206 answers, and what a file
does wrong is written in its name, so any emulated API can ask for it through a link:

- ``size20m`` (``k``, ``m``, ``g``): the file has that size;
- ``cut3``: the first three connections are cut part-way through;
- ``norange``: Range is ignored (200 and the whole file, every time);
- ``badsha1``: the API is told a sha1 that is not the file's;
- ``deadlink``: the first direct link handed out answers 403 (expired); later ones work;
- ``slow5``: each connection is limited to 5 MB/s (as free hosters and debrid services do);
- ``longer``: the server's file is :data:`EXTRA` bytes longer than the API says, and its
  ``Content-Length`` and ``Content-Range`` totals say so;
- ``endless``: Range is ignored and the answer has no length: the file, then bytes without
  end (a broken or hostile server);
- ``fromzero``: every range is answered with 206 and the whole file from byte 0 (its
  ``Content-Range`` says so);
- ``badtotal``: the ``Content-Range`` total is twice the file's size.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.http import parse_range_header
from werkzeug.wrappers import Request, Response

from .faults import Faults

BLOCK: Final = 1 << 20
#: Files at least this large are made by rotating one random block (fast, constant memory).
_ROTATE_FROM: Final = 8 << 20
_UNITS: Final = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
#: What a ``longer`` file has beyond the size the API gives.
EXTRA: Final = 100_000
#: An ``endless`` answer stops after this much all the same, so that a client that never
#: stops reading cannot keep a sandbox thread busy for ever.
_ENDLESS_CAP: Final = 1 << 30


@dataclass(frozen=True, slots=True)
class SandboxFile:
    """A file the sandbox serves: its path on the server (with its link token) and size."""

    file_id: str
    name: str
    size: int
    token: str | None = None

    @property
    def path(self) -> str:
        # The name in the path is for people; a hostile one is reduced to a harmless slug
        # (the real name still goes out in Content-Disposition).
        slug = re.sub(r"[^\w.-]+", "_", self.name).strip(".") or "file"
        base = f"/files/{self.file_id}/{quote(slug, safe='')}"
        return f"{base}?t={self.token}" if self.token else base


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What a file does wrong, from the words in its name."""

    size: int | None = None
    cuts: int = 0
    ignore_range: bool = False
    wrong_sha1: bool = False
    expiring: bool = False
    rate: float | None = None
    longer: bool = False
    endless: bool = False
    from_zero: bool = False
    bad_total: bool = False

    @classmethod
    def of(cls, name: str) -> Behaviour:
        low = name.lower()
        size = re.search(r"size(\d{1,6})([kmg])", low)
        cuts = re.search(r"cut(\d)", low)
        slow = re.search(r"slow(\d{1,4})", low)
        return cls(
            size=int(size.group(1)) * _UNITS[size.group(2)] if size else None,
            cuts=int(cuts.group(1)) if cuts else 0,
            ignore_range="norange" in low,
            wrong_sha1="badsha1" in low,
            expiring="deadlink" in low,
            rate=int(slow.group(1)) * 1_000_000 if slow else None,
            longer="longer" in low,
            endless="endless" in low,
            from_zero="fromzero" in low,
            bad_total="badtotal" in low,
        )


@dataclass
class _Entry:
    file: SandboxFile
    seed: str
    behaviour: Behaviour
    data: bytes | None = None
    sha1: str | None = None
    cuts_left: int = 0
    base_block: bytes | None = None


class FileStore:
    """The files and their server endpoint."""

    def __init__(self, faults: Faults | None = None) -> None:
        #: Cuts connections at random, beyond what files' names ask for (the soak).
        self.faults = faults
        self._entries: dict[str, _Entry] = {}
        self._tokens: dict[str, bool] = {}  # link token -> still valid
        self._issued: dict[str, int] = {}  # file id -> links handed out
        self._lock = threading.Lock()

    def add(self, name: str, size: int, seed: str, data: bytes | None) -> SandboxFile:
        behaviour = Behaviour.of(name)
        if data is not None:
            size = len(data)
        elif behaviour.size is not None:
            size = behaviour.size
        file_id = hashlib.sha1(seed.encode()).hexdigest()[:16]  # noqa: S324 (an id, not security)
        with self._lock:
            entry = self._entries.get(file_id)
            if entry is not None and data is None and entry.data is not None:
                data, size = entry.data, len(entry.data)  # an upload, renamed: the same bytes
            if entry is None or entry.file.name != name or entry.file.size != size:
                entry = _Entry(
                    SandboxFile(file_id, name, size), seed, behaviour, data, cuts_left=behaviour.cuts
                )
                self._entries[file_id] = entry
            token = None
            if behaviour.expiring:  # the first link handed out is already expired
                token = secrets.token_urlsafe(8)
                self._issued[file_id] = self._issued.get(file_id, 0) + 1
                self._tokens[token] = self._issued[file_id] > 1
        return SandboxFile(file_id, name, size, token)

    def data(self, file: SandboxFile) -> bytes:
        entry = self._entries[file.file_id]
        return b"".join(self._blocks(entry, 0, entry.file.size))

    def sha1(self, file: SandboxFile) -> str:
        """The sha1 the API reports: the file's own, except for ``badsha1`` files."""
        entry = self._entries[file.file_id]
        if entry.sha1 is None:
            digest = hashlib.sha1()  # noqa: S324
            for block in self._blocks(entry, 0, entry.file.size):
                digest.update(block)
            entry.sha1 = digest.hexdigest()
        if entry.behaviour.wrong_sha1:
            return hashlib.sha1(entry.sha1.encode()).hexdigest()  # noqa: S324 (a wrong one, on purpose)
        return entry.sha1

    # -- the endpoint ---------------------------------------------------------------------------

    def serve(self, request: Request, file_id: str, name: str) -> Response:
        entry = self._entries.get(file_id)
        if entry is None:  # the name in the path is for people: the id decides
            raise NotFound()
        behaviour = entry.behaviour
        if behaviour.expiring:
            token = request.args.get("t", "")
            if not self._tokens.get(token, False):
                raise Forbidden("this link has expired")
        size = entry.file.size
        served = size + EXTRA if behaviour.longer else size  # what this server says the file has
        start, end, status = 0, served, 200
        ranged = parse_range_header(request.headers.get("Range"))
        if ranged is not None and not (behaviour.ignore_range or behaviour.endless):
            bounds = ranged.range_for_length(served)
            if bounds is None:
                return Response(status=416, headers={"Content-Range": f"bytes */{served}"})
            start, end, status = bounds[0], bounds[1], 206
            if behaviour.from_zero:
                start, end = 0, served
        with self._lock:
            cut = entry.cuts_left > 0
            if cut:
                entry.cuts_left -= 1
        length = end - start
        cut = cut or (self.faults is not None and length > 1 and self.faults.cut())
        limit = start + max(1, length // 4) if cut else end  # a cut connection stops a quarter in
        headers = {
            "Content-Length": str(length),
            "Content-Disposition": _disposition(name),
            "ETag": f'"{self.sha1(entry.file) if size <= _ROTATE_FROM else entry.seed}"',
            "Accept-Ranges": "none" if behaviour.ignore_range or behaviour.endless else "bytes",
        }
        if size <= _ROTATE_FROM:
            self.sha1(entry.file)
            headers["X-Sha1"] = entry.sha1 or ""  # the bytes' own sha1, for tests to compare
        if status == 206:
            total = 2 * served if behaviour.bad_total else served
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{total}"
        if behaviour.endless:
            del headers["Content-Length"]
            limit = start + _ENDLESS_CAP
        body = self._paced(self._blocks(entry, start, limit), behaviour.rate)
        return Response(
            body, status=status, headers=headers, mimetype="application/octet-stream", direct_passthrough=True
        )

    # -- bytes ------------------------------------------------------------------------------------

    def _blocks(self, entry: _Entry, start: int, end: int) -> Iterator[bytes]:
        """The file's bytes from ``start`` to ``end``; past its size (``longer`` and
        ``endless`` files), bytes that are not the file's."""
        position = start
        size = entry.file.size
        while position < min(end, size):
            index = position // BLOCK
            block = self._block(entry, index)
            offset = position - index * BLOCK
            piece = block[offset : min(len(block), end - index * BLOCK)]
            if not piece:
                return
            yield piece
            position += len(piece)
        while position < end:
            piece = _BEYOND[: min(len(_BEYOND), end - position)]
            yield piece
            position += len(piece)

    def _block(self, entry: _Entry, index: int) -> bytes:
        if entry.data is not None:
            return entry.data[index * BLOCK : (index + 1) * BLOCK]
        length = min(BLOCK, entry.file.size - index * BLOCK)
        if entry.file.size < _ROTATE_FROM:
            return random.Random(f"{entry.seed}:{index}").randbytes(length)  # noqa: S311 (test data)
        if entry.base_block is None:
            entry.base_block = random.Random(entry.seed).randbytes(BLOCK)  # noqa: S311
        shift = (index * 7919) % BLOCK
        return (entry.base_block[shift:] + entry.base_block[:shift])[:length]

    @staticmethod
    def _paced(blocks: Iterator[bytes], rate: float | None) -> Iterator[bytes]:
        if rate is None:
            yield from blocks
            return
        started, sent = time.monotonic(), 0
        for block in blocks:
            for offset in range(0, len(block), 64 * 1024):
                piece = block[offset : offset + 64 * 1024]
                sent += len(piece)
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
                yield piece


#: What ``longer`` and ``endless`` servers send after the file.
_BEYOND: Final = b"not the file " * 5041


def _disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback, and the real name in ``filename*``."""
    fallback = "".join(c if " " <= c < "\x7f" and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
