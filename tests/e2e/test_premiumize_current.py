"""End to end: the real command line against the sandbox's emulation of Premiumize's current
API, over real sockets: chosen by a key without a login, resolve, check, accounts, hosts and
download with the JSON contract, magnets cached and fetched, a multi-file answer; and the
legacy pm-api still chosen by a login with the key."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import requests

from linkresolver.plugins.premiumize.current_client import CurrentClient
from linkresolver.plugins.premiumize.current_errors import (
    FairUseReached,
    FileGone,
    HosterDown,
    InvalidKey,
    NotInCache,
    NotPremium,
    PremiumizeRefused,
    TransferGone,
)
from linkresolver.plugins.premiumize.current_sandbox import API_PATH, FAIR_USE_KEY, FREE_KEY, KEY
from resolver_core import errors
from resolver_core.http import make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.sandbox import Faults, Sandbox, build_sandbox

from .conftest import CLI, Run

RESOLVE_FIELDS = {
    *("input", "status", "provider", "hoster", "url", "filename", "size", "sha1", "error", "code", "files"),
    "account",
    "mirror_of",
}
CHECK_FIELDS = {
    *(
        "input",
        "status",
        "provider",
        "hoster",
        "filename",
        "size",
        "sha1",
        "cached",
        "cached_at",
        "error",
        "code",
    )
}
CACHED_MAGNET = "magnet:?xt=urn:btih:3d9f1a7c5e2b8046f1d3c5a7e9b2d4f6a8c0e1b3&dn=Holiday.Photos.single.zip"
FETCHED_MAGNET = "magnet:?xt=urn:btih:c4e8a2f6b0d9135779e1c3a5f7b9d2e4a6c8e0f2&dn=Holiday.Season.2"
DEAD_MAGNET = "magnet:?xt=urn:btih:dead00000000000000000000000000000000beef&dn=Gone"
LINK = "https://rapidgator.net/file/pc11aa22/Current.File.rar.html"


@pytest.fixture
def cli(cli: CLI, sandbox: Sandbox) -> CLI:
    """A key and no login: the current API. Offcloud, which claims magnets and every link
    no other provider serves, is left out: these tests are about Premiumize's answers."""
    cli.env.pop("LINKRESOLVER_PREMIUMIZE_LOGIN")
    cli.env["LINKRESOLVER_PREMIUMIZE_KEY"] = KEY
    cli.env["LINKRESOLVER_PREMIUMIZE_API_BASE"] = sandbox.url + API_PATH
    cli.env["LINKRESOLVER_DISABLE_PLUGINS"] = "offcloud"
    return cli


def only(run: Run) -> dict[str, object]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def test_resolve_a_hoster_link_through_the_current_api(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts[f"{API_PATH}/transfer/directdl"]
    line = only(cli("resolve", "--json", "--provider", "premiumize", LINK))
    assert set(line) == RESOLVE_FIELDS
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "premiumize", "rapidgator.net")
    assert line["filename"] == "Current.File.rar" and isinstance(line["size"], int)
    assert str(line["url"]).startswith(sandbox.url + "/files/") and line["files"] == []
    assert sandbox.request_counts[f"{API_PATH}/transfer/directdl"] == before + 1


