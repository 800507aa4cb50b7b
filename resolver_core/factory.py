"""Building a resolver: configuration -> plugin manager -> providers -> :class:`Resolver`.

Every side effect of making a resolver happens here, in this order, and nowhere else:
the plugin manager loaded, the configuration's secrets registered for redaction, the
providers registered by the plugins (and the configuration's unknown provider tables
warned about) and chosen, the HTTP session made, the shared state store opened (once per
process: :mod:`.state.opening`) and made the home of the request budgets (when it is not
already), the providers' request rates set, and the cooldowns read (a ``cooldowns.json``
left from before moved into the store once). :class:`Resolver` itself only keeps what it
is given, so a test or a program can make one from parts of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pluggy
import requests

from . import budget, cooldowns
from .cache import HosterListCache
from .captcha import CaptchaCommand
from .config import Config, default_cache_dir, warn_about_unknown_providers
from .device_login import state_dir
from .errors import ConfigError
from .http import DEFAULT_RETRIES, DEFAULT_TIMEOUT, make_session
from .linkcache import LinkCache
from .manager import make_plugin_manager
from .models import CaptchaChallenge, ProviderKind
from .pipeline import Resolver
from .provider import Provider
from .redact import register_secrets
from .state.opening import open_store


def build_resolver(
    config: Config,
    *,
    pm: pluggy.PluginManager | None = None,
    provider_names: Sequence[str] = (),
    session: requests.Session | None = None,
    retries: int = DEFAULT_RETRIES,
    timeout: float = DEFAULT_TIMEOUT,
    captcha_command: str | None = None,
    captcha_prompt: Callable[[CaptchaChallenge], str | None] | None = None,
    refresh_hosterlists: bool = False,
    cache_dir: Path | None = None,
    link_password: str | None = None,
    state_directory: Path | None = None,
    fresh: bool = False,
) -> Resolver:
    """A resolver for ``config``: its providers (``provider_names`` in that order, else every
    enabled one, best first), a session, the hoster-list cache in ``cache_dir`` (default: the
    configured one, else the user cache folder), and the state store the configuration
    names (default: ``state.sqlite3`` in ``state_directory``, else the user state folder),
    which keeps the request budgets, rests and resolved links (:mod:`.linkcache`) every
    process shares. ``fresh``: every link is asked of a provider, none answered from the
    link cache (new answers are still kept).

    Raises :class:`~resolver_core.errors.ConfigError` for a provider name nobody registered
    or a state store that cannot be opened.
    """
    pm = pm or make_plugin_manager()
    register_secrets(config.secrets() + ([link_password] if link_password else []))
    providers = select_providers(registered_providers(pm, config), provider_names)
    session = session or make_session(retries=retries, timeout=timeout)
    cache = HosterListCache(cache_dir or config.cache_dir or default_cache_dir(), config.hosterlist_ttl_hours)
    store = open_store(config.state, state_directory or state_dir())
    if budget.current_store() is not store:  # not again: it would reset the buckets in use
        budget.use_store(store)
    for provider in providers:
        budget.configure_bucket(provider.name, provider.requests_per_second, provider.request_burst)
    command = captcha_command or config.captcha_command
    return Resolver(
        config,
        pm=pm,
        providers=providers,
        session=session,
        cache=cache,
        cooldowns=cooldowns.Cooldowns(cache.directory, store),
        captcha_command=CaptchaCommand(command) if command else None,
        captcha_prompt=captcha_prompt,
        refresh_hosterlists=refresh_hosterlists,
        named_providers=bool(provider_names),
        link_password=link_password,
        links=LinkCache(store),
        fresh=fresh,
    )


def registered_providers(pm: pluggy.PluginManager, config: Config) -> list[Provider]:
    """Every provider the plugins register for ``config``, in registration order; the
    configuration's provider tables that name none of them are warned about."""
    registered: list[Provider] = []
    pm.hook.register_providers(register=registered.append, config=config)
    warn_about_unknown_providers(config, [provider.name for provider in registered])
    return registered


def select_providers(registered: list[Provider], names: Sequence[str]) -> list[Provider]:
    """The providers to use, in the order of trying: ``names`` as given (``--provider A
    --provider B`` means A, then B), else every enabled one by ``priority``; among equals
    the routes that answer in one call before download tickets, then :data:`KIND_ORDER`,
    then the order of registration."""
    by_name = {provider.name: provider for provider in registered}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ConfigError(
            f"unknown provider {', '.join(unknown)}; known: {', '.join(sorted(by_name)) or 'none'}"
        )
    if names:
        return [by_name[name] for name in dict.fromkeys(names)]
    order = {provider.name: position for position, provider in enumerate(registered)}
    return sorted(
        (p for p in registered if p.enabled),
        key=lambda p: (p.priority, p.ticket_flow, KIND_ORDER[p.kind], order[p.name]),
    )


#: Ties of priority, after routes that need no download ticket come before ticket flows:
#: a file host's own API first (it knows each file's sha1), then multihosters, then debrid
#: services.
KIND_ORDER = {ProviderKind.FILEHOST: 0, ProviderKind.MULTIHOST: 1, ProviderKind.DEBRID: 2}
