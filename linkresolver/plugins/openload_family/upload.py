"""A multipart/form-data body that streams a file from disk, with progress.

requests' ``files=`` builds the whole body in memory, which an upload of a several-GB video
cannot afford. This body has a length (so requests sends ``Content-Length``, which upload
servers want, rather than chunked encoding) and yields the file in chunks as it is sent.
The part headers are rendered by urllib3's :class:`~urllib3.fields.RequestField`, which
handles the quoting of names and filenames (RFC 7578).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from urllib3.fields import RequestField

CHUNK = 256 * 1024


class MultipartFile:
    """Form fields, then one file, as a streamed multipart/form-data body."""

    def __init__(
        self,
        path: Path,
        *,
        field: str,
        fields: Mapping[str, str] = {},
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.path = path
        self.boundary = secrets.token_hex(16)
        self.progress = progress
        head = b"".join(self._part(name, value.encode()) for name, value in fields.items())
        file_part = RequestField(field, b"", filename=path.name)
        file_part.make_multipart(content_type="application/octet-stream")
        self._head = head + f"--{self.boundary}\r\n".encode() + file_part.render_headers().encode()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.file_size = os.stat(path).st_size

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + self.file_size + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        sent = 0
        with self.path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                sent += len(chunk)
                yield chunk
                if self.progress is not None:
                    self.progress(len(chunk))
        if sent != self.file_size:
            raise OSError(f"{self.path} changed size while it was being uploaded")
        yield self._tail

    def _part(self, name: str, value: bytes) -> bytes:
        part = RequestField(name, value)
        part.make_multipart()
        return f"--{self.boundary}\r\n".encode() + part.render_headers().encode() + value + b"\r\n"


def file_sha1(path: Path) -> str:
    """The sha1 of a file on disk, read in chunks."""
    digest = hashlib.sha1()  # noqa: S324 (the services' own checksum, not security)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
