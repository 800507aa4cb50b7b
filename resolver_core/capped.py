"""Reading an answer's body with a bound on what it becomes, however small it was on the wire.

gzip and deflate are inflated here rather than by urllib3, each step bounded by what the
cap still allows: urllib3 (2.8) inflates whatever is left without a limit when the
connection ends, and repeats data of multi-member gzip bodies, so a few kilobytes of
decompression bomb reach gigabytes before one chunk would come back to a loop over
``iter_content``. Other encodings (br, zstd: only asked for when their packages are
installed) are left to urllib3, whose decoders bound each read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any, Final

import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError, SSLError

#: The encodings inflated here (``Content-Encoding`` names).
INFLATED: Final = frozenset({"gzip", "x-gzip", "deflate"})
#: Bytes read from the wire at a time, and inflated from them at most at a time.
WIRE_PIECE: Final = 64 * 1024
INFLATED_PIECE: Final = 1 << 20


class TooLarge(requests.RequestException):
    """The body grew past the cap: it is no API answer, and reading on would cost memory."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"answer larger than {cap >> 20} MiB, cut off (not an API answer)")


class BoundedInflater:
    """One gzip or deflate layer undone, piece by piece, never past ``cap`` bytes in all.

    Servers get deflate wrong in both ways (with and without the zlib header), so a deflate
    body that does not start as zlib is read as raw deflate. Bytes after a deflate stream, or
    after the last whole member of a gzip body, are ignored, as browsers and urllib3 do.
    """

    def __init__(self, encoding: str, cap: int) -> None:
        self.encoding = encoding
        self.cap = cap
        self._gzip = encoding in ("gzip", "x-gzip")
        self._wbits = 16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS
        self._step = zlib.decompressobj(self._wbits)
        self._produced = 0
        self._started = False
        self._members = 0  # gzip members after the first
        self._finished = False  # what follows is ignored

    def feed(self, data: bytes) -> Iterator[bytes]:
        """``data`` inflated, in pieces of at most :data:`INFLATED_PIECE` bytes. Raises
        :class:`TooLarge` past the cap, ``ContentDecodingError`` when it is not the encoding."""
        while data and not self._finished:
            step = self._step
            try:  # a limit of 0 would mean "no limit" to zlib: it is 1 at least here
                piece = step.decompress(data, min(INFLATED_PIECE, self.cap + 1 - self._produced))
            except zlib.error:
                piece = None  # said below, outside the handler: zlib's words are no help
            if piece is None:
                data = self._not_inflatable(data)
                continue
            self._started = True
            self._produced += len(piece)
            if self._produced > self.cap:
                raise TooLarge(self.cap)
            if piece:
                yield piece
            if step.unconsumed_tail:  # more output is waiting behind the limit
                data = step.unconsumed_tail
                continue
            data = step.unused_data if step.eof else b""
            if data and self._gzip:  # the next member of a multi-member gzip body
                self._step = zlib.decompressobj(self._wbits)
                self._members += 1
            elif data:
                self._finished = True

    def _not_inflatable(self, data: bytes) -> bytes:
        """What follows zlib's refusal of ``data``: the end (garbage after gzip members), a
        second try as raw deflate (returns ``data`` to feed again), or an error."""
        if self._members:
            self._finished = True
            return b""
        if self._gzip or self._started:
            raise requests.exceptions.ContentDecodingError(
                f"the answer is not the {self.encoding} it says it is"
            )
        self._step = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = True
        return data


def read_capped(response: requests.Response, cap: int) -> bytes:
    """``response``'s body, decoded; a :class:`requests.RequestException` (:class:`TooLarge`
    once it exceeds ``cap`` bytes), after which the response is closed."""
    encodings = content_encodings(response)
    raw = response.raw
    chunks: Iterator[bytes]
    if hasattr(raw, "stream") and all(name in INFLATED for name in encodings):
        chunks = _wire(raw)
        layers = [BoundedInflater(name, cap) for name in reversed(encodings)]  # the last applied first
    else:
        chunks, layers = response.iter_content(WIRE_PIECE), []
    body = bytearray()
    try:
        for received in chunks:
            for chunk in _undone(received, layers):
                if len(body) + len(chunk) > cap:
                    raise TooLarge(cap)
                body += chunk
    except requests.RequestException:
        response.close()
        raise
    return bytes(body)


def content_encodings(response: requests.Response) -> list[str]:
    """The encodings ``Content-Encoding`` lists, in the order they were applied."""
    names = (name.strip().lower() for name in response.headers.get("Content-Encoding", "").split(","))
    return [name for name in names if name and name != "identity"]


def _undone(data: bytes, layers: Sequence[BoundedInflater]) -> Iterator[bytes]:
    if not layers:
        yield data
        return
    for piece in layers[0].feed(data):
        yield from _undone(piece, layers[1:])


def _wire(raw: Any) -> Iterator[bytes]:
    """The body as sent, with urllib3's failures as requests' (as ``iter_content`` has them)."""
    try:
        yield from raw.stream(WIRE_PIECE, decode_content=False)
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from exc
    except SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
