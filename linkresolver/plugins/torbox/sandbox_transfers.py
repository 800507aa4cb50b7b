"""TorBox's torrents and web downloads, emulated for the sandbox: each is created with an id,
downloads for a while (``download_state`` and ``progress`` grow), then is ``completed`` with
its files present, whose direct links ``requestdl`` gives (files the sandbox serves, with
Range) - or it ends badly.

What a source does is written in it:

- a magnet whose info hash starts with a digit 0-7 is cached: ready at once;
- a magnet named (``dn``) with ``tbdead`` stalls for lack of seeds, ``tbfail`` ends in
  ``error``; ``single`` holds one file, the others a season of two episodes and an .nfo;
- a hoster link with ``slow`` takes :data:`SLOW_FOR` seconds, one of :data:`CACHED_LINKS`
  is ready at once (``webdl/checkcached`` knows them, and every link finished once), the
  others take :data:`DOWNLOADING_FOR`; ``tbfail`` ends in ``error``.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from linkresolver.api import Sandbox, SandboxFile

#: Seconds an uncached transfer downloads; a slow web download; a stalled torrent before it gives up.
DOWNLOADING_FOR: Final = 1.2
SLOW_FOR: Final = 3.0
STALLS_AFTER: Final = 0.5
#: Hoster links TorBox has cached (ready at once) before anyone asks.
CACHED_LINKS: Final = (
    "https://gofile.io/d/C4ch3d/Holiday.Video.Trailer.mkv",
    "https://pixeldrain.com/u/cached01/Cached.Song.mp3",
)


@dataclass
class Job:
    id: int
    #: "torrents" or "webdl".
    kind: str
    source: str
    hash: str
    name: str
    added: float
    #: Seconds it takes to finish (0: cached).
    takes: float
    #: A bad end: "stalled (no seeds)" or "error", or None.
    ending: str | None
    #: (name, size) of each file, by id (the index).
    files: list[tuple[str, int]]
    served: dict[int, SandboxFile] = field(default_factory=dict)

    def state(self, now: float) -> tuple[str, float, bool]:
        """The download state, the progress (0 to 1), and whether it is finished."""
        elapsed = now - self.added
        if self.ending is not None and elapsed >= STALLS_AFTER:
            return self.ending, 0.0, False
        if elapsed >= self.takes:
            return ("cached" if self.takes == 0 else "completed"), 1.0, True
        if self.kind == "torrents" and elapsed < 0.2:
            return "metaDL", 0.0, False
        return "downloading", round(elapsed / self.takes, 3), False

    def size(self) -> int:
        return sum(size for _, size in self.files)


class Transfers:
    """The torrents and web downloads of the sandbox's account."""

    def __init__(self) -> None:
        self.jobs: dict[int, Job] = {}
        self.lock = threading.Lock()
        self._ids = itertools.count(4100)
        self._sandbox: Sandbox | None = None

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def add_torrent(self, magnet: str) -> Job | None:
        """A new torrent for ``magnet``; None when it names no info hash."""
        digest = magnet_hash(magnet)
        if digest is None:
            return None
        names = parse_qs(urlsplit(magnet).query).get("dn")
        name = (names[0] if names else digest).replace("/", "_")[:120]
        low = name.lower()
        ending = "stalled (no seeds)" if "tbdead" in low else "error" if "tbfail" in low else None
        if "single" in low:
            files = [(f"{name}.mkv", 47_000 + len(name) * 97)]
        else:
            files = [(f"{name}.E01.mkv", 39_000), (f"{name}.E02.mkv", 42_000), (f"{name}.nfo", 700)]
        takes = 0.0 if torrent_cached(digest) else DOWNLOADING_FOR
        return self._add("torrents", magnet, digest, name, takes, ending, files)

    def add_webdl(self, link: str) -> Job:
        name, size = file_of(link)
        low = link.lower()
        takes = SLOW_FOR if "slow" in low else 0.0 if link_cached(link) else DOWNLOADING_FOR
        digest = link_hash(link)
        ending = "error" if "tbfail" in low else None
        return self._add("webdl", link, digest, name, takes, ending, [(name, size)])

    def _add(
        self,
        kind: str,
        source: str,
        digest: str,
        name: str,
        takes: float,
        ending: str | None,
        files: list[tuple[str, int]],
    ) -> Job:
        job = Job(next(self._ids), kind, source, digest, name, time.monotonic(), takes, ending, files)
        with self.lock:
            self.jobs[job.id] = job
        return job

    def find(self, kind: str, job_id: Any) -> Job | None:
        try:
            number = int(job_id)
        except (TypeError, ValueError):
            return None
        job = self.jobs.get(number)
        return job if job is not None and job.kind == kind else None

    def delete(self, kind: str, job_id: Any) -> bool:
        with self.lock:
            job = self.find(kind, job_id)
            if job is None:
                return False
            del self.jobs[job.id]
            return True

    def describe(self, job: Job) -> dict[str, Any]:
        state, progress, finished = job.state(time.monotonic())
        entry: dict[str, Any] = {
            "id": job.id,
            "hash": job.hash,
            "name": job.name,
            "size": job.size(),
            "created_at": "2026-12-03T06:54:00Z",
            "updated_at": "2026-12-03T06:54:00Z",
            "active": not finished,
            "download_state": state,
            "progress": progress,
            "download_speed": 0 if finished else 2_000_000,
            "eta": 0 if finished else 2,
            "download_finished": finished,
            "download_present": finished,
            "cached": job.takes == 0,
            "files": [
                {
                    "id": index,
                    "name": f"{job.name}/{name}" if len(job.files) > 1 else name,
                    "short_name": name,
                    "size": size,
                    "mimetype": "video/x-matroska" if name.endswith(".mkv") else "application/octet-stream",
                }
                for index, (name, size) in enumerate(job.files)
            ]
            if finished
            else [],
        }
        if job.kind == "torrents":
            entry.update({"seeds": 12, "peers": 3, "ratio": 0.0, "magnet": job.source})
        else:
            entry["original_url"] = job.source
        return entry

    def file(self, job: Job, file_id: Any) -> SandboxFile | None:
        """The served file of a finished job's file ``file_id``; None when it has none."""
        assert self._sandbox is not None
        try:
            index = int(file_id) if file_id not in (None, "") else 0
        except ValueError:
            return None
        if not job.state(time.monotonic())[2] or not 0 <= index < len(job.files):
            return None
        with self.lock:
            if index not in job.served:
                name, size = job.files[index]
                job.served[index] = self._sandbox.add_file(name, size, seed=f"torbox/{job.hash}/{index}")
            return job.served[index]


def magnet_hash(magnet: str) -> str | None:
    for value in parse_qs(urlsplit(magnet).query).get("xt", []):
        digest = value.lower().removeprefix("urn:btih:")
        if len(digest) == 40 and all(c in "0123456789abcdef" for c in digest):
            return digest
    return None


def torrent_cached(digest: str) -> bool:
    return digest[:1] in tuple("01234567")


def link_cached(link: str) -> bool:
    return link in CACHED_LINKS


def link_hash(link: str) -> str:
    """What TorBox knows a hoster link by: its MD5."""
    return hashlib.md5(link.encode()).hexdigest()  # noqa: S324 (TorBox's key, not security)


def file_of(link: str) -> tuple[str, int]:
    """A file name and size for a hoster link: its last segment when it names a file."""
    path = unquote(urlsplit(link).path).rstrip("/")
    segments = [s for s in path.split("/") if s and s not in ("d", "u", "file", "view")]
    last = segments[-1] if segments else "download"
    name = last if "." in last else f"{last}.bin"
    size = 60_000 + int(hashlib.sha1(link.encode()).hexdigest()[:5], 16) % 140_000  # noqa: S324
    return name.replace("\\", "_")[:120], size
