"""End to end: the link cache through the real command line against the sandbox. A link
resolved twice in two runs (one state folder) costs one API call at the provider; with
``--fresh``, two; two runs at once share what the first learned; a download retried asks
nothing again. Each test runs with both stores: the SQLite file, and a real Redis server."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resolver_core.sandbox import Sandbox
from resolver_core.state.redis import PREFIX, RedisStateStore

from .conftest import CLI, Run

UNRESTRICT = "/realdebrid/rest/1.0/unrestrict/link"
ONLY_REALDEBRID = ("--provider", "realdebrid")


@pytest.fixture(autouse=True, params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, cli: CLI) -> Iterator[str]:
    """The store every run of the test keeps its links in: the state folder's SQLite file,
    or a Redis server (``LINKRESOLVER_STATE``), where the links are found afterwards."""
    if request.param == "sqlite":
        yield "sqlite"
        return
    url = cli.env["LINKRESOLVER_STATE"] = request.getfixturevalue("empty_redis")
    yield "redis"
    redis_store = RedisStateStore.from_url(url)
    assert list(redis_store._client.scan_iter(match=f"{PREFIX}link:*"))
    redis_store.close()


def a_link() -> str:
    """A Real-Debrid hoster link no other test resolves (the sandbox serves every test)."""
    return f"https://katfile.com/k{secrets.token_hex(6)[:11]}/Holiday.Video.mkv"


def only(run: Run) -> dict[str, Any]:
    lines = run.json_lines()
    assert len(lines) == 1 and run.returncode == 0, run.stdout + run.stderr
    return lines[0]


def test_a_link_resolved_in_two_runs_is_asked_once(cli: CLI, sandbox: Sandbox) -> None:
    link = a_link()
    before = sandbox.request_counts[UNRESTRICT]
    first = only(cli("resolve", "--json", *ONLY_REALDEBRID, link))
    second_run = cli("resolve", "--json", "-v", *ONLY_REALDEBRID, link)
    second = only(second_run)
    assert sandbox.request_counts[UNRESTRICT] - before == 1
    assert first == second and first["status"] == "ok" and first["provider"] == "realdebrid"
    assert f"{link}: from the cache (resolved by realdebrid)" in second_run.stderr


def test_fresh_asks_the_provider_again(cli: CLI, sandbox: Sandbox) -> None:
    link = a_link()
    before = sandbox.request_counts[UNRESTRICT]
    first = only(cli("resolve", "--json", *ONLY_REALDEBRID, link))
    fresh = only(cli("resolve", "--json", "--fresh", *ONLY_REALDEBRID, link))
    assert sandbox.request_counts[UNRESTRICT] - before == 2
    assert fresh["status"] == first["status"] == "ok"
    # The fresh answer is kept too: a third run gets it, asking nothing.
    assert only(cli("resolve", "--json", *ONLY_REALDEBRID, link)) == fresh
    assert sandbox.request_counts[UNRESTRICT] - before == 2


def test_a_download_after_a_resolve_asks_nothing_again(cli: CLI, sandbox: Sandbox, tmp_path: Path) -> None:
    link = a_link()
    before = sandbox.request_counts[UNRESTRICT]
    resolved = only(cli("resolve", "--json", *ONLY_REALDEBRID, link))
    saved = only(cli("download", "--json", *ONLY_REALDEBRID, "-o", str(tmp_path / "out"), link))
    assert saved["status"] == "ok" and saved["url"] == resolved["url"]
    assert Path(saved["path"]).stat().st_size == resolved["size"]
    assert sandbox.request_counts[UNRESTRICT] - before == 1


def test_two_runs_at_once_then_a_third_share_the_store(cli: CLI, sandbox: Sandbox) -> None:
    """Two processes resolve the same links at once: each link is kept once it is resolved
    (by either), and a third run asks nothing."""
    links = [a_link() for _ in range(6)]
    before = sandbox.request_counts[UNRESTRICT]
    command = [sys.executable, "-m", "linkresolver", "resolve", "--json", *ONLY_REALDEBRID, *links]
    runs = [
        subprocess.Popen(command, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert [json.loads(line)["status"] for line in out.splitlines()] == ["ok"] * len(links), out
    asked = sandbox.request_counts[UNRESTRICT] - before
    assert len(links) <= asked <= 2 * len(links)
    third = cli("resolve", "--json", *ONLY_REALDEBRID, *links)
    assert third.returncode == 0 and [line["status"] for line in third.json_lines()] == ["ok"] * len(links)
    assert sandbox.request_counts[UNRESTRICT] - before == asked
