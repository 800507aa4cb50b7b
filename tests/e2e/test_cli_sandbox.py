"""End to end: `linkresolver` commands against the sandbox's Premiumize emulation."""

from __future__ import annotations

import hashlib

import pytest
import requests

from linkresolver.plugins.premiumize.sandbox import PIN

from .conftest import CLI

RESOLVE_FIELDS = {
    *("input", "status", "provider", "hoster", "url", "filename", "size", "sha1", "error", "code", "files"),
    "account",
    "mirror_of",
}
CHECK_FIELDS = {
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
}


@pytest.fixture
def cli(cli: CLI) -> CLI:
    """These tests are about Premiumize's answers as they reach people: Offcloud, which
    claims every link no other provider serves (and fails over from any), is left out."""
    cli.env["LINKRESOLVER_DISABLE_PLUGINS"] = "offcloud"
    return cli


GOOD = [
    "https://rapidgator.net/file/aa11bb22/First.File.rar.html",
    "https://rg.to/file/cc33dd44",
    "https://uploaded.net/file/ee55ff66",
]


def test_resolve_json_lines_in_input_order_with_every_field(cli: CLI) -> None:
    run = cli("resolve", "--json", *GOOD)
    assert run.returncode == 0, run.stderr
    lines = run.json_lines()
    assert [line["input"] for line in lines] == GOOD
    for line in lines:
        assert set(line) == RESOLVE_FIELDS
        assert line["status"] == "ok"
        assert line["provider"] == "premiumize"
        assert line["error"] is None and line["code"] is None
    assert [line["hoster"] for line in lines] == ["rapidgator.net", "rapidgator.net", "uploaded.net"]
    assert lines[0]["filename"] == "First.File.rar"


