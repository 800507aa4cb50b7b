"""JSON bombs and decompression bombs: an answer is cut off at a sane size with a message
that says so, memory stays bounded, and nothing is inflated without a limit.

API answers go through ``resolver_core.http`` (capped at ``MAX_ANSWER_BYTES``, decoded
there); downloads through ``resolver_core.download.fetch``, which must save a file as it
was served (or refuse it), never inflate it.
"""

from __future__ import annotations

import functools
import io
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
import responses

from linkresolver.plugins.openload_family.client import FamilyClient
from linkresolver.plugins.openload_family.services import OPENLOAD
from linkresolver.plugins.premiumize.client import PremiumizeClient
from resolver_core import errors
from resolver_core.captcha import CaptchaCommand
from resolver_core.download import download_file
from resolver_core.download.fetch import DownloadFailed
from resolver_core.http import MAX_ANSWER_BYTES, get_json, make_session
from resolver_core.models import CaptchaChallenge

from .conftest import (
    GIB,
    MIB,
    HostileServer,
    deflate_stream,
    gzip_member,
    gzip_members,
    gzip_twice,
    peak_mib,
)

CAP_WORDS = f"larger than {MAX_ANSWER_BYTES >> 20} MiB"
JSON_HEAD = b'{"status": 200, "result": "'
#: Well under the 100 MB an answer may cost at most: the cap, a chunk, the parse.
MEMORY_BOUND_MIB = 64
TIME_BOUND_S = 10.0


