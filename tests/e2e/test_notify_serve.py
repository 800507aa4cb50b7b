"""``linkresolver serve`` tells the services of ``[notify]`` when a pasted package ends: the
server's jobs call the ``package_ended`` hook once per package, and the notification
plugin sends through Apprise (``json://``) to a loopback receiver.

The server runs as people run it, with their configuration file (``serve --sandbox`` reads
none of theirs), its providers pointed at the test session's sandbox."""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import requests

from tests.notify_receiver import receiver

OK_LINKS = "https://rapidgator.net/file/srv01 https://rapidgator.net/file/notify2/Show.S01E01.mkv"
OFFLINE = "https://rapidgator.net/file/status404/Holiday.rar.html"


@contextlib.contextmanager
def serving(cli: Any) -> Iterator[tuple[str, list[bytes]]]:
    """``linkresolver serve --port 0`` in a subprocess: its URL, and (after) what it said."""
    process = subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "serve", "--port", "0"],
        env=cli.env,
        cwd=cli.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen, said = b"", list[bytes]()
    try:
        deadline = time.monotonic() + 20
        while b"/api/openapi.json" not in seen and time.monotonic() < deadline:
            if select.select([process.stderr], [], [], 0.5)[0]:
                seen += os.read(process.stderr.fileno(), 4096)
        base = re.search(rb"serve: (http://127\.0\.0\.1:\d+)", seen)
        assert base is not None, seen
        yield base.group(1).decode(), said
    finally:
        process.terminate()
        _, rest = process.communicate(timeout=10)
        said.append(seen + rest)


def paste(url: str, session: requests.Session, text: str) -> dict[str, Any]:
    token = session.get(f"{url}/api/session", timeout=10).json()["csrf"]
    headers = {"X-CSRF-Token": token}
    answer = session.post(f"{url}/api/resolve", json={"text": text}, headers=headers, timeout=10)
    assert answer.status_code == 202, answer.text
    job: dict[str, Any] = answer.json()
    return job


def test_serve_notifies_a_done_and_a_failed_package_once_each(cli: Any) -> None:
    with receiver() as service:
        with cli.config.open("a", encoding="utf-8") as handle:
            handle.write(f'\n[notify]\nurls = ["json://127.0.0.1:{service.port}/serve"]\n')
        with serving(cli) as (url, said):
            session = requests.Session()
            done = paste(url, session, OK_LINKS)
            sent = json.loads(service.next(timeout=30).body)
            assert sent["title"] == "linkresolver: srv01.bin done"
            assert sent["message"] == "2 of 2 links ok, 0 failed."
            assert sent["type"] == "success"

            failed = paste(url, session, f"pw: Fh7-notify-pw\n{OK_LINKS}\n{OFFLINE}")
            sent = json.loads(service.next(timeout=30).body)
            assert sent["title"] == "linkresolver: srv01.bin failed"
            assert sent["type"] == "failure"
            lines = sent["message"].splitlines()
            assert lines[0] == "2 of 3 links ok, 1 failed."
            assert lines[1:] == [
                f'- {OFFLINE}: premiumize says the file was deleted at the hoster (it said "file not found")'
            ]
            assert "Fh7-notify-pw" not in sent["message"]
            assert done["id"] != failed["id"]
            assert service.nothing_more(within=1.0)  # once per package
    assert b"notification" not in said[0]  # delivered: no warning
