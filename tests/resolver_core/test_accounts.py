"""Several accounts of one provider in the pipeline: which account a link goes to, whose
rest an error starts, and when the link goes on to the next provider."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from resolver_core import budget, errors, hookimpl
from resolver_core.config import Config, ProviderSettings, load_config
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import AccountInfo, HosterQuota, ProviderKind, ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.planning import plan_batch
from resolver_core.provider import HosterSpec, Provider, ResolveContext
from tests.builtins import without_builtins

from .fakes import RAPIDGATOR, ScriptedProvider

HOSTER = RAPIDGATOR.name


class Keyed(Provider):
    """Provider "p": answers as its account's key says (``failures``), noting who was asked."""

    kind = ProviderKind.MULTIHOST
    max_concurrency = 1

    def __init__(self, settings: ProviderSettings, plan: Plan) -> None:
        super().__init__(settings)
        self.name = "p"  # type: ignore[misc]
        self.plan = plan

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        return [RAPIDGATOR]

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        key = str(self.settings.key)
        self.plan.asked.append(key)
        self.plan.buckets.append(budget.budget_key(self.name))
        failure = self.plan.failures.get(key)
        if failure is not None:
            raise failure("scripted refusal", code=509)
        return ResolvedLink(url, f"https://p.example/{key}", self.name, hoster)

    def account(self, ctx: ResolveContext) -> AccountInfo | None:
        return self.plan.told.get(str(self.settings.key))


class Plan:
    def __init__(self, **failures: type[errors.ResolverError]) -> None:
        self.failures = failures
        self.asked: list[str] = []
        self.buckets: list[str] = []
        #: What each key's account API says (none: no account API).
        self.told: dict[str, AccountInfo] = {}


class Plugin:
    def __init__(self, plan: Plan, *others: Provider) -> None:
        self.plan = plan
        self.others = others

    @hookimpl
    def register_providers(self, register: Callable[[Provider], None], config: Config) -> None:
        register(Keyed(config.provider("p"), self.plan))
        for other in self.others:
            register(other)


def make(tmp_path: Path, toml: str, plan: Plan, *others: Provider, account: str | None = None) -> Resolver:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    path.chmod(0o600)
    config = load_config(path, env={"LINKRESOLVER_CACHE_DIR": str(tmp_path / "cache")})
    pm = make_plugin_manager(load_entry_points=False, extra=[Plugin(plan, *others)], env=without_builtins())
    return build_resolver(config, pm=pm, account=account)


def accounts(*entries: str, priority: int = 10) -> str:
    """A table for provider p with accounts ``label:key[:priority]``."""
    text = f"[providers.p]\npriority = {priority}\n"
    for entry in entries:
        label, key, *rank = entry.split(":")
        text += f'[[providers.p.accounts]]\nlabel = "{label}"\nkey = "{key}"\n'
        text += f"priority = {rank[0]}\n" if rank else ""
    return text


def link(number: int) -> str:
    return f"https://rapidgator.net/file/f{number}"


def test_the_lowest_priority_serves_while_it_may(tmp_path: Path) -> None:
    plan = Plan()
    resolver = make(tmp_path, accounts("a:ka:5", "b:kb:1"), plan)
    outcomes = [resolver.resolve_one(link(n)) for n in range(4)]
    assert [o.link.url for o in outcomes if o.link] == ["https://p.example/kb"] * 4
    assert [o.account for o in outcomes] == ["b"] * 4
    assert plan.buckets == ["p/b"] * 4  # the API calls counted against that account's budget


def test_equal_priorities_take_turns_least_recently_used_first(tmp_path: Path) -> None:
    plan = Plan()
    resolver = make(tmp_path, accounts("a:ka", "b:kb", "c:kc"), plan)
    for n in range(6):
        resolver.resolve_one(link(n))
    assert plan.asked == ["ka", "kb", "kc", "ka", "kb", "kc"]


@pytest.mark.parametrize("failure", [errors.QuotaExhausted, errors.RateLimited, errors.AuthFailed])
def test_an_account_that_says_stop_rests_alone_and_the_next_serves_at_once(
    tmp_path: Path, failure: type[errors.ResolverError]
) -> None:
    plan = Plan(ka=failure)
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    outcome = resolver.resolve_one(link(1))
    assert outcome.status == "ok" and outcome.link is not None and outcome.link.url == "https://p.example/kb"
    assert plan.asked == ["ka", "kb"]
    assert resolver.cooldowns.active("p/a") is not None
    assert resolver.cooldowns.active("p") is None and resolver.cooldowns.active("p/b") is None
    # Resting, it is skipped: the next links go to b without asking a.
    resolver.resolve_one(link(2))
    assert plan.asked == ["ka", "kb", "kb"]


def test_premium_needed_rests_that_hoster_at_that_account(tmp_path: Path) -> None:
    plan = Plan(ka=errors.PaymentRequired)
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    assert resolver.resolve_one(link(1)).status == "ok"
    assert resolver.cooldowns.active("p/a", HOSTER) is not None
    assert resolver.cooldowns.active("p/a", "other.host") is None and resolver.cooldowns.active("p") is None


def test_a_hoster_down_at_the_service_rests_the_whole_provider(tmp_path: Path) -> None:
    plan = Plan(ka=errors.HosterUnavailable)
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    outcome = resolver.resolve_one(link(1))
    assert outcome.status == "error" and plan.asked == ["ka"]  # not the service's other accounts
    assert resolver.cooldowns.active("p", HOSTER) is not None and resolver.cooldowns.active("p/a") is None


