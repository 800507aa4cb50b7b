"""End to end: AllDebrid through the real command line against the sandbox's emulation over
real sockets: resolve, check, accounts, hosts, download, a delayed link, a redirector and a
folder, magnets (cached, fetched, dead), the documented errors, the PIN login (shown,
polled, the key stored mode 600, used, forgotten), and the command group."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import requests

from linkresolver.plugins.alldebrid.sandbox import AllDebridEmulation
from resolver_core.sandbox import Sandbox
from tests.builtins import without_builtins

from .conftest import CLI, Run

HITFILE = "https://hitfile.net/h1tf1l3/Holiday.Video.mkv"
CACHED = "magnet:?xt=urn:btih:3c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Album.single.flac"
SLOW = "magnet:?xt=urn:btih:f7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Whole.Season"
DEAD = "magnet:?xt=urn:btih:f8f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Old.addead"
RESOLVE_FIELDS = {"input", "status", "provider", "hoster", "url", "filename", "size", "sha1", "error", "code"}
CHECK_FIELDS = {"input", "status", "provider", "hoster", "filename", "size", "sha1", "error", "code"}
#: Magnets go to the first debrid service that takes them: here AllDebrid alone.
ONLY_ALLDEBRID = without_builtins("alldebrid", "openload_family")


def only(run: Run) -> dict[str, Any]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def emulation(sandbox: Sandbox) -> AllDebridEmulation:
    found = sandbox.emulations["alldebrid"]
    assert isinstance(found, AllDebridEmulation)
    return found


def test_resolve_a_hoster_link(cli: CLI) -> None:
    run = cli("resolve", "--json", HITFILE)
    line = only(run)
    assert set(line) >= RESOLVE_FIELDS
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "alldebrid", "hitfile.net")
    assert line["filename"] == "Holiday.Video.mkv" and isinstance(line["size"], int)
    assert line["error"] is None and line["code"] is None and run.returncode == 0
    assert len(requests.get(line["url"], timeout=10).content) == line["size"]


def test_resolve_for_a_person_prints_the_direct_link(cli: CLI) -> None:
    run = cli("resolve", "https://hil.to/p3rs0n/Film.mkv")
    assert run.returncode == 0 and run.stdout.strip().startswith("http://127.0.0.1:")


def test_download_arrives_whole_and_right(cli: CLI, tmp_path: Path) -> None:
    link = "https://alfafile.net/file/d0wnl0ad1/Film.part1.rar"
    out = tmp_path / "out"
    line = only(cli("download", "--json", "-o", str(out), link))
    assert line["status"] == "ok" and line["provider"] == "alldebrid", line
    path = Path(line["path"])
    assert path.parent == out.resolve() and path.name == "Film.part1.rar"
    resolved = only(cli("resolve", "--json", link))
    served = requests.get(resolved["url"], timeout=10).content  # the same file, the same bytes
    assert hashlib.sha1(path.read_bytes()).hexdigest() == hashlib.sha1(served).hexdigest()
    assert path.stat().st_size == line["size"] == len(served)
    ranged = requests.get(resolved["url"], headers={"Range": "bytes=10-19"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == served[10:20]


def test_check_online_and_offline_in_one_call(cli: CLI, sandbox: Sandbox) -> None:
    before = emulation(sandbox).calls.count("link/infos")
    online, dead = cli("check", "--json", HITFILE, "https://hitfile.net/status404/gone.bin").json_lines()
    assert set(online) >= CHECK_FIELDS
    assert (online["status"], online["provider"], online["filename"]) == (
        "online",
        "alldebrid",
        "Holiday.Video.mkv",
    )
    assert isinstance(online["size"], int)
    assert dead["status"] == "offline"
    assert emulation(sandbox).calls.count("link/infos") == before + 1  # both links in one call


def test_a_dead_file_is_an_error_that_says_so(cli: CLI) -> None:
    run = cli("resolve", "--json", "https://hitfile.net/status404/gone.bin")
    line = only(run)
    assert line["status"] == "error" and run.returncode == 1
    assert "LINK_DOWN" in line["error"] and "not available at its hoster" in line["error"]


@pytest.mark.parametrize(
    ("word", "says"),
    [
        ("link_host_full", "servers for this hoster busy"),
        ("must_be_premium", "premium accounts only"),
        ("no_server", "server or VPN"),
        ("maintenance", "under maintenance"),
    ],
)
def test_documented_errors_reach_the_person(cli: CLI, word: str, says: str) -> None:
    run = cli("resolve", "--json", f"https://hitfile.net/e1/aderror-{word}", env=ONLY_ALLDEBRID)
    line = only(run)
    assert line["status"] == "error" and says in line["error"] and word.upper() in line["error"], line
    assert run.returncode == 1 and "Traceback" not in run.stderr


def test_a_protected_link_takes_the_link_password(cli: CLI) -> None:
    link = "https://hitfile.net/pw1/protected.Film.mkv"
    refused = only(cli("resolve", "--json", link))
    assert refused["status"] == "error" and "--link-password" in refused["error"]
    line = only(cli("resolve", "--json", "--link-password", "sandbox", link))
    assert line["status"] == "ok" and line["filename"] == "protected.Film.mkv"


def test_a_delayed_link_is_waited_for(cli: CLI, sandbox: Sandbox) -> None:
    before = emulation(sandbox).calls.count("link/delayed")
    line = only(cli("resolve", "--json", "https://hitfile.net/d3l4y3d/delayed.Film.mkv"))
    assert line["status"] == "ok" and line["provider"] == "alldebrid", line
    assert line["url"].startswith("http://127.0.0.1:") and line["filename"] == "delayed.Film.mkv"
    assert emulation(sandbox).calls.count("link/delayed") > before
    assert len(requests.get(line["url"], timeout=10).content) == line["size"]


def test_a_redirector_gives_each_file_behind_it(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://ouo.io/r3d1r"))
    assert line["status"] == "ok" and line["hoster"] == "ouo.io", line
    files = line["files"]
    assert [f["filename"] for f in files] == [f"r3d1r.part{n}.rar" for n in (1, 2, 3)]
    assert all(f["url"].startswith("http://127.0.0.1:") for f in files)


def test_a_folder_gives_each_file(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://hitfile.net/folder/f0ld3r"))
    assert line["status"] == "ok", line
    assert [f["filename"] for f in line["files"]] == ["f0ld3r.part1.rar", "f0ld3r.part2.rar"]


def test_a_cached_magnet_is_ready_at_once_and_deleted_after(cli: CLI, sandbox: Sandbox) -> None:
    line = only(cli("resolve", "--json", CACHED, env=ONLY_ALLDEBRID))
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "alldebrid", "magnet"), line
    assert line["filename"] == "Album.single.flac"
    assert not any(job.magnet == CACHED for job in emulation(sandbox).magnets.jobs.values())


def test_a_slow_magnet_reports_progress_and_gives_its_files(cli: CLI) -> None:
    run = cli("resolve", "--json", "-v", SLOW, env=ONLY_ALLDEBRID)
    line = only(run)
    assert line["status"] == "ok", line
    assert [f["filename"] for f in line["files"]] == [
        "Whole.Season.E01.mkv",
        "Whole.Season.E02.mkv",
        "Whole.Season.nfo",
    ]
    assert "alldebrid is fetching the magnet (downloading" in run.stderr


def test_a_dead_magnet_is_offline(cli: CLI) -> None:
    line = only(cli("resolve", "--json", DEAD, env=ONLY_ALLDEBRID))
    assert line["status"] == "error" and "no peer" in line["error"], line


def test_keep_magnets_keeps_it(cli: CLI, sandbox: Sandbox) -> None:
    magnet = "magnet:?xt=urn:btih:4c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Kept.single.mkv"
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("\n[providers.alldebrid]\nkeep_magnets = true\n")
    assert only(cli("resolve", "--json", magnet, env=ONLY_ALLDEBRID))["status"] == "ok"
    kept = [job for job in emulation(sandbox).magnets.jobs.values() if job.magnet == magnet]
    assert kept
    listed = cli("alldebrid", "magnets", "list", "--json", env=ONLY_ALLDEBRID).json_lines()
    assert str(kept[0].id) in {str(entry["id"]) for entry in listed}
    status = cli("alldebrid", "magnets", "status", str(kept[0].id))
    assert status.returncode == 0 and "Kept.single.mkv" in status.stdout
    record = only(cli("alldebrid", "magnets", "status", "--json", str(kept[0].id)))
    assert record["status_code"] == 4 and [f["path"] for f in record["files"]] == ["Kept.single.mkv"]
    deleted = cli("alldebrid", "magnets", "delete", "--yes", str(kept[0].id))
    assert deleted.returncode == 0 and kept[0].id not in emulation(sandbox).magnets.jobs


def test_accounts(cli: CLI) -> None:
    rows = {row["provider"]: row for row in cli("accounts", "--json").json_lines()}
    row = rows["alldebrid"]
    assert row["type"] == "premium" and row["can_download"] is True and row["login"] == "sandbox-ad"
    assert isinstance(row["expires"], int)


def test_hosts_lists_hosters_and_redirectors(cli: CLI) -> None:
    run = cli("hosts", "--json", "--provider", "alldebrid")
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert "hitfile.net" in text and "alfafile.net" in text and "ouo.io" in text


def test_user_links_history(cli: CLI) -> None:
    cli("resolve", HITFILE)
    user = cli("alldebrid", "user")
    assert user.returncode == 0 and "sandbox-ad" in user.stdout and "alfafile" in user.stdout
    assert "Saved.Video.mkv" in cli("alldebrid", "links").stdout
    assert "hitfile.net" in cli("alldebrid", "history").stdout


def test_a_bad_key_says_how_to_log_in(cli: CLI) -> None:
    wrong = {"LINKRESOLVER_ALLDEBRID_KEY": "S3NT1NEL-wrong-key-456"}
    no_list = cli("resolve", "--json", "--provider", "alldebrid", HITFILE, env=wrong)
    assert only(no_list)["status"] == "unsupported"
    assert "alldebrid refused the API key" in no_list.stderr
    assert "linkresolver alldebrid login" in no_list.stderr
    assert cli("hosts", "--provider", "alldebrid").returncode == 0  # the list cached, with the right key
    run = cli("resolve", "--json", "--provider", "alldebrid", HITFILE, env=wrong)
    line = only(run)
    assert line["status"] == "error" and line["code"] == 401, line
    assert "AUTH_BAD_APIKEY" in line["error"] and "linkresolver alldebrid login" in line["error"]
    assert "S3NT1NEL-wrong-key-456" not in run.stdout + run.stderr


def test_login_shows_the_pin_stores_the_key_and_logout_forgets_it(
    cli: CLI, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> None:
    state = tmp_path_factory.mktemp("state")  # outside tmp_path, which the secrets audit searches
    env = {"LINKRESOLVER_STATE_DIR": str(state), "LINKRESOLVER_ALLDEBRID_KEY": ""}
    polls = emulation(sandbox).calls.count("pin/check")
    run = cli("alldebrid", "login", env=env)
    assert run.returncode == 0, run.stderr
    prompt, done = run.stdout.splitlines()
    assert prompt.startswith(f"Open {sandbox.url}/alldebrid/pin/ and enter the PIN ")
    key_file = state / "alldebrid-token.json"
    assert done.endswith(f"the API key is kept in {key_file} (readable by you only)")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert emulation(sandbox).calls.count("pin/check") - polls == 3  # two "not yet", then the key
    key = json.loads(key_file.read_text())["access_token"]
    assert key in emulation(sandbox).keys and key not in run.stdout + run.stderr

    used = only(cli("resolve", "--json", HITFILE, env=env))
    assert used["status"] == "ok" and used["provider"] == "alldebrid", used

    run = cli("alldebrid", "logout", "--json", env=env)
    assert run.json_lines() == [{"logged_out": True, "provider": "alldebrid", "token_file": str(key_file)}]
    assert not key_file.exists()
    gone = cli("resolve", "--json", HITFILE, env=env)
    assert only(gone)["provider"] != "alldebrid"
