"""The JSON API of `linkresolver serve`, through Flask's test client, on the sandbox."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from resolver_core.config import load_config
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver
from resolver_core.sandbox import Sandbox
from resolver_core.sandbox.captcha import read_answer
from resolver_core.web.app import MAX_TEXT, create_app

from .conftest import PREFER_FILE_HOSTS

POST = "Parts: https://rapidgator.net/file/web01/A.rar.html and https://openload.co/f/web02/x\nhttps://example.com/x"


def sandbox_resolver(sandbox: Sandbox, tmp_path: Path, env: dict[str, str]) -> Resolver:
    config_path = tmp_path / "config.toml"
    config_path.write_text(PREFER_FILE_HOSTS, encoding="utf-8")  # the ticket flows' rows are tested
    return build_resolver(
        load_config(config_path, env=env),
        pm=make_plugin_manager(load_entry_points=False, env=env),
        cache_dir=tmp_path / "cache",
    )


@pytest.fixture
def client(sandbox: Sandbox, tmp_path: Path) -> Iterator[FlaskClient]:
    resolver = sandbox_resolver(
        sandbox, tmp_path, {**sandbox.env(), "LINKRESOLVER_DISABLE_PLUGINS": "offcloud"}
    )
    app = create_app(resolver, output=tmp_path / "downloads")
    with app.test_client() as test_client:
        yield test_client


def csrf(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").get_json()["csrf"]}


def finished(client: FlaskClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").get_json()
        if job["done"]:
            return job
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_resolve_starts_a_job_whose_rows_reach_their_end(client: FlaskClient) -> None:
    answer = client.post("/api/resolve", json={"text": POST}, headers=csrf(client))
    assert answer.status_code == 202
    started = answer.get_json()
    assert [row["input"] for row in started["links"]] == [
        "https://rapidgator.net/file/web01/A.rar.html",
        "https://openload.co/f/web02/x",
        "https://example.com/x",
    ]
    job = finished(client, started["id"])
    assert [row["state"] for row in job["links"]] == ["resolved", "resolved", "unsupported"]
    assert job["links"][0]["provider"] == "premiumize" and job["links"][1]["sha1"]


def test_events_stream_every_change_until_done(client: FlaskClient) -> None:
    started = client.post(
        "/api/resolve", json={"text": "https://openload.co/f/wait1-sse/x"}, headers=csrf(client)
    )
    stream = client.get(f"/api/jobs/{started.get_json()['id']}/events")
    assert stream.mimetype == "text/event-stream"
    events = [
        json.loads(line[6:])
        for line in stream.get_data(as_text=True).splitlines()
        if line.startswith("data: ")
    ]
    assert events[-1]["done"] is True and events[-1]["links"][0]["state"] == "resolved"
    assert any(event["links"][0]["state"] == "waiting" for event in events)  # the ticket's wait showed


def test_a_captcha_is_answered_through_the_api(client: FlaskClient) -> None:
    headers = csrf(client)
    job_id = client.post(
        "/api/resolve", json={"text": "https://openload.co/f/captcha-web/x"}, headers=headers
    ).get_json()["id"]
    deadline = time.monotonic() + 20
    row: dict[str, Any] = {}
    while time.monotonic() < deadline:
        row = client.get(f"/api/jobs/{job_id}").get_json()["links"][0]
        if row["state"] == "captcha":
            break
        time.sleep(0.05)
    assert row["state"] == "captcha" and row["captcha"]["image"].startswith("data:image/png;base64,")
    import base64

    answer = read_answer(base64.b64decode(row["captcha"]["image"].split(",", 1)[1]))
    reply = client.post(
        f"/api/jobs/{job_id}/captcha", json={"position": 0, "answer": answer}, headers=headers
    )
    assert reply.status_code == 200
    assert finished(client, job_id)["links"][0]["state"] == "resolved"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"text": ""}, 400, "not empty"),
        ({"text": "no links at all"}, 400, "no links found"),
        ({"nothing": 1}, 400, '"text"'),
        ("not json", 400, "JSON object"),
        ({"text": "x" * (MAX_TEXT + 1)}, 413, "MiB"),
    ],
)
def test_bad_input_gets_a_4xx_with_a_message(client: FlaskClient, body: Any, status: int, words: str) -> None:
    headers = csrf(client)
    if isinstance(body, str):
        answer = client.post(
            "/api/resolve", data=body, headers={**headers, "Content-Type": "application/json"}
        )
    else:
        answer = client.post("/api/resolve", json=body, headers=headers)
    assert answer.status_code == status
    assert words in answer.get_json()["error"]


def test_ten_megabytes_are_refused_before_reading(client: FlaskClient) -> None:
    answer = client.post(
        "/api/check", data="x" * (10 << 20), headers={**csrf(client), "Content-Type": "application/json"}
    )
    assert answer.status_code == 413 and "MiB" in answer.get_json()["error"]


def test_state_changing_requests_need_the_csrf_token(client: FlaskClient) -> None:
    refused = client.post("/api/resolve", json={"text": POST})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.get_json()["error"]


def test_check_accounts_hosts_and_the_openapi_document(client: FlaskClient) -> None:
    checked = client.post(
        "/api/check", json={"text": "https://openload.co/f/status404web/x"}, headers=csrf(client)
    )
    assert checked.get_json()["links"][0]["status"] == "offline"
    accounts = {row["provider"]: row for row in client.get("/api/accounts").get_json()["accounts"]}
    assert accounts["premiumize"]["type"] == "premium"
    assert "sandbox-key" not in json.dumps(accounts) and "pin" not in json.dumps(accounts).lower()
    hosters = {h["hoster"] for h in client.get("/api/hosts").get_json()["hosters"]}
    assert {"rapidgator.net", "openload.co"} <= hosters
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and "/api/resolve" in document["paths"]
    assert client.get("/api/nothing").status_code == 404


def test_a_token_is_required_when_configured(sandbox: Sandbox, tmp_path: Path) -> None:
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    with create_app(resolver, token="s3cret-token").test_client() as client:
        assert client.get("/api/session").status_code == 401
        assert client.get("/api/session", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.example:8765", "127.0.0.1.nip.io:8765", "[::1]:port"])
def test_without_a_token_only_requests_addressed_to_loopback_are_answered(
    sandbox: Sandbox, tmp_path: Path, host: str
) -> None:
    """DNS rebinding: a page whose name now points at 127.0.0.1 is the service's origin and
    could read the CSRF token; its requests name it in Host, and are refused."""
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    with create_app(resolver).test_client() as client:
        refused = client.get("/api/session", headers={"Host": host})
        assert refused.status_code == 403 and "127.0.0.1 or localhost" in refused.get_json()["error"]
        assert client.post("/api/resolve", json={"text": "x"}, headers={"Host": host}).status_code == 403
        for own in ("localhost:8765", "127.0.0.1:8765", "[::1]:8765"):
            assert client.get("/api/session", headers={"Host": own}).status_code == 200


def test_with_a_token_any_host_name_may_be_used(sandbox: Sandbox, tmp_path: Path) -> None:
    """Off loopback the service is reached by the machine's name or address, whatever they
    are; the token is what protects it there."""
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    with create_app(resolver, token="s3cret-token").test_client() as client:
        headers = {"Authorization": "Bearer s3cret-token", "Host": "nas.lan:8765"}
        assert client.get("/api/session", headers=headers).status_code == 200


def test_serve_refuses_a_network_address_without_a_token(cli: Any) -> None:
    run = cli("serve", "--host", "0.0.0.0", "--port", "0")
    assert run.returncode == 2 and "needs --token" in run.stderr


@dataclass
class Served:
    """A ``linkresolver serve`` running in a subprocess."""

    url: str
    process: subprocess.Popen[bytes]
    #: Everything it wrote on stderr (filled when it has stopped).
    said: list[bytes] = field(default_factory=list)


@contextlib.contextmanager
def serving(cli: Any, env: dict[str, str] | None = None) -> Iterator[Served]:
    """``linkresolver serve --sandbox --port 0`` in a subprocess."""
    process = subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "serve", "--sandbox", "--port", "0"],
        env={**cli.env, **(env or {})},
        cwd=cli.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    served: Served | None = None
    try:
        deadline = time.monotonic() + 20
        while b"/api/openapi.json" not in seen and time.monotonic() < deadline:
            if select.select([process.stderr], [], [], 0.5)[0]:
                seen += os.read(process.stderr.fileno(), 4096)
        base = re.search(rb"serve: (http://127\.0\.0\.1:\d+)", seen)
        assert base is not None, seen
        served = Served(base.group(1).decode(), process)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
        _, rest = process.communicate(timeout=10)
        if served is not None:
            served.said.append(seen + rest)


def test_serve_sandbox_answers_over_http(cli: Any) -> None:
    import requests

    with serving(cli) as served:
        url = served.url
        session = requests.Session()
        token = session.get(f"{url}/api/session", timeout=10).json()["csrf"]
        job = session.post(
            f"{url}/api/resolve",
            json={"text": "https://rapidgator.net/file/srv01"},
            headers={"X-CSRF-Token": token},
            timeout=10,
        ).json()
        deadline = time.monotonic() + 20
        while not job["done"] and time.monotonic() < deadline:
            time.sleep(0.1)
            job = session.get(f"{url}/api/jobs/{job['id']}", timeout=10).json()
        assert job["links"][0]["state"] == "resolved"


def test_serve_takes_its_token_from_the_environment(cli: Any) -> None:
    """LINKRESOLVER_SERVE_TOKEN: the token is required, and never shown (nor in `ps`)."""
    import requests

    token = "S3NT1NEL-serve-token-from-env"
    with serving(cli, {"LINKRESOLVER_SERVE_TOKEN": token}) as served:
        url = served.url
        assert requests.get(f"{url}/api/session", timeout=10).status_code == 401
        bearer = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{url}/api/session", headers=bearer, timeout=10).status_code == 200
    assert token.encode() not in served.said[0]


def test_exports_as_text_aria2_and_crawljob(client: FlaskClient) -> None:
    job_id = client.post("/api/resolve", json={"text": POST}, headers=csrf(client)).get_json()["id"]
    job = finished(client, job_id)
    urls = [row["url"] for row in job["links"] if row["state"] == "resolved"]
    text = client.get(f"/api/jobs/{job_id}/export?format=text")
    assert text.get_data(as_text=True).split() == urls
    aria2 = client.get(f"/api/jobs/{job_id}/export?format=aria2").get_data(as_text=True)
    assert aria2.count("\n  out=") == 2 and "checksum=sha-1=" in aria2
    crawl = json.loads(client.get(f"/api/jobs/{job_id}/export?format=crawljob").get_data(as_text=True))
    assert [entry["text"] for entry in crawl] == urls
    assert client.get(f"/api/jobs/{job_id}/export?format=zip").status_code == 400


def test_downloads_into_the_servers_folder_with_progress(client: FlaskClient, tmp_path: Path) -> None:
    headers = csrf(client)
    text = "https://openload.co/f/size3m-webdl/x https://rapidgator.net/file/webdl2/Film.mkv"
    job_id = client.post("/api/resolve", json={"text": text}, headers=headers).get_json()["id"]
    finished(client, job_id)
    assert client.post(f"/api/jobs/{job_id}/download", json={}, headers=headers).status_code == 202
    job = until(client, job_id, lambda job: not job["downloading"], seconds=30)
    rows = job["links"]
    assert [row["download"] for row in rows] == ["saved", "saved"]
    assert rows[0]["verified"] is True and rows[0]["downloaded"] == 3 << 20
    assert sorted(p.name for p in (tmp_path / "downloads").iterdir()) == sorted(
        row["saved_as"] for row in rows
    )
    again = client.post(f"/api/jobs/{job_id}/download", json={}, headers=headers)
    assert again.status_code == 409 and "nothing to download" in again.get_json()["error"]


def test_no_download_folder_no_downloads(sandbox: Sandbox, tmp_path: Path) -> None:
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    with create_app(resolver).test_client() as client:
        headers = csrf(client)
        job_id = client.post(
            "/api/resolve", json={"text": "https://rg.to/file/nodl"}, headers=headers
        ).get_json()["id"]
        answer = client.post(f"/api/jobs/{job_id}/download", json={}, headers=headers)
        assert answer.status_code == 409 and "serve -o DIR" in answer.get_json()["error"]


def test_a_download_another_process_is_doing_fails_that_row_only(
    client: FlaskClient, tmp_path: Path, cli: Any
) -> None:
    from .test_download import leftovers, sha1_of, start_download

    folder = tmp_path / "downloads"
    link = "https://openload.co/f/size24m-slow4-webbusy/Film.mkv"
    first = start_download(cli, folder, link)
    headers = csrf(client)
    text = f"{link} https://openload.co/f/size1m-webfree/x"
    job_id = client.post("/api/resolve", json={"text": text}, headers=headers).get_json()["id"]
    finished(client, job_id)
    assert client.post(f"/api/jobs/{job_id}/download", json={}, headers=headers).status_code == 202
    job = until(client, job_id, lambda job: not job["downloading"], seconds=30)
    overlapped = first.poll() is None
    stdout, stderr = first.communicate(timeout=60)
    busy, free = job["links"]
    assert busy["download"] == "failed" and free["download"] == "saved"
    assert "size24m-slow4-webbusy.bin is being downloaded into" in busy["error"]
    assert "by another process" in busy["error"]
    assert overlapped
    assert first.returncode == 0, stderr
    line = json.loads(stdout)
    assert line["status"] == "ok" and sha1_of(Path(str(line["path"]))) == line["sha1"]
    assert leftovers(folder) == []


# -- the first Ctrl-C, captchas and done, folders ----------------------------------------------


def until(
    client: FlaskClient, job_id: str, test: Callable[[dict[str, Any]], bool], seconds: float = 20
) -> dict[str, Any]:
    """The job's state once ``test`` holds for it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").get_json()
        if test(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the job never got there: {job}")


def answer_of(row: dict[str, Any]) -> str:
    """The answer to a row's captcha, read from its image as a person would."""
    answer = read_answer(base64.b64decode(row["captcha"]["image"].split(",", 1)[1]))
    assert answer is not None
    return answer


def test_serve_stops_at_the_first_ctrl_c_while_a_captcha_waits(cli: Any) -> None:
    """A captcha waits five minutes for its answer; Ctrl-C does not wait for it. (Streamango
    links: no debrid service of the sandbox lists streamango, so its ticket flow runs.)"""
    import requests

    with serving(cli) as served:
        session = requests.Session()
        token = session.get(f"{served.url}/api/session", timeout=10).json()["csrf"]
        job = session.post(
            f"{served.url}/api/resolve",
            json={"text": "https://streamango.com/f/captcha-ctrlc/x https://streamango.com/f/wait30-ctrlc/y"},
            headers={"X-CSRF-Token": token},
            timeout=10,
        ).json()
        deadline = time.monotonic() + 20
        while [row["state"] for row in job["links"]] != ["captcha", "waiting"]:
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = session.get(f"{served.url}/api/jobs/{job['id']}", timeout=10).json()
        interrupted = time.monotonic()
        served.process.send_signal(signal.SIGINT)
        returncode = served.process.wait(timeout=15)
        took = time.monotonic() - interrupted
    assert returncode == 130
    assert took < 5
    said = served.said[0].decode()
    assert "Traceback" not in said and said.rstrip().endswith("interrupted"), said


def test_a_job_is_not_done_while_a_row_waits_for_a_captcha(client: FlaskClient) -> None:
    """Not when every other row has ended, nor when their downloads have."""
    headers = csrf(client)
    text = "https://openload.co/f/captcha-notdone/x https://rapidgator.net/file/notdone2/Film.mkv"
    job_id = client.post("/api/resolve", json={"text": text}, headers=headers).get_json()["id"]
    job = until(client, job_id, lambda job: [r["state"] for r in job["links"]] == ["captcha", "resolved"])
    assert job["done"] is False and job["needs_captcha"] == 1
    assert client.post(f"/api/jobs/{job_id}/download", json={}, headers=headers).get_json() == {
        "downloading": 1
    }
    job = until(client, job_id, lambda job: job["links"][1]["download"] == "saved")
    assert job["downloading"] == 0 and job["done"] is False and job["links"][0]["state"] == "captcha"
    listed = {j["id"]: j for j in client.get("/api/jobs").get_json()["jobs"]}
    assert listed[job_id]["done"] is False and listed[job_id]["origin"] == "paste"
    reply = client.post(
        f"/api/jobs/{job_id}/captcha",
        json={"position": 0, "answer": answer_of(job["links"][0])},
        headers=headers,
    )
    assert reply.status_code == 200
    job = finished(client, job_id)
    assert [row["state"] for row in job["links"]] == ["resolved", "resolved"] and job["needs_captcha"] == 0


def test_the_same_captcha_link_in_two_jobs_asks_in_each_jobs_row(client: FlaskClient) -> None:
    """Each resolution's captcha shows in its own job's row, and its answer goes to it."""
    headers = csrf(client)
    ids = [
        client.post(
            "/api/resolve", json={"text": "https://openload.co/f/captcha-twice/x"}, headers=headers
        ).get_json()["id"]
        for _ in range(2)
    ]
    rows = [
        until(client, job_id, lambda job: job["links"][0]["state"] == "captcha")["links"][0] for job_id in ids
    ]
    for job_id, row in zip(ids, rows, strict=True):
        reply = client.post(
            f"/api/jobs/{job_id}/captcha", json={"position": 0, "answer": answer_of(row)}, headers=headers
        )
        assert reply.status_code == 200
    assert [finished(client, job_id)["links"][0]["state"] for job_id in ids] == ["resolved", "resolved"]


@pytest.fixture
def client_with_offcloud(sandbox: Sandbox, tmp_path: Path) -> Iterator[FlaskClient]:
    """Every provider, Offcloud's folders too."""
    app = create_app(sandbox_resolver(sandbox, tmp_path, sandbox.env()), output=tmp_path / "downloads")
    with app.test_client() as test_client:
        yield test_client


def test_a_folder_says_every_file_it_saved(client_with_offcloud: FlaskClient, tmp_path: Path) -> None:
    client = client_with_offcloud
    headers = csrf(client)
    pack = "magnet:?xt=urn:btih:3c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Holiday.pack"
    job_id = client.post("/api/resolve", json={"text": pack}, headers=headers).get_json()["id"]
    row = finished(client, job_id)["links"][0]
    assert row["state"] == "resolved" and row["provider"] == "offcloud" and len(row["files"]) == 3
    assert client.post(f"/api/jobs/{job_id}/download", json={}, headers=headers).status_code == 202
    row = until(client, job_id, lambda job: not job["downloading"])["links"][0]
    on_disk = sorted(path.name for path in (tmp_path / "downloads").iterdir())
    assert row["download"] == "saved" and sorted(row["saved"]) == on_disk and len(on_disk) == 3
    assert row["saved_as"] == row["saved"][0]
    # Offcloud tells no folder file's size: the page shows a bar that does not say how far.
    assert row["download_size"] is None and {f["size"] for f in row["files"]} == {None}
    assert row["downloaded"] == sum((tmp_path / "downloads" / name).stat().st_size for name in on_disk)


def test_serve_on_ipv6_loopback_says_its_address_in_brackets(cli: Any) -> None:
    """``http://::1:8765`` is no URL; before, that is what serve printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "serve", "--sandbox", "--host", "::1", "--port", "0"],
        env=cli.env,
        cwd=cli.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    try:
        deadline = time.monotonic() + 20
        while b"/api/openapi.json" not in seen and time.monotonic() < deadline:
            if select.select([process.stderr], [], [], 0.5)[0]:
                seen += os.read(process.stderr.fileno(), 4096)
        found = re.search(rb"linkresolver serve: (http://\S+) \(GET /api/openapi.json\)", seen)
        assert found is not None, seen
        url = found.group(1).decode()
        assert re.fullmatch(r"http://\[::1\]:\d+", url), url
        assert "csrf" in requests.get(f"{url}/api/session", timeout=10).json()
    finally:
        process.terminate()
        process.communicate(timeout=10)
