"""Benchmark: resolving 1,000 links against the sandbox, and the command's start-up time.

Run:  .venv/bin/python bench/resolve_bench.py [--quick]

Both are ratios against baselines measured in the same run:

* resolve: 1,000 distinct links through the Premiumize emulation with 20 ms added to every
  API call; the ideal wall time is links x latency / the provider's concurrency.
  Target: measured within 1.3x of the ideal.
* start-up: ``linkresolver --help`` against ``python -c "import requests"``, medians of
  alternating runs. Target: <= 1.5x.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.premiumize.provider import PremiumizeProvider
from resolver_core.config import load_config
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver

LATENCY = 0.02


def resolve_ratio(links: int) -> tuple[float, float, int]:
    """(measured seconds, ideal seconds, failed links).

    The sandbox runs in its own process (``linkresolver sandbox``), as a provider's server
    runs on its own machine: the client's overhead is what is measured, not the emulation's.
    """
    with (
        subprocess.Popen(
            [sys.executable, "-m", "resolver_core", "sandbox", "--latency", str(LATENCY)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as server,
        tempfile.TemporaryDirectory() as work,
    ):
        try:
            env = _exports(server)
            config_path = Path(work) / "config.toml"
            config_path.write_text("", encoding="utf-8")
            pm = make_plugin_manager(load_entry_points=False)
            resolver = Resolver(load_config(config_path, env=env), pm=pm, cache_dir=Path(work) / "cache")
            resolver.index()
            resolver.resolve_many([f"https://rapidgator.net/file/warm{i}" for i in range(16)])
            urls = [f"https://rapidgator.net/file/{i:08x}/part{i}.rar.html" for i in range(links)]
            started = time.perf_counter()
            outcomes = resolver.resolve_many(urls)
            measured = time.perf_counter() - started
        finally:
            server.terminate()
    ideal = links * LATENCY / PremiumizeProvider.max_concurrency
    return measured, ideal, sum(1 for outcome in outcomes if outcome.status != "ok")


def _exports(server: subprocess.Popen[str]) -> dict[str, str]:
    assert server.stdout is not None
    env: dict[str, str] = {}
    for line in server.stdout:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            env[name] = value
        if line.startswith("# Ctrl-C"):
            return env
    raise RuntimeError("the sandbox did not start")


def median_seconds(commands: list[list[str]], runs: int) -> list[float]:
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for position, command in enumerate(commands):  # alternating: noise hits both alike
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[position].append(time.perf_counter() - started)
    return [statistics.median(series) for series in times]


def slowest_imports(count: int = 10) -> list[tuple[int, str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "resolver_core", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    entries = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            entries.append((int(parts[1]), parts[2].rstrip()))
    return sorted(entries, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer links and runs (a smoke run)")
    args = parser.parse_args()
    links = 200 if args.quick else 1_000
    runs = 5 if args.quick else 15

    measured, ideal, failed = resolve_ratio(links)
    concurrency = PremiumizeProvider.max_concurrency
    print(f"resolve: {links:,} links, {LATENCY * 1000:.0f} ms per API call, {concurrency} at a time")
    print(f"  ideal {ideal:.2f} s, measured {measured:.2f} s, ratio {measured / ideal:.2f}, failed {failed}")

    help_seconds, requests_seconds = median_seconds(
        [[sys.executable, "-m", "resolver_core", "--help"], [sys.executable, "-c", "import requests"]], runs
    )
    startup = help_seconds / requests_seconds
    print(
        f"start-up: --help {help_seconds * 1000:.0f} ms, import requests {requests_seconds * 1000:.0f} ms "
        f"(medians of {runs})"
    )
    print("  slowest imports of --help (cumulative us):")
    for micros, name in slowest_imports():
        print(f"    {micros:>8,}  {name}")

    print()
    for ok, name, value, target in (
        (measured / ideal <= 1.3, "resolve wall time / ideal", measured / ideal, "<= 1.3"),
        (startup <= 1.5, "--help / import requests", startup, "<= 1.5"),
        (failed == 0, "links that failed", float(failed), "0"),
    ):
        print(f"  {'met ' if ok else 'MISS'}  {name:<28} {value:>8.2f}   target {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
