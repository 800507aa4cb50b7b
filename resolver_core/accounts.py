"""Several accounts of one provider: which one a link goes to, and whose rest an error is.

A provider whose table lists accounts (``[[providers.NAME.accounts]]``) has a Provider
instance per account, each a budget of its own: its rate-limit bucket and its rests are
kept under the account's key, ``"{provider}/{label}"``. For each call the pipeline takes an
account that is not resting (as a whole, or for the link's hoster): the lowest priority,
then the one used least recently. An account that says stop about itself (fair use, too
many requests, bad credentials, premium needed for a hoster) rests alone, and the link is
tried at once with the next one; what is about the service (an outage, maintenance, a
hoster down there) rests the whole provider, under its name.

A provider with one account (the table's own credentials) is one :class:`Account` whose key
is the provider's name: nothing changes for it.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from . import budget, errors

if TYPE_CHECKING:
    from .config import Config, ProviderSettings
    from .cooldowns import Cooldown, Cooldowns
    from .models import AccountInfo
    from .provider import Provider, ResolveContext

log = logging.getLogger("linkresolver")

#: How long an account whose credentials were refused is left alone (the others serve).
AUTH_REST: Final = 600.0
#: How long an account that needs premium for a hoster is not asked for that hoster's links.
PAYMENT_REST: Final = 3600.0


def account_key(provider: str, label: str | None) -> str:
    """The name an account's bucket and rests are kept under: ``realdebrid/home``, or the
    provider's name for its single account."""
    return provider if label is None else f"{provider}/{label}"


@dataclass(frozen=True, slots=True)
class Account:
    """One account of a provider: the Provider instance with its credentials."""

    provider: Provider
    #: None for the single-account form.
    label: str | None
    #: Lower first among the provider's accounts.
    priority: int = 0

    @property
    def key(self) -> str:
        return account_key(self.provider.name, self.label)

    @property
    def name(self) -> str:
        """The account as people read it: ``realdebrid/home``, or just the provider."""
        return self.key

    def about(self, exc: errors.ResolverError) -> str:
        """``exc`` as a person reads it, naming this account rather than only the provider."""
        if exc.provider in (None, self.provider.name):
            return f"{self.name} {exc.message}"
        return str(exc)


def config_for_account(config: Config, label: str | None) -> tuple[Config, dict[str, str]]:
    """``config`` with each table that lists accounts holding one account's settings: the
    one labelled ``label`` (or ``provider/label``), else the first; and each such
    provider's account key (``{"realdebrid": "realdebrid/home"}``). Raises
    :class:`ConfigError` when ``label`` names no account."""
    chosen: dict[str, ProviderSettings] = {}
    for name, settings in config.providers.items():
        found = [
            one
            for one in settings.per_account()
            if label is None or label in (one.account, account_key(name, one.account))
        ]
        if settings.accounts and found:
            chosen[name] = found[0]
    if label is not None and not chosen:
        every = config.providers.items()
        raise no_such_account(
            label, [account_key(n, a.label) for n, s in every for a in s.accounts if a.label]
        )
    keys = {name: account_key(name, settings.account) for name, settings in chosen.items()}
    return (replace(config, providers={**config.providers, **chosen}) if chosen else config), keys


def no_such_account(label: str, labels: Sequence[str]) -> errors.ConfigError:
    return errors.ConfigError(
        f"no provider has an account labelled {label!r}; accounts: {', '.join(sorted(labels)) or 'none'}"
        " (labels come from [[providers.NAME.accounts]] in the configuration)"
    )


def single(providers: Iterable[Provider]) -> dict[str, list[Account]]:
    """One account per provider, its own instance (providers without ``accounts``)."""
    return {provider.name: [Account(provider, None)] for provider in providers}


def stops_account(exc: errors.ResolverError) -> bool:
    """Whether ``exc`` is the account's own stop (the others of the provider may serve)."""
    return isinstance(
        exc, errors.QuotaExhausted | errors.RateLimited | errors.AuthFailed | errors.PaymentRequired
    )


