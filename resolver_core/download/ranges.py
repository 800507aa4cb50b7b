"""What a 206 says it holds, read strictly: a range answer is used only when it holds the
bytes that were asked for, of a file of the promised size.

A server that answers every range from byte 0, or with another file's total, or with a
``Content-Length`` that is not its range's, would otherwise put bytes at the wrong offsets
of a file that then passes the size check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import requests

from ..redact import redact


@dataclass(frozen=True, slots=True)
class ContentRange:
    """A 206's ``Content-Range: bytes START-END/TOTAL`` (``END`` inclusive, ``TOTAL`` None for ``*``)."""

    start: int
    end: int
    total: int | None

    @property
    def length(self) -> int:
        return self.end - self.start + 1


_CONTENT_RANGE: Final = re.compile(r"bytes[ \t]+(\d{1,19})-(\d{1,19})/(\d{1,19}|\*)", re.IGNORECASE)


def parse_content_range(value: str | None) -> ContentRange | None:
    """The range a 206 says it holds; None for anything malformed or impossible."""
    match = _CONTENT_RANGE.fullmatch((value or "").strip())
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if end < start or (total is not None and end >= total):
        return None
    return ContentRange(start, end, total)


def range_problem(response: requests.Response, start: int, total: int | None) -> str | None:
    """What is wrong with a 206 to a request for the bytes from ``start`` of a file of
    ``total`` bytes (None: any), or None when it holds what was asked."""
    raw = response.headers.get("Content-Range")
    answered = parse_content_range(raw)
    if answered is None:
        return f"an unreadable Content-Range ({redact(str(raw))[:60]!r})"
    if answered.start != start:
        return f"the bytes from {answered.start} to a request for the bytes from {start}"
    if total is not None and answered.total is not None and answered.total != total:
        return f"a Content-Range total of {answered.total} bytes, not {total}"
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) != answered.length:
        return f"a Content-Length of {length} bytes for a range of {answered.length}"
    return None
