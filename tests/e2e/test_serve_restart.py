"""``linkresolver serve`` killed with SIGKILL mid-download picks up where it was.

A package of 20 links, downloading 4 at once into the server's folder, its links resolving
two at a time behind a three-second ticket wait each (downloads are in flight while links
are still unresolved, however busy the machine): the server is killed while some links are
still unresolved and downloads are in flight (their part files on disk), and started again
on the same state directory and folder. Every link then ends well, every file's sha1 is the
one the sandbox gave, and the sandbox's request log shows that no link's direct link was
asked for twice: the links resolved before the kill kept theirs (kept in the state store
with the package), those resolved after asked once.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from resolver_core.sandbox import Sandbox

from .conftest import CLI

#: 20 files of 8 MiB, served at 1 MB/s a connection, each behind a 3-second ticket wait.
FILES = 20


def names(store: str) -> list[str]:
    """The files' names (each test's own: the sandbox's request log is the session's)."""
    return [f"size8m-slow1-wait3-{store}{n:02d}" for n in range(FILES)]


SIZE = 8 << 20


def sha1_of(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def serving(cli: CLI, out: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``serve`` on the sandbox's file host (2 links resolving at once), downloading into
    ``out``; its stderr in ``log``. Yields the process and its URL."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "linkresolver",
                "serve",
                "--port",
                "0",
                "-o",
                str(out),
                "--provider",
                "openload",
                "--job-threads",
                "2",
            ],
            env=cli.env,
            cwd=cli.home,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        found = None
        while found is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"serve: (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
            time.sleep(0.1)
        assert found is not None, log.read_text(errors="replace")
        yield process, found.group(1)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def direct_link_calls(sandbox: Sandbox, files: list[str]) -> Counter[str]:
    """How often the direct link of each of ``files`` was handed out (``file/dl`` answered 200)."""
    return Counter(
        call.values.get("file", "")
        for call in list(sandbox.request_log)
        if call.path.endswith("/file/dl") and call.status == 200 and call.values.get("file") in files
    )


def ticket_calls(sandbox: Sandbox, files: list[str]) -> Counter[str]:
    return Counter(
        call.values.get("file", "")
        for call in list(sandbox.request_log)
        if call.path.endswith("/file/dlticket") and call.values.get("file") in files
    )


def package(url: str, job_id: str) -> dict[str, Any]:
    answer = requests.get(f"{url}/api/jobs/{job_id}", timeout=10)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_server_killed_mid_download_finishes_the_package_after_a_restart(
    cli: CLI, sandbox: Sandbox, tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    """With the SQLite store (the default), and with Redis, which keeps packages the same."""
    if store == "redis":
        cli.env["LINKRESOLVER_STATE"] = request.getfixturevalue("empty_redis")
    files = names(store)
    links = [f"https://openload.co/f/{name}/Part{n:02d}.bin" for n, name in enumerate(files)]
    out = tmp_path / "downloads"
    with serving(cli, out, tmp_path / "first.log") as (process, url):
        csrf = requests.get(f"{url}/api/session", timeout=10).json()["csrf"]
        started = requests.post(
            f"{url}/api/resolve",
            json={"text": "\n".join(links), "name": "Holiday", "password": "from-the-post", "download": True},
            headers={"X-CSRF-Token": csrf},
            timeout=10,
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        # Killed once files are complete, others in flight, and links are still unresolved.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = [p for p in out.glob("*.bin") if p.stat().st_size == SIZE]
            parts = [p for p in out.glob("*.part") if p.stat().st_size > 0]
            # (A few links left unresolved is enough: on a busy machine resolving may run
            # well ahead of the downloads.)
            if done and len(parts) >= 2 and len(direct_link_calls(sandbox, files)) <= FILES - 3:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    resolved_before = set(direct_link_calls(sandbox, files))
    in_flight = sorted(p.name for p in out.glob("*.part"))
    assert done and len(in_flight) >= 2, (done, in_flight)
    assert 0 < len(resolved_before) < FILES, "the kill came too late to leave links unresolved"

    log = tmp_path / "second.log"
    with serving(cli, out, log) as (_, url):
        deadline = time.monotonic() + 120
        state = package(url, job_id)
        while state["state"] == "active" and time.monotonic() < deadline:
            time.sleep(0.25)
            state = package(url, job_id)

    assert (state["name"], state["password"], state["state"]) == ("Holiday", "from-the-post", "done"), state
    assert state["counts"] == {"total": 20, "ok": 20, "failed": 0}
    for row in state["links"]:
        assert (row["state"], row["download"], row["verified"]) == ("resolved", "saved", True), row
        saved = out / row["saved_as"]
        assert saved.stat().st_size == SIZE
        assert sha1_of(saved) == row["sha1"]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.bin" for name in files)
    # Every direct link handed out once: none asked again after the restart.
    assert direct_link_calls(sandbox, files) == Counter(dict.fromkeys(files, 1))
    # A ticket is asked again only for a link the kill caught mid-wait (2 resolve at once).
    tickets = ticket_calls(sandbox, files)
    assert set(tickets) == set(files)
    asked_again = [file for file, count in tickets.items() if count > 1]
    assert len(asked_again) <= 2 and not set(asked_again) & resolved_before, tickets
    said = log.read_text()
    assert "taking up 1 unfinished packages" in said and "Traceback" not in said