def test_a_multi_file_answer_lists_every_file(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://uploaded.net/file/folder7x"))
    assert line["status"] == "ok", line
    files = line["files"]
    assert isinstance(files, list) and len(files) == 3
    assert [f["filename"] for f in files] == ["folder7x.part1.mkv", "folder7x.part2.mkv", "folder7x.nfo"]
    assert all(requests.get(f["url"], timeout=10).status_code == 200 for f in files)


def test_a_cached_magnet_resolves_at_once(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts[f"{API_PATH}/transfer/create"]
    line = only(cli("resolve", "--json", CACHED_MAGNET))
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "premiumize", "magnet")
    assert line["filename"] == "Holiday.Photos.single.zip"
    assert sandbox.request_counts[f"{API_PATH}/transfer/create"] == before  # no transfer needed


def test_a_magnet_not_cached_is_fetched_into_the_cloud_with_progress(cli: CLI) -> None:
    line = only(cli("resolve", "--json", FETCHED_MAGNET))
    assert line["status"] == "ok", line
    files = line["files"]
    assert isinstance(files, list)
    assert [f["filename"] for f in files] == [
        "Holiday.Season.2.part1.mkv",
        "Holiday.Season.2.part2.mkv",
        "Holiday.Season.2.nfo",
    ]
    again = only(cli("check", "--json", FETCHED_MAGNET))  # in the cache now
    assert (again["status"], again["cached"]) == ("online", True)


def test_transfer_progress_shows_on_a_terminal(cli: CLI) -> None:
    magnet = "magnet:?xt=urn:btih:e1e8a2f6b0d9135779e1c3a5f7b9d2e4a6c8e0f2&dn=Holiday.Season.3"
    run, terminal = cli.on_terminal("resolve", magnet)
    assert run.returncode == 0
    assert b"premiumize is fetching it into its cloud (running, 25%)" in terminal


def test_a_dead_magnet_is_an_error_with_the_services_words(cli: CLI) -> None:
    line = only(cli("resolve", "--json", DEAD_MAGNET))
    assert line["status"] == "error" and line["provider"] == "premiumize"
    assert "no seeds" in str(line["error"]) and "ask whoever posted the link" in str(line["error"])


def test_check_asks_the_cache_for_links_and_magnets_at_once(cli: CLI, sandbox: Sandbox) -> None:
    links = [LINK, "https://rapidgator.net/file/nocache9", CACHED_MAGNET, DEAD_MAGNET]
    before = sandbox.request_counts[f"{API_PATH}/cache/check"]
    run = cli("check", "--json", *links)
    lines = run.json_lines()
    assert [line["input"] for line in lines] == links
    assert all(set(line) == CHECK_FIELDS for line in lines)
    assert [(line["status"], line["cached"]) for line in lines] == [
        ("online", True),
        ("unknown", False),
        ("online", True),
        ("unknown", False),
    ]
    assert sandbox.request_counts[f"{API_PATH}/cache/check"] == before + 2  # one per hoster


def test_accounts_shows_premium_and_fair_use(cli: CLI) -> None:
    rows = {row["provider"]: row for row in cli("accounts", "--json").json_lines()}
    row = rows["premiumize"]
    assert (row["login"], row["type"], row["can_download"]) == ("123456789", "premium", True)
    assert row["fair_use_left"] is not None and 0 < row["fair_use_left"] <= 1
    free = cli("accounts", "--json", env={"LINKRESOLVER_PREMIUMIZE_KEY": FREE_KEY}).json_lines()
    assert next(r for r in free if r["provider"] == "premiumize")["type"] == "free"


def test_hosts_come_from_services_list(cli: CLI) -> None:
    run = cli("hosts", "--provider", "premiumize")
    assert run.returncode == 0, run.stderr
    assert "rapidgator.net" in run.stdout and "rg.to" in run.stdout and "katfile.com" in run.stdout
    assert (cli.home / "cache" / "hosterlist-premiumize-current.json").exists()
    assert not (cli.home / "cache" / "hosterlist-premiumize.json").exists()


def test_download_arrives_whole(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    line = only(cli("download", "--json", "-o", str(out), LINK))
    assert line["status"] == "ok", line
    path = Path(str(line["path"]))
    served = requests.get(str(line["url"]), timeout=10).content
    assert hashlib.sha1(path.read_bytes()).hexdigest() == hashlib.sha1(served).hexdigest()
    assert path.stat().st_size == line["size"]


@pytest.mark.parametrize(
    ("link", "env", "words", "advice"),
    [
        ("https://rapidgator.net/file/status404", {}, "File not found", "ask whoever posted the link"),
        ("https://filefactory.com/file/down1", {}, "Network error", "another provider may work"),
        ("https://katfile.com/k1/x.bin", {}, "content not in cache", "into its cloud first"),
        ("https://rapidgator.net/file/statusmystery", {}, "Something unexpected", "refused this"),
        (LINK, {"LINKRESOLVER_PREMIUMIZE_KEY": FREE_KEY}, "not premium", "premium membership"),
        (LINK, {"LINKRESOLVER_PREMIUMIZE_KEY": FAIR_USE_KEY}, "Fair use limit reached", "fair-use points"),
        (LINK, {"LINKRESOLVER_PREMIUMIZE_KEY": "S3NT1NEL-wrong-key-0000"}, "Not logged in", "API key shown"),
    ],
)
def test_errors_reach_people_in_the_services_words_with_advice(
    cli: CLI, link: str, env: dict[str, str], words: str, advice: str
) -> None:
    cli("hosts")  # the list cached with the good key: a wrong key is then asked for the link
    line = only(cli("resolve", "--json", "--provider", "premiumize", link, env=env))
    assert line["status"] == "error" and line["provider"] == "premiumize", line
    assert words in str(line["error"]) and advice in str(line["error"])


def test_the_key_never_travels_in_a_url(cli: CLI, sandbox: Sandbox) -> None:
    run = cli("resolve", "-v", "-v", LINK)
    assert run.returncode == 0, run.stderr
    assert KEY not in run.stdout + run.stderr


def test_a_login_with_the_key_still_selects_the_legacy_pm_api(cli: CLI, sandbox: Sandbox) -> None:
    legacy = sandbox.env()
    env = {name: legacy[name] for name in legacy if name.startswith("LINKRESOLVER_PREMIUMIZE_")}
    before = sandbox.request_counts["/premiumize/pm-api/v1.php"]
    line = only(cli("resolve", "--json", "--provider", "premiumize", LINK, env=env))
    assert line["status"] == "ok" and line["provider"] == "premiumize"
    assert sandbox.request_counts["/premiumize/pm-api/v1.php"] > before
    rows = cli("accounts", "--json", env=env).json_lines()
    assert next(r for r in rows if r["provider"] == "premiumize")["login"] == "123456789"


@pytest.mark.parametrize(
    ("word", "error_class"),
    [
        ("400", errors.BadLink),
        ("401", InvalidKey),
        ("402", NotPremium),
        ("404", FileGone),
        ("428", HosterDown),
        ("429", errors.RateLimited),
        ("503", errors.ProviderOutage),
        ("509", FairUseReached),
        ("mystery", PremiumizeRefused),
    ],
)
def test_every_error_of_the_emulation_reaches_the_client_as_its_class(
    sandbox: Sandbox, word: str, error_class: type[errors.ResolverError]
) -> None:
    client = CurrentClient(make_session(retries=0), sandbox.url + API_PATH, KEY)
    with pytest.raises(errors.ResolverError) as caught:
        client.directdl(f"https://rapidgator.net/file/status{word}")
    assert type(caught.value) is error_class


def test_the_transfer_endpoints_answer_as_documented(sandbox: Sandbox) -> None:
    client = CurrentClient(make_session(retries=0), sandbox.url + API_PATH, KEY)
    magnet = "magnet:?xt=urn:btih:f0e8a2f6b0d9135779e1c3a5f7b9d2e4a6c8e0f2&dn=Delete.Me"
    first = client.transfer_create(magnet)
    assert client.transfer_create(magnet) == first  # "already added": the same transfer
    assert [t.status for t in client.transfer_list() if t.id == first] == ["running"]
    client.transfer_delete(first)
    with pytest.raises(TransferGone):
        client.transfer_delete(first)
    with pytest.raises(errors.BadLink):
        client.transfer_create("magnet:?dn=no-hash")
    with pytest.raises(NotInCache):
        client.directdl(magnet)
    wrong = CurrentClient(make_session(retries=0), sandbox.url + API_PATH, "S3NT1NEL-wrong-key-0001")
    with pytest.raises(InvalidKey):
        wrong.account_info()


def test_faults_of_the_sandbox_reach_the_current_api_as_errors_never_tracebacks() -> None:
    faults = Faults(fail_rate=1.0, seed=7, hang=1.0)
    with build_sandbox(make_plugin_manager(load_entry_points=False), faults=faults) as faulty:
        client = CurrentClient(make_session(retries=0, timeout=0.5), faulty.url + API_PATH, KEY)
        for _ in range(12):
            with pytest.raises(errors.ResolverError) as caught:
                client.account_info()
            assert caught.value.try_other_provider and caught.value.provider == "premiumize"
    assert sum(faults.summary().values()) == 12
