"""Click'n'Load: a website's button posts (encrypted) links to 127.0.0.1:9666, and
`linkresolver serve --cnl` resolves them. The payload is built here as a site builds it."""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from werkzeug.test import Client

from linkresolver.cli.serve import _click_and_load
from resolver_core.handoff.clicknload import (
    ClickAndLoadError,
    clicknload_password,
    decrypt_links,
    key_from_jk,
)
from resolver_core.sandbox import Sandbox
from resolver_core.web.jobs import JobManager

from .conftest import CLI
from .test_handoff import free_port
from .test_web_api import sandbox_resolver

KEY_HEX = "31323334353637383930313233343536"
JK = f"function f(){{ return '{KEY_HEX}'; }}"


def encrypt(links: list[str], key_hex: str = KEY_HEX) -> str:
    """What a Click'n'Load site sends: AES-128-CBC, the key as IV, zero padding, base64."""
    key = bytes.fromhex(key_hex)
    data = "\r\n".join(links).encode()
    data += b"\x00" * (-len(data) % 16)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def test_the_payload_decrypts_to_its_links() -> None:
    links = ["https://openload.co/f/abc/x", "https://rapidgator.net/file/def"]
    assert decrypt_links(encrypt(links), JK) == links
    assert key_from_jk('function f(){return "' + KEY_HEX.upper() + '";}') == bytes.fromhex(KEY_HEX)
    for crypted, jk in [
        ("not base64!", JK),
        (encrypt(links), "function f(){ return 'short'; }"),
        ("QUJD", JK),
    ]:
        with pytest.raises(ClickAndLoadError):
            decrypt_links(crypted, jk)


@dataclass
class Receiver:
    """``linkresolver serve --cnl`` in a subprocess: the receiver's URL and the API's."""

    url: str
    api: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def receiving(cli: CLI, *extra: str, json_lines: bool = True) -> Iterator[Receiver]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linkresolver",
            "serve",
            "--port",
            "0",
            "--cnl",
            "--cnl-port",
            str(port),
            *(["--json"] if json_lines else []),
            *extra,
        ],
        env=cli.env,
        cwd=cli.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 20
    # To the end of its line: stderr writes a line's newline apart, and a later read must
    # not start with it.
    while not re.search(rb"Click'n'Load receiver on [^\n]*\n", seen) and time.monotonic() < deadline:
        if select.select([process.stderr], [], [], 0.5)[0]:
            seen += os.read(process.stderr.fileno(), 4096)
    api = re.search(rb"serve: (http://127\.0\.0\.1:\d+)", seen)
    try:
        assert api is not None and b"Click'n'Load receiver on" in seen, seen
        yield Receiver(f"http://127.0.0.1:{port}", api.group(1).decode(), process)
    finally:
        process.terminate()
        process.communicate(timeout=10)  # waits, and closes the pipes


@pytest.fixture
def receiver(cli: CLI) -> Iterator[Receiver]:
    """A receiver that resolves what comes at once (--cnl-auto): the user said so."""
    with receiving(cli, "--cnl-auto") as running:
        yield running


def read_lines(process: subprocess.Popen[bytes], count: int, *, stderr: bool = False) -> list[str]:
    """``count`` lines of the receiver's output (read from the pipe itself: select and a
    buffered reader do not mix)."""
    pipe = process.stderr if stderr else process.stdout
    assert pipe is not None
    fd = pipe.fileno()
    buffer = b""
    deadline = time.monotonic() + 20
    while buffer.count(b"\n") < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            buffer += os.read(fd, 65536)
    return buffer.decode().splitlines()[:count]


def test_a_click_and_load_round_trip(receiver: Receiver) -> None:
    url, process = receiver.url, receiver.process
    check = requests.get(f"{url}/jdcheck.js", timeout=5)
    assert "jdownloader=true" in check.text
    links = ["https://openload.co/f/cnl-one/x", "https://rapidgator.net/file/cnltwo/Movie.rar.html"]
    answer = requests.post(
        f"{url}/flash/addcrypted2",
        data={"crypted": encrypt(links), "jk": JK, "passwords": "", "source": "https://forum.example/t/1"},
        timeout=10,
    )
    assert answer.text.strip() == "success"
    resolved = [json.loads(line) for line in read_lines(process, 2)]
    assert [r["input"] for r in resolved] == links
    assert all(r["status"] == "ok" for r in resolved)
    plain = requests.post(f"{url}/flash/add", data={"urls": "https://openload.co/f/cnl-three/x"}, timeout=10)
    assert plain.text.strip() == "success"
    assert json.loads(read_lines(process, 1)[0])["input"] == "https://openload.co/f/cnl-three/x"


