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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pluggy
import requests

from . import budget, cooldowns
from .accounts import Account, config_for_account, no_such_account
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
    account: str | None = None,
) -> Resolver:
    """A resolver for ``config``: its providers (``provider_names`` in that order, else every
    enabled one, best first), a session, the hoster-list cache in ``cache_dir`` (default: the
    configured one, else the user cache folder), and the state store the configuration
    names (default: ``state.sqlite3`` in ``state_directory``, else the user state folder),
    which keeps the request budgets, rests and resolved links (:mod:`.linkcache`) every
    process shares. ``fresh``: every link is asked of a provider, none answered from the
    link cache (new answers are still kept).

    A provider whose table lists accounts has an instance per account, each with a budget
    of its own; ``account`` (a label, or ``provider/label``) keeps only that account, and
    only the providers that have it.

    Raises :class:`~resolver_core.errors.ConfigError` for a provider name nobody registered,
    for an ``account`` no provider has, and for a state store that cannot be opened.
    """
    pm = pm or make_plugin_manager()
    register_secrets(config.secrets() + ([link_password] if link_password else []))
    providers = select_providers(registered_providers(pm, lead_config(config)), provider_names)
    accounts = account_instances(pm, config, providers)
    if account is not None:
        accounts = pinned(accounts, account)
        providers = [provider for provider in providers if provider.name in accounts]
    session = session or make_session(retries=retries, timeout=timeout)
    store = open_store(config.state, state_directory or state_dir())
    cache = HosterListCache(
        cache_dir or config.cache_dir or default_cache_dir(),
        config.hosterlist_ttl_hours,
        shared=store if store.spans_machines else None,
    )
    if budget.current_store() is not store:  # not again: it would reset the buckets in use
        budget.use_store(store)
    for found in accounts.values():
        for each in found:
            rate, burst = each.provider.requests_per_second, each.provider.request_burst
            budget.configure_bucket(each.key, rate, burst)
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
        accounts=accounts,
    )


def lead_config(config: Config) -> Config:
    """``config`` as the plugins see it when registering the providers: a table that lists
    accounts has its first account's credentials (that instance speaks for the provider:
    its hoster list, its terms)."""
    return config_for_account(config, None)[0]


def account_instances(
    pm: pluggy.PluginManager, config: Config, providers: Sequence[Provider]
) -> dict[str, list[Account]]:
    """Each provider's accounts, best first: an instance per account of a table that lists
    them (the plugin registers one for a configuration holding that account's settings;
    plugins need not know about accounts), else the provider itself as its only account."""
    result = {provider.name: [Account(provider, None)] for provider in providers}
    several = {p.name: config.provider(p.name) for p in providers if config.provider(p.name).accounts}
    for name, table in several.items():
        result[name] = [
            Account(result[name][0].provider, table.accounts[0].label, table.accounts[0].priority)
        ]
    for position in range(1, max((len(table.accounts) for table in several.values()), default=0)):
        tables = {
            name: t.per_account()[position] for name, t in several.items() if position < len(t.accounts)
        }
        registered: list[Provider] = []
        pm.hook.register_providers(
            register=registered.append, config=replace(config, providers={**config.providers, **tables})
        )
        made = {provider.name: provider for provider in registered}
        for name in tables:
            settings = several[name].accounts[position]
            result[name].append(Account(made[name], settings.label, settings.priority))
    return result


def pinned(accounts: Mapping[str, list[Account]], wanted: str) -> dict[str, list[Account]]:
    """Only the account ``wanted`` (its label, or ``provider/label``), of the providers that
    have it. Raises :class:`ConfigError` naming the labels there are."""
    kept = {
        name: [account for account in found if wanted in (account.label, account.key)]
        for name, found in accounts.items()
    }
    kept = {name: found for name, found in kept.items() if found}
    if not kept:
        raise no_such_account(wanted, [a.key for found in accounts.values() for a in found if a.label])
    return kept


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
