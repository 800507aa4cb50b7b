"""Configuration: the file, the environment over it, and messages that name file and key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from resolver_core.config import api_base_problem, load_config
from resolver_core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_file_then_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[providers.premiumize]\nlogin = "1"\nkey = "file-key"\npriority = 10\n'
        '[providers.mine]\nenabled = true\nproxy_id = "eu"\n',
    )
    config = load_config(
        path, env={"LINKRESOLVER_PREMIUMIZE_KEY": "env-key", "LINKRESOLVER_OFFCLOUD_KEY": "oc"}
    )
    premiumize = config.provider("premiumize")
    assert (premiumize.login, premiumize.key, premiumize.priority) == ("1", "env-key", 10)
    assert premiumize.is_enabled
    assert config.provider("offcloud").is_enabled  # credentials from the environment alone
    assert config.provider("mine").extra == {"proxy_id": "eu"} and config.provider("mine").is_enabled
    assert not config.provider("highload").is_enabled
    assert "env-key" not in repr(premiumize)


def test_enabled_false_wins_over_credentials(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.premiumize]\nkey = "k"\nenabled = false\n')
    assert not load_config(path, env={}).provider("premiumize").is_enabled


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[providers.premiumize\n", "not valid TOML"),
        ("providers = 3\n", "'providers' must be a table"),
        ("[providers.premiumize]\nkey = 5\n", "[providers.premiumize]: 'key' must be a string"),
        ('[providers.premiumize]\npriority = "1"\n', "'priority' must be a whole number"),
        ('[providers.premiumize]\nenabled = "yes"\n', "'enabled' must be true or false"),
        ('[providers.premiumize]\napi_base = "http://api.example/x"\n', "must use https"),
        ("hosterlist_ttl_hours = -1\n", "'hosterlist_ttl_hours'"),
        ("captcha_command = 3\n", "'captcha_command' must be a command line"),
        ('captcha_command = "  "\n', "'captcha_command' must be a command line"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert str(path) in str(caught.value)
    assert words in str(caught.value)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})


@pytest.mark.parametrize(
    ("api_base", "refused"),
    [
        ("https://api.premiumize.me/pm-api/v1.php", False),
        ("http://127.0.0.1:8080/x", False),
        ("http://localhost/x", False),
        ("http://[::1]:9/x", False),
        ("http://api.premiumize.me/x", True),
        ("http://10.0.0.1/x", True),
        ("ftp://127.0.0.1/x", True),
        ("not a url", True),
    ],
)
def test_https_except_loopback(api_base: str, refused: bool) -> None:
    assert (api_base_problem(api_base) is not None) is refused


def test_world_readable_file_with_keys_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, '[providers.premiumize]\nkey = "k"\n')
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        load_config(path, env={})
    assert any("chmod 600" in message for message in caplog.messages)
    caplog.clear()
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        load_config(path, env={})
    assert caplog.messages == []


def test_captcha_command_from_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'captcha_command = "my-solver --png"\n'), env={})
    assert config.captcha_command == "my-solver --png"
    assert load_config(write(tmp_path, ""), env={}).captcha_command is None
