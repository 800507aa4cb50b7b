"""A batch's cost, told before it starts: calls, fair use and traffic per account.

Someone pasting 2,000 links wants to know before the first call whether the accounts can
take them today: how many calls each account will make (and how long that takes at the
pace its provider allows), how many links of each limited hoster it will spend against the
links or traffic its account API says are left, whether its fair use is already gone. The
plan follows the order the links would be tried in (each link's first provider, spread over
that provider's accounts); it asks each involved account once (its account API, the only
extra calls), and only when asked for (``-v``, ``resolve --summary``).

A warning is a reason the batch cannot finish on the accounts' budget today: a hoster's
links beyond what the accounts have left, fair use used up or no account able to download
on every account of a provider, a provider resting beyond the batch, or more calls than
its pace allows before the day ends. What the APIs do not tell (the size of a file before
it is resolved) is not guessed.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import errors
from .accounts import account_key
from .cooldowns import moment
from .models import AccountInfo, HosterQuota
from .output import human_size

if TYPE_CHECKING:
    from .pipeline import Resolver
    from .provider import Provider

log = logging.getLogger("linkresolver")


@dataclass(frozen=True, slots=True)
class HosterPlan:
    """One hoster's links planned for one account, and what its account API says is left."""

    hoster: str
    links: int
    links_left: int | None = None
    bytes_left: int | None = None

    def record(self) -> dict[str, Any]:
        return {
            "hoster": self.hoster,
            "links": self.links,
            "links_left": self.links_left,
            "bytes_left": self.bytes_left,
        }


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """What the batch is planned to cost one account."""

    provider: str
    #: The account's label; None for a provider's only account.
    account: str | None
    links: int
    calls: int
    #: Seconds the calls take at the provider's pace; None when it sets no pace.
    seconds: float | None
    can_download: bool | None
    fair_use_left: float | None
    hosters: tuple[HosterPlan, ...]
    #: Why the account could not be asked (its account API failed), for a person.
    error: str | None = None

    @property
    def who(self) -> str:
        return f"{self.provider} ({self.account})" if self.account else self.provider

    def record(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "account": self.account,
            "links": self.links,
            "calls": self.calls,
            "seconds": None if self.seconds is None else round(self.seconds, 1),
            "can_download": self.can_download,
            "fair_use_left": self.fair_use_left,
            "hosters": [hoster.record() for hoster in self.hosters],
            "error": self.error,
        }

    def for_person(self) -> str:
        words = [f"{self.links} link(s), about {self.calls} call(s)"]
        if self.seconds is not None and self.seconds >= 1:
            words[0] += f" ({_duration(self.seconds)} at the pace it allows)"
        if self.fair_use_left is not None:
            words.append(f"fair use {self.fair_use_left:.0%} left")
        for hoster in self.hosters:
            if hoster.links_left is not None:
                words.append(f"{hoster.hoster}: {hoster.links} of {hoster.links_left} links left")
            elif hoster.bytes_left is not None:
                words.append(f"{hoster.hoster}: {hoster.links} link(s), {human_size(hoster.bytes_left)} left")
        if self.error:
            words.append(f"account not read: {self.error}")
        return f"{self.who}: " + "; ".join(words)


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """Every involved account's plan, the links nobody serves, and the warnings."""

    accounts: tuple[AccountPlan, ...]
    unserved: int
    warnings: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        return {
            "plan": [account.record() for account in self.accounts],
            "unserved": self.unserved,
            "warnings": list(self.warnings),
        }

    def log(self) -> None:
        """The plan at INFO (``-v``), the warnings at WARNING (always shown)."""
        for account in self.accounts:
            log.info("plan: %s", account.for_person())
        if self.unserved:
            log.info("plan: %d link(s) no enabled provider serves", self.unserved)
        for warning in self.warnings:
            log.warning("the batch may not finish today: %s", warning)


def plan_batch(
    resolver: Resolver,
    urls: Sequence[str],
    *,
    accounts_of: Callable[[Provider], Sequence[Provider]] | None = None,
    now: float | None = None,
) -> BatchPlan:
    """The plan for resolving ``urls`` with ``resolver``: each link counted at its first
    provider, spread evenly over that provider's accounts that are not resting
    (``accounts_of``: its account instances; by default the resolver's), each account
    asked once for its state."""
    each = accounts_of or (lambda provider: _usable(resolver, provider))
    links: Counter[str] = Counter()
    by_hoster: dict[str, Counter[str]] = {}
    providers: dict[str, Provider] = {}
    unserved = 0
    for url in urls:
        candidates = resolver.candidates(url)
        if not candidates:
            unserved += 1
            continue
        provider, hoster = candidates[0]
        providers[provider.name] = provider
        links[provider.name] += 1
        by_hoster.setdefault(provider.name, Counter())[hoster] += 1
    plans: list[AccountPlan] = []
    warnings: list[str] = []
    moment = time.time() if now is None else now
    for name, provider in providers.items():
        accounts = list(each(provider)) or [provider]
        infos = [_account(resolver, account) for account in accounts]
        _tell(resolver, provider, accounts, infos)
        shares = _spread(links[name], len(accounts))
        hoster_shares = {hoster: _spread(count, len(accounts)) for hoster, count in by_hoster[name].items()}
        provider_plans = []
        for position, (account, (info, problem)) in enumerate(zip(accounts, infos, strict=True)):
            quotas = {quota.hoster: quota for quota in info.quotas} if info else {}
            hosters = tuple(
                HosterPlan(
                    hoster,
                    shares_of_hoster[position],
                    quotas[hoster].links_left if hoster in quotas else None,
                    quotas[hoster].bytes_left if hoster in quotas else None,
                )
                for hoster, shares_of_hoster in sorted(hoster_shares.items())
                if shares_of_hoster[position]
            )
            calls = math.ceil(shares[position] * provider.calls_per_link)
            rate = account.requests_per_second
            paced = max(0, calls - account.request_burst)  # the burst goes at once
            provider_plans.append(
                AccountPlan(
                    provider=name,
                    account=getattr(account.settings, "account", None),
                    links=shares[position],
                    calls=calls,
                    seconds=paced / rate if rate > 0 else None,
                    can_download=info.can_download if info else None,
                    fair_use_left=info.fair_use_left if info else None,
                    hosters=hosters,
                    error=problem,
                )
            )
        plans += provider_plans
        warnings += _warnings(resolver, name, provider_plans, by_hoster[name], moment)
    return BatchPlan(tuple(plans), unserved, tuple(warnings))


