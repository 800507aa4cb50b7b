"""Processes that share one state store share the providers' rests and budgets, seen from
the service's side: the sandbox's request log says when each process last called.

Each test runs twice (:class:`SharedState`): with SQLite, the default (``state.sqlite3`` in
the one state directory of processes on one machine), and with a real Redis server, each
process then a machine of its own (its own config, cache and state folders).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from linkresolver.plugins.premiumize.sandbox import API_PATH as PM_PATH
from linkresolver.plugins.realdebrid.sandbox import REQUESTS_PER_MINUTE, RealDebridEmulation
from resolver_core.sandbox import Sandbox
from resolver_core.sandbox.server import ApiCall
from resolver_core.state import Rest, SqliteStateStore, StateStore
from resolver_core.state.redis import RedisStateStore

from .conftest import CLI

#: The answer that rests the whole of Premiumize (an outage: 3 minutes), whichever account.
OUTAGE_LINK = "https://rapidgator.net/file/status503"


@dataclass
class SharedState:
    """What the test's processes share: the state directory (``redis_url`` None), or only
    the Redis server at ``redis_url``."""

    cli: CLI
    redis_url: str | None

    def env(self, name: str) -> dict[str, str]:
        """The environment of process ``name``: with SQLite, a cache of its own (the state
        directory shared); with Redis, a machine of its own. Call it once the test's
        configuration is written (a machine copies it)."""
        if self.redis_url is None:
            return {"LINKRESOLVER_CACHE_DIR": str(self.cli.home / f"cache-{name}")}
        home = self.cli.home / f"machine-{name}"
        home.mkdir()
        config = home / "config.toml"
        config.write_text(self.cli.config.read_text(encoding="utf-8"), encoding="utf-8")
        return {
            "LINKRESOLVER_CONFIG": str(config),
            "LINKRESOLVER_CACHE_DIR": str(home / "cache"),
            "LINKRESOLVER_STATE_DIR": str(home / "state"),
            "LINKRESOLVER_STATE": self.redis_url,
        }

    def rests(self) -> list[Rest]:
        """The rests in the shared store."""
        store: StateStore
        if self.redis_url is None:
            store = SqliteStateStore.in_directory(self.cli.home / "state")
        else:
            store = RedisStateStore.from_url(self.redis_url)
        try:
            return store.rests()
        finally:
            store.close()


@pytest.fixture(params=["sqlite", "redis"])
def shared(request: pytest.FixtureRequest, cli: CLI) -> SharedState:
    if request.param == "sqlite":
        return SharedState(cli, None)
    return SharedState(cli, request.getfixturevalue("empty_redis"))


def start(cli: CLI, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``linkresolver ARGS`` started in the background, with the test's environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "linkresolver", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**cli.env, **(env or {})},
        cwd=cli.home,
    )


def link_calls(sandbox: Sandbox, since: float) -> list[ApiCall]:
    """Premiumize's directdownloadlink calls since ``since``, in order of arrival."""
    return [
        call
        for call in list(sandbox.request_log)
        if call.at >= since and call.path == PM_PATH and call.values.get("method") == "directdownloadlink"
    ]


def test_a_rest_recorded_by_one_process_stops_another_within_a_second(
    cli: CLI, sandbox: Sandbox, shared: SharedState
) -> None:
    # The running process paces its calls (20 a second), so that it is still at work, with
    # 400 links, when the other process meets the outage.
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.premiumize]\nrequests_per_second = 20\n")
    links = [f"https://rapidgator.net/file/w{i:03d}/part{i}.rar.html" for i in range(400)]
    began = time.time()
    running = start(cli, "resolve", "--json", "--provider", "premiumize", *links, env=shared.env("first"))
    try:
        give_up = time.monotonic() + 60
        while len(link_calls(sandbox, began)) < 20 and time.monotonic() < give_up:
            time.sleep(0.05)
        assert len(link_calls(sandbox, began)) >= 20, "the first process did not get going"
        # Another process, with a cache of its own: only the state store is shared.
        other = cli("resolve", "--json", "--provider", "premiumize", OUTAGE_LINK, env=shared.env("other"))
        assert other.returncode == 1 and other.json_lines()[0]["code"] == 503, other.stderr
        out, err = running.communicate(timeout=120)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    calls = link_calls(sandbox, began)
    [outage] = [call for call in calls if call.values.get("params[link]") == OUTAGE_LINK]
    first = [call for call in calls if call.values.get("params[link]") != OUTAGE_LINK]
    before = [call for call in first if call.at < outage.at]
    after = [call for call in first if call.at >= outage.at]
    # The first process was calling right up to the outage, and stopped within a second.
    assert before and outage.at - before[-1].at < 0.5
    last = after[-1].at if after else before[-1].at
    lag = last - outage.at
    print(f"the other process's last call came {lag:.3f} s after the outage ({len(after)} calls)")
    assert lag <= 1.0, (lag, len(after))
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(lines) == len(links) and "Traceback" not in err
    resting = [line for line in lines if "asked to pause until" in str(line["error"])]
    assert len(resting) >= 300 and len(first) + len(resting) == len(links)
    [rest] = shared.rests()
    assert (rest.provider, rest.hoster, rest.code) == ("premiumize", None, 503)


# -- four processes, one Real-Debrid account -----------------------------------------------------

#: Each process's links, and the processes.
LINKS_EACH = 250
PROCESSES = 4
#: How much longer than the limit allows the run may take.
SLACK = 1.15


@pytest.fixture
def realdebrid(sandbox: Sandbox) -> Iterator[RealDebridEmulation]:
    """Real-Debrid's emulation with its limit on: 250 calls in any minute, the rest refused."""
    found = sandbox.emulations["realdebrid"]
    assert isinstance(found, RealDebridEmulation)
    found.requests_per_minute = REQUESTS_PER_MINUTE
    try:
        yield found
    finally:
        found.requests_per_minute = 0  # as the session's sandbox has it


@pytest.mark.slow
def test_four_processes_share_one_accounts_budget_through_the_store(
    cli: CLI, sandbox: Sandbox, realdebrid: RealDebridEmulation, shared: SharedState
) -> None:
    refused_before = realdebrid.refused_for_rate
    began = time.time()
    runs = [
        start(
            cli,
            *("resolve", "--json", "--provider", "realdebrid"),
            *[f"https://katfile.com/p{n}{i:010d}/f{i}.bin" for i in range(LINKS_EACH)],
            # Each its own cache (with Redis, its own machine): only the state store is shared.
            env=shared.env(f"p{n}"),
        )
        for n in range(PROCESSES)
    ]
    try:
        answers = [run.communicate(timeout=600) for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.communicate()
    took = time.time() - began
    calls = [call for call in list(sandbox.request_log) if call.at >= began and "/realdebrid/" in call.path]
    for out, err in answers:
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        assert len(lines) == LINKS_EACH and "Traceback" not in err, err[-2000:]
        failed = [line for line in lines if line["status"] != "ok"]
        assert failed == []
    assert [run.returncode for run in runs] == [0] * PROCESSES
    assert realdebrid.refused_for_rate - refused_before == 0
    allowed = PROCESSES * LINKS_EACH / REQUESTS_PER_MINUTE * 60
    print(f"{len(calls)} Real-Debrid calls by {PROCESSES} processes in {took:.1f} s (limit: {allowed:.0f} s)")
    assert took <= SLACK * allowed, (took, len(calls))