def test_a_bad_payload_is_refused_and_the_receiver_lives_on(receiver: Receiver) -> None:
    url, process = receiver.url, receiver.process
    bad = requests.post(f"{url}/flash/addcrypted2", data={"crypted": encrypt(["x"]), "jk": "nope"}, timeout=5)
    assert bad.status_code == 400 and bad.text.strip() == "failed"
    assert requests.get(f"{url}/jdcheck.js", timeout=5).status_code == 200
    assert process.poll() is None


def job_when_done(api: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = requests.get(f"{api}/api/jobs/{job_id}", timeout=10).json()
        if job["done"] and not job["downloading"]:
            return job
        time.sleep(0.1)
    raise AssertionError(f"the job did not end: {job}")


def test_click_and_load_links_become_a_job_the_page_follows(receiver: Receiver) -> None:
    """The page's list of jobs (an event stream) tells of the job as the links arrive; the
    job's rows resolve as a pasted text's do, and the links are still printed."""
    feed = requests.get(f"{receiver.api}/api/events", stream=True, timeout=10)
    events = (
        json.loads(line[6:]) for line in feed.iter_lines(decode_unicode=True) if line.startswith("data: ")
    )
    assert next(events) == {"jobs": []}
    links = [
        "https://openload.co/f/wait1-cnlpage1/Holiday.mkv",
        "https://rapidgator.net/file/cnlpage2/Holiday.nfo",
    ]
    answer = requests.post(
        f"{receiver.url}/flash/addcrypted2",
        data={
            "crypted": encrypt(links),
            "jk": JK,
            "package": "Holiday",
            "source": "https://forum.example/t/2",
        },
        timeout=10,
    )
    assert answer.text.strip() == "success"
    [listed] = next(events)["jobs"]
    assert listed["origin"] == "clicknload" and listed["package"] == "Holiday"
    # The same stream carries the job's every change, up to its end.
    seen: list[list[str]] = []
    for event in events:
        [update] = event["updates"]
        assert update["id"] == listed["id"]
        seen.append([row["state"] for row in update["links"]])
        if update["done"]:
            break
    feed.close()
    assert seen[0] != seen[-1] == ["resolved", "resolved"]
    job = job_when_done(receiver.api, listed["id"])
    assert [row["input"] for row in job["links"]] == links
    printed = [json.loads(line) for line in read_lines(receiver.process, 2)]
    assert [line["input"] for line in printed] == links and {line["status"] for line in printed} == {"ok"}


def test_click_and_load_downloads_with_o_and_the_rows_say_so(cli: CLI) -> None:
    folder = cli.home / "cnl-downloads"
    with receiving(cli, "--cnl-auto", "-o", str(folder)) as running:
        link = "https://openload.co/f/size1m-cnldl/Clip.mkv"
        answer = requests.post(f"{running.url}/flash/add", data={"urls": link, "source": "forum"}, timeout=10)
        assert answer.text.strip() == "success"
        [printed] = [json.loads(line) for line in read_lines(running.process, 1)]
        [listed] = requests.get(f"{running.api}/api/jobs", timeout=10).json()["jobs"]
        job = job_when_done(running.api, listed["id"])
    assert printed["input"] == link and printed["verified"] is True
    row = job["links"][0]
    assert row["download"] == "saved" and printed["path"] == str(folder / row["saved_as"])
    assert (folder / row["saved_as"]).stat().st_size == 1 << 20


def test_click_and_load_human_lines_carry_no_terminal_controls(cli: CLI) -> None:
    """A website chooses the package name, a file host the names and messages: what reaches
    the terminal cannot drive it."""
    with receiving(cli, "--cnl-auto", json_lines=False) as running:
        links = "https://openload.co/f/cnlhuman1/x\nhttps://rapidgator.net/file/status404"
        package = "Holiday\x1b[2J\x1b]0;pwned\x07" + "x" * 500
        answer = requests.post(
            f"{running.url}/flash/add", data={"urls": links, "package": package}, timeout=10
        )
        assert answer.text.strip() == "success"
        [said, failed] = read_lines(running.process, 2, stderr=True)
        [printed] = read_lines(running.process, 1)
    kept = package[:200]  # the first 200 characters, without the controls
    assert said == f"Click'n'Load: 2 links ({kept.replace(chr(27), '').replace(chr(7), '')})"
    assert failed.startswith("https://rapidgator.net/file/status404: ") and "\x1b" not in failed
    assert printed.startswith("http://127.0.0.1:") and printed.endswith("/cnlhuman1.bin")


def test_a_jk_with_a_decoy_return_is_read_as_code_or_refused() -> None:
    """A ``return`` inside a string or a comment is no return; two keys are refused."""
    other = "00" * 16
    assert key_from_jk(f"function f(){{ var s = \"return 'bad'\"; return '{KEY_HEX}'}}") == bytes.fromhex(
        KEY_HEX
    )
    assert key_from_jk(f"function f(){{ var s = \"return '{other}'\"; return '{KEY_HEX}'}}") == bytes.fromhex(
        KEY_HEX
    )
    assert key_from_jk(
        f"function f(){{ /* return '{other}' */ return \"{KEY_HEX}\"; }} // return '{other}'"
    ) == (bytes.fromhex(KEY_HEX))
    for jk in [
        f"function f(){{ if (a) return '{other}'; return '{KEY_HEX}'; }}",  # which one?
        "function f(){ return g(); }",
        f"var k = '{KEY_HEX}';",  # no return
    ]:
        with pytest.raises(ClickAndLoadError):
            key_from_jk(jk)


def api_post(api: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
    token = requests.get(f"{api}/api/session", timeout=10).json()["csrf"]
    return requests.post(f"{api}{path}", json=body or {}, headers={"X-CSRF-Token": token}, timeout=10)


def nothing_on(process: subprocess.Popen[bytes], seconds: float) -> bool:
    assert process.stdout is not None
    return not select.select([process.stdout.fileno()], [], [], seconds)[0]


def test_click_and_load_links_wait_for_the_users_confirmation(cli: CLI) -> None:
    """Any page the user opens can post to the receiver: without --cnl-auto nothing is
    resolved until the user says so on the page; the terminal shows what came, without its
    controls. Before: the links were resolved (and downloaded with -o) at once."""
    with receiving(cli, json_lines=False) as running:
        package = "Holiday\x1b]0;pwned\x07\x1b[2J"
        source = "https://evil.example/\x1b[31mred\u202e"
        links = ["https://openload.co/f/cnlwait1/x", "https://rapidgator.net/file/cnlwait2/F.rar.html"]
        started = time.monotonic()
        answer = requests.post(
            f"{running.url}/flash/add",
            data={"urls": "\n".join(links), "package": package, "source": source},
            timeout=10,
        )
        assert answer.text.strip() == "success" and time.monotonic() - started < 2
        said = read_lines(running.process, 3, stderr=True)
        assert said[0] == (
            "Click'n'Load: 2 links (Holiday]0;pwned[2J) from https://evil.example/[31mred, not resolved:"
            f" confirm or discard them on {running.api} (or serve with --cnl-auto)"
        )
        assert said[1:] == [f"  {link}" for link in links]
        assert not any(char in line for line in said for char in "\x1b\x07\u202e")
        [listed] = requests.get(f"{running.api}/api/jobs", timeout=10).json()["jobs"]
        assert listed["stage"] == "unconfirmed" and listed["package"] == package[:200]
        assert nothing_on(running.process, 1.5)  # not resolved, so nothing printed
        job = requests.get(f"{running.api}/api/jobs/{listed['id']}", timeout=10).json()
        assert [row["state"] for row in job["links"]] == ["unconfirmed"] * 2 and not job["done"]
        # The user confirms on the page: the links resolve and are printed as before.
        confirmed = api_post(running.api, f"/api/jobs/{listed['id']}/confirm")
        assert confirmed.status_code == 202 and confirmed.json()["stage"] in ("queued", "resolving")
        printed = read_lines(running.process, 2)
        assert all(line.startswith("http://127.0.0.1:") for line in printed), printed
        assert job_when_done(running.api, listed["id"])["stage"] == "ended"
        assert api_post(running.api, f"/api/jobs/{listed['id']}/confirm").status_code == 409
        # Another delivery, discarded: it is gone, and nothing of it is printed.
        requests.post(
            f"{running.url}/flash/add", data={"urls": "https://openload.co/f/cnlwait3/x"}, timeout=10
        )
        read_lines(running.process, 2, stderr=True)
        jobs = requests.get(f"{running.api}/api/jobs", timeout=10).json()["jobs"]
        assert len(jobs) == 2 and jobs[1]["stage"] == "unconfirmed"
        assert api_post(running.api, f"/api/jobs/{jobs[1]['id']}/discard").json() == {
            "discarded": jobs[1]["id"]
        }
        assert requests.get(f"{running.api}/api/jobs/{jobs[1]['id']}", timeout=10).status_code == 404
        assert nothing_on(running.process, 1.0)


def test_click_and_load_answers_before_the_links_are_even_read(sandbox: Sandbox, tmp_path: Path) -> None:
    """Finding the links may fetch hoster lists; the website's request does not wait."""
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    reading = threading.Event()
    go_on = threading.Event()
    real_links_in = resolver.links_in

    def slow_links_in(texts: Any) -> list[str]:
        reading.set()
        assert go_on.wait(30)
        return real_links_in(texts)

    resolver.links_in = slow_links_in  # type: ignore[method-assign]
    jobs = JobManager(resolver)
    args = argparse.Namespace(json=False, cnl_auto=False)
    streams = SimpleNamespace(stdout=io.StringIO(), stderr=io.StringIO())
    receiver = Client(_click_and_load(jobs, None, args, streams, "http://127.0.0.1:1"))  # type: ignore[arg-type]
    started = time.monotonic()
    answer = receiver.post("/flash/add", data={"urls": "https://openload.co/f/cnlfast/x"})
    assert answer.status_code == 200 and answer.get_data(as_text=True).strip() == "success"
    assert time.monotonic() - started < 1 and reading.wait(5) and jobs.kept() == []
    go_on.set()
    deadline = time.monotonic() + 10
    while not jobs.kept() and time.monotonic() < deadline:
        time.sleep(0.05)
    [job] = jobs.kept()
    assert job.stage == "unconfirmed" and [row.input for row in job.rows] == [
        "https://openload.co/f/cnlfast/x"
    ]


def test_the_forms_password_and_mirrors_go_with_the_job(receiver: Receiver, sandbox: Sandbox) -> None:
    """The ``passwords`` field (pyLoad and JDownloader take it as the package's password)
    goes with the links' provider calls; of the links holding one file, the first that
    resolves serves it and the one after it is never asked."""
    offline = "https://rapidgator.net/file/status404/cnl.Film.protected.mkv.html"
    protected = "https://hitfile.net/cnlpw/cnl.Film.protected.mkv"
    unneeded = "https://rg.to/file/cnlunneeded/cnl.Film.protected.mkv.html"
    began = time.time()
    answer = requests.post(
        f"{receiver.url}/flash/addcrypted2",
        data={"crypted": encrypt([offline, protected, unneeded]), "jk": JK, "passwords": "sandbox\nother"},
        timeout=10,
    )
    assert answer.text.strip() == "success"
    printed = [json.loads(line) for line in read_lines(receiver.process, 2)]
    assert [(r["input"], r["status"]) for r in printed] == [(offline, "error"), (protected, "ok")]
    [listed] = requests.get(f"{receiver.api}/api/jobs", timeout=10).json()["jobs"]
    job = job_when_done(receiver.api, listed["id"])
    assert job["password"] == "sandbox"  # the first of the lines given
    assert [row["state"] for row in job["links"]] == ["offline", "resolved", "mirror"]
    calls = [call for call in list(sandbox.request_log) if call.at >= began]
    assert not [call for call in calls if unneeded in call.values.values()]
    unlocks = [call.values.get("password") for call in calls if protected in call.values.values()]
    assert unlocks and set(unlocks) == {"sandbox"}


@pytest.mark.parametrize(
    ("fields", "password"),
    [
        ({}, None),
        ({"passwords": ""}, None),
        ({"passwords": " \n \n"}, None),
        ({"passwords": "  secret words  "}, "secret words"),
        ({"passwords": "\n\nfirst\nsecond"}, "first"),
        ({"passwords": "x" * 500}, "x" * 200),
    ],
)
def test_the_package_password_of_a_form(fields: dict[str, str], password: str | None) -> None:
    assert clicknload_password(fields) == password
