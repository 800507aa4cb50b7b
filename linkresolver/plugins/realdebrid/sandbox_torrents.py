"""Real-Debrid's torrents, emulated for the sandbox: a magnet's metadata arrives, its files
wait to be chosen, then it downloads over about two seconds, unless Real-Debrid has it
cached (then it is ``downloaded`` as soon as its files are chosen) or it ends badly.

What a magnet does is written in it: an info hash that starts with a digit 0-7 is cached;
a name (``dn``) with ``rddead``, ``rdvirus``, ``rderror`` or ``rdmagneterror`` ends in
``dead``, ``virus``, ``error`` or ``magnet_error``; one with ``single`` holds one file, the
others a season of two episodes and an .nfo.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from linkresolver.api import Sandbox, SandboxFile

#: Seconds a magnet spends converting, and a torrent that is not cached downloading.
CONVERTING_FOR: Final = 0.3
DOWNLOADING_FOR: Final = 1.6
#: Where a finished torrent's links point: Real-Debrid's own hoster links, unrestricted later.
HOSTED: Final = "https://real-debrid.com/d/"
_ENDINGS: Final = {"rdmagneterror": "magnet_error", "rddead": "dead", "rdvirus": "virus", "rderror": "error"}


@dataclass
class TorrentJob:
    id: str
    magnet: str
    hash: str
    name: str
    added: float
    added_on: str
    cached: bool
    ending: str | None
    #: (path, size) of each file.
    files: list[tuple[str, int]]
    selected: list[int] = field(default_factory=list)
    selected_at: float | None = None
    #: The hosted link of each selected file, by its id in the links.
    hosted: dict[str, SandboxFile] = field(default_factory=dict)

    def status(self, now: float) -> tuple[str, float]:
        """The state and the progress (percent) now."""
        if now - self.added < CONVERTING_FOR:
            return "magnet_conversion", 0.0
        if self.ending == "magnet_error":
            return "magnet_error", 0.0
        if self.selected_at is None:
            return "waiting_files_selection", 0.0
        if self.ending is not None:
            return self.ending, 0.0
        if self.cached:
            return "downloaded", 100.0
        elapsed = now - self.selected_at
        if elapsed >= DOWNLOADING_FOR:
            return "downloaded", 100.0
        return (
            ("queued", 0.0) if elapsed < 0.2 else ("downloading", round(100 * elapsed / DOWNLOADING_FOR, 1))
        )


class Torrents:
    """The torrents of the sandbox's account."""

    def __init__(self) -> None:
        self.jobs: dict[str, TorrentJob] = {}
        self.lock = threading.Lock()
        self._sandbox: Sandbox | None = None

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def add(self, magnet: str) -> TorrentJob | None:
        """A new torrent for ``magnet``; None when it names no info hash."""
        digest = magnet_hash(magnet)
        if digest is None:
            return None
        names = parse_qs(urlsplit(magnet).query).get("dn")
        name = (names[0] if names else digest).replace("/", "_")
        low = name.lower()
        ending = next((state for word, state in _ENDINGS.items() if word in low), None)
        if "single" in low:
            files = [(f"/{name}", 48_000 + len(name) * 101)]
        else:
            files = [
                (f"/{name}/{name}.E01.mkv", 41_000),
                (f"/{name}/{name}.E02.mkv", 43_000),
                (f"/{name}/{name}.nfo", 900),
            ]
        job = TorrentJob(
            id=secrets.token_hex(6).upper(),
            magnet=magnet,
            hash=digest,
            name=name,
            added=time.monotonic(),
            added_on=now_json(),
            cached=digest[0] in "01234567",
            ending=ending,
            files=files,
        )
        with self.lock:
            self.jobs[job.id] = job
        return job

    def select(self, job: TorrentJob, files: str) -> bool:
        """Choose files ("all" or ids "1,3"); False when an id is not one of the torrent's."""
        if files.strip() == "all":
            chosen = list(range(1, len(job.files) + 1))
        else:
            try:
                chosen = sorted({int(part) for part in files.split(",") if part.strip()})
            except ValueError:
                return False
            if not chosen or not all(1 <= file_id <= len(job.files) for file_id in chosen):
                return False
        with self.lock:
            job.selected = chosen
            job.selected_at = time.monotonic()
        return True

    def describe(self, job: TorrentJob, *, with_files: bool) -> dict[str, Any]:
        state, progress = job.status(time.monotonic())
        selected_bytes = sum(size for n, (_, size) in enumerate(job.files, 1) if n in job.selected)
        answer: dict[str, Any] = {
            "id": job.id,
            "filename": job.name,
            "original_filename": job.name,
            "hash": job.hash,
            "bytes": selected_bytes or sum(size for _, size in job.files),
            "original_bytes": sum(size for _, size in job.files),
            "host": "real-debrid.com",
            "split": 2000,
            "progress": progress,
            "status": state,
            "added": job.added_on,
            "links": self._links(job) if state == "downloaded" else [],
            "speed": 0 if state != "downloading" else 4_000_000,
            "seeders": 0 if state != "downloading" else 12,
        }
        if state == "downloaded":
            answer["ended"] = job.added_on
        if with_files:
            answer["files"] = [
                {"id": n, "path": path, "bytes": size, "selected": 1 if n in job.selected else 0}
                for n, (path, size) in enumerate(job.files, 1)
            ]
        return answer

    def hosted_file(self, link: str) -> SandboxFile | None:
        """The file a ``https://real-debrid.com/d/ID`` link of a finished torrent stands for."""
        if not link.startswith(HOSTED):
            return None
        file_key = link[len(HOSTED) :]
        with self.lock:
            for job in self.jobs.values():
                if file_key in job.hosted:
                    return job.hosted[file_key]
        return None

    def _links(self, job: TorrentJob) -> list[str]:
        assert self._sandbox is not None
        with self.lock:
            if not job.hosted:
                for file_id in job.selected:
                    path, size = job.files[file_id - 1]
                    served = self._sandbox.add_file(
                        path.rsplit("/", 1)[-1], size, seed=f"rd/{job.hash}{path}"
                    )
                    job.hosted[f"{job.id}{file_id:03d}"] = served
            return [HOSTED + key for key in job.hosted]


def magnet_hash(magnet: str) -> str | None:
    for topic in parse_qs(urlsplit(magnet).query).get("xt", []):
        value = topic[9:] if topic.lower().startswith("urn:btih:") else ""
        if len(value) == 40 and all(c in "0123456789abcdefABCDEF" for c in value):
            return value.lower()
    return None


def now_json() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
