"""Debrid-Link's seedbox, emulated for the sandbox: a torrent added from a magnet downloads
over about two seconds, unless Debrid-Link has it cached (then every file is ready at once).

What a magnet does is written in it: an info hash that starts with a digit 0-7 is cached;
a name (``dn``) with ``dldead`` cannot be added (``notAddTorrent``, a torrent nobody
seeds); one with ``single`` holds one file, the others a season of two episodes and an .nfo.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from linkresolver.api import Sandbox, SandboxFile, info_hash

#: Seconds a torrent that is not cached takes to download.
DOWNLOADING_FOR: Final = 1.6


@dataclass
class SeedJob:
    id: str
    hash: str
    name: str
    added: float
    cached: bool
    files: list[SandboxFile] = field(default_factory=list)

    def percent(self, now: float) -> float:
        if self.cached:
            return 100.0
        return min(100.0, round(100.0 * (now - self.added) / DOWNLOADING_FOR, 1))


class Seedbox:
    """The torrents of one sandbox's account."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[str, SeedJob] = {}

    def add(self, magnet: str, sandbox: Sandbox) -> SeedJob | str:
        """The new torrent, or the error code adding it earns."""
        digest = info_hash(magnet) if magnet.lower().startswith("magnet:") else None
        if digest is None:
            return "badArguments" if not magnet else "notAddTorrent"
        name = (parse_qs(urlsplit(magnet).query).get("dn") or ["torrent"])[0]
        if "dldead" in name.lower():
            return "notAddTorrent"
        job = SeedJob(
            secrets.token_hex(4) + "-" + digest[:6], digest, name, time.monotonic(), digest[0] in "01234567"
        )
        season = [(f"{name}/Episode.01.mkv", 180_000), (f"{name}/Episode.02.mkv", 170_000)]
        paths = (
            [(f"{name}.flac", 120_000)]
            if "single" in name.lower()
            else [*season, (f"{name}/{name}.nfo", 2_000)]
        )
        job.files = [
            sandbox.add_file(path.rsplit("/", 1)[-1], size, seed=f"dl-seed/{digest}/{path}")
            for path, size in paths
        ]
        with self.lock:
            self.jobs[job.id] = job
        return job

    def remove(self, ids: list[str]) -> list[str]:
        with self.lock:
            return [i for i in ids if self.jobs.pop(i, None) is not None]

    def describe(self, job: SeedJob, base: str) -> dict[str, Any]:
        """The torrent as seedbox/list answers it (a file's link once it is downloaded)."""
        percent = job.percent(time.monotonic())
        done = percent >= 100
        return {
            "id": job.id,
            "name": job.name,
            "hashString": job.hash,
            "status": 100 if done else 4,
            "downloadPercent": percent,
            "downloadSpeed": 0 if done else 5_000_000,
            "totalSize": sum(f.size for f in job.files),
            "created": int(time.time()),
            "files": [
                {
                    "id": f"{job.id}-{n}",
                    "name": f.name,
                    "size": f.size,
                    "downloadPercent": percent,
                    "downloadUrl": base + f.path if done else "",
                }
                for n, f in enumerate(job.files)
            ],
        }
