"""``[[providers.NAME.accounts]]``: several accounts in one provider's table, and every
mistake in them a one-line message naming the table, the account and the key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from resolver_core.accounts import config_for_account
from resolver_core.config import load_config
from resolver_core.errors import ConfigError

TWO = """
[providers.realdebrid]
priority = 10
proxy = "eu"
[[providers.realdebrid.accounts]]
label = "home"
key = "home-key"
[[providers.realdebrid.accounts]]
label = "spare"
key = "spare-key"
priority = 2
proxy = "us"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_accounts_best_first_each_with_its_credentials_and_keys(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO), env={})
    table = config.provider("realdebrid")
    assert [account.label for account in table.accounts] == ["spare", "home"]  # priority 2 first
    assert table.account is None and table.is_enabled and table.priority == 10
    spare, home = table.per_account()
    assert (spare.account, spare.key, spare.priority, spare.extra) == (
        "spare",
        "spare-key",
        10,
        {"proxy": "us"},
    )
    assert (home.account, home.key, home.extra) == ("home", "home-key", {"proxy": "eu"})
    assert sorted(config.secrets()) == ["home-key", "spare-key"]
    assert "home-key" not in repr(table)


def test_equal_priorities_keep_the_file_order(tmp_path: Path) -> None:
    text = TWO.replace("priority = 2\n", "")
    assert [a.label for a in load_config(write(tmp_path, text), env={}).provider("realdebrid").accounts] == [
        "home",
        "spare",
    ]


def test_one_account_needs_no_label(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[[providers.realdebrid.accounts]]\nkey = "k"\n'), env={})
    [only] = config.provider("realdebrid").per_account()
    assert only.account is None and only.key == "k"


def test_the_single_account_form_is_unchanged(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[providers.realdebrid]\nkey = "k"\n'), env={})
    settings = config.provider("realdebrid")
    assert settings.accounts == () and settings.per_account() == [settings]


def test_credentials_in_the_environment_apply_to_the_single_account_form_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {
        "LINKRESOLVER_REALDEBRID_KEY": "env-key",
        "LINKRESOLVER_REALDEBRID_API_BASE": "http://127.0.0.1:1/x",
    }
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        config = load_config(write(tmp_path, TWO), env=env)
    table = config.provider("realdebrid")
    assert [one.key for one in table.per_account()] == ["spare-key", "home-key"]
    assert table.api_base == "http://127.0.0.1:1/x"  # not a credential: it still applies
    assert "LINKRESOLVER_REALDEBRID_KEY is ignored" in caplog.text
    assert "env-key" not in caplog.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[providers.rd]\naccounts = 3\n",
            "[providers.rd]: 'accounts' must be a list of [[accounts]] tables",
        ),
        ("[providers.rd]\naccounts = []\n", "[providers.rd]: 'accounts' is empty"),
        (
            '[providers.rd]\nkey = "k"\n[[providers.rd.accounts]]\nkey = "x"\n',
            "[providers.rd]: has its own 'key' and 'accounts' too; put the credentials into each account",
        ),
        (
            '[[providers.rd.accounts]]\nlabel = "a"\nkey = "x"\n[[providers.rd.accounts]]\nkey = "y"\n',
            "[providers.rd]: account 2 needs a 'label'",
        ),
        (
            '[[providers.rd.accounts]]\nlabel = "my home"\nkey = "x"\n',
            "account 1: 'label' must be 1 to 32 letters, digits, '.', '_' or '-', not 'my home'",
        ),
        ("[[providers.rd.accounts]]\nlabel = 7\n", "'label' must be 1 to 32 letters"),
        (
            '[[providers.rd.accounts]]\nlabel = "a"\nlogin = "me"\n',
            "[providers.rd]: account 'a' has no 'key' (or 'password'); each account needs its own",
        ),
        (
            '[[providers.rd.accounts]]\nlabel = "a"\nkey = "x"\n'
            '[[providers.rd.accounts]]\nlabel = "a"\nkey = "y"\n',
            "[providers.rd]: the label 'a' is given to two accounts",
        ),
        (
            '[[providers.rd.accounts]]\nlabel = "a"\nkey = 5\n',
            "[providers.rd]: account 'a': 'key' must be a string",
        ),
        (
            '[[providers.rd.accounts]]\nlabel = "a"\nkey = "x"\npriority = true\n',
            "account 'a': 'priority' must be a whole number",
        ),
        (
            '[[providers.rd.accounts]]\nlabel = "a"\nkey = "x"\napi_base = "https://x"\n',
            "account 'a': 'api_base' is a setting of the provider's table, not of an account",
        ),
    ],
)
def test_every_mistake_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path, env={})
    assert message in str(raised.value) and str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_command_of_a_plugin_gets_the_account_it_names(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO), env={})
    first, keys = config_for_account(config, None)
    assert first.provider("realdebrid").key == "spare-key" and keys == {"realdebrid": "realdebrid/spare"}
    home, keys = config_for_account(config, "realdebrid/home")
    assert home.provider("realdebrid").key == "home-key" and keys == {"realdebrid": "realdebrid/home"}
    with pytest.raises(ConfigError, match=r"labelled 'work'; accounts: realdebrid/home, realdebrid/spare"):
        config_for_account(config, "work")
