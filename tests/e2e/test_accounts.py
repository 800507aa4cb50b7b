"""Several accounts of one provider, from the command line: a Real-Debrid account that
reaches its fair use rests alone and the batch goes on through the other, `accounts` shows
each (the resting one with why and until when), `--account` pins one."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from linkresolver.plugins.realdebrid.sandbox import RealDebridEmulation
from resolver_core.sandbox import Sandbox

from .conftest import CLI


@dataclass
class TwoAccounts:
    cli: CLI
    emulation: RealDebridEmulation
    home: str
    spare: str


@pytest.fixture
def two(cli: CLI, sandbox: Sandbox) -> Iterator[TwoAccounts]:
    emulation = sandbox.emulations["realdebrid"]
    assert isinstance(emulation, RealDebridEmulation)
    home, spare = (f"acct-{secrets.token_hex(12)}" for _ in range(2))
    emulation.tokens |= {home, spare}
    emulation.fair_use_after[home] = 10
    emulation.usernames.update({home: "rd-home-user", spare: "rd-spare-user"})
    # The environment's key would be the single-account form's: these accounts are the file's.
    cli.env.pop("LINKRESOLVER_REALDEBRID_KEY", None)
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write(
            "[providers.realdebrid]\npriority = 10\n"
            f'[[providers.realdebrid.accounts]]\nlabel = "home"\nkey = "{home}"\n'
            f'[[providers.realdebrid.accounts]]\nlabel = "spare"\nkey = "{spare}"\n'
        )
    cli.config.chmod(0o600)
    try:
        yield TwoAccounts(cli, emulation, home, spare)
    finally:
        emulation.tokens -= {home, spare}
        emulation.fair_use_after.pop(home, None)


def links(prefix: str, count: int) -> list[str]:
    return [f"https://katfile.com/{prefix}{i:08d}/f{i}.bin" for i in range(count)]


def test_the_second_account_serves_the_batch_once_the_first_reaches_its_fair_use(
    two: TwoAccounts,
) -> None:
    cli, emulation = two.cli, two.emulation
    run = cli("resolve", "--json", "--provider", "realdebrid", "-v", *links("acct", 50))
    lines = run.json_lines()
    assert run.returncode == 0, run.stderr
    assert [line["status"] for line in lines] == ["ok"] * 50
    assert all(line["provider"] == "realdebrid" for line in lines)
    assert Counter(line["account"] for line in lines) == {"home": 10, "spare": 40}
    assert emulation.unrestricted[two.home] == 10 and emulation.unrestricted[two.spare] == 40
    assert emulation.refused_for_fair_use[two.home] >= 1
    assert "served by the account realdebrid/spare" in run.stderr
    assert "Traceback" not in run.stderr

    every = cli("accounts", "--json").json_lines()
    rows = {row["account"]: row for row in every if row["provider"] == "realdebrid"}
    assert list(rows) == ["home", "spare"] and all(
        row["account"] is None for row in every if row not in rows.values()
    )
    assert rows["home"]["login"] == "rd-home-user" and rows["spare"]["login"] == "rd-spare-user"
    [rest] = rows["home"]["resting"]
    assert rest["hoster"] is None and rest["code"] == 36 and "fair usage" in rest["reason"]
    assert rest["until"] > 0 and rows["spare"]["resting"] == []
    text = cli("accounts").stdout
    assert "realdebrid/home" in text and "realdebrid/spare" in text and "rd-home-user" in text
    assert "resting (every link) until" in text and "fair usage" in text

    # The rest is kept: the next run goes to the spare account without asking the first.
    refused = emulation.refused_for_fair_use[two.home]
    again = cli("resolve", "--json", "--provider", "realdebrid", *links("agan", 5))
    assert [line["status"] for line in again.json_lines()] == ["ok"] * 5, again.stderr
    assert emulation.unrestricted[two.spare] == 45
    assert emulation.refused_for_fair_use[two.home] == refused and emulation.unrestricted[two.home] == 10


def test_account_pins_one_account(two: TwoAccounts) -> None:
    run = two.cli("resolve", "--json", "--account", "spare", *links("pinn", 4))
    assert [(line["status"], line["provider"]) for line in run.json_lines()] == [("ok", "realdebrid")] * 4
    assert two.emulation.unrestricted[two.spare] == 4 and two.emulation.unrestricted[two.home] == 0
    rows = two.cli("accounts", "--json", "--account", "realdebrid/home").json_lines()
    assert [(row["provider"], row["account"]) for row in rows] == [("realdebrid", "home")]


def test_a_label_no_provider_has_is_a_usage_error_listing_the_labels(two: TwoAccounts) -> None:
    run = two.cli("resolve", "--account", "work", *links("nope", 1))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "no provider has an account labelled 'work'" in run.stderr
    assert "realdebrid/home, realdebrid/spare" in run.stderr
    assert two.emulation.unrestricted[two.home] + two.emulation.unrestricted[two.spare] == 0


def test_a_bad_accounts_table_is_one_line_naming_it(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write('[providers.realdebrid]\nkey = "abc"\n[[providers.realdebrid.accounts]]\nkey = "x"\n')
    run = cli("accounts")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "[providers.realdebrid]: has its own 'key' and 'accounts' too" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_command_of_the_plugin_uses_the_account_named(two: TwoAccounts) -> None:
    two.emulation.tokens.discard(two.home)  # home's token is refused now: only spare can answer
    spare = two.cli("realdebrid", "traffic", "--json", "--account", "spare")
    assert spare.returncode == 0 and spare.json_lines(), spare.stderr
    home = two.cli("realdebrid", "traffic", "--json", "--account", "realdebrid/home")
    assert home.returncode == 1 and "realdebrid refused the API token" in home.stderr
    wrong = two.cli("realdebrid", "traffic", "--account", "work")
    assert wrong.returncode == 2 and "no provider has an account labelled 'work'" in wrong.stderr
    assert "Traceback" not in spare.stderr + home.stderr + wrong.stderr
