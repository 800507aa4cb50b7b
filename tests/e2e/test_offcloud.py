"""End to end: Offcloud through the real CLI against the sandbox's emulation: instant links,
the cloud flow with polling, folders of files, magnets and the cache, every not_available
reason, failover both ways, key and cookie authentication, and the command group."""

from __future__ import annotations

import json
import stat
import time

import pytest
import requests

from linkresolver.plugins.offcloud.sandbox import KEY, PASSWORD, USERNAME
from resolver_core.sandbox import Sandbox

from .conftest import CLI, PREFER_FILE_HOSTS, Run

CACHED = "magnet:?xt=urn:btih:0c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Cached.Album.single.flac"
UNCACHED = "magnet:?xt=urn:btih:f7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Whole.Season"


def only(run: Run) -> dict[str, object]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def test_instant_link(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://mediafire.com/file/abc123/Movie.mkv"))
    assert line["status"] == "ok" and line["provider"] == "offcloud" and line["hoster"] == "mediafire.com"
    assert line["filename"] == "Movie.mkv" and line["files"] == []
    assert requests.get(str(line["url"]), timeout=10).status_code == 200


def test_cloud_flow_polls_until_downloaded(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts["/offcloud/api/cloud/status"]
    started = time.monotonic()
    line = only(cli("resolve", "--json", "https://mediafire.com/file/cloudonly1/Bonus.mkv"))
    elapsed = time.monotonic() - started
    assert line["status"] == "ok" and line["filename"] == "Bonus.mkv"
    assert elapsed >= 2.0  # created, downloading, downloaded: the sandbox's two seconds
    assert sandbox.request_counts["/offcloud/api/cloud/status"] - before >= 3
    assert requests.get(str(line["url"]), timeout=10).status_code == 200


def test_a_folder_gives_every_file(cli: CLI) -> None:
    run = cli("resolve", "--json", "https://mediafire.com/folder/cloudonly-pack/Season.1")
    line = only(run)
    files = line["files"]
    assert isinstance(files, list) and len(files) == 3
    assert [f["filename"] for f in files] == ["Season.part1.mkv", "Season.part2.mkv", "Season.nfo"]
    for file in files:
        assert requests.get(file["url"], timeout=10).status_code == 200
    human = cli("resolve", "https://mediafire.com/folder/cloudonly-pack2/Season.2")
    assert len(human.stdout.split()) == 3  # a link a line, one for each file


def test_cloud_failure_ends_with_the_reason(cli: CLI) -> None:
    run = cli(
        "resolve", "--json", "--provider", "offcloud", "https://mediafire.com/file/cloudonly-cloudfail/x"
    )
    line = only(run)
    assert line["status"] == "error" and "closed the connection" in str(line["error"])
    assert run.returncode == 1


def test_magnets_cached_at_once_uncached_through_the_cloud(cli: CLI) -> None:
    started = time.monotonic()
    cached = only(cli("resolve", "--json", CACHED))
    fast = time.monotonic() - started
    assert cached["status"] == "ok" and cached["hoster"] == "magnet" and cached["provider"] == "offcloud"
    assert cached["filename"] == "Cached.Album.single.flac" and cached["files"] == []
    started = time.monotonic()
    uncached = only(cli("resolve", "--json", UNCACHED))
    assert time.monotonic() - started >= 2.0 > fast - 0.5
    assert uncached["status"] == "ok" and len(uncached["files"]) == 3  # type: ignore[arg-type]


def test_a_bare_info_hash_is_a_magnet(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "0C6B6858D61DA9543D4231A71DB4B1C9264B0685"))
    assert line["status"] == "ok" and line["hoster"] == "magnet"


def test_check_magnets_through_the_cache_in_few_calls(cli: CLI, sandbox: Sandbox) -> None:
    magnets = [f"magnet:?xt=urn:btih:{n % 16:x}{n:039x}" for n in range(150)]
    before = sandbox.request_counts["/offcloud/api/cache"]
    run = cli("check", "--json", *magnets)
    lines = run.json_lines()
    assert sandbox.request_counts["/offcloud/api/cache"] - before == 2  # 100 a call
    for magnet, line in zip(magnets, lines, strict=True):
        cached = int(magnet[20], 16) < 8
        assert line["cached"] is cached
        assert line["status"] == ("online" if cached else "unknown")
    human = cli("check", CACHED, UNCACHED)
    assert "cached" in human.stdout.splitlines()[0] and "not cached" in human.stdout.splitlines()[1]


@pytest.mark.parametrize("reason", ["premium", "links", "proxy", "video", "cloud"])
def test_every_not_available_reason_is_spelled_out(cli: CLI, reason: str) -> None:
    link = f"https://mediafire.com/file/{'cloudonly-' if reason == 'cloud' else ''}na-{reason}/x.bin"
    run = cli("resolve", "--provider", "offcloud", link)
    assert run.returncode == 1
    words = {
        "premium": "premium downloading add-on",
        "links": "link increase add-on",
        "proxy": "proxy downloading add-on",
        "video": "video sharing site add-on",
        "cloud": "cloud downloading upgrade add-on",
    }[reason]
    assert f"offcloud says this download needs Offcloud's {words}" in run.stderr
    assert "retrying will not" in run.stderr and "Traceback" not in run.stderr
    line = only(cli("resolve", "--json", "--provider", "offcloud", link))
    assert line["status"] == "error" and line["code"] is None


def test_failover_from_offcloud_to_the_file_hosts_own_api(cli: CLI) -> None:
    cli.config.write_text("[providers.offcloud]\npriority = 5\n" + PREFER_FILE_HOSTS, encoding="utf-8")
    line = only(cli("resolve", "--json", "https://openload.co/f/na-premium-x1/Film.mkv"))
    assert line["status"] == "ok" and line["provider"] == "openload"
    direct = only(cli("resolve", "--json", "https://openload.co/f/fine-x2/Film.mkv"))
    assert direct["provider"] == "offcloud"  # its better priority, when it can


def test_failover_from_a_debrid_provider_to_offcloud(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://rapidgator.net/file/status509/Film.rar.html"))
    assert line["status"] == "ok" and line["provider"] == "offcloud"


def test_catch_all_can_be_turned_off(cli: CLI) -> None:
    cli.config.write_text("[providers.offcloud]\ncatch_all = false\n", encoding="utf-8")
    line = only(cli("resolve", "--json", "https://mediafire.com/file/abc/x"))
    assert line["status"] == "unsupported"
    assert only(cli("resolve", "--json", CACHED))["status"] == "ok"  # magnets still go to it


def test_bad_offcloud_settings_are_named(cli: CLI) -> None:
    cli.config.write_text('[providers.offcloud]\ncatch_all = "no"\n', encoding="utf-8")
    run = cli("resolve", "https://mediafire.com/file/abc/x")
    assert run.returncode == 2 and "'catch_all' must be true or false" in run.stderr


# -- authentication ---------------------------------------------------------------------------


def test_login_keeps_the_session_not_the_password_and_the_cookie_works(cli: CLI) -> None:
    no_key = {"LINKRESOLVER_OFFCLOUD_KEY": ""}
    run = cli(
        "offcloud",
        "login",
        "--username",
        USERNAME,
        env={**no_key, "LINKRESOLVER_OFFCLOUD_PASSWORD": PASSWORD},
    )
    assert run.returncode == 0, run.stderr
    stored = cli.home / "offcloud-session.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    saved = json.loads(stored.read_text(encoding="utf-8"))
    assert PASSWORD not in stored.read_text(encoding="utf-8")
    assert saved["session"] and saved["api_key"] == KEY
    # The cookie alone: the stored key dropped, no key or password configured.
    stored.write_text(json.dumps({**saved, "api_key": None}), encoding="utf-8")
    assert cli("offcloud", "check", env=no_key).stdout.strip() == "logged in"
    line = only(
        cli(
            "resolve",
            "--json",
            "--provider",
            "offcloud",
            "https://mediafire.com/file/c00kie/x.bin",
            env=no_key,
        )
    )
    assert line["status"] == "ok"


def test_wrong_password_and_no_credentials_say_what_to_do(cli: CLI) -> None:
    no_key = {"LINKRESOLVER_OFFCLOUD_KEY": ""}
    wrong = cli(
        "offcloud", "login", "--username", USERNAME, env={**no_key, "LINKRESOLVER_OFFCLOUD_PASSWORD": "nope"}
    )
    assert wrong.returncode == 1 and "refused the credentials" in wrong.stderr
    assert not (cli.home / "offcloud-session.json").exists()
    nothing = cli("offcloud", "proxies", env=no_key)
    assert nothing.returncode == 2 and "linkresolver offcloud login" in nothing.stderr
    not_enabled = cli("resolve", "--json", "https://mediafire.com/file/abc/x", env=no_key)
    assert only(not_enabled)["status"] == "unsupported"  # without credentials it is not used


def test_secrets_never_appear_in_traces(cli: CLI) -> None:
    no_key = {"LINKRESOLVER_OFFCLOUD_KEY": ""}
    login = cli(
        "offcloud",
        "login",
        "-v",
        "-v",
        "--username",
        USERNAME,
        env={**no_key, "LINKRESOLVER_OFFCLOUD_PASSWORD": PASSWORD},
    )
    stored = cli.home / "offcloud-session.json"
    saved = json.loads(stored.read_text(encoding="utf-8"))
    stored.write_text(json.dumps({**saved, "api_key": None}), encoding="utf-8")
    cookie_run = cli(
        "resolve", "-v", "-v", "--provider", "offcloud", "https://mediafire.com/file/tr4ce/x", env=no_key
    )
    key_run = cli("resolve", "-v", "-v", "--provider", "offcloud", "https://mediafire.com/file/tr4ce2/x")
    for run in (login, cookie_run, key_run):
        assert "DEBUG" in run.stderr
        for secret in (KEY, PASSWORD, saved["session"]):
            assert secret not in run.stdout and secret not in run.stderr
    assert "/offcloud/api/instant" in key_run.stderr


# -- the command group ------------------------------------------------------------------------


def test_cloud_commands(cli: CLI) -> None:
    added = only(cli("offcloud", "cloud", "add", "--json", "https://mediafire.com/folder/pack-cmd/Pack"))
    request_id = str(added["request_id"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = only(cli("offcloud", "cloud", "status", "--json", request_id))
        if status["status"] == "downloaded":
            break
        time.sleep(0.3)
    assert status["status"] == "downloaded" and status["is_directory"] is True
    explored = cli("offcloud", "cloud", "explore", request_id).stdout.split()
    listed = cli("offcloud", "cloud", "list", request_id).stdout.split()
    assert len(explored) == 3 and explored == listed
    failing = only(cli("offcloud", "cloud", "add", "--json", "https://mediafire.com/file/cloudfail-cmd/x"))
    time.sleep(1.5)
    failed = cli("offcloud", "cloud", "status", str(failing["request_id"]))
    assert failed.returncode == 1 and "error" in failed.stdout
    assert cli("offcloud", "cloud", "retry", str(failing["request_id"])).returncode == 0
    bad = cli("offcloud", "cloud", "explore", "../etc")
    assert bad.returncode == 2 and "not an Offcloud request id" in bad.stderr


def test_remote_commands_proxies_and_cache(cli: CLI) -> None:
    accounts = cli("offcloud", "remote", "accounts", "--json").json_lines()
    assert [a["account_id"] for a in accounts] == ["ra-ftp-1", "ra-gdrive-2"]
    added = only(
        cli("offcloud", "remote", "add", "--json", "--account", "ra-ftp-1", "https://mediafire.com/file/r1/x")
    )
    assert (
        added["request_id"] and cli("offcloud", "remote", "status", str(added["request_id"])).returncode == 0
    )
    assert cli("offcloud", "remote", "retry", str(added["request_id"])).returncode == 0
    unknown = cli("offcloud", "remote", "add", "--account", "nope", "https://mediafire.com/file/r2/x")
    assert unknown.returncode == 1 and "Remote account not found" in unknown.stderr
    proxies = cli("offcloud", "proxies", "--json").json_lines()
    assert {p["proxy_id"] for p in proxies} == {"5", "9"}
    cache = cli(
        "offcloud", "cache", "--json", CACHED, "f7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09"
    ).json_lines()
    assert [c["cached"] for c in cache] == [True, False]
    bad = cli("offcloud", "cache", "not-a-hash")
    assert bad.returncode == 2 and "neither a BitTorrent info hash" in bad.stderr


def test_cloud_progress_shows_on_a_terminal(cli: CLI) -> None:
    run, terminal = cli.on_terminal("resolve", "https://mediafire.com/file/cloudonly-tty/Bonus.mkv")
    assert run.returncode == 0
    assert b"offcloud is fetching it into its cloud (downloading" in terminal
    quiet = cli("resolve", "https://mediafire.com/file/cloudonly-pipe/Bonus.mkv")
    assert "fetching" not in quiet.stderr  # no terminal: a log line for -v only


def test_a_file_dead_at_its_host_is_offline_through_offcloud_too(cli: CLI) -> None:
    """The sandbox's dead file (``status404``) is dead whichever provider is asked: Offcloud
    answers so, and the link ends offline, never with a direct link."""
    run = cli("resolve", "--json", "--provider", "offcloud", "https://streamango.com/f/status404x1/gone.bin")
    line = only(run)
    assert (line["status"], line["provider"], line["url"]) == ("error", "offcloud", None)
    assert str(line["error"]).startswith(
        'offcloud says the file is gone at the hoster (it said "File not found'
    )
