"""Benchmark: what the yt-dlp plugin costs a URL that is not a file host's.

Run:  .venv/bin/python bench/ytdlp_bench.py [--quick]

``yt-dlp --simulate`` on a non-hoster URL (on a closed loopback port: no network), with the
plugin and without it (``YTDLP_NO_PLUGINS=1``): the CPU time (user + system) of each run,
and the median of the differences within pairs of runs made one after the other, in turns
either way round. On a shared machine, wall-clock differences of a few milliseconds drown
in other processes' load (two runs of plain yt-dlp differ by ±30 ms); CPU time does not.
The configuration is a user's: Premiumize enabled, its cached hoster list the 548
real-world patterns of ../shared/data (as a big debrid list would be), and Openload's
static patterns. Target: the plugin adds under 30 ms. Also measured: the plugin's own wall
time inside yt-dlp (loading it, its first decision), and, with no target, the first run
after the inputs changed (the plugin rebuilds its decision data) and a Vimeo URL that the
hoster list names but yt-dlp's own extractor takes (hostermatch loaded, yt-dlp's
extractors asked).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
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
    # Byte code written and read, as for an installed package (pip compiles at install):
    # without it every run would compile the plugin's modules from source.
    dropped = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LINKRESOLVER_") and k not in dropped},
        "HOME": str(home),
        "LINKRESOLVER_CONFIG": str(config),
        "LINKRESOLVER_CACHE_DIR": str(cache),
        "LINKRESOLVER_PREMIUMIZE_LOGIN": "bench",
        "LINKRESOLVER_PREMIUMIZE_KEY": "bench-pin",
        "LINKRESOLVER_PREMIUMIZE_API_BASE": f"{DEAD}/pm-api/v1.php",
    }
    return env, sum(len(h["regexes"]) for h in hosters.values())


def run(env: dict[str, str], url: str = URL) -> float:
    """The CPU time (user + system) of one yt-dlp run, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [YTDLP, "--no-config", "--simulate", "--quiet", "--no-warnings", "--proxy", DEAD, url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def pair(first: Callable[[], float], second: Callable[[], float], flip: bool) -> float:
    """``first() - second()``, run in the order ``flip`` says (half the pairs each way)."""
    if flip:
        later = second()
        return first() - later
    earlier = first()
    return earlier - second()


def plugin_own_time(env: dict[str, str]) -> float:
    """Milliseconds (wall clock) yt-dlp spends on the plugin in a fresh process, median of
    9: loading it and its first decision."""
    probe = (
        "import time, yt_dlp\n"
        "from yt_dlp.plugins import load_all_plugins\n"
        "started = time.perf_counter(); load_all_plugins()\n"
        "from yt_dlp_plugins.extractor.linkresolver import LinkResolverIE\n"
        f"assert not LinkResolverIE.suitable({URL!r})\n"
        "print(time.perf_counter() - started)\n"
    )
    command = [sys.executable, "-c", probe]
    times = [
        float(subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout)
        for _ in range(9)
    ]
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 8 if args.quick else 24
    with tempfile.TemporaryDirectory() as home:
        env, patterns = write_user_setup(Path(home))
        without_plugins = {**env, "YTDLP_NO_PLUGINS": "1"}
        config = Path(env["LINKRESOLVER_CONFIG"])

        def rebuilding() -> float:
            os.utime(config)  # the configuration changed: this run rebuilds the data
            return run(env)

        run(env)  # builds the decision data, writes the byte code, warms the file system cache
        own = plugin_own_time(env)
        plain: list[float] = []
        added: list[float] = []
        rebuild: list[float] = []
        vimeo: list[float] = []
        for turn in range(runs):
            flip = turn % 2 == 1
            plain.append(run(without_plugins))
            added.append(pair(lambda: run(env), lambda: run(without_plugins), flip))
            rebuild.append(pair(rebuilding, lambda: run(without_plugins), flip))
            vimeo.append(pair(lambda: run(env, VIMEO), lambda: run(without_plugins, VIMEO), flip))
    figure = {
        name: statistics.median(values) * 1000
        for name, values in (("added", added), ("rebuild", rebuild), ("vimeo", vimeo))
    }
    print(f"yt-dlp --simulate {URL} (not a file host's), {patterns} hoster patterns;")
    print(f"CPU time, medians of {runs} pairs of runs; plain yt-dlp {statistics.median(plain) * 1000:.0f} ms")
    print()
    rows = [
        (
            "met " if figure["added"] < 30 else "MISS",
            "added by the plugin (ms)",
            figure["added"],
            "target < 30",
        ),
        ("met " if own < 30 else "MISS", "the plugin's own wall time (ms)", own, "target < 30"),
        ("", "added on a run that rebuilds (ms)", figure["rebuild"], "once per change of the inputs"),
        ("", "added on a Vimeo link (ms)", figure["vimeo"], "a listed domain; yt-dlp's own extractor"),
    ]
    for verdict, what, value, note in rows:
        print(f"  {verdict:<4}  {what:<34} {value:>8.1f}   {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
