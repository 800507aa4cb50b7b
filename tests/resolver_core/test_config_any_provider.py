"""The configuration knows no provider by name: a plugin's provider gets its table and its
``LINKRESOLVER_<NAME>_*`` variables as the built-in ones do, and the built-in names keep
their warnings (which the built-in plugins declare, not the core)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from linkresolver.api import (
    Config,
    ConfigError,
    HosterSpec,
    Provider,
    ProviderKind,
    ResolveContext,
    ResolvedLink,
    hookimpl,
)
from resolver_core import config as config_module
from resolver_core.builtin_plugins import DEFAULT_PLUGINS
from resolver_core.config import builtin_provider_names, load_config, warn_about_unknown_providers
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from tests.builtins import without_builtins

#: Every built-in plugin disabled: only the test's plugin registers providers.
ONLY_THE_TESTS_PLUGIN = without_builtins()


class MyDebrid(Provider):
    name = "mydebrid"
    kind = ProviderKind.DEBRID

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        return [HosterSpec("rapidgator", (r"https?://rapidgator\.net/file/\S+",))]

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        return ResolvedLink(url, f"https://cdn.example/{self.settings.login}", self.name, hoster)


class MyDebridPlugin:
    @hookimpl
    def register_providers(self, register: Callable[[Provider], None], config: Config) -> None:
        register(MyDebrid(config.provider(MyDebrid.name)))


@pytest.fixture(autouse=True)
def forget_warned_tables() -> Iterator[None]:
    config_module._WARNED_TABLES.clear()
    yield
    config_module._WARNED_TABLES.clear()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_plugins_provider_is_configured_by_the_environment_alone(tmp_path: Path) -> None:
    env = {"LINKRESOLVER_MYDEBRID_KEY": "s3cret-key", "LINKRESOLVER_MYDEBRID_LOGIN": "me"}
    config = load_config(write(tmp_path, ""), env=env)
    settings = config.provider("mydebrid")
    assert (settings.login, settings.key, settings.is_enabled) == ("me", "s3cret-key", True)
    assert "s3cret-key" in config.secrets()  # kept out of output like a built-in's key


def test_the_environment_overrides_a_plugins_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.mydebrid]\nkey = "from-file"\npriority = 3\nregion = "eu"\n')
    settings = load_config(path, env={"LINKRESOLVER_MYDEBRID_KEY": "from-env"}).provider("mydebrid")
    assert (settings.key, settings.priority, dict(settings.extra)) == ("from-env", 3, {"region": "eu"})
    assert load_config(path, env={}).provider("mydebrid").key == "from-file"


def test_a_provider_named_in_capitals_finds_its_variables(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""), env={"LINKRESOLVER_MYDEBRID_KEY": "k"})
    assert config.provider("MyDebrid").key == "k"
    assert config.provider("MyDebrid").name == "MyDebrid"
    assert config.provider("otherdebrid").key is None


def test_a_plugins_api_base_from_the_environment_must_be_https(tmp_path: Path) -> None:
    env = {"LINKRESOLVER_MYDEBRID_API_BASE": "http://api.mydebrid.example/v1"}
    with pytest.raises(ConfigError, match=r"LINKRESOLVER_MYDEBRID_API_BASE: api_base .* must use https"):
        load_config(write(tmp_path, ""), env=env)


def test_a_registered_plugin_provider_is_enabled_by_its_environment_key(tmp_path: Path) -> None:
    env = {"LINKRESOLVER_MYDEBRID_KEY": "k", "LINKRESOLVER_MYDEBRID_LOGIN": "someone"}
    pm = make_plugin_manager(load_entry_points=False, extra=[MyDebridPlugin()], env=ONLY_THE_TESTS_PLUGIN)
    resolver = build_resolver(load_config(write(tmp_path, ""), env=env), pm=pm, cache_dir=tmp_path / "cache")
    assert [provider.name for provider in resolver.providers] == ["mydebrid"]
    [outcome] = resolver.resolve_many(["https://rapidgator.net/file/abc"])
    assert (outcome.status, outcome.provider, outcome.link and outcome.link.url) == (
        "ok",
        "mydebrid",
        "https://cdn.example/someone",
    )


def test_a_top_level_table_of_provider_settings_is_pointed_to_providers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        load_config(write(tmp_path, '[mydebrid]\nkey = "k"\n[premiumize]\n[cache]\nsize = 3\n'), env={})
    mydebrid, premiumize, cache = caplog.messages
    assert "'mydebrid'" in mydebrid and "did you mean [providers.mydebrid]?" in mydebrid
    # A built-in name is known even with an empty table; an unknown one without settings is not.
    assert "did you mean [providers.premiumize]?" in premiumize
    assert "'cache'" in cache and "did you mean" not in cache


def test_variables_of_a_provider_nobody_registers_draw_no_table_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(write(tmp_path, ""), env={"LINKRESOLVER_ELSEWHERE_KEY": "k"})
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        warn_about_unknown_providers(config, ["mydebrid"])
    assert caplog.messages == []


def test_a_table_of_a_disabled_built_in_plugin_is_not_unknown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, '[providers.offcloud]\nkey = "k"\n[providers.mydebrit]\nkey = "k"\n')
    pm = make_plugin_manager(load_entry_points=False, extra=[MyDebridPlugin()], env=ONLY_THE_TESTS_PLUGIN)
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        build_resolver(load_config(path, env={}), pm=pm, cache_dir=tmp_path / "cache")
    [warning] = caplog.messages
    assert "[providers.mydebrit] names no provider" in warning
    assert "did you mean [providers.mydebrid]?" in warning


def test_each_built_in_plugin_declares_the_providers_it_registers(tmp_path: Path) -> None:
    """What the warnings rely on (``PROVIDER_NAMES``) is what the plugins really register."""
    config = load_config(write(tmp_path, ""), env={})
    declared: list[str] = []
    for module_name in DEFAULT_PLUGINS:
        module = importlib.import_module(module_name)
        registered: list[Provider] = []
        # A plugin that offers no provider (notifications) implements no register_providers.
        if hasattr(module, "register_providers"):
            module.register_providers(register=registered.append, config=config)
        names = getattr(module, "PROVIDER_NAMES", ())
        assert tuple(provider.name for provider in registered) == names, module_name
        declared += names
    assert builtin_provider_names() == tuple(declared)
    expected = {
        "premiumize",
        "offcloud",
        "openload",
        "streamango",
        "highload",
        "realdebrid",
        "alldebrid",
        "torbox",
        "debridlink",
    }
    assert expected == set(declared)
