"""Benchmark: ``linkresolver download`` against ``aria2c`` on the same throttled file, and
the rate limit held over a long download.

Run:  .venv/bin/python bench/aria2_bench.py [--quick] [--connections C] [--rounds N]

* throughput: the sandbox's file server (its own process) serves a file at ``slowN`` (N MB/s
  per connection, as free hosters and debrid services limit them); ``linkresolver download
  --connections C`` and ``aria2c -x C -s C`` fetch it in alternating rounds, each as a
  command line from start to end (linkresolver's time includes resolving the link: aria2c
  is given the direct link that resolving gives). Target: linkresolver at least 0.95x
  aria2c's throughput (medians).
* limit: ``linkresolver download --limit-rate RATE`` of a file that takes 30 seconds at that
  rate (over more connections than the limit needs: the limit, not the server, holds it);
  the transfer's average rate, from the first byte to the last as the part file grows, against the limit.
  Target: within 5%.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.resolve_bench import sandbox_process, sandboxed_resolver
from resolver_core.download.bandwidth import parse_rate, rate_words
from resolver_core.pipeline import Resolver
from resolver_core.sandbox.files import Behaviour


def direct_link(resolver: Resolver, link: str) -> tuple[str, str | None]:
    """The direct link of ``link``, and the sha1 the provider gives."""
    outcome = resolver.resolve_many([link])[0]
    assert outcome.link is not None, outcome.error
    return outcome.link.url, outcome.link.sha1


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def checked(folder: Path, size: int) -> None:
    files = [path for path in folder.iterdir() if path.is_file()]
    got = sum(path.stat().st_size for path in files)
    if len(files) != 1 or got != size:
        raise RuntimeError(f"{folder}: {[p.name for p in files]} hold {got} bytes, not one file of {size}")


@dataclass(frozen=True, slots=True)
class Run:
    """Seconds of one command: from its start, and from its first byte on disk, to its end;
    and from its first byte to its last (every block of the file on disk)."""

    wall: float
    transfer: float
    bytes_only: float


#: Files beside the download that are not its bytes (our state and lock, aria2c's control file).
_BESIDE = (".state", ".lock", ".aria2")


def timed(command: list[str], folder: Path, size: int, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` into an empty ``folder``; its :class:`Run`. Bytes are seen as blocks
    in use in a file of the folder (both write at offsets into a sparse file)."""
    fresh(folder)
    first: list[float] = []
    last: list[float] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() and not last:
            for path in folder.iterdir():
                with contextlib.suppress(OSError):
                    blocks = path.stat().st_blocks if not path.name.endswith(_BESIDE) else 0
                    if blocks > 0 and not first:
                        first.append(time.perf_counter())
                    if blocks * 512 >= size:
                        last.append(time.perf_counter())
                        break
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    started = time.perf_counter()
    watcher.start()
    try:
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        ended = time.perf_counter()
        done.set()
        watcher.join()
    if not first:
        raise RuntimeError(f"{command[0]}: no byte was seen arriving")
    return Run(ended - started, ended - first[0], (last or [ended])[0] - first[0])


def ours(env: dict[str, str], link: str, size: int, folder: Path, connections: int, *extra: str) -> Run:
    """``linkresolver download --connections C`` (resolving, downloading, verifying the sha1)."""
    command = [sys.executable, "-m", "linkresolver", "download", "-o", str(folder)]
    return timed([*command, "--connections", str(connections), *extra, link], folder, size, env)


