"""End to end: TorBox through the real command line against the sandbox's emulation over
real sockets: resolve (web downloads, fast and slow), check (checkcached), accounts, hosts,
download, magnets (cached, fetched, dead), a hoster down at TorBox failing over, a link's
password, the documented errors, a bad key, the command group, and the device login (code
shown, key stored mode 600 and used with no key configured, logout)."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import requests

from linkresolver.plugins.torbox.sandbox import TorBoxEmulation
from resolver_core.sandbox import Sandbox
from tests.builtins import without_builtins

from .conftest import CLI, Run

GOFILE = "https://gofile.io/d/G0f1l3/Trip.Photos.zip"
CACHED_LINK = "https://gofile.io/d/C4ch3d/Holiday.Video.Trailer.mkv"
SLOW_LINK = "https://krakenfiles.com/sl0wF1le/slow.Lecture.mp4"
CACHED = "magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Concert.single"
UNCACHED = "magnet:?xt=urn:btih:f7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Whole.Series"
DEAD = "magnet:?xt=urn:btih:c8f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Old.tbdead"
ONLY_TORBOX = without_builtins("torbox")
RESOLVE_FIELDS = {"input", "status", "provider", "hoster", "url", "filename", "size", "sha1", "error", "code"}
CHECK_FIELDS = {"input", "status", "provider", "hoster", "filename", "size", "sha1", "error", "code"}


def only(run: Run) -> dict[str, Any]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def emulation(sandbox: Sandbox) -> TorBoxEmulation:
    found = sandbox.emulations["torbox"]
    assert isinstance(found, TorBoxEmulation)
    return found


def polls(sandbox: Sandbox, before: dict[str, int], word: str) -> int:
    return sum(count - before.get(path, 0) for path, count in sandbox.request_counts.items() if word in path)


def test_resolve_a_hoster_link_through_a_web_download(cli: CLI, sandbox: Sandbox) -> None:
    run = cli("resolve", "--json", GOFILE)
    line = only(run)
    assert set(line) >= RESOLVE_FIELDS
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "torbox", "gofile.io"), line
    assert line["filename"] == "Trip.Photos.zip" and isinstance(line["size"], int)
    assert line["error"] is None and line["code"] is None and run.returncode == 0
    assert len(requests.get(line["url"], timeout=10).content) == line["size"]
    assert not [job for job in emulation(sandbox).transfers.jobs.values() if job.source == GOFILE]  # deleted


def test_resolve_for_a_person_prints_the_direct_link(cli: CLI) -> None:
    run = cli("resolve", "https://pixeldra.in/u/p1x3l/Song.mp3")
    assert run.returncode == 0 and run.stdout.strip().startswith("http://127.0.0.1:"), run.stderr


def test_a_slow_web_download_is_polled_with_progress(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts.copy()
    run = cli("resolve", "--json", "-v", SLOW_LINK)
    line = only(run)
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "torbox", "krakenfiles.com"), line
    assert line["filename"] == "slow.Lecture.mp4"
    assert polls(sandbox, before, "/webdl/mylist") >= 3
    assert "torbox is fetching the web download (downloading" in run.stderr


def test_download_arrives_whole_and_right_with_range(cli: CLI, tmp_path: Path) -> None:
    link = "https://gofile.io/d/D0wn/Holiday.Clip.mp4"
    out = tmp_path / "out"
    line = only(cli("download", "--json", "-o", str(out), link))
    assert line["status"] == "ok" and line["provider"] == "torbox", line
    path = Path(line["path"])
    assert path.name == "Holiday.Clip.mp4" and path.stat().st_size == line["size"]
    again = only(cli("resolve", "--json", link))  # TorBox serves the same file again
    served = requests.get(again["url"], timeout=10).content
    assert hashlib.sha1(path.read_bytes()).hexdigest() == hashlib.sha1(served).hexdigest()
    part = requests.get(again["url"], headers={"Range": "bytes=10-19"}, timeout=10)
    assert part.status_code == 206 and part.content == served[10:20]


def test_check_asks_what_torbox_has_cached(cli: CLI) -> None:
    cached, other = cli("check", "--json", CACHED_LINK, "https://gofile.io/d/Unkn0wn/x.bin").json_lines()
    assert set(cached) >= CHECK_FIELDS
    assert (cached["status"], cached["provider"], cached["filename"]) == (
        "online",
        "torbox",
        "Holiday.Video.Trailer.mkv",
    )
    assert isinstance(cached["size"], int)
    assert (other["status"], other["provider"]) == ("unknown", "torbox")


def test_check_magnets_cached_and_not(cli: CLI) -> None:
    cached, other = cli("check", "--json", CACHED, UNCACHED, env=ONLY_TORBOX).json_lines()
    assert (cached["status"], cached["provider"], cached["hoster"]) == ("online", "torbox", "magnet"), cached
    assert other["status"] == "unknown"


def test_accounts(cli: CLI) -> None:
    rows = {row["provider"]: row for row in cli("accounts", "--json").json_lines()}
    row = rows["torbox"]
    assert (row["type"], row["can_download"], row["login"]) == ("pro", True, "sandbox@torbox.invalid")
    assert isinstance(row["expires"], int)
    person = cli("accounts", "--provider", "torbox")
    assert person.returncode == 0 and "torbox" in person.stdout and "pro" in person.stdout


def test_hosts(cli: CLI) -> None:
    run = cli("hosts", "--provider", "torbox")
    assert run.returncode == 0, run.stderr
    for name in (
        "krakenfiles.com",
        "krakenfiles.to",
        "gofile.io",
        "pixeldrain.com",
        "wetransfer.com",
        "magnet",
    ):
        assert name in run.stdout
    assert (cli.home / "cache" / "hosterlist-torbox.json").exists()


def test_a_cached_magnet_is_ready_at_once(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts.copy()
    run = cli("resolve", "--json", "-v", CACHED, env=ONLY_TORBOX)
    line = only(run)
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "torbox", "magnet"), line
    assert line["filename"] == "Concert.single.mkv"
    assert polls(sandbox, before, "/torrents/mylist") == 1
    assert "torbox has this torrent cached" in run.stderr
    assert CACHED[20:60] not in {job.hash for job in emulation(sandbox).transfers.jobs.values()}


def test_an_uncached_magnet_is_polled_until_its_files_are_there(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts.copy()
    run = cli("resolve", "--json", "-v", UNCACHED, env=ONLY_TORBOX)
    line = only(run)
    assert line["status"] == "ok" and line["filename"] == "Whole.Series", line
    assert [f["filename"] for f in line["files"]] == [
        "Whole.Series.E01.mkv",
        "Whole.Series.E02.mkv",
        "Whole.Series.nfo",
    ]
    assert polls(sandbox, before, "/torrents/mylist") >= 2
    assert polls(sandbox, before, "/torrents/requestdl") == 3
    assert "torbox is fetching the torrent (downloading" in run.stderr


def test_keep_downloads_keeps_them(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.torbox]\nkeep_downloads = true\n")
    magnet = UNCACHED.replace("f7f3", "f8f3").replace("Whole.Series", "Kept.single")
    assert only(cli("resolve", "--json", magnet, env=ONLY_TORBOX))["status"] == "ok"
    listed = cli("torbox", "torrents", "list", "--json").json_lines()
    assert any(t["hash"] == magnet[20:60] and t["finished"] for t in listed), listed


def test_a_dead_magnet_says_why(cli: CLI) -> None:
    run = cli("resolve", "--json", DEAD, env=ONLY_TORBOX)
    line = only(run)
    assert line["status"] == "error" and "stalled (no seeds)" in line["error"] and run.returncode == 1


def test_a_dead_file_is_offline(cli: CLI) -> None:
    run = cli("resolve", "--json", "https://gofile.io/d/status404/gone.bin")
    line = only(run)
    assert line["status"] == "error" and "offline" in line["error"] and run.returncode == 1


def test_a_hoster_down_at_torbox_fails_over(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.torbox]\npriority = 1\n")  # asked first
    run = cli("resolve", "--json", "-v", "https://wetransfer.com/downloads/abc/Slides.pdf")
    line = only(run)
    assert line["status"] == "ok" and line["provider"] == "offcloud", line  # it takes any link
    assert "torbox says wetransfer.com is down right now" in run.stderr


def test_a_password_protected_link_takes_the_link_password(cli: CLI) -> None:
    link = "https://gofile.io/d/protected1/Secret.Plans.pdf"
    refused = only(cli("resolve", "--json", link, env=ONLY_TORBOX))
    assert refused["status"] == "error" and "needs its password" in refused["error"]
    line = only(cli("resolve", "--json", "--link-password", "letmein", link, env=ONLY_TORBOX))
    assert line["status"] == "ok" and line["filename"] == "Secret.Plans.pdf", line


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("MONTHLY_LIMIT", "monthly download limit"),
        ("PLAN_RESTRICTED_FEATURE", "plan restricted feature"),
        ("DOWNLOAD_TOO_LARGE", "larger than the plan allows"),
        ("ACTIVE_LIMIT", "too many active downloads"),
        ("DATABASE_ERROR", "database"),
    ],
)
def test_documented_errors_reach_the_user_as_words(cli: CLI, code: str, words: str) -> None:
    run = cli("resolve", "--json", "--provider", "torbox", f"https://gofile.io/d/tberror{code}/f.bin")
    line = only(run)
    assert line["status"] == "error" and words in line["error"], line
    assert "Traceback" not in run.stderr


def test_a_bad_key_says_where_the_key_goes(cli: CLI) -> None:
    wrong = {"LINKRESOLVER_TORBOX_KEY": "S3NT1NEL-wrong-torbox-key-123"}
    assert cli("hosts", "--provider", "torbox").returncode == 0  # the list cached, with the right key
    run = cli("resolve", "--json", "--provider", "torbox", GOFILE, env=wrong)
    line = only(run)
    assert line["status"] == "error" and "refused the API key" in line["error"], line
    assert "[providers.torbox]" in run.stderr + line["error"]
    assert "S3NT1NEL-wrong-torbox-key-123" not in run.stdout + run.stderr


def test_the_command_group(cli: CLI, sandbox: Sandbox) -> None:
    me = only(cli("torbox", "me", "--json"))
    assert me["plan"] == "pro" and me["email"] == "sandbox@torbox.invalid"
    assert "plan pro" in cli("torbox", "me").stdout
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.torbox]\nkeep_downloads = true\n")
    assert only(cli("resolve", "--json", "https://gofile.io/d/K33p/Kept.File.txt"))["status"] == "ok"
    listed = cli("torbox", "webdl", "list", "--json").json_lines()
    kept = next(entry for entry in listed if entry["name"] == "Kept.File.txt")
    info = cli("torbox", "webdl", "info", str(kept["id"]))
    assert info.returncode == 0 and "Kept.File.txt" in info.stdout
    refused = cli("torbox", "webdl", "delete", str(kept["id"]))
    assert refused.returncode == 1 and "without --yes" in refused.stderr
    deleted = cli("torbox", "webdl", "delete", "--yes", "--json", str(kept["id"]))
    assert deleted.json_lines() == [{"deleted": kept["id"]}]
    assert kept["id"] not in emulation(sandbox).transfers.jobs
    missing = cli("torbox", "torrents", "info", "999999")
    assert (
        missing.returncode != 0 and "Traceback" not in missing.stderr and "item not found" in missing.stderr
    )
    bad = cli("torbox", "torrents", "info", "abc")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_the_command_group_without_a_key_says_what_to_do(cli: CLI) -> None:
    run = cli("torbox", "me", env={"LINKRESOLVER_TORBOX_KEY": ""})
    assert run.returncode == 2 and "[providers.torbox]" in run.stderr


def test_login_shows_the_code_stores_the_key_and_logout_forgets_it(
    cli: CLI, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> None:
    state = tmp_path_factory.mktemp("state")  # outside tmp_path, which the secrets audit searches
    env = {"LINKRESOLVER_STATE_DIR": str(state), "LINKRESOLVER_TORBOX_KEY": ""}
    login = emulation(sandbox).login
    before = sandbox.request_counts.copy()
    run = cli("torbox", "login", env=env)
    assert run.returncode == 0, run.stderr
    prompt, done = run.stdout.splitlines()
    assert prompt.startswith(f"Open {sandbox.url}/torbox/oauth/device and enter the code "), prompt
    code = prompt.removeprefix(f"Open {sandbox.url}/torbox/oauth/device and enter the code ").split(";")[0]
    assert code.isdigit() and len(code) == 6, prompt
    assert requests.get(f"{sandbox.url}/torbox/oauth/device", timeout=10).status_code == 200
    key_file = state / "torbox-token.json"
    assert done.endswith(f"the API key is kept in {key_file} (readable by you only)"), done
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert polls(sandbox, before, "/user/auth/device/token") == 2  # "not yet", then the key
    assert polls(sandbox, before, "/user/auth/device/start") == 1 and login.apps[-1] == "linkresolver"
    key = json.loads(key_file.read_text())["access_token"]
    assert key.startswith("S3NT1NEL-torbox") and login.accepts(key)
    assert key not in run.stdout + run.stderr

    used = only(cli("resolve", "--json", "https://gofile.io/d/L0g1n/Logged.In.File.txt", env=env))
    assert (used["status"], used["provider"]) == ("ok", "torbox"), used
    rows = {row["provider"]: row for row in cli("accounts", "--json", env=env).json_lines()}
    assert rows["torbox"]["login"] == "sandbox@torbox.invalid", rows.get("torbox")
    assert cli("torbox", "me", env=env).returncode == 0

    run = cli("torbox", "logout", "--json", env=env)
    assert run.json_lines() == [{"logged_out": True, "provider": "torbox", "token_file": str(key_file)}]
    assert not key_file.exists()
    again = cli("torbox", "logout", env=env)
    assert again.returncode == 0 and "no TorBox login was stored" in again.stdout
    gone = cli("resolve", "--json", "--provider", "torbox", GOFILE, env=env)
    line = only(gone)  # the hoster list is cached: TorBox is asked, and says what to do
    assert line["status"] == "error" and "run `linkresolver torbox login`" in line["error"], line
    assert "linkresolver torbox login" in cli("torbox", "me", env=env).stderr


def test_login_says_when_the_code_lapsed(
    cli: CLI, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> None:
    state = tmp_path_factory.mktemp("state")
    login = emulation(sandbox).login
    login.approve_after_polls = None  # nobody enters the code
    login.code_lifetime = 2.5
    try:
        run = cli(
            "torbox", "login", env={"LINKRESOLVER_STATE_DIR": str(state), "LINKRESOLVER_TORBOX_KEY": ""}
        )
    finally:
        login.approve_after_polls, login.code_lifetime = 2, 600.0
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "expired before it was entered" in run.stderr and "linkresolver torbox login" in run.stderr
    assert not (state / "torbox-token.json").exists()
