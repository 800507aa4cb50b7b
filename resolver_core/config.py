"""Configuration: one TOML file, overridden by ``LINKRESOLVER_*`` environment variables.

The file is ``platformdirs.user_config_dir("linkresolver")/config.toml``, or the path in
``LINKRESOLVER_CONFIG`` or ``--config``. One table per provider::

    [providers.premiumize]
    login = "..."
    key = "..."            # API key, password or PIN, whatever the service calls it
    api_base = "https://api.premiumize.me/pm-api/v1.php"
    priority = 10          # lower tries first
    enabled = true
    requests_per_second = 10   # API calls a second at most (0: no limit)

A table may list several accounts instead of its own credentials, each with its own
``label``, ``login``/``key``/``password``, ``priority`` and plugin keys
(``[[providers.NAME.accounts]]``, :mod:`.config_accounts`).

Environment variables override the file: ``LINKRESOLVER_<PROVIDER>_LOGIN``, ``_KEY``,
``_PASSWORD``, ``_API_BASE``, for any provider (a plugin's too), with or without a table;
the credentials only for a table without accounts (``_API_BASE`` for any).
Provider names are not listed here: plugins register providers, and the built-in plugins
declare theirs (:func:`builtin_provider_names`). Every problem names the file and the key (or the environment
variable), so a person can fix it; a file that holds keys and can be read by others draws a
warning, and so does a key linkresolver does not know (a typo would otherwise be ignored).
"""

from __future__ import annotations

import difflib
import functools
import importlib
import ipaddress
import logging
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from .config_accounts import AccountSettings, accounts_from
from .config_file import (
    SECTIONS,
    captcha_command_from,
    read_toml,
    sections_from,
    ttl_from,
    warn_if_readable_by_others,
)
from .errors import ConfigError
from .redact import register_secrets
from .state.spec import state_from, url_secrets, without_credentials

log = logging.getLogger("linkresolver")

