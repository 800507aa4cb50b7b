"""AllDebrid's magnets, emulated for the sandbox: ``magnet/upload``, ``magnet/status``
(v4.1), ``magnet/files`` and ``magnet/delete``.

What a magnet does is written in it: an info hash that starts with a digit 0-7 is cached
(ready at once); others download over about two seconds (the slow magnet); a name
(``dn``) with ``addead`` ends with no peer (status 15); one with ``single`` holds one
file, the others a folder of two episodes and an .nfo. Finished files are AllDebrid's own
links (``https://alldebrid.com/f/...``), which ``link/unlock`` turns into sandbox files.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from linkresolver.api import info_hash

DOWNLOADING_FOR: Final = 2.0
DEAD_AFTER: Final = 0.5
HOSTED: Final = "https://alldebrid.com/f/"
STATUS_WORDS: Final = {0: "In Queue", 1: "Downloading", 4: "Ready", 15: "File not available - no peer"}


@dataclass
class MagnetJob:
    id: int
    magnet: str
    hash: str
    name: str
    added: float
    cached: bool
    dead: bool
    #: (path, size, hosted link) of each file.
    files: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(size for _, size, _ in self.files)

    def status_code(self, now: float) -> int:
        if self.cached:
            return 4
        if self.dead:
            return 15 if now - self.added >= DEAD_AFTER else 0
        return 4 if now - self.added >= DOWNLOADING_FOR else 1

    def describe(self, now: float) -> dict[str, Any]:
        code = self.status_code(now)
        share = 1.0 if code == 4 else 0.0 if code != 1 else min(1.0, (now - self.added) / DOWNLOADING_FOR)
        return {
            "id": self.id,
            "filename": self.name,
            "size": self.size,
            "status": STATUS_WORDS[code],
            "statusCode": code,
            "downloaded": int(self.size * share),
            "uploaded": 0,
            "seeders": 0 if self.dead else 7,
            "downloadSpeed": 0 if code != 1 else 4_000_000,
            "uploadSpeed": 0,
            "uploadDate": int(self.added),
            "completionDate": int(self.added + DOWNLOADING_FOR) if code == 4 else 0,
        }

    def tree(self) -> list[dict[str, Any]]:
        """The files as ``magnet/files`` gives them: a folder's files under ``e``."""
        nodes: list[dict[str, Any]] = []
        folders: dict[str, list[dict[str, Any]]] = {}
        for path, size, link in self.files:
            folder, _, name = path.rpartition("/")
            leaf = {"n": name, "s": size, "l": link}
            if folder:
                if folder not in folders:
                    folders[folder] = []
                    nodes.append({"n": folder, "e": folders[folder]})
                folders[folder].append(leaf)
            else:
                nodes.append(leaf)
        return nodes


class Magnets:
    """The magnets of the sandbox's account, and the files their links stand for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[int, MagnetJob] = {}
        #: hosted link -> (file name, size)
        self.hosted: dict[str, tuple[str, int]] = {}
        self._next_id = 1000

    def add(self, magnet: str) -> MagnetJob | None:
        digest = info_hash(magnet) if magnet.lower().startswith("magnet:") else None
        if digest is None and len(magnet) == 40 and all(c in "0123456789abcdefABCDEF" for c in magnet):
            digest = magnet.lower()
        if digest is None:
            return None
        names = parse_qs(urlsplit(magnet).query).get("dn", []) if magnet.lower().startswith("magnet:") else []
        name = names[0] if names else "noname"
        stem = name.rsplit(".", 1)[0] if "." in name[-5:] else name
        if "single" in name.lower():
            paths = [(name if "." in name[-5:] else f"{name}.mkv", 180_000)]
        else:
            paths = [
                (f"{stem}/{stem}.E01.mkv", 120_000),
                (f"{stem}/{stem}.E02.mkv", 110_000),
                (f"{stem}/{stem}.nfo", 900),
            ]
        with self.lock:
            self._next_id += 1
            job = MagnetJob(
                self._next_id,
                magnet,
                digest,
                name,
                time.time(),
                digest[0] in "01234567",
                "addead" in name.lower(),
            )
            for path, size in paths:
                link = HOSTED + secrets.token_hex(6)
                job.files.append((path, size, link))
                self.hosted[link] = (path.rsplit("/", 1)[-1], size)
            self.jobs[job.id] = job
        return job

    def get(self, magnet_id: str) -> MagnetJob | None:
        return self.jobs.get(int(magnet_id)) if magnet_id.isdigit() and len(magnet_id) < 18 else None

    def delete(self, magnet_id: str) -> bool:
        with self.lock:
            job = self.get(magnet_id)
            if job is None:
                return False
            del self.jobs[job.id]
            return True

    def listed(self, status: str | None) -> list[dict[str, Any]]:
        now = time.time()
        with self.lock:
            described = [job.describe(now) for job in sorted(self.jobs.values(), key=lambda j: -j.added)]
        wanted = {"active": range(4), "ready": (4,), "error": range(5, 16)}.get(status or "")
        return [d for d in described if wanted is None or d["statusCode"] in wanted]
