"""A batch's plan (:mod:`resolver_core.planning`): links counted at their first provider and
spread over its accounts, calls and time at its pace, what the account APIs say is left,
and a warning for each reason the batch cannot finish on the accounts' budget today."""

from __future__ import annotations

import time
from pathlib import Path

from resolver_core import errors
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import AccountInfo, HosterQuota
from resolver_core.pipeline import Resolver
from resolver_core.planning import plan_batch
from resolver_core.provider import Provider, ResolveContext
from tests.builtins import without_builtins

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config

NOON = time.mktime((2026, 12, 3, 12, 0, 0, 0, 0, -1))


class Counted(ScriptedProvider):
    """A provider whose account says ``info`` (or raises ``fails``), 2 calls a link."""

    calls_per_link = 2.0
    default_requests_per_second = 2.0
    request_burst = 4

    def __init__(self, name: str, priority: int, info: AccountInfo | None = None) -> None:
        super().__init__(name, priority)
        self.info = info
        self.fails: errors.ResolverError | None = None
        self.asked = 0

    def account(self, ctx: ResolveContext) -> AccountInfo | None:
        self.asked += 1
        if self.fails is not None:
            raise self.fails
        return self.info


def resolver(tmp_path: Path, *providers: Provider) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False, extra=[ProvidersPlugin(*providers)], env=without_builtins()
    )
    return build_resolver(empty_config(tmp_path), pm=pm)


def links(count: int) -> list[str]:
    return [f"https://rapidgator.net/file/f{n}" for n in range(count)]


def info(**changes: object) -> AccountInfo:
    fields: dict[str, object] = {"provider": "first", "login": "me", "type": "premium", "can_download": True}
    fields.update(changes)
    return AccountInfo(**fields)  # type: ignore[arg-type]


def test_links_count_at_their_first_provider_with_calls_and_time_at_its_pace(tmp_path: Path) -> None:
    first, second = Counted("first", 1, info()), Counted("second", 2, info(provider="second"))
    plan = plan_batch(resolver(tmp_path, first, second), [*links(10), "https://nobody.invalid/x"], now=NOON)
    assert [(p.provider, p.links, p.calls) for p in plan.accounts] == [("first", 10, 20)]
    # 20 calls: the first 4 at once (the burst), 16 at 2 a second.
    assert plan.accounts[0].seconds == 8.0
    assert plan.unserved == 1
    assert plan.warnings == ()
    assert (first.asked, second.asked) == (1, 0)  # only the accounts the batch goes to are asked
    record = plan.record()
    assert record["plan"][0]["hosters"] == [
        {"hoster": "rapidgator.net", "links": 10, "links_left": None, "bytes_left": None}
    ]


def test_spread_over_accounts_with_each_quota(tmp_path: Path) -> None:
    home = Counted("first", 1, info(quotas=(HosterQuota("rapidgator.net", links_left=3),)))
    spare = Counted("first", 1, info(quotas=(HosterQuota("rapidgator.net", links_left=2),)))
    run = resolver(tmp_path, home)
    plan = plan_batch(run, links(7), accounts_of=lambda provider: [home, spare], now=NOON)
    assert [(p.links, p.hosters[0].links_left) for p in plan.accounts] == [(4, 3), (3, 2)]
    assert plan.warnings == ("first: the batch has 7 rapidgator.net link(s); the accounts have 5 left today",)
    assert "4 of 3 links left" in plan.accounts[0].for_person()


def test_a_quota_known_for_some_accounts_only_warns_of_nothing(tmp_path: Path) -> None:
    home = Counted("first", 1, info(quotas=(HosterQuota("rapidgator.net", links_left=0),)))
    spare = Counted("first", 1, info())  # says no limit for rapidgator.net
    plan = plan_batch(
        resolver(tmp_path, home), links(4), accounts_of=lambda provider: [home, spare], now=NOON
    )
    assert plan.warnings == ()


def test_fair_use_gone_or_no_download_on_every_account_warns(tmp_path: Path) -> None:
    run = resolver(tmp_path, Counted("first", 1, info(fair_use_left=0.0, can_download=False)))
    warnings = plan_batch(run, links(3), now=NOON).warnings
    assert warnings == (
        "first: no account can download now (3 link(s) planned there)",
        "first: fair use is used up on every account (3 link(s) planned there)",
    )


def test_an_account_that_cannot_be_read_is_shown_not_raised(tmp_path: Path) -> None:
    provider = Counted("first", 1)
    provider.fails = errors.ProviderOutage("answered HTTP 500", provider="first", code=500)
    plan = plan_batch(resolver(tmp_path, provider), links(2), now=NOON)
    assert plan.accounts[0].error == "answered HTTP 500"
    assert "account not read: answered HTTP 500" in plan.accounts[0].for_person()
    assert plan.warnings == ()


def test_a_resting_provider_and_a_batch_past_midnight_warn(tmp_path: Path) -> None:
    provider = Counted("first", 1, info())
    run = resolver(tmp_path, provider)
    run.cooldowns.start("first", None, 600, "fair use, 509", 509)
    late = time.mktime((2026, 12, 3, 23, 59, 0, 0, 0, -1))
    warnings = plan_batch(run, links(200), now=late).warnings
    assert warnings[0].startswith("first rests until ") and "(fair use, 509)" in warnings[0]
    assert warnings[1] == "first: the calls take 3 min at the pace it allows, past midnight"
