"""Hand-offs, against the real programs: aria2 over JSON-RPC and from an input file
(files verified, by us and by aria2 itself), and JDownloader crawljob files (golden)."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from resolver_core.sandbox import Sandbox

from .conftest import CLI

SECRET = "aria2-test-secret"
GOLDEN = Path(__file__).parent / "golden"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def aria2(tmp_path: Path) -> Iterator[str]:
    """A real aria2c with RPC on loopback; its RPC URL. (.ci/run installs aria2.)"""
    binary = shutil.which("aria2c")
    if binary is None:
        pytest.fail("aria2c is not installed: apt install aria2 (.ci/run does)")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--no-conf=true",
            "--enable-rpc=true",
            f"--rpc-listen-port={port}",
            "--rpc-listen-all=false",
            f"--rpc-secret={SECRET}",
            f"--dir={tmp_path / 'aria2-default'}",
            "--quiet=true",
            "--auto-file-renaming=false",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/jsonrpc"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def rpc(url: str, method: str, *params: Any) -> Any:
    answer = requests.post(
        url,
        json={"jsonrpc": "2.0", "id": "t", "method": method, "params": [f"token:{SECRET}", *params]},
        timeout=10,
    ).json()
    return answer.get("result", answer.get("error"))


def wait_for(url: str, gid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        keys = ["status", "errorCode", "errorMessage", "files"]
        status: dict[str, Any] = rpc(url, "aria2.tellStatus", gid, keys)
        if status["status"] in ("complete", "error", "removed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"aria2 did not finish {gid}")


def sha1_of(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_download_to_aria2_over_rpc_verified(cli: CLI, aria2: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = cli(
        "download",
        "--to",
        "aria2",
        "--json",
        "--aria2-rpc",
        aria2,
        "--aria2-secret",
        SECRET,
        "-o",
        str(out),
        "https://openload.co/f/size3m-aria2rpc/Film.mkv",
    )
    assert run.returncode == 0, run.stderr
    line = run.json_lines()[0]
    assert len(line["aria2_gids"]) == 1
    # download's fields (DESIGN.md): null, as aria2 writes and verifies the file later.
    assert line["path"] is None and line["verified"] is None
    status = wait_for(aria2, line["aria2_gids"][0])
    assert status["status"] == "complete", status
    saved = out / "size3m-aria2rpc.bin"
    assert sha1_of(saved) == line["sha1"]
    assert SECRET not in run.stdout + run.stderr


def test_aria2_verifies_the_sha1_itself(cli: CLI, aria2: str, tmp_path: Path) -> None:
    run = cli(
        "download",
        "--to",
        "aria2",
        "--json",
        "--aria2-rpc",
        aria2,
        "--aria2-secret",
        SECRET,
        "-o",
        str(tmp_path / "out"),
        "https://openload.co/f/badsha1-aria2/x",
    )
    status = wait_for(aria2, run.json_lines()[0]["aria2_gids"][0])
    assert status["status"] == "error", status  # the checksum the API gave does not match
    assert status["errorCode"] == "32", status  # aria2: "checksum validation failed"


def test_aria2_secret_and_address_problems_are_explained_before_any_link_is_resolved(
    cli: CLI, aria2: str, sandbox: Sandbox
) -> None:
    link = "https://openload.co/f/aria2-refused/x"
    calls_before = sum(sandbox.request_counts.values())
    wrong = cli("download", "--to", "aria2", "--aria2-rpc", aria2, "--aria2-secret", "nope", link)
    assert (wrong.returncode, wrong.stderr) == (
        2,
        "linkresolver: aria2 refused the RPC secret (--aria2-secret)\n",
    )
    rpc_url = f"http://127.0.0.1:{free_port()}/jsonrpc"
    absent = cli("download", "--to", "aria2", "--aria2-rpc", rpc_url, "--aria2-secret", SECRET, link)
    assert absent.returncode == 2
    assert absent.stderr == (
        f"linkresolver: aria2 does not answer at {rpc_url} (connection refused);"
        " start it with `aria2c --enable-rpc` or give --aria2-rpc URL\n"
    )
    # No provider was asked anything: no fair use spent on links aria2 could not take.
    assert sum(sandbox.request_counts.values()) == calls_before
    assert SECRET not in absent.stdout + absent.stderr


def test_download_to_aria2_json_has_every_download_field(cli: CLI, aria2: str) -> None:
    """Fields that are unknown are null, never missing (DESIGN.md): a dead link here."""
    link = "https://openload.co/f/status404aria2/x"
    run = cli("download", "--to", "aria2", "--json", "--aria2-rpc", aria2, "--aria2-secret", SECRET, link)
    [line] = run.json_lines()
    assert run.returncode == 1
    assert line["status"] == "error" and line["code"] == 404
    assert "path" in line and line["path"] is None
    assert "verified" in line and line["verified"] is None
    assert line["aria2_gids"] == []


def test_the_rpc_secret_is_not_sent_in_clear_text_to_a_public_host(cli: CLI) -> None:
    run = cli(
        "download",
        "--to",
        "aria2",
        "--aria2-rpc",
        "http://example.com:6800/jsonrpc",
        "--aria2-secret",
        SECRET,
        "https://openload.co/f/aria2-public/x",
    )
    assert run.returncode == 2, run.stderr
    assert "refusing to send the RPC secret over plain http to example.com" in run.stderr
    assert "use https" in run.stderr
    assert run.stdout == "" and "Traceback" not in run.stderr


def test_an_aria2_input_file_that_aria2c_downloads(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    links = ["https://openload.co/f/size2m-input1/x", "https://rapidgator.net/file/ariainput/Movie.rar.html"]
    run = cli("resolve", "--format", "aria2", "--download-dir", str(out), *links)
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert text.count("\n  out=") == 2 and "  checksum=sha-1=" in text and f"  dir={out}" in text
    input_file = tmp_path / "links.txt"
    input_file.write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["aria2c", "--no-conf=true", "--quiet=true", "-i", str(input_file)], check=False, timeout=60
    )
    assert done.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["Movie.rar", "size2m-input1.bin"]


def test_crawljob_matches_the_golden_file(cli: CLI, tmp_path: Path) -> None:
    links = ["https://openload.co/f/crawl-one/x", "https://rapidgator.net/file/crawltwo/Movie.part1.rar.html"]
    run = cli("resolve", "--json", *links)
    urls = [line["url"] for line in run.json_lines()]
    job = cli(
        "resolve",
        "--format",
        "crawljob",
        "--package",
        "Holiday",
        "--download-dir",
        "/downloads/holiday",
        *links,
    )
    assert job.returncode == 0, job.stderr
    expected = (GOLDEN / "two-links.crawljob").read_text(encoding="utf-8")
    for number, url in enumerate(urls, start=1):
        expected = expected.replace(f"{{url{number}}}", url)
    assert json.loads(job.stdout) == json.loads(expected)