class Accounts:
    """Every provider's accounts, the choice among them, and their rests."""

    def __init__(self, accounts: Mapping[str, Sequence[Account]], cooldowns: Cooldowns) -> None:
        self._accounts = {name: list(found) for name, found in accounts.items()}
        self._cooldowns = cooldowns
        self._lock = threading.Lock()
        #: When each account was last chosen (a counter: least recently used first).
        self._used: dict[str, int] = {}
        #: What each account's API said of it last (:meth:`learn`): who can serve what.
        self._told: dict[str, AccountInfo] = {}
        self._clock = itertools.count(1)

    def of(self, provider: str) -> list[Account]:
        """``provider``'s accounts, best first (a provider never given: none)."""
        return self._accounts.get(provider, [])

    def lead(self, provider: Provider) -> Account:
        """The account that speaks for ``provider`` where one call serves every account
        (its hoster list, its terms): the first."""
        found = self.of(provider.name)
        return found[0] if found else Account(provider, None)

    def several(self, provider: str) -> bool:
        """Whether ``provider`` has accounts of its own (rests and buckets per account)."""
        found = self.of(provider)
        return bool(found) and found[0].label is not None

    def every(self) -> list[Account]:
        return [account for found in self._accounts.values() for account in found]

    def choose(self, provider: Provider, hoster: str | None) -> Account | Cooldown:
        """The account to call ``provider`` with for a ``hoster`` link: one that is not
        resting, the lowest priority, then the least recently used; when every account
        rests, the rest that ends first."""
        found = self.of(provider.name) or [Account(provider, None)]
        if not self.several(provider.name):
            return found[0]
        rests: list[Cooldown] = []
        free: list[Account] = []
        for account in found:
            rest = self._cooldowns.active(account.key, hoster)
            if rest is None:
                free.append(account)
            else:
                rests.append(rest)
        with self._lock:
            if not free:
                return min(rests, key=lambda rest: rest.until)
            # Accounts whose API said they cannot serve this hoster now go last, not never:
            # what it said may be minutes old.
            chosen = min(
                free,
                key=lambda account: (
                    self._cannot_serve(account, hoster),
                    account.priority,
                    self._used.get(account.key, 0),
                ),
            )
            self._used[chosen.key] = next(self._clock)
        return chosen

    def learn(self, account: Account, info: AccountInfo) -> None:
        """Keep what ``account``'s API says of it (its type, fair use, quotas), for the
        choice: an account that cannot download, has no fair use left, or none of a
        hoster's links or traffic, is asked after the others."""
        with self._lock:
            self._told[account.key] = info

    def _cannot_serve(self, account: Account, hoster: str | None) -> bool:
        info = self._told.get(account.key)
        if info is None:
            return False
        if not info.can_download or (info.fair_use_left is not None and info.fair_use_left <= 0):
            return True
        return any(
            quota.hoster == hoster and 0 in (quota.links_left, quota.bytes_left) for quota in info.quotas
        )

    def take(self, provider: Provider, hoster: str | None, wait: Callable[[float], object]) -> Account | None:
        """The account to call ``provider`` with (:meth:`choose`); None after waiting (with
        ``wait``) for a short rest of every account to end; raises :class:`errors.CoolingDown`
        (of the rest that ends first) when every account rests longer than the provider
        waits out (``longest_rest_waited``): the link goes on to the next provider."""
        chosen = self.choose(provider, hoster)
        if isinstance(chosen, Account):
            return chosen
        remaining = chosen.remaining()
        if remaining > provider.longest_rest_waited:
            raise chosen.error()
        wait(max(0.0, remaining))
        return None

    def states(
        self, providers: Iterable[Provider], ctx: ResolveContext
    ) -> list[tuple[Account, AccountInfo | None, errors.ResolverError | None]]:
        """Every account of ``providers``, with what its account API says (or its error)."""
        results: list[tuple[Account, AccountInfo | None, errors.ResolverError | None]] = []
        for provider in providers:
            for account in self.of(provider.name) or [self.lead(provider)]:
                try:
                    with budget.calling_as(account.key):
                        info = account.provider.account(ctx)
                    if info is not None:
                        self.learn(account, info)
                    results.append((account, info, None))
                except errors.ResolverError as exc:
                    if exc.fatal:  # the shared state store failed: nothing else can be told
                        raise
                    exc.provider = exc.provider or provider.name
                    results.append((account, None, exc))
        return results

    def note(self, account: Account, hoster: str | None, exc: errors.ResolverError) -> Cooldown | None:
        """Learn from ``exc`` (``account`` failed on a ``hoster`` link): the rest it started.

        With several accounts, the account's own stops rest it alone (a hoster needing
        premium: that hoster at it); the rest is the provider's, as with one account.
        """
        provider = account.provider.name
        if not (self.several(provider) and stops_account(exc)):
            return self._cooldowns.note(provider, hoster, exc)
        if isinstance(exc, errors.AuthFailed):
            return self._cooldowns.start(account.key, None, AUTH_REST, _reason(exc), exc.code)
        if isinstance(exc, errors.PaymentRequired):
            return self._cooldowns.start(account.key, hoster, PAYMENT_REST, _reason(exc), exc.code)
        return self._cooldowns.note(account.key, hoster, exc)


def _reason(exc: errors.ResolverError) -> str:
    words = exc.message.split(" (it said", 1)[0]
    return f"{words}, {exc.code}" if exc.code else words
