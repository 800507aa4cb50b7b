"""Benchmark: resolving and checking links against the sandbox, and the start-up time.

Run:  .venv/bin/python bench/resolve_bench.py [--quick]

Timings are ratios against baselines measured in the same run:

* resolve: 1,000 distinct links through the Premiumize emulation with 20 ms added to every
  API call; the ideal wall time is links x latency / the provider's concurrency.
  Target: measured within 1.15x of the ideal (the client's CPU per call is what is over it).
* check: 1,000 Openload links checked; file/info takes 50 ids a call.
  Target: 20 requests.
* ticket flow: 200 Openload links whose download tickets ask for a 5-second wait, against
  200 links with no wait measured in the same run; the ideal is the wait plus the time to
  issue every ticket (half the no-wait time: every wait overlapping, file/dl calls too).
  Target: within 1.3x of the ideal.
* start-up: ``linkresolver --help`` against ``python -c "import requests"``, medians of
  alternating runs. Target: <= 1.5x.
* ``--realdebrid`` (alone, four minutes): 1,000 links through the Real-Debrid emulation,
  which refuses a token's 251st request within a minute (code 34, HTTP 429), at the
  provider's default pace. The minimum is the limit's: 1,000 requests at 250 a minute.
  Target: within 1.1x of it, and not one request refused.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkresolver.plugins.premiumize.provider import PremiumizeProvider
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver
from resolver_core.sandbox.resolver import sandbox_resolver

LATENCY = 0.02
REALDEBRID_PER_MINUTE = 250
TICKET_WAIT = 5


@contextlib.contextmanager
def sandbox_process() -> Iterator[dict[str, str]]:
    """``linkresolver sandbox`` in its own process, as a provider's server runs on its own
    machine (the client's overhead is what is measured, not the emulation's); its env."""
    with subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "sandbox", "--latency", str(LATENCY)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            yield _exports(server)
        finally:
            server.terminate()


@contextlib.contextmanager
def sandboxed_resolver(env: dict[str, str] | None = None) -> Iterator[Resolver]:
    """A resolver with every provider pointed at a sandbox (a new one unless ``env`` is given)."""
    with contextlib.ExitStack() as stack:
        if env is None:
            env = stack.enter_context(sandbox_process())
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        # The pipeline's own cost is measured: the providers' token buckets (10 calls a
        # second by default) are lifted, as `requests_per_second = 0` lets a user do.
        # openload.co links go through Openload's own API, as the benchmarks of its ticket
        # waits and of downloads from its file server mean them: Premiumize, a debrid service
        # that lists openload.co too, would otherwise go first (a premium route before a ticket).
        unlimited = (
            "[providers.premiumize]\nrequests_per_second = 0\n"
            "[providers.openload]\nrequests_per_second = 0\npriority = 10\n"
        )
        pm = make_plugin_manager(load_entry_points=False)
        resolver = sandbox_resolver(env, work, pm=pm, config_text=unlimited)
        resolver.index()
        yield resolver


def resolve_ratio(resolver: Resolver, links: int) -> tuple[float, float, int]:
    """(measured seconds, ideal seconds, failed links) for debrid links."""
    resolver.resolve_many([f"https://rapidgator.net/file/warm{i}" for i in range(16)])
    urls = [f"https://rapidgator.net/file/{i:08x}/part{i}.rar.html" for i in range(links)]
    started = time.perf_counter()
    outcomes = resolver.resolve_many(urls)
    measured = time.perf_counter() - started
    ideal = links * LATENCY / PremiumizeProvider.max_concurrency
    return measured, ideal, sum(1 for outcome in outcomes if outcome.status != "ok")


def realdebrid_limit(links: int) -> tuple[float, float, int, int]:
    """(measured seconds, the limit's minimum, requests refused with 429, failed links) for
    ``links`` Real-Debrid links at its default pace (no bucket lifted)."""
    refused: list[str] = []

    def count(response: requests.Response, *args: object, **kwargs: object) -> None:
        if response.status_code == 429:
            refused.append(response.url)

    with contextlib.ExitStack() as stack:
        env = stack.enter_context(sandbox_process())
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        pm = make_plugin_manager(load_entry_points=False)
        resolver = sandbox_resolver(env, work, pm=pm, provider_names=["realdebrid"])
        resolver.session.hooks["response"].append(count)
        urls = [f"https://katfile.com/{i:012x}/part{i}.rar" for i in range(links)]
        started = time.perf_counter()
        resolver.index()  # the hoster list's calls count against the limit too
        outcomes = resolver.resolve_many(urls)
        measured = time.perf_counter() - started
    minimum = links / REALDEBRID_PER_MINUTE * 60
    return measured, minimum, len(refused), sum(1 for outcome in outcomes if outcome.status != "ok")


def check_requests(resolver: Resolver, links: int) -> tuple[int, float, int]:
    """(file/info requests, seconds, links not online) for ``links`` Openload links."""
    calls: list[str] = []

    def count(response: requests.Response, *args: object, **kwargs: object) -> None:
        if "/file/info" in response.url:
            calls.append(response.url)

    resolver.session.hooks["response"].append(count)
    urls = [f"https://openload.co/f/check{i:05d}/file{i}.bin" for i in range(links)]
    started = time.perf_counter()
    outcomes = resolver.check_many(urls)
    seconds = time.perf_counter() - started
    resolver.session.hooks["response"].remove(count)
    return len(calls), seconds, sum(1 for outcome in outcomes if outcome.status != "online")


def ticket_ratio(resolver: Resolver, links: int, wait: int) -> tuple[float, float, float, int]:
    """(no-wait seconds, with-wait seconds, ideal seconds, failed links)."""
    resolver.resolve_many([f"https://openload.co/f/warm{i}/x" for i in range(8)])
    started = time.perf_counter()
    plain = resolver.resolve_many([f"https://openload.co/f/plain{i:04d}/x" for i in range(links)])
    no_wait = time.perf_counter() - started
    started = time.perf_counter()
    waited = resolver.resolve_many([f"https://openload.co/f/wait{wait}n{i:04d}/x" for i in range(links)])
    with_wait = time.perf_counter() - started
    failed = sum(1 for outcome in [*plain, *waited] if outcome.status != "ok")
    # Half the no-wait time is the tickets, which must all be issued before the last wait
    # starts; the other half (file/dl) can overlap the waits of the links after it.
    return no_wait, with_wait, wait + no_wait / 2, failed


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
        [sys.executable, "-X", "importtime", "-m", "linkresolver", "--help"],
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
    parser.add_argument(
        "--realdebrid", action="store_true", help="only Real-Debrid's 250 requests a minute (four minutes)"
    )
    args = parser.parse_args()
    if args.realdebrid:
        return realdebrid_main(200 if args.quick else 1_000)
    links = 200 if args.quick else 1_000
    runs = 5 if args.quick else 15

    ticket_links = 40 if args.quick else 200
    with sandboxed_resolver() as resolver:
        measured, ideal, failed = resolve_ratio(resolver, links)
        check_calls, check_seconds, not_online = check_requests(resolver, 1_000)
        no_wait, with_wait, ticket_ideal, ticket_failed = ticket_ratio(resolver, ticket_links, TICKET_WAIT)
    concurrency = PremiumizeProvider.max_concurrency
    print(f"resolve: {links:,} links, {LATENCY * 1000:.0f} ms per API call, {concurrency} at a time")
    print(f"  ideal {ideal:.2f} s, measured {measured:.2f} s, ratio {measured / ideal:.2f}, failed {failed}")
    print(f"check: 1,000 Openload links in {check_calls} file/info requests, {check_seconds:.2f} s")
    per_call = f"{LATENCY * 1000:.0f} ms per call"
    print(f"ticket flow: {ticket_links} Openload links, {TICKET_WAIT} s wait each, {per_call}")
    print(
        f"  no wait {no_wait:.2f} s, with the wait {with_wait:.2f} s, ideal {ticket_ideal:.2f} s,"
        f" ratio {with_wait / ticket_ideal:.2f}, failed {ticket_failed}"
    )
    failed += not_online + ticket_failed

    help_seconds, requests_seconds = median_seconds(
        [[sys.executable, "-m", "linkresolver", "--help"], [sys.executable, "-c", "import requests"]], runs
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
        (measured / ideal <= 1.15, "resolve wall time / ideal", measured / ideal, "<= 1.15"),
        (check_calls <= 20, "file/info requests", float(check_calls), "<= 20"),
        (with_wait / ticket_ideal <= 1.3, "ticket flow / ideal", with_wait / ticket_ideal, "<= 1.3"),
        (startup <= 1.5, "--help / import requests", startup, "<= 1.5"),
        (failed == 0, "links that failed", float(failed), "0"),
    ):
        print(f"  {'met ' if ok else 'MISS'}  {name:<28} {value:>8.2f}   target {target}")
    return 1 if failed else 0


def realdebrid_main(links: int) -> int:
    measured, minimum, refused, failed = realdebrid_limit(links)
    print(
        f"Real-Debrid: {links:,} links at {REALDEBRID_PER_MINUTE} requests a minute,"
        f" {LATENCY * 1000:.0f} ms a call"
    )
    print(f"  minimum {minimum:.1f} s, measured {measured:.1f} s, ratio {measured / minimum:.3f}")
    print(f"  refused with 429: {refused}, failed links: {failed}")
    print()
    for ok, name, value, target in (
        (measured / minimum <= 1.1, "wall time / the limit's minimum", measured / minimum, "<= 1.1"),
        (refused == 0, "requests refused (429)", float(refused), "0"),
        (failed == 0, "links that failed", float(failed), "0"),
    ):
        print(f"  {'met ' if ok else 'MISS'}  {name:<32} {value:>8.3f}   target {target}")
    return 1 if failed or refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
