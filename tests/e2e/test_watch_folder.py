"""``linkresolver serve --watch DIR`` as a subprocess on the sandbox: every kind of file
dropped into the folder becomes a package of the page (origin "watch") with its links, its
password and its mirrors; a file written slowly is read once, complete; a bad one lands in
``failed/`` with its reason beside it."""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from resolver_core.magnets import info_hash
from tests.bencoding import torrent

from .conftest import CLI

OFFLINE = "https://rapidgator.net/file/status404/Holiday.rar.html"
FIRST = "https://rapidgator.net/file/mirror1/Holiday.rar.html"
SECOND = "https://rg.to/file/mirror2/Holiday.rar.html"
ALONE = "https://rapidgator.net/file/alone1/Other.mkv"
MAGNET = "magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Holiday.pack"
#: Links of the slowly written file, one a line.
SLOW = [f"https://rapidgator.net/file/slow{n}/Episode.{n:02}.mkv" for n in range(1, 17)]
POST = f"""[b]Holiday 2026[/b]
Mirror 1: [url={OFFLINE}]Rapidgator[/url]
Mirror 2: [url]{FIRST}[/url]
Mirror 3: {SECOND}
Bonus: {ALONE}
[b]Password:[/b] [code]from-the-forum[/code]
"""


@contextlib.contextmanager
def serving(cli: CLI, *extra: str) -> Iterator[tuple[str, list[bytes]]]:
    """``linkresolver serve --port 0 EXTRA...`` on the sandbox: its URL, and its stderr as
    read so far (a reader thread keeps reading it)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "serve", "--port", "0", *extra],
        env={**cli.env, "LINKRESOLVER_DISABLE_PLUGINS": "offcloud"},
        cwd=cli.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    said: list[bytes] = []
    deadline = time.monotonic() + 20
    while b"/api/openapi.json" not in b"".join(said) and time.monotonic() < deadline:
        if select.select([process.stderr], [], [], 0.5)[0]:
            said.append(os.read(process.stderr.fileno(), 4096))
    found = re.search(rb"serve: (http://127\.0\.0\.1:\d+)", b"".join(said))
    stream = process.stderr

    def keep_reading() -> None:
        while chunk := os.read(stream.fileno(), 4096):
            said.append(chunk)

    reader = threading.Thread(target=keep_reading, daemon=True)
    reader.start()
    try:
        assert found is not None, b"".join(said)
        yield found.group(1).decode(), said
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(5)
        stream.close()


def until(what: Callable[[], Any], seconds: float, doing: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out: {doing}")


def jobs_by_package(url: str) -> dict[str, dict[str, Any]]:
    listed = requests.get(f"{url}/api/jobs", timeout=10).json()["jobs"]
    return {job["package"]: job for job in listed}


def job(url: str, job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = requests.get(f"{url}/api/jobs/{job_id}", timeout=10).json()
    return data


def ended(url: str, job_id: str) -> dict[str, Any]:
    """The job once every link has ended."""

    def done() -> dict[str, Any] | None:
        got = job(url, job_id)
        return got if got["done"] else None

    ended_job: dict[str, Any] = until(done, 60, f"job {job_id} to end")
    return ended_job


def write_slowly(path: Path, lines: list[str], pause: float) -> None:
    """The way a program writes a file over seconds: a line at a time, the file open."""
    with path.open("w", encoding="utf-8") as file:
        for line in lines:
            file.write(line + "\n")
            file.flush()
            time.sleep(pause)


def test_every_kind_of_dropped_file_becomes_a_package(cli: CLI, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    cli.config.write_text(
        cli.config.read_text(encoding="utf-8") + "\n[watch]\ninterval = 0.5\n", encoding="utf-8"
    )
    # Already there when the server starts: picked up.
    (drop / "Holiday 2026.txt").write_text(POST, encoding="utf-8")
    (drop / "ignored.csv").write_text(ALONE, encoding="utf-8")
    with serving(cli, "--watch", str(drop)) as (url, said):
        crawljob = (
            f'text={ALONE}\npackageName=From JDownloader\nextractPasswords=["jd-pass"]\n\ntext={FIRST}\n'
        )
        (drop / "jd.crawljob").write_text(crawljob, encoding="utf-8")
        (drop / "pack.magnet").write_text(MAGNET + "\n", encoding="utf-8")
        data, digest = torrent("Whole.Holiday.single", trackers=[["udp://tracker.example:1337"]], cached=True)
        (drop / "holiday.torrent").write_bytes(data)
        (drop / "broken.torrent").write_bytes(b"<html>502 Bad Gateway</html>")
        (drop / "nothing.txt").write_text("no links in this one\n", encoding="utf-8")
        write_slowly(drop / "slow.txt", SLOW, pause=0.25)  # 4 s, eight polls

        names = {"Holiday 2026", "From JDownloader", "pack", "holiday", "slow"}
        listed = until(
            lambda: names <= set(jobs_by_package(url)) and jobs_by_package(url), 30, "five packages"
        )
        assert set(listed) == names
        assert {summary["origin"] for summary in listed.values()} == {"watch"}
        final = {name: ended(url, summary["id"]) for name, summary in listed.items()}

    post = final["Holiday 2026"]
    assert [row["input"] for row in post["links"]] == [OFFLINE, FIRST, SECOND, ALONE]
    assert post["password"] == "from-the-forum"
    # The first mirror is offline, the second serves the file, the third is never asked.
    assert [(row["state"], row["mirror_of"]) for row in post["links"]] == [
        ("offline", None),
        ("resolved", None),
        ("mirror", 1),
        ("resolved", None),
    ]
    jd = final["From JDownloader"]
    assert [row["input"] for row in jd["links"]] == [ALONE, FIRST] and jd["password"] == "jd-pass"
    assert [row["input"] for row in final["pack"]["links"]] == [MAGNET]
    (magnet,) = [row["input"] for row in final["holiday"]["links"]]
    assert info_hash(magnet) == digest and "dn=Whole.Holiday.single" in magnet
    assert [row["state"] for row in final["holiday"]["links"]] == ["resolved"]
    # Read once, complete: one package with every line, though it grew over eight polls.
    assert [row["input"] for row in final["slow"]["links"]] == SLOW

    assert sorted(path.name for path in (drop / "processed").iterdir()) == sorted(
        ["Holiday 2026.txt", "jd.crawljob", "pack.magnet", "holiday.torrent", "slow.txt"]
    )
    assert (drop / "processed" / "slow.txt").read_text(encoding="utf-8").split() == SLOW
    assert sorted(path.name for path in (drop / "failed").iterdir()) == [
        "broken.torrent",
        "broken.torrent.reason",
        "nothing.txt",
        "nothing.txt.reason",
    ]
    reason = (drop / "failed" / "broken.torrent.reason").read_text(encoding="utf-8")
    assert reason == "not a torrent file (not bencode: unexpected '<' at byte 0)\n"
    assert (drop / "failed" / "nothing.txt.reason").read_text(encoding="utf-8") == "no links in it\n"
    assert sorted(path.name for path in drop.iterdir()) == ["failed", "ignored.csv", "processed"]
    stderr = b"".join(said).decode()
    assert stderr.count("watch: slow.txt:") == 1 and "watch: slow.txt: 16 links (slow)" in stderr
    assert "watch: broken.torrent: not a torrent file" in stderr
    assert stderr.count("watch: ignored.csv is left alone") == 1
    assert "from-the-forum" not in stderr and "jd-pass" not in stderr


def test_a_wrong_watch_table_stops_serve_with_one_line(cli: CLI) -> None:
    cli.config.write_text(
        cli.config.read_text(encoding="utf-8") + "\n[watch]\nfolder = 7\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "linkresolver", "serve", "--port", "0"],
        env=cli.env,
        cwd=cli.home,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"linkresolver: {cli.config}: [watch] folder must be a text (a folder's path)\n"


def test_a_watch_folder_that_is_a_file_stops_serve_with_one_line(cli: CLI) -> None:
    (cli.home / "drop").write_text("", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "linkresolver", "serve", "--port", "0", "--watch", str(cli.home / "drop")],
        env=cli.env,
        cwd=cli.home,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"linkresolver: the watch folder {cli.home / 'drop'} is a file, not a folder\n"