APP_NAME: Final = "linkresolver"
CONFIG_ENV: Final = "LINKRESOLVER_CONFIG"
_PROVIDER_KEYS: Final = {
    "login",
    "key",
    "password",
    "api_base",
    "priority",
    "enabled",
    "requests_per_second",
    "accounts",
}
#: The environment variables of a provider: ``LINKRESOLVER_<NAME>_<FIELD>``.
_ENV_PREFIX: Final = "LINKRESOLVER_"
_ENV_FIELDS: Final = ("login", "key", "password", "api_base")
#: Every key the file may have outside the provider tables.
_TOP_LEVEL_KEYS: Final = ("providers", "hosterlist_ttl_hours", "captcha_command", "state", *SECTIONS)
_SECRET_KEYS: Final = ("key", "password")
DEFAULT_PRIORITY: Final = 50  # (config_accounts has the same default for accounts)


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """One provider's table, with the environment applied."""

    name: str
    login: str | None = None
    key: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    api_base: str | None = None
    priority: int = DEFAULT_PRIORITY
    #: True/False when configured; None: enabled when credentials are set.
    enabled: bool | None = None
    #: API calls a second at most (0: no limit); None: the provider's default.
    requests_per_second: float | None = None
    #: Keys a plugin defines for itself (``proxy_id``, ...), as the file gives them.
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: The account these settings are of (its label): set in the settings of one account
    #: (:meth:`per_account`); None for the single-account form and for the table itself.
    account: str | None = None
    #: The ``[[providers.NAME.accounts]]`` of the table, best first; empty: one account,
    #: the table's own credentials.
    accounts: tuple[AccountSettings, ...] = ()

    @property
    def has_credentials(self) -> bool:
        if self.accounts:
            return any(account.key or account.password for account in self.accounts)
        return bool(self.key or self.password)

    @property
    def is_enabled(self) -> bool:
        return self.has_credentials if self.enabled is None else self.enabled

    def secrets(self) -> list[str]:
        """The values that must never appear in output, logs or exceptions."""
        values = [self.key, self.password]
        values += [secret for account in self.accounts for secret in (account.key, account.password)]
        return [value for value in values if value]

    def per_account(self) -> list[ProviderSettings]:
        """One settings per account, best first: the table with that account's credentials
        and keys (``account`` set to its label). The single-account form: the table itself."""
        if not self.accounts:
            return [self]
        return [
            replace(
                self,
                login=account.login,
                key=account.key,
                password=account.password,
                extra={**self.extra, **account.extra},
                account=account.label,
                accounts=(),
            )
            for account in self.accounts
        ]


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration."""

    path: Path | None
    providers: Mapping[str, ProviderSettings]
    #: Hours a cached hoster list stays fresh.
    hosterlist_ttl_hours: float = 6.0
    cache_dir: Path | None = None
    #: Run with a captcha image's path as its last argument; prints the answer.
    captcha_command: str | None = None
    #: Providers set by environment variables alone, with no table in the file.
    from_environment: frozenset[str] = frozenset()
    #: The shared state store: None or "sqlite" (the file in the state directory), or a
    #: ``redis://``, ``rediss://`` or ``unix://`` URL (:func:`.state.opening.open_store`).
    state: str | None = None
    #: The tables of :data:`SECTIONS` the file has, as written: each part reads its own
    #: (:meth:`section`) and says what is wrong in it.
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        """The table ``[name]`` of the file (empty when it has none); ``name`` one of
        :data:`SECTIONS`."""
        assert name in SECTIONS, name
        return self.sections.get(name, {})

    def provider(self, name: str) -> ProviderSettings:
        """The settings of provider ``name`` (defaults when it has no table)."""
        settings = self.providers.get(name)
        if settings is None and name.lower() in self.from_environment:
            # LINKRESOLVER_MYDEBRID_KEY is the variable of a provider named "MyDebrid" too.
            settings = replace(self.providers[name.lower()], name=name)
        return settings or ProviderSettings(name)

    def secrets(self) -> list[str]:
        keys = [secret for settings in self.providers.values() for secret in settings.secrets()]
        return keys + url_secrets(self.state)


def default_config_path() -> Path:
    from platformdirs import user_config_dir  # noqa: PLC0415 (only when no path is given)

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir  # noqa: PLC0415

    return Path(user_cache_dir(APP_NAME))


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the configuration file (if any) and apply the environment. Raises ConfigError."""
    environ = os.environ if env is None else env
    explicit = path is not None or CONFIG_ENV in environ
    given = Path(path or environ.get(CONFIG_ENV) or default_config_path())
    try:
        config_path = given.expanduser()
    except RuntimeError:  # "~someone/config.toml" of a user this system does not know
        raise ConfigError(f"configuration file {given}: no home directory for its '~'") from None
    try:
        found = config_path.exists()
    except OSError as exc:  # a directory on the way that may not be searched
        raise ConfigError(f"configuration file {config_path} cannot be read: {exc.strerror}") from None
    data: dict[str, Any] = {}
    if found:
        data = read_toml(config_path)
    elif explicit:
        raise ConfigError(f"configuration file {config_path} does not exist")
    _warn_about_unknown_top_level_keys(data, config_path)
    providers = _providers_from(data, config_path)
    if any(settings.secrets() for settings in providers.values()):  # keys in the file itself
        warn_if_readable_by_others(config_path)
    tables = set(providers)
    providers = _apply_environment(providers, environ)
    # Masked from here on, wherever they would be shown: a plugin's command that loads the
    # configuration itself needs no step of its own for its keys to stay out of its logs.
    register_secrets(secret for settings in providers.values() for secret in settings.secrets())
    for settings in providers.values():
        _check_api_base(settings, config_path, environ)
    return Config(
        path=config_path if found else None,
        providers=providers,
        from_environment=frozenset(providers.keys() - tables),
        hosterlist_ttl_hours=ttl_from(data, config_path),
        captcha_command=captcha_command_from(data, config_path),
        state=state_from(data, config_path, environ),
        cache_dir=Path(environ["LINKRESOLVER_CACHE_DIR"]) if environ.get("LINKRESOLVER_CACHE_DIR") else None,
        sections=sections_from(data, config_path),
    )


def _providers_from(data: Mapping[str, Any], config_path: Path) -> dict[str, ProviderSettings]:
    tables = data.get("providers", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{config_path}: 'providers' must be a table of [providers.NAME] tables")
    providers: dict[str, ProviderSettings] = {}
    for name, table in tables.items():
        where = f"{config_path}: [providers.{name}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table")
        values: dict[str, Any] = {}
        for key in ("login", "key", "password", "api_base"):
            if key in table:
                if not isinstance(table[key], str):
                    raise ConfigError(f"{where}: '{key}' must be a string")
                values[key] = table[key]
        if "priority" in table:
            if not isinstance(table["priority"], int) or isinstance(table["priority"], bool):
                raise ConfigError(f"{where}: 'priority' must be a whole number (lower tries first)")
            values["priority"] = table["priority"]
        if "enabled" in table:
            if not isinstance(table["enabled"], bool):
                raise ConfigError(f"{where}: 'enabled' must be true or false")
            values["enabled"] = table["enabled"]
        if "requests_per_second" in table:
            rate = table["requests_per_second"]
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 10_000:
                raise ConfigError(
                    f"{where}: 'requests_per_second' must be a number from 0 (no limit) to 10000"
                )
            values["requests_per_second"] = float(rate)
        if "accounts" in table:
            values["accounts"] = accounts_from(table, where)
        extra = {key: value for key, value in table.items() if key not in _PROVIDER_KEYS}
        for key in extra:
            # Keys a plugin defines for itself land here too, and only the plugin knows them
            # (see warn_about_unknown_keys); a near miss of a common key is a typo, though.
            near = _near_provider_key(key)
            if near is not None:
                log.warning(
                    "%s: %r is not a setting linkresolver knows, so it is ignored; did you mean '%s'?",
                    where,
                    key,
                    near,
                )
        providers[name] = ProviderSettings(name, extra=extra, **values)
    return providers


