"""The bounded reader of API answers, piece by piece: the wire's odd cuts and failures that a
real server produces only by chance."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from urllib3.exceptions import ReadTimeoutError, SSLError

from resolver_core.capped import read_capped
from resolver_core.http import MAX_ANSWER_BYTES, check_redirect


class FakeRaw:
    """urllib3's response as read_capped uses it: ``stream`` yields the given pieces, then
    raises ``error`` if one is given."""

    def __init__(self, pieces: list[bytes], error: Exception | None = None) -> None:
        self.pieces, self.error = pieces, error

    def stream(self, amount: int, decode_content: bool = True) -> Iterator[bytes]:
        assert decode_content is False  # the inflating is ours, bounded
        yield from self.pieces
        if self.error is not None:
            raise self.error


class FakeResponse:
    def __init__(self, raw: FakeRaw, encoding: str) -> None:
        self.raw = raw
        self.headers = {"Content-Encoding": encoding}
        self.closed = False

    def close(self) -> None:
        self.closed = True


def read(pieces: list[bytes], encoding: str, error: Exception | None = None) -> bytes:
    response: Any = FakeResponse(FakeRaw(pieces, error), encoding)
    return read_capped(response, MAX_ANSWER_BYTES)


def test_gzip_cut_inside_its_header_still_inflates() -> None:
    """A first piece of 3 bytes holds only part of the gzip header: nothing comes out of it,
    and the rest follows."""
    packed = gzip.compress(b'{"status": 200}')
    assert read([packed[:3], packed[3:7], packed[7:]], "gzip") == b'{"status": 200}'


def test_bytes_after_a_deflate_stream_are_ignored() -> None:
    packed = zlib.compress(b'{"status": 200}')
    assert read([packed + b"trailing garbage"], "deflate") == b'{"status": 200}'


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ReadTimeoutError(None, "/", "read timed out"), requests.exceptions.ConnectionError),  # type: ignore[arg-type]
        (SSLError("bad record mac"), requests.exceptions.SSLError),
    ],
)
def test_failures_mid_body_are_requests_errors(error: Exception, expected: type[Exception]) -> None:
    """So the HTTP layer turns them into a ProviderOutage, like any transport failure."""
    with pytest.raises(expected):
        read([gzip.compress(b"x" * 1000)[:20]], "gzip", error)


def test_a_redirect_without_a_host_is_no_internal_address() -> None:
    check_redirect("https://cdn.example/a", "http:///no-host")  # requests then fails on its own
