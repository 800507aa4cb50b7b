"""Forum posts, as BBCode, HTML and prose, through the command line and the page's API
against the sandbox: the archive's password the post gives reaches the provider that
unlocks the link, and of a mirror set (one file on several hosters, its first mirror
offline) the file is got once, from the first mirror that serves it; the mirror after it
is never asked of any provider."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from resolver_core.sandbox import Sandbox
from resolver_core.web.app import create_app

from .conftest import CLI
from .test_web_api import csrf, finished, sandbox_resolver

#: The sandbox's AllDebrid unlocks this link with the link password "sandbox" only.
PASSWORD = "sandbox"
#: One file on three hosters: the first is offline at the hoster, the second needs the
#: password, the third is never needed.
OFFLINE = "https://rapidgator.net/file/status404/protected.Film.mkv.html"
PROTECTED = "https://hitfile.net/pw1/protected.Film.mkv"
UNNEEDED = "https://rg.to/file/pw1unneeded/protected.Film.mkv.html"
#: Another file of the post, alone.
OTHER = "https://rapidgator.net/file/mpw01/Extras.rar.html"

BBCODE = f"""[b]Holiday film[/b] (1080p)
[url={OFFLINE}]Rapidgator[/url]
[url={PROTECTED}]Hitfile[/url]
[url={UNNEEDED}]RG mirror[/url]
Extras: [url]{OTHER}[/url]
[b]Password:[/b] [code]{PASSWORD}[/code]
"""
HTML = f"""<div class="post"><p><b>Holiday film</b></p>
<ul><li><a href="{OFFLINE}">{OFFLINE}</a></li>
<li><a href="{PROTECTED}">{PROTECTED}</a></li>
<li><a href="{UNNEEDED}">{UNNEEDED}</a></li></ul>
<p>Extras: <a href="{OTHER}">{OTHER}</a></p>
<p><strong>Passwort:</strong> <span>{PASSWORD}</span></p></div>
"""
PROSE = f"""Here is the film, three mirrors, take whichever works:
{OFFLINE}
{PROTECTED}
{UNNEEDED}
and the extras {OTHER}
The password is {PASSWORD}.
"""
POSTS = pytest.mark.parametrize("post", [BBCODE, HTML, PROSE], ids=["bbcode", "html", "prose"])


def asked(sandbox: Sandbox, since: float, link: str) -> list[str]:
    """The API paths the sandbox answered for ``link`` since then (any provider's)."""
    return [
        call.path for call in list(sandbox.request_log) if call.at >= since and link in call.values.values()
    ]


def unlocked_with(sandbox: Sandbox, since: float) -> list[str | None]:
    """The password each of AllDebrid's unlock calls for the protected link carried."""
    return [
        call.values.get("password")
        for call in list(sandbox.request_log)
        if call.at >= since and "/alldebrid/" in call.path and PROTECTED in call.values.values()
    ]


@POSTS
def test_resolve_mirrors_json_gets_the_file_once_with_the_posts_password(
    cli: CLI, sandbox: Sandbox, post: str
) -> None:
    began = time.time()
    run = cli("resolve", "--mirrors", "--json", "--fresh", stdin=post)
    records = {record["input"]: record for record in run.json_lines()}
    assert list(records) == [OFFLINE, PROTECTED, UNNEEDED, OTHER]
    assert run.returncode == 0, run.stderr  # every file was got, though one mirror is offline

    offline, protected, unneeded, other = (records[link] for link in (OFFLINE, PROTECTED, UNNEEDED, OTHER))
    assert offline["status"] == "error" and offline["code"] == 404 and offline["mirror_of"] == PROTECTED
    assert protected["status"] == "ok" and protected["provider"] == "alldebrid", protected
    assert protected["filename"] == "protected.Film.mkv" and protected["mirror_of"] is None
    assert unneeded["status"] == "mirror" and unneeded["mirror_of"] == PROTECTED
    # Every field is there, null when unknown.
    assert set(unneeded) == set(protected) and unneeded["url"] is None and unneeded["error"] is None
    assert other["status"] == "ok" and other["mirror_of"] is None

    assert unlocked_with(sandbox, began) and set(unlocked_with(sandbox, began)) == {PASSWORD}
    assert asked(sandbox, began, UNNEEDED) == []  # never asked of any provider
    assert asked(sandbox, began, OFFLINE)  # it was tried first


def test_without_mirrors_resolve_asks_for_every_link_as_before(cli: CLI, sandbox: Sandbox) -> None:
    began = time.time()
    run = cli("resolve", "--json", "--fresh", stdin=PROSE)
    statuses = {record["input"]: record["status"] for record in run.json_lines()}
    assert statuses == {OFFLINE: "error", PROTECTED: "ok", UNNEEDED: "ok", OTHER: "ok"}
    assert all(record["mirror_of"] is None for record in run.json_lines())
    assert run.returncode == 1  # a link failed: today's meaning of the exit status
    assert asked(sandbox, began, UNNEEDED)


def test_the_command_lines_link_password_wins_over_the_posts(cli: CLI, sandbox: Sandbox) -> None:
    began = time.time()
    run = cli("resolve", "--json", "--fresh", "--link-password", "not-the-posts", PROTECTED, stdin="")
    assert run.json_lines()[0]["status"] == "error"
    run = cli("resolve", "--json", "--fresh", "--link-password", "not-the-posts", "-", stdin=PROSE)
    assert {r["input"]: r["status"] for r in run.json_lines()}[PROTECTED] == "error"
    assert set(unlocked_with(sandbox, began)) == {"not-the-posts"}


def test_a_text_without_a_password_lends_none(cli: CLI, sandbox: Sandbox) -> None:
    began = time.time()
    run = cli("resolve", "--json", "--fresh", stdin=f"Film: {PROTECTED}\nPassword: none\n")
    assert run.json_lines()[0]["status"] == "error"
    assert unlocked_with(sandbox, began) and set(unlocked_with(sandbox, began)) == {None}


@POSTS
def test_download_saves_each_file_once(cli: CLI, sandbox: Sandbox, post: str, tmp_path: Path) -> None:
    began = time.time()
    out = tmp_path / "files"
    run = cli("download", "--json", "--fresh", "-o", str(out), stdin=post)
    assert run.returncode == 0, run.stderr
    records = {record["input"]: record for record in run.json_lines()}
    assert records[PROTECTED]["status"] == "ok" and records[PROTECTED]["path"] is not None
    assert records[UNNEEDED]["status"] == "mirror" and records[UNNEEDED]["path"] is None
    assert records[UNNEEDED]["mirror_of"] == PROTECTED
    assert sorted(path.name for path in out.iterdir()) == ["Extras.rar", "protected.Film.mkv"]
    saved = out / "protected.Film.mkv"
    assert saved.stat().st_size == records[PROTECTED]["size"] > 0
    assert asked(sandbox, began, UNNEEDED) == []
    assert "not needed" not in run.stdout  # JSON only on stdout


def test_download_all_mirrors_gets_every_link(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "files"
    run = cli("download", "--all-mirrors", "--fresh", "-o", str(out), stdin=PROSE)
    assert run.returncode == 1  # the offline mirror failed, and nothing stood in for it
    assert sorted(path.name for path in out.iterdir()) == [
        "Extras.rar",
        "protected.Film (2).mkv",
        "protected.Film.mkv",
    ]


def test_the_crawljob_carries_the_posts_password(cli: CLI) -> None:
    run = cli("resolve", "--mirrors", "--format", "crawljob", "--package", "Holiday", stdin=BBCODE)
    entries = json.loads(run.stdout)
    assert [entry["filename"] for entry in entries] == ["protected.Film.mkv", "Extras.rar"]
    assert all(entry["extractPasswords"] == [PASSWORD] for entry in entries)
    assert "not needed: its mirror" in run.stderr and UNNEEDED in run.stderr


def test_a_crawljob_without_a_password_has_none(cli: CLI) -> None:
    run = cli("resolve", "--format", "crawljob", OTHER)
    (entry,) = json.loads(run.stdout)
    assert "extractPasswords" not in entry


@pytest.fixture
def client(sandbox: Sandbox, tmp_path: Path) -> Iterator[FlaskClient]:
    resolver = sandbox_resolver(sandbox, tmp_path, sandbox.env())
    app = create_app(resolver, output=tmp_path / "downloads")
    with app.test_client() as test_client:
        yield test_client


@POSTS
def test_the_pages_api_keeps_the_password_and_gets_a_file_once(
    client: FlaskClient, sandbox: Sandbox, post: str
) -> None:
    began = time.time()
    answer = client.post("/api/resolve", json={"text": post}, headers=csrf(client))
    assert answer.status_code == 202, answer.get_json()
    job = finished(client, answer.get_json()["id"])
    assert job["password"] == PASSWORD
    rows = {row["input"]: row for row in job["links"]}
    assert [rows[link]["state"] for link in (OFFLINE, PROTECTED, UNNEEDED, OTHER)] == [
        "offline",
        "resolved",
        "mirror",
        "resolved",
    ]
    assert rows[UNNEEDED]["mirror_of"] == rows[PROTECTED]["position"]
    assert set(unlocked_with(sandbox, began)) == {PASSWORD}
    assert asked(sandbox, began, UNNEEDED) == []

    exported = client.get(f"/api/jobs/{job['id']}/export?format=crawljob")
    entries = json.loads(exported.get_data(as_text=True))
    assert len(entries) == 2 and all(entry["extractPasswords"] == [PASSWORD] for entry in entries)


def test_a_password_in_the_body_wins_over_the_texts(client: FlaskClient, sandbox: Sandbox) -> None:
    began = time.time()
    answer = client.post(
        "/api/resolve", json={"text": PROSE, "password": "typed-on-the-page"}, headers=csrf(client)
    )
    job = finished(client, answer.get_json()["id"])
    assert job["password"] == "typed-on-the-page"
    assert set(unlocked_with(sandbox, began)) == {"typed-on-the-page"}


@pytest.mark.parametrize("password", [7, "", "   ", ["a"]])
def test_a_bad_password_in_the_body_is_refused(client: FlaskClient, password: object) -> None:
    answer = client.post("/api/resolve", json={"text": PROSE, "password": password}, headers=csrf(client))
    assert answer.status_code == 400
    assert '"password" must be' in answer.get_json()["error"]


def test_an_expired_link_is_resolved_again_with_the_posts_password(
    cli: CLI, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The file server says the first direct link expired: the link is resolved again, and
    that call carries the post's password too."""
    link = "https://hitfile.net/mpw02/protected.deadlink.Film.mkv"
    began = time.time()
    run = cli("download", "--json", "--fresh", "-o", str(tmp_path / "files"), stdin=f"{link}\npw: {PASSWORD}")
    (record,) = run.json_lines()
    assert record["status"] == "ok" and record["path"] is not None, record
    unlocks = [
        call.values.get("password")
        for call in list(sandbox.request_log)
        if call.at >= began and "/alldebrid/" in call.path and link in call.values.values()
    ]
    assert len(unlocks) >= 2 and set(unlocks) == {PASSWORD}  # resolved twice, with it each time


def test_check_takes_the_password_the_texts_agree_on(cli: CLI) -> None:
    link = "https://hitfile.net/mpw03/protected.Film.mkv"
    refused = cli("check", "--json", stdin=link)
    assert refused.json_lines()[0]["status"] == "error"
    checked = cli("check", "--json", stdin=f"{link}\nPassword: {PASSWORD}")
    assert checked.json_lines()[0]["status"] == "online" and checked.returncode == 0