def plain_gigabyte() -> Iterator[bytes]:
    block = b"a" * (64 << 10)
    yield JSON_HEAD
    for _ in range(GIB // len(block)):
        yield block


def call_api(url: str) -> object:
    return get_json(make_session(retries=0), url, provider="premiumize")


BOMBS: dict[str, tuple[bytes | Callable[[], Iterable[bytes]], str]] = {
    "plain JSON, 1 GiB": (plain_gigabyte, ""),
    "gzip, one member streamed": (deflate_stream(1024, wbits=31, prefix=JSON_HEAD), "gzip"),
    "gzip, 1 MiB members streamed": (gzip_members(1024), "gzip"),
    # Small enough to arrive whole: urllib3 would inflate the rest at once at the end.
    "gzip, 1 MiB members, 1 MB on the wire": (gzip_member() * 1024, "gzip"),
    "x-gzip": (gzip_members(1024), "x-gzip"),
    "deflate (zlib)": (deflate_stream(1024, wbits=15, prefix=JSON_HEAD), "deflate"),
    "deflate (raw, no zlib header)": (deflate_stream(1024, wbits=-15, prefix=JSON_HEAD), "deflate"),
    "gzip, gzip (a kilobyte)": (gzip_twice(), "gzip, gzip"),
}


@pytest.mark.parametrize(("body", "encoding"), BOMBS.values(), ids=BOMBS.keys())
def test_a_gigabyte_answer_is_cut_off_at_the_cap(
    hostile: HostileServer, body: bytes | Callable[[], Iterable[bytes]], encoding: str
) -> None:
    headers = {"Content-Type": "application/json"}
    if encoding:
        headers["Content-Encoding"] = encoding
    url = hostile.serve("/pm-api/v1.php", body, headers=headers)
    started = time.perf_counter()
    peak, result = peak_mib(lambda: call_api(url))
    assert isinstance(result, errors.ProviderOutage), result
    message = result.for_person()
    assert CAP_WORDS in message and "cut off" in message, message
    assert peak < MEMORY_BOUND_MIB
    assert time.perf_counter() - started < TIME_BOUND_S


def test_api_calls_ask_only_for_encodings_inflated_within_the_cap(hostile: HostileServer) -> None:
    """requests would ask for br and zstd whenever their packages are installed, and urllib3
    inflates those without a bound: the session asks for gzip and deflate only."""
    url = hostile.serve("/api", b'{"status": 200}')
    call_api(url)
    assert all(("Accept-Encoding", "gzip, deflate") in seen.headers for seen in hostile.seen)


def test_an_unknown_encoding_is_not_inflated(hostile: HostileServer) -> None:
    """br without the brotli package (or any encoding urllib3 lacks) stays as it came:
    small, and not JSON."""
    url = hostile.serve("/api", gzip_member() * 64, headers={"Content-Encoding": "compress"})
    peak, result = peak_mib(lambda: call_api(url))
    assert isinstance(result, errors.ProviderOutage)
    assert "not JSON" in result.for_person()
    assert peak < MEMORY_BOUND_MIB


def gzipped_in_members(data: bytes, size: int) -> bytes:
    """``data`` as a multi-member gzip body, each member ``size`` bytes once inflated."""
    members = []
    for start in range(0, len(data), size):
        packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        members.append(packer.compress(data[start : start + size]) + packer.flush())
    return b"".join(members)


@pytest.mark.parametrize("member", [64 << 10, 1 << 20, 1000])
def test_multi_member_gzip_answers_are_read_exactly(hostile: HostileServer, member: int) -> None:
    """Members that end where a read ends: urllib3 2.8 repeats data there (a few kilobytes
    grew without bound); the answer must be the JSON that was sent, byte for byte."""
    answer = b'{"status": 200, "result": "' + b"x" * (3 * member) + b'"}'
    url = hostile.serve("/api", gzipped_in_members(answer, member), headers={"Content-Encoding": "gzip"})
    assert call_api(url) == {"status": 200, "result": "x" * (3 * member)}


def test_garbage_after_the_last_gzip_member_is_ignored(hostile: HostileServer) -> None:
    answer = gzipped_in_members(b'{"status": 200, "result": 1}', 8) + b"\x00trailing garbage"
    url = hostile.serve("/api", answer, headers={"Content-Encoding": "gzip"})
    assert call_api(url) == {"status": 200, "result": 1}


def test_an_answer_that_is_not_the_gzip_it_claims_is_an_outage(hostile: HostileServer) -> None:
    url = hostile.serve("/api", b'{"status": 200}', headers={"Content-Encoding": "gzip"})
    with pytest.raises(errors.ProviderOutage, match="not the gzip it says it is"):
        call_api(url)


def test_an_answer_just_under_the_cap_is_read(hostile: HostileServer) -> None:
    filler = MAX_ANSWER_BYTES - 64
    answer = b'{"status": 200, "result": "' + b"y" * filler + b'"}'
    url = hostile.serve("/api", gzipped_in_members(answer, 1 << 20), headers={"Content-Encoding": "gzip"})
    result = call_api(url)
    assert isinstance(result, dict) and len(result["result"]) == filler


# -- JSON that is small on the wire and huge (or deep) in Python ----------------------------


def test_deeply_nested_json_is_an_outage_not_a_recursion_error(hostile: HostileServer) -> None:
    url = hostile.serve("/api", b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(errors.ProviderOutage, match="nested too deeply"):
        call_api(url)


def test_json_of_millions_of_values_is_refused_before_it_is_built(hostile: HostileServer) -> None:
    """15 MiB of ``[],`` is 5 million lists: 340 MB once parsed."""
    body = b"[" + b"[]," * (5 * MIB) + b"[]]"
    assert len(body) < MAX_ANSWER_BYTES
    url = hostile.serve("/api", body)
    peak, result = peak_mib(lambda: call_api(url))
    assert isinstance(result, errors.ProviderOutage), result
    assert "more than 1,000,000 JSON values" in result.for_person()
    assert peak < MEMORY_BOUND_MIB


class _Endless(io.RawIOBase):
    """A gibibyte of JSON text, made as it is read."""

    def __init__(self) -> None:
        self.head = JSON_HEAD
        self.left = GIB

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count], self.head = self.head[:count], self.head[count:]
            return count
        count = min(len(buffer), self.left)
        buffer[:count] = b"a" * count
        self.left -= count
        return count


API = "https://api.premiumize.example/pm-api/v1.php"


def test_a_gigabyte_hosterlist_through_the_premiumize_client() -> None:
    """The layer a provider reaches: the client's hosterlist call, served by ``responses``."""
    client = PremiumizeClient(make_session(retries=0), API, "123", "pin")
    with responses.RequestsMock() as api:
        api.get(API, body=io.BufferedReader(_Endless()), content_type="application/json")
        peak, result = peak_mib(client.hoster_list)
    assert isinstance(result, errors.ProviderOutage), result
    assert CAP_WORDS in result.for_person() and result.provider == "premiumize"
    assert peak < MEMORY_BOUND_MIB


def test_a_deep_hosterlist_through_the_premiumize_client() -> None:
    client = PremiumizeClient(make_session(retries=0), API, "123", "pin")
    with responses.RequestsMock() as api:
        api.get(API, body=b'{"status": 200, "result": ' + b"[" * 100_000, content_type="application/json")
        with pytest.raises(errors.ProviderOutage, match="nested too deeply"):
            client.hoster_list()


# -- downloads: saved as served, never inflated ---------------------------------------------


@functools.cache
def gzip_gigabyte_one_member() -> bytes:
    return b"".join(deflate_stream(1024, wbits=31)())


DOWNLOAD_BOMBS: dict[str, tuple[Callable[[], bytes], str, bool]] = {
    "gzip members, with length": (lambda: gzip_member() * 1024, "gzip", True),
    "gzip members, no length": (lambda: gzip_member() * 1024, "gzip", False),
    "gzip one member, with length": (gzip_gigabyte_one_member, "gzip", True),
    "deflate, no length": (lambda: b"".join(deflate_stream(256, wbits=15)()), "deflate", False),
}


@pytest.mark.parametrize(
    ("served", "encoding", "with_length"), DOWNLOAD_BOMBS.values(), ids=DOWNLOAD_BOMBS.keys()
)
def test_a_download_is_saved_as_served_never_inflated(
    hostile: HostileServer, tmp_path: Path, served: Callable[[], bytes], encoding: str, with_length: bool
) -> None:
    """A file server that sends a gibibyte of zeros gzipped into a megabyte gets its megabyte
    saved (a .tar.gz served as ``Content-Encoding: gzip`` is a .tar.gz), or is refused."""
    data = served()
    headers = {"Content-Type": "application/octet-stream", "Content-Encoding": encoding}
    if not with_length:
        hostile.serve("/f/archive.bin", lambda: [data], headers=headers)
    else:
        hostile.serve("/f/archive.bin", data, headers=headers)
    written = 0
    inflating = threading.Event()

    def progress(count: int) -> None:  # the brake that keeps a failing run from writing 1 GiB
        nonlocal written
        written += count
        if written > len(data) + MIB:
            inflating.set()

    try:
        saved = download_file(
            make_session(retries=0),
            hostile.url("/f/archive.bin"),
            tmp_path,
            link="https://rapidgator.net/file/abc",
            progress=progress,
            cancelled=inflating,
        )
    except DownloadFailed as exc:
        assert not inflating.is_set(), "the download was being inflated past what was served"
        assert "encod" in exc.for_person()  # refused, saying why
        return
    finally:
        assert all(path.stat().st_size <= len(data) for path in tmp_path.iterdir())
    assert saved.path.read_bytes() == data


def test_a_download_asks_for_the_file_as_it_is(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.serve("/f/file.bin", b"0123456789")
    download_file(make_session(retries=0), hostile.url("/f/file.bin"), tmp_path, link="https://x.example/f")
    assert hostile.seen
    assert all(("Accept-Encoding", "identity") in seen.headers for seen in hostile.seen)


# -- uploads: the answer of a server the API names ------------------------------------------


def test_an_upload_answer_bomb_is_cut_off_at_the_cap(hostile: HostileServer, tmp_path: Path) -> None:
    """The upload server's answer was read with response.json(): a megabyte of gzip on the
    wire became a gibibyte in memory. It is read as every API answer now."""
    upload_url = hostile.serve(
        "/ul/1",
        gzip_member() * 1024,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    clip = tmp_path / "clip.bin"
    clip.write_bytes(b"x" * 100)
    client = FamilyClient(make_session(retries=0), OPENLOAD, "https://api.openload.co/1", "login", "key")
    with responses.RequestsMock(passthru_prefixes=(upload_url,)) as api:
        api.get(
            "https://api.openload.co/1/file/ul",
            json={"status": 200, "msg": "OK", "result": {"url": upload_url, "valid_until": "2030-01-01"}},
        )
        peak, result = peak_mib(lambda: client.upload(clip))
    assert isinstance(result, errors.ProviderOutage), result
    assert CAP_WORDS in result.for_person()
    assert peak < MEMORY_BOUND_MIB


# -- captcha images: one more remote answer -------------------------------------------------


def test_a_captcha_image_bomb_is_not_read_whole(hostile: HostileServer) -> None:
    """When the provider's image was too large to fetch (it stays None), the captcha
    command fetches it again, unbounded: 64 MiB here stand for a gibibyte."""
    url = hostile.serve("/captcha.png", gzip_member() * 64, headers={"Content-Encoding": "gzip"})
    challenge = CaptchaChallenge("premiumize", "https://rapidgator.net/file/abc", url)
    peak, _ = peak_mib(lambda: CaptchaCommand("true").solve(challenge, make_session(retries=0)))
    assert peak < 16


def test_requests_session_errors_stay_provider_outages(hostile: HostileServer) -> None:
    """A connection cut in the middle of a compressed answer is an outage, not a traceback."""

    def cut() -> Iterator[bytes]:
        yield gzip_member()[:100]
        raise ConnectionResetError

    url = hostile.serve("/api", cut, headers={"Content-Encoding": "gzip", "Content-Length": "5000"})
    with pytest.raises(errors.ProviderOutage):
        call_api(url)
