"""Which provider goes first is what the user would choose (README, "Which provider goes
first"): the ``--provider`` order as given; else ``priority``; among equal priorities, routes
that answer in one call (a debrid or multihost account) before the host's free download
ticket (a wait, often a captcha). ``check`` still asks the file host's own API."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from resolver_core import errors
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import LinkState, LinkStatus, ProviderKind
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext
from tests.builtins import without_builtins

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config

LINK = "https://rapidgator.net/file/x"


class TicketHost(ScriptedProvider):
    """A file host's own API with a free download ticket, which can check its links."""

    kind = ProviderKind.FILEHOST
    ticket_flow = True
    may_wait = True
    can_check = True

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        return [LinkStatus(url, LinkState.ONLINE, self.name, hoster, "f.bin", 10) for url in urls]


class Debrid(ScriptedProvider):
    kind = ProviderKind.DEBRID


def resolver(tmp_path: Path, *providers: ScriptedProvider, names: tuple[str, ...] = ()) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env=without_builtins(),
    )
    return build_resolver(empty_config(tmp_path), pm=pm, provider_names=names)


def test_a_premium_route_goes_before_a_free_ticket_at_equal_priority(tmp_path: Path) -> None:
    host, debrid = TicketHost("host", 50), Debrid("debrid", 50)
    outcome = resolver(tmp_path, host, debrid).resolve_one(LINK)
    assert outcome.provider == "debrid"
    assert host.calls == []


def test_the_free_ticket_is_the_fallback(tmp_path: Path) -> None:
    host, debrid = TicketHost("host", 50), Debrid("debrid", 50)
    outcome = resolver(tmp_path, host, debrid).resolve_one("https://rapidgator.net/file/err509")
    assert [len(debrid.calls), len(host.calls)] == [1, 1]  # the debrid's fair use ran out first
    assert outcome.status == "error"  # the scripted host fails the same id too


def test_a_priority_the_user_set_wins_over_the_route(tmp_path: Path) -> None:
    host, debrid = TicketHost("host", 10), Debrid("debrid", 50)
    assert resolver(tmp_path, host, debrid).resolve_one(LINK).provider == "host"


def test_provider_options_mean_this_one_then_that_one(tmp_path: Path) -> None:
    # Against their priorities and routes: the order given is the order tried.
    host, debrid = TicketHost("host", 90), Debrid("debrid", 1)
    run = resolver(tmp_path, host, debrid, names=("host", "debrid"))
    assert [p.name for p in run.providers] == ["host", "debrid"]
    assert run.resolve_one(LINK).provider == "host"
    run = resolver(tmp_path, TicketHost("host", 1), Debrid("debrid", 90), names=("debrid", "host"))
    assert [p.name for p in run.providers] == ["debrid", "host"]
    # Fresh: the host's link from the run above is in the link cache, and host is asked too.
    assert run.resolve_one(LINK, fresh=True).provider == "debrid"


def test_a_claim_beyond_patterns_follows_the_given_order(tmp_path: Path) -> None:
    class AnyLink(ScriptedProvider):
        def claims(self, url: str) -> str | None:
            return "any"

    catch_all, debrid = AnyLink("catchall", 90), Debrid("debrid", 1)
    # Named first, the catch-all goes first although the debrid's pattern names the link.
    run = resolver(tmp_path, catch_all, debrid, names=("catchall", "debrid"))
    assert [p.name for p, _ in run.candidates(LINK)] == ["catchall", "debrid"]
    run = resolver(tmp_path, catch_all, debrid)
    assert [p.name for p, _ in run.candidates(LINK)] == ["debrid", "catchall"]


def test_check_asks_the_file_hosts_own_api_though_a_debrid_resolves_first(tmp_path: Path) -> None:
    class CheckingDebrid(Debrid):
        can_check = True

        def check(
            self, urls: Sequence[str], hoster: str, ctx: ResolveContext
        ) -> list[LinkStatus | errors.ResolverError]:
            raise AssertionError("the file host is the authority on its files")

    run = resolver(tmp_path, TicketHost("host", 50), CheckingDebrid("debrid", 50))
    assert run.providers[0].name == "debrid"
    outcome = run.check_one(LINK)
    assert (outcome.provider, outcome.status) == ("host", "online")


def test_a_provider_named_twice_is_tried_once(tmp_path: Path) -> None:
    run = resolver(tmp_path, Debrid("debrid", 1), names=("debrid", "debrid"))
    assert [p.name for p in run.providers] == ["debrid"]
