"""The Redis state store going away under a running command: the run ends with one clear
line naming the server, exit 2, and nothing it wrote is half-written. (What Redis shares
between processes is shown by the tests it shares with SQLite, ``test_shared_state.py``.)"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import redis

from linkresolver.plugins.premiumize.sandbox import API_PATH as PM_PATH
from resolver_core.sandbox import Sandbox
from resolver_core.state.redis import PREFIX
from tests.redis_server import RedisServer

from .conftest import CLI
from .test_shared_state import SharedState, start

#: The Redis server's password: it must never be shown.
PASSWORD = "redis-pw-4e9f1c"


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A Redis server of this test's own (a test stops it), with a password."""
    with RedisServer(password=PASSWORD) as started:
        yield started


def slow_premiumize(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.premiumize]\nrequests_per_second = 4\n")


def complete(client: redis.Redis) -> list[str]:
    """Every key of linkresolver's on the server, each checked to be whole: a bucket has its
    level and its moment, a rest every field of it, a link a JSON record."""
    keys = sorted(str(key) for key in client.scan_iter(match="*"))
    for key in keys:
        assert key.startswith(PREFIX), key
        kind = key[len(PREFIX) :].partition(":")[0]
        if kind == "bucket":
            fields = client.hgetall(key)
            assert set(fields) == {"tokens", "stamp"}, (key, fields)
            assert float(fields["tokens"]) < 100 and float(fields["stamp"]) > 0
        elif kind == "rest":
            fields = client.hgetall(key)
            assert set(fields) == {"provider", "hoster", "until", "reason", "code"}, (key, fields)
            assert float(fields["until"]) > time.time() and fields["reason"] and fields["provider"]
        else:
            assert kind in ("link", "hosters"), key  # a resolved link, a provider's hoster list
            json.loads(str(client.get(key)))
        assert client.pttl(key) > 0, key  # everything expires by itself
    return keys


def test_redis_stopped_mid_run_ends_the_run_with_one_line_naming_it(
    cli: CLI, sandbox: Sandbox, server: RedisServer
) -> None:
    slow_premiumize(cli)
    links = [f"https://rapidgator.net/file/rs{i:03d}/part{i}.rar.html" for i in range(60)]
    before = sandbox.request_counts[PM_PATH]
    env = SharedState(cli, server.url).env("a")  # a machine of its own
    running = start(cli, "resolve", "--json", "--provider", "premiumize", *links, env=env)
    try:
        give_up = time.monotonic() + 60
        while sandbox.request_counts[PM_PATH] - before < 5 and time.monotonic() < give_up:
            time.sleep(0.02)
        assert sandbox.request_counts[PM_PATH] - before >= 5, "the run did not get going"
        client = redis.Redis.from_url(server.url, decode_responses=True)
        # Every change is one script or one command, which Redis applies whole: what is
        # there while the run goes on is complete, whenever it is looked at.
        assert f"{PREFIX}bucket:premiumize" in complete(client)
        client.close()
        server.process.kill()  # type: ignore[union-attr]  # no shutdown: gone at once
        stopped = time.monotonic()
        out, err = running.communicate(timeout=60)
        ended_in = time.monotonic() - stopped
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode == 2, err
    assert "Traceback" not in err and PASSWORD not in out + err
    [line] = [line for line in err.splitlines() if line.strip()]
    print(f"after {ended_in:.2f} s: {line}")
    assert f"the Redis state store redis://***@127.0.0.1:{server.port}/0 cannot be reached" in line
    assert ended_in < 10
    # The links after the server went were not each failed one by one.
    answered = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(answered) < len(links) - 20
    assert all(line["status"] == "ok" for line in answered)


def test_a_hoster_list_one_machine_fetched_serves_the_others(
    cli: CLI, sandbox: Sandbox, empty_redis: str
) -> None:
    """Machines sharing a Redis store fetch a provider's hoster list once between them:
    each call of it counts against the account's calls a minute."""
    machines = SharedState(cli, empty_redis)
    listed = "/realdebrid/rest/1.0/hosts/regex"
    before = sandbox.request_counts[listed]
    for name in ("one", "two", "three"):
        run = cli("hosts", "--json", "--provider", "realdebrid", env=machines.env(name))
        assert run.returncode == 0 and "katfile.com" in run.stdout, run.stderr
        assert (cli.home / f"machine-{name}" / "cache" / "hosterlist-realdebrid.json").exists()
    assert sandbox.request_counts[listed] - before == 1