def aria2(url: str, sha1: str | None, size: int, folder: Path, connections: int) -> Run:
    """``aria2c -x C -s C`` on the direct link, checking the same sha1 as linkresolver does."""
    checksum = [f"--checksum=sha-1={sha1}"] if sha1 else []
    command = [
        "aria2c",
        f"--max-connection-per-server={connections}",
        f"--split={connections}",
        "--min-split-size=1M",
        "--file-allocation=none",
        "--allow-overwrite=true",
        "--auto-file-renaming=false",
        "--console-log-level=warn",
        "--summary-interval=0",
        "--download-result=hide",
        *checksum,
        "-d",
        str(folder),
        "-o",
        "file",
        url,
    ]
    return timed(command, folder, size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smaller file, fewer rounds, a shorter limit run"
    )
    parser.add_argument(
        "--connections", type=int, default=4, metavar="C", help="connections of both (default: 4)"
    )
    parser.add_argument(
        "--per-connection", type=int, default=5, metavar="MB", help="the server's MB/s a connection"
    )
    parser.add_argument(
        "--rounds", type=int, default=None, metavar="N", help="alternating rounds (default: 5)"
    )
    parser.add_argument("--limit", default="2M", metavar="RATE", help="the limit measured (default: 2M)")
    parser.add_argument(
        "--limit-seconds", type=float, default=None, help="its download's length (default: 30)"
    )
    parser.add_argument(
        "--aria2-unverified",
        action="store_true",
        help="aria2c without --checksum (linkresolver still checks the sha1 it is given)",
    )
    args = parser.parse_args()
    if shutil.which("aria2c") is None:
        print("aria2c is needed for the comparison (apt install aria2)")
        return 2
    rounds = args.rounds or (2 if args.quick else 5)
    size_mb = 60 if args.quick else 200
    limit_rate = parse_rate(args.limit) or 0.0
    limit_seconds = args.limit_seconds or (8.0 if args.quick else 30.0)
    limit_size_mb = max(1, round(limit_rate * limit_seconds / (1 << 20)))
    name = f"size{size_mb}m-slow{args.per_connection}-aria"
    limited = f"size{limit_size_mb}m-limited"  # no server limit: the client's limit alone
    limited_size = Behaviour.of(limited).size or 0
    size = Behaviour.of(name).size or 0
    with (
        sandbox_process() as env,
        sandboxed_resolver(env) as resolver,
        tempfile.TemporaryDirectory(prefix="aria2-bench-") as work,
    ):
        root = Path(work)
        # openload.co links through Openload's own API and its file server (as download_bench).
        (root / "config.toml").write_text("[providers.openload]\npriority = 10\n", encoding="utf-8")
        child_env = {
            **os.environ,
            **env,
            "LINKRESOLVER_CONFIG": str(root / "config.toml"),
            "LINKRESOLVER_CACHE_DIR": str(root / "cache"),
        }
        link = f"https://openload.co/f/{name}/file.bin"
        url, sha1 = direct_link(resolver, link)
        ours_runs, aria2_runs = [], []
        for _ in range(rounds):  # alternating: noise hits both alike
            ours_runs.append(ours(child_env, link, size, root / "ours", args.connections))
            checked(root / "ours", size)
            aria2_runs.append(
                aria2(url, None if args.aria2_unverified else sha1, size, root / "aria2", args.connections)
            )
            checked(root / "aria2", size)
        limited_run = ours(
            child_env,
            f"https://openload.co/f/{limited}/file.bin",
            limited_size,
            root / "limited",
            args.connections,
            "--limit-rate",
            args.limit,
        )
        checked(root / "limited", limited_size)
    measured = limited_size / limited_run.bytes_only
    error = measured / limit_rate - 1
    print(
        f"{size_mb} MiB at {args.per_connection} MB/s a connection, {args.connections} connections each,"
        f" sha1 checked by {'linkresolver only' if args.aria2_unverified else 'both'},"
        f" medians of {rounds} alternating rounds:"
    )
    ratios = {}
    for what in ("transfer", "wall"):
        ours_rate = size / statistics.median(getattr(run, what) for run in ours_runs) / 1e6
        aria2_rate = size / statistics.median(getattr(run, what) for run in aria2_runs) / 1e6
        ratios[what] = ours_rate / aria2_rate
        print(
            f"  {TIMES[what]}: linkresolver {ours_rate:.2f} MB/s, aria2c {aria2_rate:.2f} MB/s,"
            f" ratio {ratios[what]:.3f}"
        )
    for name_, runs in (("linkresolver", ours_runs), ("aria2c", aria2_runs)):
        rows = ", ".join(f"{run.transfer:.2f}/{run.wall:.2f}" for run in runs)
        print(f"    {name_} seconds (transfer/whole): {rows}")
    print(
        f"limit {args.limit} ({rate_words(limit_rate)}): {limited_size >> 20} MiB in"
        f" {limited_run.bytes_only:.2f} s from the first byte to the last: {rate_words(measured)},"
        f" {error:+.2%} off"
    )
    print()
    for ok, what, value, target in (
        (ratios["transfer"] >= 0.95, "linkresolver / aria2c", f"{ratios['transfer']:.3f}", ">= 0.95"),
        (abs(error) <= 0.05, "limit held (off by)", f"{error:+.2%}", "within 5%"),
    ):
        print(f"  {'met ' if ok else 'MISS'}  {what:<24} {value:>8}   target {target}")
    return 0


#: What each measure times.
TIMES = {
    "transfer": "from the first byte on disk to the verified file",
    "wall": "the whole command (linkresolver's start-up and resolving too)",
}


if __name__ == "__main__":
    raise SystemExit(main())
