"""What providers say about their hosters (``Provider.hoster_terms``) orders providers of
equal standing only: one that does not say the hoster is down first, then the cheapest,
then one that says it is up; never across priorities, never against the ``--provider``
order, never before a one-call route or a pattern; asked once, not once per link."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from resolver_core import errors, terms
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import ProviderKind
from resolver_core.pipeline import Resolver
from resolver_core.provider import HosterTerms, ResolveContext
from resolver_core.records import hoster_groups, hoster_records
from tests.builtins import without_builtins

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config

LINK = "https://rapidgator.net/file/x"
UP, DOWN = HosterTerms(up=True), HosterTerms(up=False, terms="in maintenance")


class Saying(ScriptedProvider):
    """A debrid that says ``said`` about rapidgator.net (or raises ``fails``)."""

    kind = ProviderKind.DEBRID

    def __init__(self, name: str, priority: int, said: HosterTerms | None = None) -> None:
        super().__init__(name, priority)
        self.said = said
        self.fails: Exception | None = None
        self.asked = 0

    def hoster_terms(self, ctx: ResolveContext) -> Mapping[str, HosterTerms]:
        self.asked += 1
        if self.fails is not None:
            raise self.fails
        return {} if self.said is None else {"rapidgator.net": self.said}


def resolver(tmp_path: Path, *providers: ScriptedProvider, names: tuple[str, ...] = ()) -> Resolver:
    plugins = [ProvidersPlugin(*providers)]
    pm = make_plugin_manager(load_entry_points=False, extra=plugins, env=without_builtins())
    return build_resolver(empty_config(tmp_path), pm=pm, provider_names=names)


def order(run: Resolver, url: str = LINK) -> list[str]:
    return [provider.name for provider, _ in run.candidates(url)]


def test_the_preference_is_not_down_then_cheapest_then_said_up() -> None:
    ranked = sorted(
        [
            ("down", DOWN),
            ("double", HosterTerms(up=True, cost=2.0)),
            ("unknown", None),
            ("up", UP),
            ("cheap", HosterTerms(cost=0.5)),
            ("down-but-free", HosterTerms(up=False, cost=0.0)),
        ],
        key=lambda entry: terms.preference(entry[1]),
    )
    assert [name for name, _ in ranked] == ["cheap", "up", "unknown", "double", "down-but-free", "down"]


def test_a_provider_that_says_the_hoster_is_down_goes_last_but_is_still_tried(tmp_path: Path) -> None:
    first, second = Saying("first", 50, DOWN), Saying("second", 50, UP)
    run = resolver(tmp_path, first, second)
    assert order(run) == ["second", "first"]
    outcome = run.resolve_one("https://rapidgator.net/file/err509")  # the second's fair use ran out
    assert [len(second.calls), len(first.calls)] == [1, 1]
    assert outcome.status == "error"


def test_the_cheaper_provider_goes_first(tmp_path: Path) -> None:
    run = resolver(tmp_path, Saying("dear", 50, HosterTerms(cost=4.0)), Saying("cheap", 50))
    assert order(run) == ["cheap", "dear"]
    assert run.resolve_one(LINK).provider == "cheap"


def test_unknown_terms_keep_the_providers_order(tmp_path: Path) -> None:
    assert order(resolver(tmp_path, Saying("a", 50), Saying("b", 50))) == ["a", "b"]


def test_terms_never_reorder_across_priorities(tmp_path: Path) -> None:
    run = resolver(tmp_path, Saying("preferred", 10, DOWN), Saying("other", 50, UP))
    assert order(run) == ["preferred", "other"]


def test_terms_never_reorder_the_providers_the_user_named(tmp_path: Path) -> None:
    first, second = Saying("first", 50, DOWN), Saying("second", 50, UP)
    run = resolver(tmp_path, first, second, names=("first", "second"))
    assert order(run) == ["first", "second"]
    assert first.asked == second.asked == 0  # no tie to break: not even asked


def test_a_one_call_route_still_goes_before_a_download_ticket(tmp_path: Path) -> None:
    class Ticket(Saying):
        kind = ProviderKind.FILEHOST
        ticket_flow = True

    run = resolver(tmp_path, Ticket("host", 50, UP), Saying("debrid", 50, DOWN))
    assert order(run) == ["debrid", "host"]


def test_a_claim_still_comes_after_the_patterns(tmp_path: Path) -> None:
    class AnyLink(Saying):
        def claims(self, url: str) -> str | None:
            return "rapidgator.net"

        def hosters(self, ctx: ResolveContext) -> list[object]:  # type: ignore[override]
            return []

    run = resolver(tmp_path, Saying("debrid", 50, DOWN), AnyLink("catchall", 50, UP))
    assert order(run) == ["debrid", "catchall"]


def test_terms_are_asked_once_for_many_links_and_again_when_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = Saying("first", 50, DOWN), Saying("second", 50, UP)
    run = resolver(tmp_path, first, second)
    outcomes = run.resolve_many([f"https://rapidgator.net/file/n{n}" for n in range(40)])
    assert {outcome.provider for outcome in outcomes} == {"second"}
    assert (first.asked, second.asked) == (1, 1)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + terms.TERMS_FRESH + 1)
    run.candidates(LINK)
    assert (first.asked, second.asked) == (2, 2)


def test_a_single_candidate_asks_nothing(tmp_path: Path) -> None:
    only = Saying("only", 50, DOWN)
    assert resolver(tmp_path, only).resolve_one(LINK).provider == "only"
    assert only.asked == 0


def test_terms_that_cannot_be_had_are_unknown(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken, other = Saying("broken", 50), Saying("other", 50, DOWN)
    broken.fails = errors.ProviderOutage("answered hosts/status with a page that is not the API")
    run = resolver(tmp_path, broken, other)
    with caplog.at_level(logging.INFO, logger="linkresolver"):
        assert order(run) == ["broken", "other"]  # unknown beats "down"
    assert "broken answered hosts/status with a page that is not the API" in caplog.text
    assert "terms (up or down, cost) are unknown" in caplog.text


def test_a_plugins_mistake_in_its_terms_does_not_fail_the_link(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    buggy, other = Saying("buggy", 50), Saying("other", 50)
    buggy.fails = KeyError("status")
    run = resolver(tmp_path, buggy, other)
    assert run.resolve_one(LINK).provider == "buggy"
    assert "buggy: its hosters' terms could not be read" in caplog.text


def test_a_resting_provider_is_not_asked(tmp_path: Path) -> None:
    resting, other = Saying("resting", 50, UP), Saying("other", 50, UP)
    run = resolver(tmp_path, resting, other)
    run.cooldowns.note("resting", None, errors.QuotaExhausted("fair use used up", retry_after=600))
    run.candidates(LINK)
    assert (resting.asked, other.asked) == (0, 1)


def test_a_cost_must_be_a_number_from_zero_up() -> None:
    for cost in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="cost must be a number from 0 up"):
            HosterTerms(cost=cost)
    assert HosterTerms(cost=0.0).cost == 0.0


def test_hosts_rows_say_the_terms_and_groups_list_providers_in_the_order_of_trying(tmp_path: Path) -> None:
    run = resolver(tmp_path, Saying("first", 50, DOWN), Saying("second", 50, HosterTerms(cost=2.0)))
    run.index()
    rows = hoster_records(run)
    by_provider = {row["provider"]: row for row in rows}
    assert (by_provider["first"]["up"], by_provider["first"]["terms"]) == (False, "in maintenance")
    assert (by_provider["second"]["up"], by_provider["second"]["cost"]) == (None, 2.0)
    [group] = hoster_groups(run, rows)
    assert group.name == "rapidgator.net" and [row["provider"] for row in group.rows] == ["second", "first"]
