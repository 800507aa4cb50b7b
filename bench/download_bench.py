"""Benchmark: downloads against the sandbox's file server (in its own process), as ratios.

Run:  .venv/bin/python bench/download_bench.py [--quick]

* single connection: our throughput on one loopback file against curl's on the same file,
  alternating runs, medians. Target: at least 0.9x curl.
* connections: a file server that limits each connection to 5 MB/s (as free hosters and
  debrid services do); 8 connections against 1. Target: at least 6x.
* memory: peak RSS of ``linkresolver download`` fetching a 2 GB file (sha1 verified), in a
  child process. Target: under 80 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.resolve_bench import sandbox_process, sandboxed_resolver
from resolver_core.download import download_file
from resolver_core.pipeline import Resolver
from resolver_core.sandbox.files import Behaviour


def direct_link(resolver: Resolver, file_id: str) -> tuple[str, int]:
    outcome = resolver.resolve_many([f"https://openload.co/f/{file_id}/x"])[0]
    assert outcome.link is not None and outcome.link.size is not None, outcome.error
    return outcome.link.url, outcome.link.size


def ours(resolver: Resolver, url: str, size: int, folder: Path, connections: int) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    started = time.perf_counter()
    download_file(resolver.session, url, folder, link=url, size=size, connections=connections)
    return time.perf_counter() - started


def curl(url: str, folder: Path) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    started = time.perf_counter()
    subprocess.run(["curl", "-sf", "-o", str(folder / "file"), url], check=True)
    return time.perf_counter() - started


def peak_memory_mb(env: dict[str, str], link: str, folder: Path, expected: int) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of the command line downloading ``link``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "linkresolver", "download", "-o", str(folder), "--connections", "4", link],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    got = sum(path.stat().st_size for path in folder.iterdir())
    if got != expected:  # another provider's file, not the one this measures
        raise RuntimeError(f"downloaded {got} bytes, not the {expected} meant (which provider took it?)")
    if peak <= before:
        raise RuntimeError("another child used more memory before; run the memory part alone")
    return peak / 1024, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller files, fewer runs")
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("curl is needed for the baseline (apt install curl)")
        return 2
    big, runs = ("size64m", 3) if args.quick else ("size512m", 5)
    slow_size = "size16m" if args.quick else "size30m"
    memory_file = f"{big}-memory" if args.quick else "size2g-memory"
    with (
        sandbox_process() as env,
        sandboxed_resolver(env) as resolver,
        tempfile.TemporaryDirectory(prefix="download-bench-") as work,
    ):
        root = Path(work)
        # openload.co links through Openload's own API and its file server (Premiumize, a
        # debrid service listing openload.co too, would otherwise go first with a small file).
        (root / "config.toml").write_text("[providers.openload]\npriority = 10\n", encoding="utf-8")
        child_env = {
            **os.environ,
            **env,
            "LINKRESOLVER_CONFIG": str(root / "config.toml"),
            "LINKRESOLVER_CACHE_DIR": str(root / "cache"),
        }
        memory_mb, memory_seconds = peak_memory_mb(
            child_env,
            f"https://openload.co/f/{memory_file}/x",
            root / "memory",
            Behaviour.of(memory_file).size or 0,
        )
        shutil.rmtree(root / "memory")
        url, size = direct_link(resolver, f"{big}-single")
        ours_times, curl_times = [], []
        for _ in range(runs):  # alternating: noise hits both alike
            ours_times.append(ours(resolver, url, size, root / "ours", 1))
            curl_times.append(curl(url, root / "curl"))
        slow_url, slow_size_bytes = direct_link(resolver, f"{slow_size}-slow5-connections")
        one = ours(resolver, slow_url, slow_size_bytes, root / "one", 1)
        eight = ours(resolver, slow_url, slow_size_bytes, root / "eight", 8)

    ours_rate = size / statistics.median(ours_times) / 1e6
    curl_rate = size / statistics.median(curl_times) / 1e6
    print(f"single connection, {size >> 20} MiB over loopback, medians of {runs}:")
    print(
        f"  linkresolver {ours_rate:,.0f} MB/s, curl {curl_rate:,.0f} MB/s, ratio {ours_rate / curl_rate:.2f}"
    )
    print(f"connections, {slow_size_bytes >> 20} MiB at 5 MB/s a connection:")
    print(f"  1 connection {one:.2f} s, 8 connections {eight:.2f} s, ratio {one / eight:.2f}")
    memory_size = f"{big[4:-1]} MiB" if args.quick else "2 GiB"
    print(
        f"memory: downloading {memory_size} (4 connections, sha1 verified) peaked at {memory_mb:.0f} MB"
        f" in {memory_seconds:.1f} s"
    )
    print()
    for ok, name, value, target in (
        (ours_rate / curl_rate >= 0.9, "single connection / curl", ours_rate / curl_rate, ">= 0.9"),
        (one / eight >= 6, "8 connections / 1", one / eight, ">= 6"),
        (memory_mb < 80, "peak memory (MB)", memory_mb, "< 80"),
    ):
        print(f"  {'met ' if ok else 'MISS'}  {name:<28} {value:>8.2f}   target {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
