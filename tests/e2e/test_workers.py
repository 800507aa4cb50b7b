"""``serve --workers`` and three ``linkresolver worker`` processes on a real Redis server,
each worker a machine of its own (its own configuration, cache and state folders): a
package of 300 links is resolved by the workers; one worker is killed (SIGKILL) while it
holds links, and a live one takes them over. Every link ends resolved, none is lost, and
the sandbox's request log shows each link resolved once, except at most the links the
killed worker had in hand (it may have asked for them before it died)."""

from __future__ import annotations

import collections
import hashlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from linkresolver.plugins.premiumize.sandbox import API_PATH as PM_PATH
from resolver_core.sandbox import Sandbox
from resolver_core.workqueue import WorkQueue
from tests.redis_server import free_port

from .conftest import CLI

LINKS = 300
#: Seconds before a quiet worker's links are taken over (60 by default).
CLAIM_AFTER = 2


class Process:
    """A ``linkresolver`` subprocess whose stderr is read as it comes."""

    def __init__(self, cli: CLI, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.process = subprocess.Popen(
            [sys.executable, "-m", "linkresolver", *args],
            env={**cli.env, **env},
            cwd=cli.home,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.said = b""

    def read(self) -> str:
        assert self.process.stderr is not None
        while not self.process.stderr.closed and select.select([self.process.stderr], [], [], 0)[0]:
            chunk = os.read(self.process.stderr.fileno(), 65536)
            if not chunk:
                break
            self.said += chunk
        return self.said.decode("utf-8", "replace")

    def wait_for(self, pattern: str, seconds: float = 30) -> re.Match[str]:
        give_up = time.monotonic() + seconds
        while time.monotonic() < give_up:
            found = re.search(pattern, self.read())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.args[0]} never said {pattern!r}: {self.read()}")

    def stop(self, number: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(number)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=10)
        assert self.process.stderr is not None
        if not self.process.stderr.closed:
            self.said += self.process.stderr.read()
            self.process.stderr.close()
        return code


@pytest.fixture
def slow_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox answering every API call after 50 ms, as over a network: the run lasts
    long enough for a worker to be killed in the middle of it."""
    before = sandbox.latency
    sandbox.latency = 0.05
    try:
        yield sandbox
    finally:
        sandbox.latency = before


def machine(cli: CLI, name: str, redis_url: str) -> dict[str, str]:
    """The environment of a process on a machine of its own, sharing only the Redis server."""
    home = cli.home / f"machine-{name}"
    home.mkdir()
    config = home / "config.toml"
    config.write_text(cli.config.read_text(encoding="utf-8"), encoding="utf-8")
    return {
        "LINKRESOLVER_CONFIG": str(config),
        "LINKRESOLVER_CACHE_DIR": str(home / "cache"),
        "LINKRESOLVER_STATE_DIR": str(home / "state"),
        "LINKRESOLVER_STATE": redis_url,
    }


def resolve_calls(sandbox: Sandbox, since: float) -> collections.Counter[str]:
    """How many times each link was asked of Premiumize (directdownloadlink) since ``since``."""
    return collections.Counter(
        call.values.get("params[link]", "")
        for call in list(sandbox.request_log)
        if call.at >= since and call.path == PM_PATH and call.values.get("method") == "directdownloadlink"
    )


def test_three_workers_resolve_a_package_and_one_killed_loses_nothing(
    cli: CLI, slow_sandbox: Sandbox, empty_redis: str
) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write(f"[workers]\nclaim_after = {CLAIM_AFTER}\ngrace = 5\n")
    links = [f"https://rapidgator.net/file/wk{n:03d}/part{n}.rar.html" for n in range(LINKS)]
    began = time.time()
    queue = WorkQueue.from_url(empty_redis)
    processes: list[Process] = []
    try:
        serve = Process(
            cli,
            ["serve", "--workers", "--port", "0", "--provider", "premiumize"],
            machine(cli, "serve", empty_redis),
        )
        processes.append(serve)
        url = serve.wait_for(r"serve: (http://127\.0\.0\.1:\d+)").group(1)
        workers = {
            name: Process(
                cli,
                ["worker", "--name", name, "--threads", "4", "--provider", "premiumize"],
                machine(cli, name, empty_redis),
            )
            for name in ("w1", "w2", "w3")
        }
        processes += workers.values()
        for worker in workers.values():
            worker.wait_for("taking links from")
        session = requests.Session()
        csrf = session.get(f"{url}/api/session", timeout=10).json()["csrf"]
        answer = session.post(
            f"{url}/api/resolve", json={"text": "\n".join(links)}, headers={"X-CSRF-Token": csrf}, timeout=30
        )
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]

        # The victim is killed once the package is under way and it holds links.
        give_up = time.monotonic() + 60
        held: list[str] = []
        while time.monotonic() < give_up:
            held = queue.holding("w2")
            if held and sum(resolve_calls(slow_sandbox, began).values()) >= 30:
                break
            time.sleep(0.01)
        assert held, "w2 never held a link"
        workers["w2"].process.kill()
        assert workers["w2"].stop() == -signal.SIGKILL
        in_hand = queue.holding("w2")  # what it held when it died: pending, never answered
        assert in_hand, "w2 died holding nothing"
        lost = {task.link for task in map(queue.task, in_hand) if task is not None}
        assert len(lost) == len(in_hand)

        job: dict[str, Any] = {}
        give_up = time.monotonic() + 75
        while time.monotonic() < give_up:
            job = session.get(f"{url}/api/jobs/{job_id}", timeout=10).json()
            if job["done"]:
                break
            time.sleep(0.25)
        assert job["done"], [row["state"] for row in job["links"] if row["state"] != "resolved"][:5]
        rows = job["links"]
        assert len(rows) == LINKS and [row["input"] for row in rows] == links
        assert all(row["state"] == "resolved" and row["url"] for row in rows), [
            (row["input"], row["state"], row["error"]) for row in rows if row["state"] != "resolved"
        ]
        assert queue.holding("w2") == [], "the killed worker's links were taken over"
        calls = resolve_calls(slow_sandbox, began)
        assert set(calls) == set(links), "every link was asked of the provider"
        twice = {link for link, count in calls.items() if count > 1}
        assert twice <= lost, f"resolved twice outside the killed worker's hands: {sorted(twice - lost)}"
        assert all(calls[link] <= 2 for link in lost)
        print(f"w2 held {len(in_hand)} links when killed; {len(twice)} of them were asked again")

        # The live workers stop cleanly on SIGTERM, saying what they did.
        done = 0
        for name in ("w1", "w3"):
            assert workers[name].stop() == 0
            said = workers[name].said.decode()
            found = re.search(rf"worker {name}: stopped; (\d+) resolved, 0 failed", said)
            assert found, said
            done += int(found.group(1))
        assert len(in_hand) <= done <= LINKS
        for process in processes:
            assert "Traceback" not in process.read(), process.read()
    finally:
        for process in processes:
            process.stop()
        queue.close()


def test_a_worker_without_the_redis_store_says_so(cli: CLI, tmp_path: Path) -> None:
    run = cli("worker")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        'linkresolver: a worker needs the shared Redis state store: set state = "redis://HOST:PORT/DB"'
        " in the configuration, or LINKRESOLVER_STATE (serve and every worker use the same one)"
    ]
    served = cli("serve", "--workers", "--port", "0")
    assert served.returncode == 2 and "serve --workers needs the shared Redis state store" in served.stderr
    assert "Traceback" not in served.stderr
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[serve]\nworkers = true\n")
    configured = cli("serve", "--port", "0")
    assert configured.returncode == 2 and "serve --workers needs the shared Redis" in configured.stderr
    text = cli.config.read_text(encoding="utf-8")
    cli.config.write_text(text.replace("workers = true", 'workers = "yes"'), encoding="utf-8")
    wrong = cli("serve", "--port", "0")
    assert wrong.returncode == 2 and "[serve] workers must be true or false" in wrong.stderr
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    unreachable = cli("worker", env={"LINKRESOLVER_STATE": nobody})
    assert unreachable.returncode == 2
    [line] = unreachable.stderr.strip().splitlines()
    assert line.startswith(f"linkresolver: the work queue on Redis {nobody} failed: ") and "refused" in line


def test_a_worker_with_an_output_folder_downloads_and_the_page_shows_the_files(
    cli: CLI, sandbox: Sandbox, empty_redis: str, tmp_path: Path
) -> None:
    links = [f"https://openload.co/f/size1m-wkdl{n}/Film{n}.mkv" for n in range(3)]
    folder = tmp_path / "worker-downloads"
    processes: list[Process] = []
    try:
        serve = Process(cli, ["serve", "--workers", "--port", "0"], machine(cli, "serve", empty_redis))
        processes.append(serve)
        url = serve.wait_for(r"serve: (http://127\.0\.0\.1:\d+)").group(1)
        worker = Process(cli, ["worker", "--name", "dl", "-o", str(folder)], machine(cli, "dl", empty_redis))
        processes.append(worker)
        worker.wait_for("taking links from")
        session = requests.Session()
        csrf = session.get(f"{url}/api/session", timeout=10).json()["csrf"]
        answer = session.post(
            f"{url}/api/resolve", json={"text": " ".join(links)}, headers={"X-CSRF-Token": csrf}, timeout=30
        )
        job_id = answer.json()["id"]
        job: dict[str, Any] = {}
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up and not job.get("done"):
            time.sleep(0.2)
            job = session.get(f"{url}/api/jobs/{job_id}", timeout=10).json()
        rows = job["links"]
        assert [(row["state"], row["download"], row["verified"]) for row in rows] == [
            ("resolved", "saved", True)
        ] * 3, rows
        for row in rows:
            saved = folder / row["saved_as"]
            assert saved.name == row["filename"] and saved.stat().st_size == 1 << 20 == row["downloaded"]
            assert hashlib.sha1(saved.read_bytes()).hexdigest() == row["sha1"]
    finally:
        for process in processes:
            process.stop()