def quotas_if_told(call: Callable[[], tuple[HosterQuota, ...]]) -> tuple[HosterQuota, ...]:
    """An account's quotas from a call of their own (a provider whose hoster list carries
    the account's limits), for :meth:`Provider.account`: none when that call fails, as the
    rest of the account's state is still worth showing (a failing state store still ends
    the run)."""
    try:
        return call()
    except errors.ResolverError as exc:
        if exc.fatal:
            raise
        log.info("the account's hoster quotas are not known: %s", exc.for_person())
        return ()


def _usable(resolver: Resolver, provider: Provider) -> list[Provider]:
    """``provider``'s accounts that links can go to now: not resting (all when all rest:
    the warnings say so)."""
    accounts = resolver.account_choice.of(provider.name)
    if not accounts:
        return [provider]
    awake = [account for account in accounts if resolver.cooldowns.active(account.key, None) is None]
    return [account.provider for account in awake or accounts]


def _account(resolver: Resolver, account: Provider) -> tuple[AccountInfo | None, str | None]:
    """The account's state, or why it could not be had (never raised: a plan is advice)."""
    try:
        return account.account(resolver.context()), None
    except errors.ResolverError as exc:
        if getattr(exc, "fatal", False):
            raise
        return None, exc.message


def _tell(
    resolver: Resolver,
    provider: Provider,
    accounts: Sequence[Provider],
    infos: Sequence[tuple[AccountInfo | None, str | None]],
) -> None:
    """Let the account choice know what each account's API just said (the batch then
    goes first to the accounts that can serve it)."""
    by_instance = {id(account.provider): account for account in resolver.account_choice.of(provider.name)}
    for instance, (info, _) in zip(accounts, infos, strict=True):
        account = by_instance.get(id(instance))
        if account is not None and info is not None:
            resolver.account_choice.learn(account, info)


def _spread(count: int, ways: int) -> list[int]:
    """``count`` split over ``ways`` as evenly as whole numbers go, the first ones larger."""
    base, extra = divmod(count, ways)
    return [base + (1 if position < extra else 0) for position in range(ways)]


def _warnings(
    resolver: Resolver, name: str, plans: Sequence[AccountPlan], hosters: Counter[str], now: float
) -> list[str]:
    """Why ``name``'s share of the batch may not finish on its accounts' budget today."""
    found = []
    read = [plan for plan in plans if plan.error is None]
    total = sum(plan.links for plan in plans)
    if read and all(plan.can_download is False for plan in read):
        found.append(f"{name}: no account can download now ({total} link(s) planned there)")
    if read and all(plan.fair_use_left is not None and plan.fair_use_left <= 0 for plan in read):
        found.append(f"{name}: fair use is used up on every account ({total} link(s) planned there)")
    for hoster, count in sorted(hosters.items()):
        lefts = [h.links_left for plan in read for h in plan.hosters if h.hoster == hoster]
        if lefts and len(lefts) == len(plans) and all(left is not None for left in lefts):
            left = sum(left for left in lefts if left is not None)
            if count > left:
                found.append(
                    f"{name}: the batch has {count} {hoster} link(s); the accounts have {left} left today"
                )
    keys = [account_key(name, plan.account) for plan in plans]
    rests = [rest for key in keys if (rest := resolver.cooldowns.active(key, None)) is not None]
    resting = resolver.cooldowns.active(name, None)
    if resting is None and rests and len(rests) == len(keys):  # every account rests
        resting = min(rests, key=lambda rest: rest.until)
    if resting is not None:
        found.append(
            f"{name} rests until {moment(resting.until, now)} ({resting.reason}): its links go elsewhere"
        )
    longest = max((plan.seconds or 0.0 for plan in plans), default=0.0)
    if longest > _seconds_left_today(now):
        found.append(f"{name}: the calls take {_duration(longest)} at the pace it allows, past midnight")
    return found


def _seconds_left_today(now: float) -> float:
    local = time.localtime(now)
    return 86400.0 - (local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec)


def _duration(seconds: float) -> str:
    """``seconds`` as a person reads a duration: 45 s, 4 min, 2 h 5 min."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"
