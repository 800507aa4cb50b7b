"""End to end: Debrid-Link through the real command line against the sandbox's emulation
over real sockets: resolve, check (which its API cannot), accounts, hosts, download, a
folder, a password, magnets (cached, slow, dead), a hoster in maintenance, the documented
errors, a bad key, the device login (shown, polled, stored, renewed, used, forgotten) and
the command group."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from linkresolver.plugins.debridlink.sandbox import DebridLinkEmulation
from linkresolver.plugins.debridlink.sandbox_oauth import DebridLinkOAuthEmulation
from resolver_core.sandbox import Sandbox
from tests.builtins import without_builtins

from .conftest import CLI, Run

FILM = "https://uptobox.com/upt0b0xf1lm1/Evening.Film.mkv"
FOLDER = "https://filespace.com/folder/f1l3sp4c3"
LOCKED = "https://uptobox.com/l0ck3d0f1l3s/locked.Archive.zip"
CACHED = "magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Song.single"
SLOW = "magnet:?xt=urn:btih:c7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Long.Season"
DEAD = "magnet:?xt=urn:btih:f7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Old.dldead"
#: Magnets go to Debrid-Link alone (the other debrid services take them first otherwise).
ONLY_DEBRIDLINK = without_builtins("debridlink")
RESOLVE_FIELDS = {"input", "status", "provider", "hoster", "url", "filename", "size", "sha1", "error", "code"}


def only(run: Run) -> dict[str, Any]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def emulation(sandbox: Sandbox) -> DebridLinkEmulation:
    found = sandbox.emulations["debridlink"]
    assert isinstance(found, DebridLinkEmulation)
    return found


def test_resolve_a_hoster_link(cli: CLI) -> None:
    line = only(cli("resolve", "--json", FILM))
    assert set(line) >= RESOLVE_FIELDS
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "debridlink", "uptobox")
    assert line["filename"] == "Evening.Film.mkv" and isinstance(line["size"], int)
    assert line["error"] is None and line["code"] is None
    assert len(requests.get(line["url"], timeout=10).content) == line["size"]


def test_resolve_for_a_person_prints_the_direct_link(cli: CLI) -> None:
    run = cli("resolve", FILM)
    assert run.returncode == 0 and run.stdout.strip().startswith("http://127.0.0.1:")


def test_download_arrives_whole_and_right(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    line = only(cli("download", "--json", "-o", str(out), FILM))
    assert line["status"] == "ok" and line["provider"] == "debridlink", line
    path = Path(line["path"])
    assert path.name == "Evening.Film.mkv" and path.stat().st_size == line["size"]
    resolved = only(cli("resolve", "--json", FILM))
    served = requests.get(resolved["url"], timeout=10).content  # the same link, the same bytes
    assert hashlib.sha1(path.read_bytes()).hexdigest() == hashlib.sha1(served).hexdigest()


def test_ranges_are_served(cli: CLI) -> None:
    line = only(cli("resolve", "--json", FILM))
    part = requests.get(line["url"], headers={"Range": "bytes=10-19"}, timeout=10)
    assert part.status_code == 206 and len(part.content) == 10


def test_a_folder_gives_each_file(cli: CLI) -> None:
    line = only(cli("resolve", "--json", FOLDER))
    assert line["status"] == "ok" and line["hoster"] == "filespace", line
    assert [f["filename"] for f in line["files"]] == [f"f1l3sp4c3.part{n}.rar" for n in (1, 2, 3)]


def test_a_locked_file_needs_its_password(cli: CLI) -> None:
    refused = only(cli("resolve", "--json", LOCKED))
    assert refused["status"] == "error" and "password" in refused["error"], refused
    assert "--link-password" in refused["error"]
    line = only(cli("resolve", "--json", "--link-password", "sesame", LOCKED))
    assert line["status"] == "ok" and line["filename"] == "locked.Archive.zip", line


def test_a_dead_file_is_offline(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://uptobox.com/status404abc/gone.bin", env=ONLY_DEBRIDLINK))
    assert line["status"] == "error" and "says the file is not found" in line["error"]
    assert "(fileNotFound)" in line["error"], line


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("maxLink", "daily number of links is reached"),
        ("maxDataHost", "daily traffic for this hoster"),
        ("notFreeHost", "premium accounts only"),
        ("disabledServerHost", "refuses servers and VPNs"),
        ("infringingFile", "infringing"),
        ("badFilePassword", "--link-password"),
        ("notDebrid", "could not get the file"),
    ],
)
def test_documented_errors_by_link_words(cli: CLI, code: str, words: str) -> None:
    run = cli("resolve", "--json", f"https://uptobox.com/dlerror{code}1/x.bin", env=ONLY_DEBRIDLINK)
    line = only(run)
    assert line["status"] == "error" and line["provider"] == "debridlink", line
    assert f"({code})" in line["error"] and words in line["error"] and run.returncode == 1


def test_a_flood_rests_debrid_link_for_the_hour_it_asks(cli: CLI) -> None:
    run = cli("resolve", "--json", "https://uptobox.com/dlerrorfloodDetected1/x.bin", env=ONLY_DEBRIDLINK)
    line = only(run)
    assert line["status"] == "error" and "too many requests; it asked to wait 3600 s" in line["error"], line


def test_a_hoster_it_does_not_support_is_unsupported_there(cli: CLI) -> None:
    run = cli("resolve", "--json", "https://uptobox.com/dlerrorhostNotValid1/x.bin", env=ONLY_DEBRIDLINK)
    line = only(run)
    assert line["status"] == "unsupported" and "does not support this hoster (hostNotValid)" in line["error"]


def test_a_quota_fails_over_to_another_provider(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://uptobox.com/dlerrormaxData1/x.bin"))
    assert line["status"] == "ok" and line["provider"] != "debridlink", line


def test_a_hoster_in_maintenance_is_skipped(cli: CLI, sandbox: Sandbox) -> None:
    before = len(emulation(sandbox).calls)
    line = only(cli("resolve", "--json", "https://dropapk.to/dr0p4pkf1l3", env=ONLY_DEBRIDLINK))
    assert line["status"] == "error" and "has dropapk in maintenance right now" in line["error"], line
    assert "downloader/add" not in emulation(sandbox).calls[before:]
    failed_over = only(cli("resolve", "--json", "https://dropapk.to/dr0p4pkf1l3"))
    assert failed_over["status"] == "ok" and failed_over["provider"] != "debridlink", failed_over


def test_check_says_debrid_link_cannot(cli: CLI) -> None:
    line = only(cli("check", "--json", FILM, env=ONLY_DEBRIDLINK))
    assert (line["status"], line["provider"], line["hoster"]) == ("unknown", "debridlink", "uptobox"), line
    assert line["filename"] is None and line["error"] is None


def test_accounts(cli: CLI) -> None:
    lines = [line for line in cli("accounts", "--json").json_lines() if line["provider"] == "debridlink"]
    assert len(lines) == 1
    account = lines[0]
    assert account["login"] == "sandbox-dl" and account["type"] == "premium"
    assert account["can_download"] is True
    assert account["expires"] > time.time() + 29 * 86400


def test_hosts_lists_debrid_links_hosters(cli: CLI) -> None:
    run = cli("hosts", "--json")
    mine = {line["hoster"] for line in run.json_lines() if "debridlink" in json.dumps(line)}
    assert {"uptobox", "filespace", "dropapk"} <= mine, run.stdout


def test_a_cached_magnet_at_once(cli: CLI, sandbox: Sandbox) -> None:
    line = only(cli("resolve", "--json", CACHED, env=ONLY_DEBRIDLINK))
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "debridlink", "magnet"), line
    assert line["filename"] == "Song.single.flac"
    assert requests.get(line["url"], timeout=10).status_code == 200
    assert not emulation(sandbox).seedbox.jobs or all(
        job.hash != "2c6b6858d61da9543d4231a71db4b1c9264b0685"
        for job in emulation(sandbox).seedbox.jobs.values()
    )  # removed afterwards


def test_a_slow_magnet_is_waited_for_with_progress(cli: CLI) -> None:
    run = cli("resolve", "--json", "-v", SLOW, env=ONLY_DEBRIDLINK)
    line = only(run)
    assert line["status"] == "ok" and len(line["files"]) == 3, line
    assert "downloading at Debrid-Link" in run.stderr


def test_keep_torrents_keeps_it(cli: CLI, sandbox: Sandbox) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("\n[providers.debridlink]\nkeep_torrents = true\n")
    magnet = CACHED.replace("2c6b", "3c6b")
    assert only(cli("resolve", "--json", magnet, env=ONLY_DEBRIDLINK))["status"] == "ok"
    kept = [job for job in emulation(sandbox).seedbox.jobs.values() if job.hash.startswith("3c6b")]
    assert len(kept) == 1
    listed = cli("debridlink", "seedbox", "list", "--json").json_lines()
    assert kept[0].id in {entry["id"] for entry in listed}
    run = cli("debridlink", "seedbox", "delete", "--yes", kept[0].id)
    assert run.returncode == 0, run.stderr
    assert kept[0].id not in emulation(sandbox).seedbox.jobs


def test_a_dead_magnet_is_an_error(cli: CLI) -> None:
    line = only(cli("resolve", "--json", DEAD, env=ONLY_DEBRIDLINK))
    assert line["status"] == "error" and "notAddTorrent" in line["error"], line


def test_a_bad_key_says_how_to_log_in(cli: CLI) -> None:
    wrong = {**ONLY_DEBRIDLINK, "LINKRESOLVER_DEBRIDLINK_KEY": "S3NT1NEL-debridlink-wrong"}
    line = only(cli("resolve", "--json", FILM, env=wrong))
    assert line["status"] == "error" and "(badToken)" in line["error"], line
    assert "linkresolver debridlink login" in line["error"]


def test_account_and_links_commands(cli: CLI) -> None:
    run = cli("debridlink", "account")
    assert run.returncode == 0 and run.stdout.startswith("sandbox-dl: premium"), run.stderr
    only(cli("resolve", "--json", FILM))
    links = cli("debridlink", "links", "list", "--json").json_lines()
    assert links and links[0]["name"] == "Evening.Film.mkv"
    deleted = cli("debridlink", "links", "delete", "--yes", links[0]["id"])
    assert deleted.returncode == 0, deleted.stderr
    bad = cli("debridlink", "links", "delete", "--yes", "../etc")
    assert bad.returncode == 2 and "not a Debrid-Link id" in bad.stderr and "Traceback" not in bad.stderr


def test_login_use_renewal_and_logout(cli: CLI, sandbox: Sandbox) -> None:
    login = sandbox.emulations["debridlink-oauth"]
    assert isinstance(login, DebridLinkOAuthEmulation)
    login.access_lifetime = 2.0  # lapses within the test, so the renewal is real
    no_key = {"LINKRESOLVER_DEBRIDLINK_KEY": ""}
    run = cli("debridlink", "login", env=no_key)
    assert run.returncode == 0, run.stderr
    prompt, done = run.stdout.splitlines()
    assert prompt.startswith("Open https://debrid-link.com/device and enter the code ")
    token_file = cli.home / "state" / "debridlink-token.json"
    assert done == f"logged in to Debrid-Link; the token is kept in {token_file} (readable by you only)"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and token_file.stat().st_uid == os.getuid()
    first = json.loads(token_file.read_text())["access_token"]
    assert first in login.issued and login.accepts(first)

    used = only(cli("resolve", "--json", FILM, env=no_key))  # the stored login enables the provider
    assert used["status"] == "ok" and used["provider"] == "debridlink", used
    time.sleep(2.1)
    assert not login.accepts(first)
    renewals = login.renewals
    # Fresh: the first run's link is in the link cache, and this run must call the API.
    again = only(cli("resolve", "--json", "--fresh", FILM, env=no_key))
    assert again["status"] == "ok", again
    assert login.renewals == renewals + 1
    renewed = json.loads(token_file.read_text())["access_token"]
    assert renewed != first and login.accepts(renewed)

    out = cli("debridlink", "logout")
    assert out.returncode == 0 and "deleted" in out.stdout and not token_file.exists()
    gone = cli("resolve", "--json", FILM, env=no_key)
    assert "debridlink" not in gone.stdout or '"provider": "debridlink"' not in gone.stdout


def test_login_without_a_client_id_says_where_to_put_one(cli: CLI) -> None:
    run = cli("debridlink", "login", env={"LINKRESOLVER_DEBRIDLINK_CLIENT_ID": ""})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "client_id in [providers.debridlink]" in run.stderr and "Traceback" not in run.stderr
