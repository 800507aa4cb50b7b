"""The downloader against file servers whose every answer may be wrong: statuses, starts,
``Content-Range`` totals, ``Content-Length``s, junk after the body, bodies cut short, and
``Content-Range`` headers that are not one at all.

Whatever the server does, a download ends in one of two ways: the file, of the promised
size and with the server's true bytes, saved (verified when a sha1 was given); or that
link's :class:`~resolver_core.download.DownloadFailed`, a sentence a person can read. Never a
traceback, never a wrong file reported saved, and no file in the folder, finished or part,
is ever longer than the promise.

A server that lies about where its bytes come from (a start it did not send from) can only
be caught by a sha1: without one, the servers here say truly which bytes they send.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
from pathlib import Path
from typing import Final
from unittest import mock

import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver_core.download import DownloadFailed, download_file
from resolver_core.download import fetch as fetch_module
from tests.resolver_core.hostile_files import URL, Answer, HostileServer, planned

from .outcomes import assert_readable, examples

DATA: Final = random.Random("fuzz downloads").randbytes(9_000)  # a few segments of 2,000 bytes
SHA1: Final = hashlib.sha1(DATA).hexdigest()
DOWNLOADS = settings(max_examples=examples(150), deadline=None)

#: Content-Range headers that are not one, or not one that says anything usable.
MALFORMED: Final = [
    "bytes 0-8999/9000, bytes 0-1/9000",
    "bytes 0-/9000",
    "bytes */9000",
    "bytes 0-8999/-1",
    "bytes 0-8999/9000.0",
    "bytes 0-8999/99999999999999999999999",
    "0-8999/9000",
    "bytes=0-8999/9000",
    "bytes 0-8999/9000\u202e",
    "",
]


def answers(*, honest: bool) -> st.SearchStrategy[Answer]:
    offsets = st.one_of(st.just(0), st.integers(-10_000, 10_000))
    return st.builds(
        Answer,
        whole=st.booleans(),
        shift=st.one_of(st.just(0), offsets),
        honest_start=st.just(True) if honest else st.booleans(),
        total=st.one_of(st.just(0), st.none(), st.integers(-10_000, 10_000)),
        length=st.one_of(st.just(0), st.none(), st.integers(-10_000, 10_000)),
        junk=st.sampled_from([0, 0, 1, 1_000, 20_000]),
        cut=st.one_of(st.none(), st.integers(0, 12_000)),
        malformed=st.one_of(st.none(), st.sampled_from(MALFORMED)),
        most=st.one_of(st.none(), st.integers(1, 9_000)),
    )


@st.composite
def servers(draw: st.DrawFn) -> tuple[bool, list[Answer]]:
    with_sha1 = draw(st.booleans())
    return with_sha1, draw(st.lists(answers(honest=not with_sha1), max_size=6))


@DOWNLOADS
@given(
    server=servers(),
    connections=st.integers(1, 4),
    resume=st.booleans(),
    promised=st.booleans(),
)
def test_a_download_is_the_file_or_a_clean_error(
    server: tuple[bool, list[Answer]], connections: int, resume: bool, promised: bool
) -> None:
    with_sha1, plan = server
    hostile = HostileServer(DATA, planned(plan))
    with (
        tempfile.TemporaryDirectory() as folder,
        responses.RequestsMock(assert_all_requests_are_fired=False) as running,
        mock.patch.object(fetch_module, "MIN_SEGMENT", 2_000),
        mock.patch.object(time, "sleep", lambda seconds: None),
        requests.Session() as session,
    ):
        hostile.install(running)
        out = Path(folder)
        try:
            saved = download_file(
                session,
                URL,
                out,
                link="L",
                size=len(DATA) if promised or with_sha1 else None,
                sha1=SHA1 if with_sha1 else None,
                connections=connections,
                resume=resume,
            )
        except DownloadFailed as error:
            assert_readable(error)
        else:
            if promised or with_sha1:  # without any promise, the server's word is the size
                assert saved.path.read_bytes() == DATA, hostile.requests
                assert saved.size == len(DATA) and saved.verified is with_sha1
        if promised or with_sha1:
            assert all(p.stat().st_size <= len(DATA) for p in out.iterdir() if p.is_file())