def _apply_environment(
    providers: dict[str, ProviderSettings], environ: Mapping[str, str]
) -> dict[str, ProviderSettings]:
    tabled = {name.upper() for name in providers}
    named = {name.lower() for name in _environment_names(environ) if name not in tabled}
    for name in {*named, *providers}:
        prefix = f"{_ENV_PREFIX}{name.upper()}_"
        settings = providers.get(name) or ProviderSettings(name)
        if settings.accounts:
            _warn_about_environment_of_accounts(settings, environ, prefix)
            api_base = environ.get(prefix + "API_BASE") or settings.api_base
            providers[name] = replace(settings, api_base=api_base)
            continue
        login, key, password, api_base = (
            environ.get(prefix + field_name.upper()) or getattr(settings, field_name)
            for field_name in _ENV_FIELDS
        )
        changed = replace(settings, login=login, key=key, password=password, api_base=api_base)
        if changed != settings or name in providers:
            providers[name] = changed
    return providers


def _warn_about_environment_of_accounts(
    settings: ProviderSettings, environ: Mapping[str, str], prefix: str
) -> None:
    """The environment sets the single-account form only: its variables are ignored for a
    provider whose table lists accounts (whose key would they be?), and said so."""
    for field_name in ("login", "key", "password"):
        variable = prefix + field_name.upper()
        if environ.get(variable):
            log.warning(
                "environment variable %s is ignored: [providers.%s] lists its accounts, each"
                " with its own credentials",
                variable,
                settings.name,
            )


def _environment_names(environ: Mapping[str, str]) -> set[str]:
    """The NAMEs of the set ``LINKRESOLVER_<NAME>_<FIELD>`` variables, as written (upper case):
    any provider's, since plugins add providers the core cannot list."""
    names = set()
    for variable, value in environ.items():
        if not value or not variable.startswith(_ENV_PREFIX):
            continue
        for field_name in _ENV_FIELDS:
            name = variable[len(_ENV_PREFIX) :].removesuffix(f"_{field_name.upper()}")
            if name != variable[len(_ENV_PREFIX) :] and name:
                names.add(name)
                break
    return names


def _check_api_base(settings: ProviderSettings, config_path: Path, environ: Mapping[str, str]) -> None:
    """Refuse an api_base that is not https, naming where it came from: the environment
    variable when one is set (it overrides the file, which may not even exist), else the file."""
    if settings.api_base is None:
        return
    problem = api_base_problem(settings.api_base)
    if not problem:
        return
    variable = f"LINKRESOLVER_{settings.name.upper()}_API_BASE"
    shown = repr(without_credentials(settings.api_base))
    if environ.get(variable):
        raise ConfigError(f"environment variable {variable}: api_base {shown} {problem}")
    raise ConfigError(f"{config_path}: [providers.{settings.name}] api_base {shown} {problem}")


def api_base_problem(api_base: str) -> str | None:
    """Why ``api_base`` is refused, or None: https is required, except on loopback."""
    try:
        parts = urlsplit(api_base)
        host = parts.hostname
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return "is not an http(s) URL"
    if "@" in parts.netloc:
        # A key in the URL would go into every log line and error that names the URL.
        return "has credentials in it (user:key@): put the key in `key` (and `login`) instead"
    if parts.scheme == "https" or is_loopback(host):
        return None
    return "must use https (plain http is only allowed for loopback addresses, like the sandbox)"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- keys nobody reads ---------------------------------------------------------------------------
#
# An unknown key is only warned about, never refused: a plugin may read a key the core does not
# know, and a config file written for a newer linkresolver should still work with this one.