def test_when_every_account_rests_the_link_goes_to_the_next_provider(tmp_path: Path) -> None:
    plan = Plan(ka=errors.QuotaExhausted, kb=errors.QuotaExhausted)
    backup = ScriptedProvider("q", 90)
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan, backup)
    resolver.cooldowns.start("p/b", None, 900, "earlier")  # b's rest ends later than a's (600 s)
    outcome = resolver.resolve_one(link(1))
    assert outcome.status == "ok" and outcome.provider == "q"
    assert plan.asked == ["ka"]
    # Next time no account of p is asked: the link is told of the rest that ends first.
    plan.failures.clear()
    with pytest.raises(errors.CoolingDown) as raised:
        resolver._careful(resolver.provider("p"), HOSTER, lambda p, ctx: p.resolve(link(2), HOSTER, ctx))
    assert plan.asked == ["ka"]
    assert str(raised.value).startswith("p/a asked to pause until") and "scripted refusal" in str(
        raised.value
    )


def test_the_single_account_form_keeps_its_behaviour(tmp_path: Path) -> None:
    plan = Plan(k=errors.AuthFailed)
    backup = ScriptedProvider("q", 90)
    resolver = make(tmp_path, '[providers.p]\nkey = "k"\npriority = 10\n', plan, backup)
    outcome = resolver.resolve_one(link(1))
    assert outcome.status == "error" and isinstance(outcome.error, errors.AuthFailed)  # ends the link
    plan.failures.clear()
    assert resolver.resolve_one("https://rapidgator.net/file/ok").account is None
    assert resolver.cooldowns.all() == [] and plan.buckets == ["p", "p"]


def test_account_pins_one_and_the_accounts_listing_names_each(tmp_path: Path) -> None:
    plan = Plan()
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan, account="b")
    for n in range(3):
        resolver.resolve_one(link(n))
    assert plan.asked == ["kb"] * 3
    listed = make(tmp_path, accounts("a:ka:1", "b:kb:2"), Plan()).accounts()
    assert [(account.key, account.label) for account, _, _ in listed] == [("p/a", "a"), ("p/b", "b")]


def test_an_account_rest_is_kept_for_the_next_run(tmp_path: Path) -> None:
    first = make(tmp_path, accounts("a:ka:1", "b:kb:2"), Plan(ka=errors.QuotaExhausted))
    first.resolve_one(link(1))
    plan = Plan()
    second = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    second.resolve_one(link(2))
    assert plan.asked == ["kb"]
    rest = second.cooldowns.active("p/a")
    assert rest is not None and rest.until > time.time() + 500


def test_calls_count_against_the_account_being_called_for() -> None:
    budget.configure_bucket("rd/home", 1.0, 1)
    with budget.calling_as("rd/home"):
        assert budget.budget_key("rd") == "rd/home" and budget.bucket("rd").rate == 1.0
        assert budget.budget_key("other") == "other"  # another provider's calls are its own
    assert budget.budget_key("rd") == "rd"


@pytest.mark.parametrize(
    "told",
    [
        AccountInfo("p", None, "premium", True, quotas=(HosterQuota(HOSTER, links_left=0),)),
        AccountInfo("p", None, "premium", True, quotas=(HosterQuota(HOSTER, bytes_left=0),)),
        AccountInfo("p", None, "free", False),
        AccountInfo("p", None, "premium", True, fair_use_left=0.0),
    ],
)
def test_an_account_its_api_says_cannot_serve_the_hoster_is_asked_after_the_others(
    tmp_path: Path, told: AccountInfo
) -> None:
    plan = Plan()
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    first = resolver.account_choice.of("p")[0]
    resolver.account_choice.learn(first, told)
    resolver.resolve_one(link(1))
    assert plan.asked == ["kb"]  # a, first by priority, has nothing left for it


def test_what_an_account_says_of_another_hoster_does_not_matter(tmp_path: Path) -> None:
    plan = Plan()
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    quota = HosterQuota("other.example", links_left=0)
    resolver.account_choice.learn(
        resolver.account_choice.of("p")[0], AccountInfo("p", None, "premium", True, quotas=(quota,))
    )
    resolver.resolve_one(link(1))
    assert plan.asked == ["ka"]


def test_an_account_that_cannot_serve_is_still_asked_when_it_is_the_only_one_awake(tmp_path: Path) -> None:
    plan = Plan()
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    resolver.account_choice.learn(resolver.account_choice.of("p")[0], AccountInfo("p", None, "free", False))
    resolver.cooldowns.start("p/b", None, 600, "fair use", 509)
    resolver.resolve_one(link(1))
    assert plan.asked == ["ka"]  # what its API said may be old: asked rather than the link failed


def test_the_accounts_listing_and_the_plan_teach_the_choice(tmp_path: Path) -> None:
    plan = Plan()
    resolver = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    plan.told["ka"] = AccountInfo("p", None, "free", False)
    rows = resolver.accounts()
    assert [(row[0].key, row[1]) for row in rows] == [("p/a", plan.told["ka"]), ("p/b", None)]
    resolver.resolve_one(link(1))
    assert plan.asked == ["kb"]
    # The plan asks the accounts too, and what they say counts the same.
    other = make(tmp_path, accounts("a:ka:1", "b:kb:2"), plan)
    plan.asked.clear()
    plan_batch(other, [link(2)])
    other.resolve_one(link(2))
    assert plan.asked == ["kb"]
