"""Configuration mistakes that used to pass in silence: unknown keys and tables (warned about,
with a suggestion), a byte order mark (accepted), an environment variable's bad value (named)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from resolver_core import config as config_module
from resolver_core.config import (
    ProviderSettings,
    load_config,
    warn_about_unknown_keys,
    warn_about_unknown_providers,
)
from resolver_core.errors import ConfigError


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    path.chmod(0o600)
    return path


def warnings_of(caplog: pytest.LogCaptureFixture, path: Path) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        load_config(path, env={})
    return caplog.messages


# -- unknown keys ---------------------------------------------------------------------------


def test_a_near_miss_in_a_provider_table_is_named_with_the_key_meant(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, '[providers.premiumize]\nkey = "k"\nprioritty = 3\n')
    [warning] = warnings_of(caplog, path)
    assert str(path) in warning and "[providers.premiumize]" in warning
    assert "'prioritty'" in warning and "did you mean 'priority'?" in warning


def test_a_plugins_own_keys_draw_no_warning_from_the_core(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(
        tmp_path, '[providers.offcloud]\nproxy_id = "5"\ncatch_all = false\n[providers.mine]\nregion = "eu"\n'
    )
    assert warnings_of(caplog, path) == []
    assert dict(load_config(path, env={}).provider("mine").extra) == {"region": "eu"}


@pytest.mark.parametrize(
    ("text", "named", "suggestion"),
    [
        ("hosterlist_ttl = 3\n", "'hosterlist_ttl'", "did you mean 'hosterlist_ttl_hours'?"),
        ('captcha = "x"\n', "'captcha'", "did you mean 'captcha_command'?"),
        ('[premiumize]\nkey = "k"\n', "'premiumize'", "did you mean [providers.premiumize]?"),
        ('[provider.premiumize]\nkey = "k"\n', "'provider'", "did you mean 'providers'?"),
        ("colour = true\n", "'colour'", ""),
    ],
)
def test_an_unknown_top_level_key_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, named: str, suggestion: str
) -> None:
    path = write(tmp_path, text)
    [warning] = warnings_of(caplog, path)
    assert str(path) in warning and named in warning and "ignored" in warning
    assert suggestion in warning
    if not suggestion:
        assert "did you mean" not in warning


def test_known_keys_draw_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(
        tmp_path,
        'hosterlist_ttl_hours = 6\ncaptcha_command = "solve"\n[providers.premiumize]\nlogin = "1"\n'
        'key = "k"\npassword = "p"\napi_base = "https://a.example/x"\npriority = 1\nenabled = true\n'
        "requests_per_second = 5\n",
    )
    assert warnings_of(caplog, path) == []


def test_a_plugin_that_knows_its_keys_hears_of_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ProviderSettings(
        "offcloud", extra={"catch_al": False, "proxy_id": "5", "prioritty": 3, "colour": "red"}
    )
    path = tmp_path / "config.toml"
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        warn_about_unknown_keys(settings, {"proxy_id", "catch_all"}, path)
    # 'prioritty' is load_config's to name (a near miss of a common key): not twice.
    assert len(caplog.messages) == 2
    catch_al, colour = caplog.messages
    assert f"{path}: [providers.offcloud]" in catch_al
    assert "'catch_al'" in catch_al and "did you mean 'catch_all'?" in catch_al
    assert "'colour'" in colour and "did you mean" not in colour


def test_a_table_no_provider_reads_is_named_by_the_caller_that_knows_the_providers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(
        tmp_path,
        '[providers.premiumise]\nkey = "k"\n[providers.mine]\nkey = "m"\n'
        "[providers.highload]\nenabled = true\n",
    )
    config = load_config(path, env={})
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        warn_about_unknown_providers(config, ["premiumize", "offcloud", "mine"])
    # highload: a built-in name, whose plugin may be disabled on purpose.
    [warning] = caplog.messages
    assert str(path) in warning and "[providers.premiumise] names no provider" in warning
    assert "did you mean [providers.premiumize]?" in warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        warn_about_unknown_providers(config, ["offcloud"])
    assert "[providers.mine] names no provider, so it is ignored (providers: offcloud)" in caplog.text


# -- a byte order mark ---------------------------------------------------------------------------


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbf[providers.premiumize]\nkey = "k"\npriority = 3\n')
    assert load_config(path, env={}).provider("premiumize").priority == 3


def test_bytes_that_are_not_utf8_after_a_byte_order_mark_are_counted_from_the_start(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbfa = "\xff"\n')
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 8\)"):
        load_config(path, env={})


# -- where a bad api_base came from -----------------------------------------------------------------


def test_a_bad_api_base_from_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-dir" / "config.toml"  # the default file, never written
    monkeypatch.setattr(config_module, "default_config_path", lambda: missing)
    with pytest.raises(ConfigError) as caught:
        load_config(env={"LINKRESOLVER_PREMIUMIZE_API_BASE": "http://example.com/x"})
    said = str(caught.value)
    assert said.startswith("environment variable LINKRESOLVER_PREMIUMIZE_API_BASE:")
    assert "'http://example.com/x' must use https" in said
    assert "config.toml" not in said and str(missing) not in said


def test_a_bad_api_base_from_the_file_names_the_file_and_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.premiumize]\napi_base = "http://example.com/x"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    said = str(caught.value)
    assert said.startswith(f"{path}: [providers.premiumize] api_base 'http://example.com/x' must use https")
    assert "LINKRESOLVER_" not in said


def test_a_good_api_base_in_the_environment_overrides_a_bad_one_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.premiumize]\napi_base = "http://example.com/x"\n')
    env = {"LINKRESOLVER_PREMIUMIZE_API_BASE": "https://example.com/x"}
    assert load_config(path, env=env).provider("premiumize").api_base == "https://example.com/x"


def test_the_tables_of_the_parts_of_linkresolver_are_kept_as_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, '[watch]\nfolder = "~/drop"\n[notify]\nurls = ["json://127.0.0.1:1/"]\n')
    assert warnings_of(caplog, path) == []
    config = load_config(path, env={})
    assert config.section("watch") == {"folder": "~/drop"}
    assert config.section("notify") == {"urls": ["json://127.0.0.1:1/"]}
    assert config.section("download") == {}


def test_a_part_s_table_given_as_one_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"watch must be a table \(\[watch\]\)"):
        load_config(write(tmp_path, 'watch = "~/drop"\n'), env={})
