"""End to end: Real-Debrid through the real command line against the sandbox's emulation
over real sockets: resolve, check, accounts, hosts, download, magnets (cached, fetched,
dead), a folder, a hoster down at Real-Debrid failing over, the documented errors, a bad
token, and the command group."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from linkresolver.plugins.realdebrid.sandbox import RealDebridEmulation
from resolver_core.sandbox import Sandbox

from .conftest import CLI, Run

KATFILE = "https://katfile.com/k4t7f1l3m0v2/Holiday.Video.mkv"
CACHED = "magnet:?xt=urn:btih:1c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Album.single.flac"
SLOW = "magnet:?xt=urn:btih:e7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Whole.Season"
DEAD = "magnet:?xt=urn:btih:d7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Old.rddead"
RESOLVE_FIELDS = {"input", "status", "provider", "hoster", "url", "filename", "size", "sha1", "error", "code"}
CHECK_FIELDS = {"input", "status", "provider", "hoster", "filename", "size", "sha1", "error", "code"}


def only(run: Run) -> dict[str, Any]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def emulation(sandbox: Sandbox) -> RealDebridEmulation:
    found = sandbox.emulations["realdebrid"]
    assert isinstance(found, RealDebridEmulation)
    return found


def test_resolve_a_hoster_link(cli: CLI) -> None:
    run = cli("resolve", "--json", KATFILE)
    line = only(run)
    assert set(line) >= RESOLVE_FIELDS
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "realdebrid", "katfile.com")
    assert line["filename"] == "Holiday.Video.mkv" and isinstance(line["size"], int)
    assert line["error"] is None and line["code"] is None and run.returncode == 0
    assert requests.get(line["url"], timeout=10).content.__len__() == line["size"]


def test_resolve_for_a_person_prints_the_direct_link(cli: CLI) -> None:
    run = cli("resolve", KATFILE)
    assert run.returncode == 0 and run.stdout.strip().startswith("http://127.0.0.1:")


def test_download_arrives_whole_and_right(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    line = only(cli("download", "--json", "-o", str(out), "https://ddl.to/d0wnl0ad0001/Film.part1.rar"))
    assert line["status"] == "ok" and line["provider"] == "realdebrid", line
    path = Path(line["path"])
    assert path.parent == out.resolve() and path.name == "Film.part1.rar"
    resolved = only(cli("resolve", "--json", "https://ddl.to/d0wnl0ad0001/Film.part1.rar"))
    served = requests.get(resolved["url"], timeout=10).content  # the same file, the same bytes
    assert hashlib.sha1(path.read_bytes()).hexdigest() == hashlib.sha1(served).hexdigest()
    assert path.stat().st_size == line["size"]


def test_check_online_and_offline(cli: CLI) -> None:
    online, dead = cli("check", "--json", KATFILE, "https://katfile.com/status404abc/gone.bin").json_lines()
    assert set(online) >= CHECK_FIELDS
    assert (online["status"], online["provider"], online["filename"]) == (
        "online",
        "realdebrid",
        "Holiday.Video.mkv",
    )
    assert isinstance(online["size"], int)
    assert dead["status"] == "offline"


def test_a_dead_file_is_an_error_that_says_so(cli: CLI) -> None:
    run = cli("resolve", "--json", "https://katfile.com/status404abc/gone.bin")
    line = only(run)
    assert line["status"] == "error" and line["code"] == 24 and run.returncode == 1
    assert "file is unavailable" in line["error"]


def test_accounts(cli: CLI) -> None:
    rows = {row["provider"]: row for row in cli("accounts", "--json").json_lines()}
    row = rows["realdebrid"]
    assert row["type"] == "premium" and row["can_download"] is True and row["login"] == "sandbox-rd"
    assert isinstance(row["expires"], int)
    person = cli("accounts", "--provider", "realdebrid")
    assert person.returncode == 0 and "realdebrid" in person.stdout and "premium" in person.stdout


def test_hosts(cli: CLI) -> None:
    run = cli("hosts", "--provider", "realdebrid")
    assert run.returncode == 0, run.stderr
    for name in ("katfile.com", "ddownload.com", "ddl.to", "mega.nz", "turbobit.net", "magnet"):
        assert name in run.stdout
    assert (cli.home / "cache" / "hosterlist-realdebrid.json").exists()


def test_a_folder_is_each_of_its_files(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://mega.nz/folder/Season"))
    assert line["status"] == "ok" and line["provider"] == "realdebrid"
    assert [f["filename"] for f in line["files"]] == [f"Season.part{n}.rar" for n in (1, 2, 3)]


def test_a_cached_magnet_is_ready_at_once_and_the_torrent_is_deleted(cli: CLI, sandbox: Sandbox) -> None:
    line = only(cli("resolve", "--json", "--provider", "realdebrid", CACHED))
    assert (line["status"], line["hoster"], line["filename"]) == ("ok", "magnet", "Album.single.flac")
    hashes = {job.hash for job in emulation(sandbox).torrents.jobs.values()}
    assert CACHED[20:60] not in hashes


def test_a_slow_magnet_is_polled_until_downloaded(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts.copy()
    run = cli("resolve", "--json", "-v", "--provider", "realdebrid", SLOW)
    line = only(run)
    assert line["status"] == "ok" and line["filename"] == "Whole.Season"
    assert [f["filename"] for f in line["files"]] == [
        "Whole.Season.E01.mkv",
        "Whole.Season.E02.mkv",
        "Whole.Season.nfo",
    ]
    polls = sum(
        count - before.get(path, 0)
        for path, count in sandbox.request_counts.items()
        if "/torrents/info/" in path
    )
    assert polls >= 3
    assert "realdebrid is fetching the torrent (downloading" in run.stderr


def test_video_files_only_when_configured(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write('[providers.realdebrid]\nselect_files = "video"\nkeep_torrents = true\n')
    magnet = SLOW.replace("e7f3", "e8f3").replace("Whole.Season", "Videos")
    line = only(cli("resolve", "--json", "--provider", "realdebrid", magnet))
    assert [f["filename"] for f in line["files"]] == ["Videos.E01.mkv", "Videos.E02.mkv"]
    listed = cli("realdebrid", "torrents", "list", "--json").json_lines()
    assert any(t["hash"] == magnet[20:60] and t["status"] == "downloaded" for t in listed)


def test_a_dead_magnet_says_why(cli: CLI) -> None:
    run = cli("resolve", "--json", "--provider", "realdebrid", DEAD)
    line = only(run)
    assert line["status"] == "error" and "the torrent is dead" in line["error"] and run.returncode == 1


def test_a_hoster_down_at_real_debrid_fails_over(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.realdebrid]\npriority = 5\n")
    run = cli("resolve", "--json", "-v", "https://turbobit.net/m3n4b5v6.html")
    line = only(run)
    assert line["status"] == "ok" and line["provider"] == "premiumize", line
    assert "realdebrid says Turbobit is down right now" in run.stderr


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (23, "traffic is used up"),
        (16, "does not support this hoster"),
        (22, "does not allow this IP address"),
        (35, "infringing"),
        (36, "fair usage limit"),
    ],
)
def test_documented_errors_reach_the_user_as_words(cli: CLI, code: int, words: str) -> None:
    run = cli("resolve", "--json", "--provider", "realdebrid", f"https://katfile.com/rderror{code}xyz/f.bin")
    line = only(run)
    assert line["status"] in ("error", "unsupported") and line["code"] == code and words in line["error"]
    assert "Traceback" not in run.stderr


def test_a_bad_token_says_how_to_log_in(cli: CLI) -> None:
    wrong = {"LINKRESOLVER_REALDEBRID_KEY": "S3NT1NEL-wrong-token-123"}
    no_list = cli("resolve", "--json", "--provider", "realdebrid", KATFILE, env=wrong)
    assert only(no_list)["status"] == "unsupported"
    assert "realdebrid refused the API token" in no_list.stderr
    assert "run `linkresolver realdebrid login`" in no_list.stderr
    assert cli("hosts", "--provider", "realdebrid").returncode == 0  # the list cached, with the right token
    run = cli("resolve", "--json", "--provider", "realdebrid", KATFILE, env=wrong)
    line = only(run)
    assert (
        line["status"] == "error" and line["code"] == 8 and "linkresolver realdebrid login" in line["error"]
    )
    assert "S3NT1NEL-wrong-token-123" not in run.stdout + run.stderr


def test_the_command_group(cli: CLI, sandbox: Sandbox) -> None:
    traffic = cli("realdebrid", "traffic", "--json").json_lines()
    assert {t["host"] for t in traffic} == {"rapidgator.net", "1fichier.com"}
    added = only(cli("realdebrid", "torrents", "add", "--json", SLOW.replace("e7f3", "e9f3")))
    info = cli("realdebrid", "torrents", "info", added["id"])
    assert info.returncode == 0 and added["id"] in info.stdout
    refused = cli("realdebrid", "torrents", "delete", added["id"])
    assert refused.returncode == 1 and "without --yes" in refused.stderr
    deleted = cli("realdebrid", "torrents", "delete", "--yes", "--json", added["id"])
    assert deleted.json_lines() == [{"deleted": added["id"]}]
    assert added["id"] not in emulation(sandbox).torrents.jobs
    cli("resolve", KATFILE)
    history = cli("realdebrid", "downloads", "list", "--json", "--limit", "5").json_lines()
    assert history and history[0]["filename"] == "Holiday.Video.mkv"
    gone = cli("realdebrid", "downloads", "delete", "--yes", history[0]["id"])
    assert gone.returncode == 0 and history[0]["id"] not in json.dumps(emulation(sandbox).downloads)
    missing = cli("realdebrid", "torrents", "info", "NOSUCHID")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


def test_the_command_group_without_a_token_says_what_to_do(cli: CLI) -> None:
    run = cli("realdebrid", "traffic", env={"LINKRESOLVER_REALDEBRID_KEY": ""})
    assert run.returncode == 2 and "linkresolver realdebrid login" in run.stderr


def test_a_torrent_file_is_uploaded(cli: CLI, tmp_path: Path) -> None:
    info = b"d6:lengthi5e4:name5:a.bin12:piece lengthi16384e6:pieces20:" + b"\1" * 20 + b"e"
    torrent = tmp_path / "a.torrent"
    torrent.write_bytes(b"d8:announce9:http://x/4:info" + info + b"e")
    added = only(cli("realdebrid", "torrents", "add", "--json", str(torrent)))
    shown = only(cli("realdebrid", "torrents", "info", "--json", added["id"]))
    assert shown["hash"] == hashlib.sha1(info).hexdigest()
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    refused = cli("realdebrid", "torrents", "add", str(tmp_path / "notes.txt"))
    assert refused.returncode == 2 and "is not a .torrent file" in refused.stderr