def test_direct_links_serve_the_file_with_ranges(cli: CLI) -> None:
    line = cli("resolve", "--json", GOOD[0]).json_lines()[0]
    whole = requests.get(line["url"], timeout=10)
    assert whole.status_code == 200
    assert len(whole.content) == line["size"]
    sha1 = hashlib.sha1(whole.content).hexdigest()
    assert whole.headers["X-Sha1"] == sha1
    part = requests.get(line["url"], headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206
    assert part.content == whole.content[100:200]


def test_human_output_urls_on_stdout_reasons_on_stderr(cli: CLI) -> None:
    run = cli("resolve", GOOD[0], "https://rapidgator.net/file/status404", "https://example.com/x")
    assert run.returncode == 1
    assert run.stdout.strip().splitlines()[0].startswith("http://127.0.0.1:")
    assert len(run.stdout.strip().splitlines()) == 1
    assert "status404: premiumize says the file was deleted at the hoster" in run.stderr
    assert "https://example.com/x: no enabled provider serves this link" in run.stderr
    assert "Traceback" not in run.stderr


def test_pasted_text_on_stdin(cli: CLI) -> None:
    post = "Parts:\n[url=https://rg.to/file/abc123]1[/url] and rapidgator.net/file/def456 (mirror)."
    run = cli("resolve", "--json", stdin=post)
    assert run.returncode == 0, run.stderr
    assert [line["input"] for line in run.json_lines()] == [
        "https://rg.to/file/abc123",
        "https://rapidgator.net/file/def456",
    ]


def test_no_links_is_a_failure_with_a_message(cli: CLI) -> None:
    run = cli("resolve", stdin="nothing to see here")
    assert run.returncode == 1
    assert "no links found" in run.stderr


def test_a_link_too_long_to_read_is_said_not_dropped_silently(cli: CLI) -> None:
    """A link of 20,000 characters (text glued to it) is left out, and the user is told."""
    overlong = "https://rapidgator.net/file/" + "a" * 20_000
    run = cli("resolve", stdin=f"{overlong}\nhttps://rg.to/file/abc123\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1  # the other link resolved
    assert "1 link(s) longer than 16,384 characters left out" in run.stderr


@pytest.mark.parametrize(
    ("link", "error_class_words", "code"),
    [
        ("https://rapidgator.net/file/status400", "not a valid link", 400),
        ("https://rapidgator.net/file/status403", "forbidden", 403),
        ("https://rapidgator.net/file/status404", "deleted at the hoster", 404),
        ("https://filefactory.com/file/abc", "cannot reach this hoster", 428),
        ("https://rapidgator.net/file/status503", "3 minutes", 503),
        ("https://rapidgator.net/file/status509", "10 minutes", 509),
    ],
)
def test_every_error_code_reaches_the_user_as_words(
    cli: CLI, link: str, error_class_words: str, code: int
) -> None:
    run = cli("resolve", "--json", link)
    assert run.returncode == 1
    line = run.json_lines()[0]
    assert line["status"] == "error"
    assert line["code"] == code
    assert error_class_words in line["error"]
    assert "Traceback" not in run.stderr


def test_check_says_unknown_for_a_debrid_service(cli: CLI) -> None:
    run = cli("check", "--json", GOOD[0], "https://example.com/x")
    assert run.returncode == 1  # the unsupported link
    lines = run.json_lines()
    assert all(set(line) == CHECK_FIELDS for line in lines)
    assert [line["status"] for line in lines] == ["unknown", "unsupported"]
    assert lines[0]["provider"] == "premiumize"


def test_accounts(cli: CLI) -> None:
    run = cli("accounts")
    assert run.returncode == 0, run.stderr
    assert "premiumize" in run.stdout and "premium" in run.stdout and "can download" in run.stdout
    rows = {row["provider"]: row for row in cli("accounts", "--json").json_lines()}
    debrids = {"realdebrid", "alldebrid", "torbox", "debridlink"}
    assert set(rows) == {"premiumize", "openload", "streamango", "highload", *debrids}
    row = rows["premiumize"]
    assert row["type"] == "premium" and row["can_download"] is True
    assert row["fair_use_left"] is not None and 0 < row["fair_use_left"] <= 1


def test_accounts_free_account_cannot_download(cli: CLI) -> None:
    run = cli(
        "accounts",
        "--json",
        env={"LINKRESOLVER_PREMIUMIZE_LOGIN": "200000002", "LINKRESOLVER_PREMIUMIZE_KEY": "free-pin-0002"},
    )
    row = next(row for row in run.json_lines() if row["provider"] == "premiumize")
    assert row["type"] == "free" and row["can_download"] is False


def test_hosts_lists_the_hoster_list_and_refreshes(cli: CLI) -> None:
    run = cli("hosts")
    assert run.returncode == 0, run.stderr
    assert "rapidgator.net" in run.stdout and "rg.to" in run.stdout
    assert (cli.home / "cache" / "hosterlist-premiumize.json").exists()
    assert cli("hosts", "--refresh", "--json").returncode == 0


# -- failover --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "https://rapidgator.net/file/status509",
        "https://filefactory.com/file/abc",
        "https://rapidgator.net/file/status503",
        "https://rapidgator.net/file/status502",
    ],
    ids=["509", "428", "503", "502"],
)
def test_failover_to_a_lower_priority_provider(cli: CLI, link: str) -> None:
    run = cli.with_backup()("resolve", "--json", link)
    assert run.returncode == 0, run.stderr
    line = run.json_lines()[0]
    assert line["status"] == "ok"
    assert line["provider"] == "backup"
    assert line["url"].startswith("https://backup.example/dl/")


def test_no_failover_on_offline(cli: CLI) -> None:
    line = cli.with_backup()("resolve", "--json", "https://rapidgator.net/file/status404").json_lines()[0]
    assert line["status"] == "error" and line["provider"] == "premiumize" and line["code"] == 404


def test_no_failover_on_bad_credentials(cli: CLI) -> None:
    cli.with_backup()
    assert cli("hosts").returncode == 0  # the hoster list is cached with good credentials
    run = cli("resolve", "--json", GOOD[0], env={"LINKRESOLVER_PREMIUMIZE_KEY": "wrong-pin"})
    line = run.json_lines()[0]
    assert line["status"] == "error" and line["provider"] == "premiumize" and line["code"] == 401
    assert "check the login and key" in line["error"]


def test_failed_hosterlist_refresh_keeps_the_cached_list(cli: CLI) -> None:
    cli.with_backup()
    assert cli("hosts").returncode == 0
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("")
    maintenance = {
        "LINKRESOLVER_PREMIUMIZE_LOGIN": "503000005",
        "LINKRESOLVER_PREMIUMIZE_KEY": "maint-pin-0503",
    }
    run = cli("resolve", "--json", GOOD[0], env=maintenance)
    line = run.json_lines()[0]
    assert line["status"] == "ok" and line["provider"] == "premiumize"  # no failover to backup
    refreshed = cli("hosts", "--refresh", env=maintenance)
    assert "using the cached hoster list" in refreshed.stderr
    assert "rapidgator.net" in refreshed.stdout


