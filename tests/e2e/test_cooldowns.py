"""A provider that says stop, seen from the command line: one run asks no more than the links
already in flight, and the next run does not ask at all before the time is up."""

from __future__ import annotations

from linkresolver.plugins.premiumize.sandbox import API_PATH
from resolver_core.cooldowns import COOLDOWN_FILE
from resolver_core.sandbox import Sandbox
from resolver_core.state import SqliteStateStore

from .conftest import CLI

PM_PATH = API_PATH


def test_a_509_rests_premiumize_for_this_run_and_the_next(cli: CLI, sandbox: Sandbox) -> None:
    # The sandbox's account 509000009 has no fair use left: every link answers 509.
    env = {"LINKRESOLVER_PREMIUMIZE_LOGIN": "509000009", "LINKRESOLVER_PREMIUMIZE_KEY": "quota-pin-0509"}
    links = [f"https://rapidgator.net/file/q{i:03d}/part{i}.rar.html" for i in range(60)]
    before = sandbox.request_counts[PM_PATH]
    first = cli("resolve", "--json", "--provider", "premiumize", *links, env=env)
    asked = sandbox.request_counts[PM_PATH] - before
    lines = first.json_lines()
    assert first.returncode == 1 and len(lines) == 60
    assert all(line["status"] == "error" and line["code"] == 509 for line in lines)
    # The hoster list, then no more than the links in flight when the first 509 came.
    assert asked <= 1 + 8, asked
    resting = [line for line in lines if "asked to pause until" in str(line["error"])]
    assert len(resting) >= 50
    assert "try again after that time, or through another provider" in str(resting[0]["error"])
    # Kept in the state store (every process sees it at once), not in the old cooldowns.json.
    stored = SqliteStateStore.in_directory(cli.home / "state").rests()
    assert [(rest.provider, rest.code) for rest in stored] == [("premiumize", 509)]
    assert not (cli.home / "cache" / COOLDOWN_FILE).exists()

    before = sandbox.request_counts[PM_PATH]
    second = cli("resolve", "--json", "--provider", "premiumize", links[0], env=env)
    assert sandbox.request_counts[PM_PATH] == before  # the next run does not ask
    assert "premiumize asked to pause until" in str(second.json_lines()[0]["error"])
    assert "Traceback" not in first.stderr + second.stderr

    # `accounts` says why, and until when.
    rows = {row["provider"]: row for row in cli("accounts", "--json", env=env).json_lines()}
    [rest] = rows["premiumize"]["resting"]
    assert rest["hoster"] is None and rest["code"] == 509 and "fair-use" in rest["reason"]
    assert rows["offcloud"]["resting"] == []
    assert "resting (every link) until" in cli("accounts", env=env).stdout


def test_a_resting_premiumize_hands_its_links_to_offcloud(cli: CLI) -> None:
    env = {"LINKRESOLVER_PREMIUMIZE_LOGIN": "509000009", "LINKRESOLVER_PREMIUMIZE_KEY": "quota-pin-0509"}
    links = [f"https://rapidgator.net/file/r{i:03d}/part{i}.rar.html" for i in range(12)]
    run = cli("resolve", "--json", *links, env=env)
    lines = run.json_lines()
    assert run.returncode == 0, run.stderr
    assert [line["provider"] for line in lines] == ["offcloud"] * 12