def _warn_about_unknown_top_level_keys(data: Mapping[str, Any], config_path: Path) -> None:
    for key, value in data.items():
        if key in _TOP_LEVEL_KEYS:
            continue
        if isinstance(value, dict) and (_PROVIDER_KEYS & value.keys() or key in builtin_provider_names()):
            hint = f"; did you mean [providers.{key}]?"  # [mydebrid] for [providers.mydebrid]
        else:
            hint = _did_you_mean(key, _TOP_LEVEL_KEYS)
        log.warning("%s: %r is not a setting linkresolver knows, so it is ignored%s", config_path, key, hint)


def warn_about_unknown_keys(
    settings: ProviderSettings, plugin_keys: Collection[str], config_path: Path | None
) -> None:
    """Warn about each key of a provider's table that neither linkresolver nor its plugin reads.

    For plugins that know every key they read (``plugin_keys``, the keys of
    :attr:`ProviderSettings.extra` they use): :func:`load_config` cannot tell a plugin's key
    from a typo, so it warns only about near misses of the common keys, and those are not
    repeated here.
    """
    where = f"{config_path or 'configuration'}: [providers.{settings.name}]"
    for key in settings.extra:
        if key in plugin_keys or _near_provider_key(key) is not None:
            continue
        log.warning(
            "%s: %r is not a setting of %s, so it is ignored%s",
            where,
            key,
            settings.name,
            _did_you_mean(key, [*sorted(plugin_keys), *sorted(_PROVIDER_KEYS)]),
        )


_WARNED_TABLES: set[tuple[Path | None, str]] = set()


def no_provider_configured(config: Config) -> ConfigError:
    """The usage error of a command that needs a provider when none is enabled: where to
    put an account, and how to see linkresolver work without one."""
    where = config.path or default_config_path()
    return ConfigError(
        f"no provider is configured: add your account to {where} (a [providers.NAME] table with"
        " its key, or LINKRESOLVER_<NAME>_KEY in the environment); `linkresolver demo` shows it"
        " working without one"
    )


def warn_about_unknown_providers(config: Config, registered: Iterable[str]) -> None:
    """Warn about each ``[providers.NAME]`` table of the file that names no registered provider.

    Plugins add providers, so only the caller knows every name: call this after the
    ``register_providers`` hook with the names registered. The built-in names are never
    warned about (their plugin may be disabled on purpose, ``LINKRESOLVER_DISABLE_PLUGINS``),
    nor are names set only by environment variables (there is no table to remove).
    """
    names = sorted(set(registered))
    builtin = builtin_provider_names()
    for name in config.providers:
        if (
            name in names
            or name in builtin
            or name in config.from_environment
            or (config.path, name) in _WARNED_TABLES
        ):
            continue
        _WARNED_TABLES.add((config.path, name))  # once a process: serve makes a resolver a job
        close = difflib.get_close_matches(name, sorted({*names, *builtin}), n=1)
        hint = (
            f"; did you mean [providers.{close[0]}]?"
            if close
            else f" (providers: {', '.join(names) or 'none'})"
        )
        log.warning(
            "%s: [providers.%s] names no provider, so it is ignored%s",
            config.path or "configuration",
            name,
            hint,
        )


@functools.cache
def builtin_provider_names() -> tuple[str, ...]:
    """The names of the built-in plugins' providers, as each plugin declares them
    (``PROVIDER_NAMES`` in its package), whether or not the plugin is enabled.

    Only the warnings need them: a built-in provider's table is never "unknown", even when
    its plugin is disabled, and ``[premiumize]`` gets "did you mean [providers.premiumize]?".
    Read on first need (a plugin's package is light: the hook marker, no provider code).
    """
    from .builtin_plugins import DEFAULT_PLUGINS  # noqa: PLC0415

    names: list[str] = []
    for module_name in DEFAULT_PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001 (the plugin manager warns of a plugin that cannot load)
            log.debug("plugin %s: its provider names are unknown: %s", module_name, exc)
            continue
        names += getattr(module, "PROVIDER_NAMES", ())
    return tuple(names)


if TYPE_CHECKING:
    #: The built-in plugins' providers (:func:`builtin_provider_names`); kept for old callers.
    KNOWN_PROVIDERS: tuple[str, ...]


def __getattr__(name: str) -> Any:
    if name == "KNOWN_PROVIDERS":
        return builtin_provider_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _near_provider_key(key: str) -> str | None:
    """The common provider key that ``key`` is a near miss of ("prioritty"), or None."""
    close = difflib.get_close_matches(key, sorted(_PROVIDER_KEYS), n=1)
    return close[0] if close else None


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    # A key cut short ("captcha" for "captcha_command") first; then only a close one: a
    # short key shares a few letters with many ("cache" is no "watch").
    close = [name for name in known if name.startswith(key)] or difflib.get_close_matches(key, known, 1, 0.7)
    return f"; did you mean '{close[0]}'?" if close else ""