def test_third_party_provider_serves_its_own_hoster(cli: CLI) -> None:
    line = cli.with_backup()("resolve", "--json", "https://backuphost.example/f/xyz").json_lines()[0]
    assert line["status"] == "ok" and line["provider"] == "backup" and line["hoster"] == "backuphost.example"


def test_provider_option_limits_the_providers(cli: CLI) -> None:
    run = cli.with_backup()("resolve", "--json", "--provider", "backup", GOOD[0])
    assert run.json_lines()[0]["provider"] == "backup"
    bad = cli("resolve", "--provider", "nosuch", GOOD[0])
    assert bad.returncode == 2
    assert "unknown provider nosuch" in bad.stderr


def test_broken_plugin_is_reported_and_skipped(cli: CLI) -> None:
    run = cli("resolve", "--json", GOOD[0], env={"LINKRESOLVER_PLUGINS": "tests.e2e.no_such_plugin"})
    assert run.returncode == 0
    assert "plugin tests.e2e.no_such_plugin could not be loaded and is skipped" in run.stderr


def test_disabled_builtin_plugin(cli: CLI) -> None:
    run = cli("resolve", GOOD[0], env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize,offcloud"})
    assert run.returncode == 1
    assert "no enabled provider serves this link" in run.stderr


# -- configuration errors ------------------------------------------------------------------


def test_malformed_config_names_the_file(cli: CLI) -> None:
    cli.config.write_text("[providers.premiumize\nkey = 1", encoding="utf-8")
    run = cli("resolve", GOOD[0])
    assert run.returncode == 2
    assert str(cli.config) in run.stderr and "not valid TOML" in run.stderr
    assert "Traceback" not in run.stderr


def test_plain_http_api_base_is_refused_except_on_loopback(cli: CLI) -> None:
    run = cli(
        "accounts", env={"LINKRESOLVER_PREMIUMIZE_API_BASE": "http://api.premiumize.example/pm-api/v1.php"}
    )
    assert run.returncode == 2
    assert "api_base" in run.stderr and "must use https" in run.stderr


def test_wrong_type_in_config_names_the_key(cli: CLI) -> None:
    cli.config.write_text('[providers.premiumize]\npriority = "high"\n', encoding="utf-8")
    run = cli("accounts")
    assert run.returncode == 2
    assert "[providers.premiumize]" in run.stderr and "'priority'" in run.stderr


# -- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("resolve", "-v", "-v", GOOD[0], "https://rapidgator.net/file/status509", "https://example.com/x"),
        ("resolve", "-v", "-v", "--json", GOOD[1]),
        ("check", "-v", "-v", GOOD[0]),
        ("accounts", "-v", "-v"),
        ("hosts", "-v", "-v", "--refresh"),
        ("demo", "-v", "-v"),
    ],
    ids=["resolve", "resolve-json", "check", "accounts", "hosts", "demo"],
)
def test_secrets_never_appear_even_at_debug(cli: CLI, args: tuple[str, ...]) -> None:
    secret_key = "Backup-Key-7g5hQ"
    cli.with_backup()
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write(f'key = "{secret_key}"\n')
    run = cli(*args)
    assert "DEBUG" in run.stderr  # -v -v really logged HTTP detail
    for secret in (PIN, secret_key):
        assert secret not in run.stdout
        assert secret not in run.stderr
    for path in cli.home.rglob("*"):
        if path.is_file() and path != cli.config:
            assert PIN not in path.read_text(encoding="utf-8", errors="replace"), path


def test_progress_bar_on_a_terminal_only(cli: CLI) -> None:
    """A batch on a TTY shows tqdm's bar on stderr; through a pipe (above) it never does."""
    links = [f"https://rapidgator.net/file/bar{i}" for i in range(6)]
    done, terminal = cli.on_terminal("resolve", *links)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 6
    assert b"/6 [" in terminal and b"link/s" in terminal  # the bar, counting links
    assert "link/s" not in cli("resolve", *links).stderr
