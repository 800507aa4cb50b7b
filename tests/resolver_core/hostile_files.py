"""A file server for ``responses`` that answers ranges as it is told to, right or wrong.

Each answer is an :class:`Answer`: how the server reacts to one request (the status, which
bytes it sends, what its ``Content-Range`` and ``Content-Length`` say, junk after the body).
The server is honest about nothing in particular; the tests hold the downloader to its
promise whatever the server does: the right file of the promised size, or a clean error.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import requests
import responses

URL: Final = "https://files.example/f/data.bin"
JUNK: Final = b"JUNK-not-the-file-"


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer. ``shift`` moves the bytes sent (and, when ``honest_start``, the
    Content-Range's start with them); ``total`` is added to the Content-Range total (None:
    ``*``); ``length`` is added to the Content-Length (None: no Content-Length); ``junk``
    bytes follow the body; ``whole`` answers 200 with the file; ``cut`` stops after that many
    bytes of the body; ``most`` sends no more than that many bytes of the range asked (and
    says so)."""

    whole: bool = False
    shift: int = 0
    honest_start: bool = True
    total: int | None = 0
    length: int | None = 0
    junk: int = 0
    cut: int | None = None
    malformed: str | None = None
    most: int | None = None


RIGHT: Final = Answer()


class HostileServer:
    """Serves ``data`` at :data:`URL`; ``plan(range_header, times_asked)`` picks each answer."""

    def __init__(self, data: bytes, plan: Callable[[str | None, int], Answer]) -> None:
        self.data = data
        self.plan = plan
        self.requests: list[str | None] = []
        self._asked: dict[str | None, int] = {}
        self._lock = threading.Lock()

    def install(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.GET, URL, callback=self._answer)

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        asked = request.headers.get("Range")
        with self._lock:
            self.requests.append(asked)
            times = self._asked.get(asked, 0)
            self._asked[asked] = times + 1
        answer = self.plan(asked, times)
        size = len(self.data)
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", asked or "")
        if answer.whole or match is None:
            body = self.data
            headers = {}
            status = 200
        else:
            start = int(match.group(1))
            end = int(match.group(2)) + 1 if match.group(2) else size
            if start >= size:
                return 416, {"Content-Range": f"bytes */{size}"}, b""
            sent = max(0, min(size - 1, start + answer.shift))
            body = self.data[sent : sent + max(1, min(size, end) - start)]
            if answer.most is not None:
                body = body[: max(1, answer.most)]
            said = sent if answer.honest_start else start
            total = "*" if answer.total is None else str(size + answer.total)
            headers = {"Content-Range": answer.malformed or f"bytes {said}-{said + len(body) - 1}/{total}"}
            status = 206
        if answer.length is not None:
            headers["Content-Length"] = str(max(0, len(body) + answer.length))
        body += (JUNK * (answer.junk // len(JUNK) + 1))[: answer.junk]
        if answer.cut is not None:
            body = body[: answer.cut]
        return status, headers, body


def planned(answers: Sequence[Answer]) -> Callable[[str | None, int], Answer]:
    """Answers that depend only on the request and how often it was asked (so threads
    asking in any order get the same ones); the fourth time a request is asked, it is
    answered right."""

    def plan(asked: str | None, times: int) -> Answer:
        if not answers or times >= 3:
            return RIGHT
        return answers[zlib.crc32(f"{asked}:{times}".encode()) % len(answers)]

    return plan
