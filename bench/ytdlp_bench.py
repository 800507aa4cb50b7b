"""Benchmark: what the yt-dlp plugin costs a URL that is not a file host's.

Run:  .venv/bin/python bench/ytdlp_bench.py [--quick]

``yt-dlp --simulate`` on a non-hoster URL (on a closed loopback port: no network), with the
plugin and without it (``YTDLP_NO_PLUGINS=1``), alternating runs, medians. The
configuration is a user's: Premiumize enabled, its cached hoster list the 548 real-world
patterns of ../shared/data (as a big debrid list would be), and Openload's static patterns.
Target: the plugin adds under 30 ms. Also measured, with no target: the first run after the
inputs changed (the plugin rebuilds its decision data), and a Vimeo URL that the hoster
list names but yt-dlp's own extractor takes (hostermatch loaded, yt-dlp's extractors asked).
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

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real_hoster_patterns.json"
YTDLP = str(Path(sys.executable).with_name("yt-dlp"))
DEAD = "http://127.0.0.1:9"
URL = f"{DEAD}/some/video.mp4"
VIMEO = "https://vimeo.com/76979871"


def write_user_setup(home: Path) -> tuple[dict[str, str], int]:
    """A configuration, and Premiumize's cached hoster list made of the real-world patterns
    (pm-api's ``hosterlist`` shape); the environment, and how many patterns."""
    hosters: dict[str, dict[str, list[str]]] = {}
    for entry in json.loads(DATA.read_text(encoding="utf-8")):
        hoster = hosters.setdefault(entry["name"], {"tlds": [], "regexes": []})
        hoster["regexes"].append(entry["pattern"])
        hoster["tlds"] += entry.get("domains", [])
    cache = home / "cache"
    cache.mkdir()
    (cache / "hosterlist-premiumize.json").write_text(json.dumps({"hosters": hosters}), encoding="utf-8")
    config = home / "config.toml"
    config.write_text(f'[providers.openload]\nenabled = true\napi_base = "{DEAD}/ol/1"\n', encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LINKRESOLVER_") and k != "PYTHONPATH"},
        "HOME": str(home),
        "LINKRESOLVER_CONFIG": str(config),
        "LINKRESOLVER_CACHE_DIR": str(cache),
        "LINKRESOLVER_PREMIUMIZE_LOGIN": "bench",
        "LINKRESOLVER_PREMIUMIZE_KEY": "bench-pin",
        "LINKRESOLVER_PREMIUMIZE_API_BASE": f"{DEAD}/pm-api/v1.php",
    }
    return env, sum(len(h["regexes"]) for h in hosters.values())


def run(env: dict[str, str], url: str = URL) -> float:
    started = time.perf_counter()
    subprocess.run(
        [YTDLP, "--no-config", "--simulate", "--quiet", "--no-warnings", "--proxy", DEAD, url],
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
    with tempfile.TemporaryDirectory() as home:
        env, patterns = write_user_setup(Path(home))
        without_plugins = {**env, "YTDLP_NO_PLUGINS": "1"}
        config = Path(env["LINKRESOLVER_CONFIG"])
        run(env)  # builds the decision data, and warms the file system cache
        with_times, without_times, rebuild_times, vimeo_times, vimeo_without = [], [], [], [], []
        for _ in range(runs):
            with_times.append(run(env))
            without_times.append(run(without_plugins))
            os.utime(config)  # the configuration changed: the next run rebuilds
            rebuild_times.append(run(env))
            vimeo_times.append(run(env, VIMEO))
            vimeo_without.append(run(without_plugins, VIMEO))
    without, with_plugin = statistics.median(without_times), statistics.median(with_times)
    added = (with_plugin - without) * 1000
    rebuild = (statistics.median(rebuild_times) - without) * 1000
    vimeo = (statistics.median(vimeo_times) - statistics.median(vimeo_without)) * 1000
    print(f"yt-dlp --simulate {URL} (not a file host's), medians of {runs}, {patterns} hoster patterns:")
    print(f"  without plugins {without * 1000:.0f} ms, with linkresolver's {with_plugin * 1000:.0f} ms")
    print()
    rows = [
        ("met " if added < 30 else "MISS", "added by the plugin (ms)", added, "target < 30"),
        ("", "added on a run that rebuilds (ms)", rebuild, "once per change of the inputs"),
        ("", f"added on {VIMEO} (ms)", vimeo, "a listed domain, yt-dlp's own"),
    ]
    for verdict, what, figure, note in rows:
        print(f"  {verdict:<4}  {what:<34} {figure:>8.1f}   {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
