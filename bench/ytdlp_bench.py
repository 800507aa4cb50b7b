"""Benchmark: what the yt-dlp plugin costs a URL that is not a file host's.

Run:  .venv/bin/python bench/ytdlp_bench.py [--quick]

``yt-dlp --simulate`` on a non-hoster URL (on a closed loopback port: no network), with the
plugin and without it (``YTDLP_NO_PLUGINS=1``), alternating runs, medians. The plugin's
hoster list is the 548 real-world patterns of ../shared/data, as a big debrid list would
be. Target: the plugin adds under 30 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hostermatch import HosterIndex

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real_hoster_patterns.json"
YTDLP = str(Path(sys.executable).with_name("yt-dlp"))
URL = "http://127.0.0.1:9/some/video.mp4"


def write_matcher(directory: Path) -> int:
    """matcher.json as linkresolver writes it, from the real-world patterns; how many."""
    index = HosterIndex()
    for entry in json.loads(DATA.read_text(encoding="utf-8")):
        index.add(entry["name"], [entry["pattern"]], owner=entry["source"], domains=entry.get("domains"))
    hosters = [
        {"owner": h.owner, "hoster": h.hoster, "patterns": list(h.patterns), "domains": list(h.domains)}
        for h in index.hosters()
    ]
    (directory / "matcher.json").write_text(json.dumps({"version": 1, "hosters": hosters}), encoding="utf-8")
    return sum(len(h["patterns"]) for h in hosters)


def run(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [YTDLP, "--no-config", "--simulate", "--quiet", "--no-warnings", URL],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 5 if args.quick else 15
    with tempfile.TemporaryDirectory() as cache:
        patterns = write_matcher(Path(cache))
        base = {**os.environ, "LINKRESOLVER_CACHE_DIR": cache, "HOME": cache}
        without_plugins = {**base, "YTDLP_NO_PLUGINS": "1"}
        run(base)  # warm the file system cache
        with_times, without_times = [], []
        for _ in range(runs):
            with_times.append(run(base))
            without_times.append(run(without_plugins))
    with_plugin, without = statistics.median(with_times), statistics.median(without_times)
    added = (with_plugin - without) * 1000
    print(f"yt-dlp --simulate {URL} (not a file host's), medians of {runs}, {patterns} hoster patterns:")
    print(f"  without plugins {without * 1000:.0f} ms, with linkresolver's {with_plugin * 1000:.0f} ms")
    print()
    print(
        f"  {'met ' if added < 30 else 'MISS'}  {'added by the plugin (ms)':<28} {added:>8.1f}   target < 30"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
