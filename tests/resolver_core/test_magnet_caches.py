"""A magnet served by several providers: ``check`` asks each that can tell and says which
have it cached; ``resolve`` tries one that has it cached before one that would first have
to fetch it. Other links are still checked by one provider."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from resolver_core import errors
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import LinkState, LinkStatus, ProviderKind, ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext
from resolver_core.records import check_record

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config

CACHED = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=cached"
FRESH = "magnet:?xt=urn:btih:" + "f" * 40 + "&dn=fresh"
BROKEN = "magnet:?xt=urn:btih:" + "b" * 40 + "&dn=broken"
LINK = "https://rapidgator.net/file/x"


class TorrentCache(ScriptedProvider):
    """A debrid service with a torrent cache: it claims every magnet, has those in
    ``cached`` ready at once, and counts its check calls. ``down`` makes its checks fail."""

    kind = ProviderKind.DEBRID
    can_check = True

    def __init__(self, name: str, priority: int, cached: Sequence[str] = (), *, down: bool = False) -> None:
        super().__init__(name, priority)
        self.cached = set(cached)
        self.down = down
        self.check_calls: list[list[str]] = []

    def claims(self, url: str) -> str | None:
        return "magnet" if url.startswith("magnet:") else None

    def checks(self, hoster: str) -> bool:
        return True

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        self.check_calls.append(list(urls))
        if self.down:
            raise errors.ProviderOutage("is down for maintenance", code=503)
        return [
            LinkStatus(
                url,
                LinkState.ONLINE if url in self.cached else LinkState.UNKNOWN,
                self.name,
                hoster,
                cached=url in self.cached,
            )
            for url in urls
        ]

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        self.calls.append(url)
        return ResolvedLink(url, f"https://{self.name}.example/file", self.name, hoster)


def resolver(tmp_path: Path, *providers: ScriptedProvider) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize,openload_family,offcloud"},
    )
    return build_resolver(empty_config(tmp_path), pm=pm)


def test_check_of_a_magnet_asks_every_provider_that_can_tell_and_names_those_with_it_cached(
    tmp_path: Path,
) -> None:
    first, second, third = (
        TorrentCache("first", 10),
        TorrentCache("second", 20, [CACHED]),
        TorrentCache("third", 30, [CACHED]),
    )
    cached, fresh = resolver(tmp_path, first, second, third).check_many([CACHED, FRESH])
    assert cached.cached_at == ("second", "third")
    assert (cached.status, cached.provider) == ("online", "second")  # the one that has it answers
    assert check_record(cached)["cached_at"] == ["second", "third"]
    assert fresh.cached_at == () and fresh.provider == "first" and fresh.status == "unknown"
    # One call per provider for both magnets.
    assert [p.check_calls for p in (first, second, third)] == [[[CACHED, FRESH]]] * 3


def test_a_provider_that_cannot_answer_does_not_hide_the_others(tmp_path: Path) -> None:
    down, up = TorrentCache("down", 10, down=True), TorrentCache("up", 20, [CACHED])
    (outcome,) = resolver(tmp_path, down, up).check_many([CACHED])
    assert (outcome.status, outcome.provider, outcome.cached_at) == ("online", "up", ("up",))


def test_when_every_provider_fails_the_check_says_so(tmp_path: Path) -> None:
    (outcome,) = resolver(
        tmp_path, TorrentCache("a", 10, down=True), TorrentCache("b", 20, down=True)
    ).check_many([BROKEN])
    assert outcome.status == "error" and outcome.provider == "a" and outcome.cached_at == ()


def test_each_magnet_is_reported_once_when_its_last_answer_arrives(tmp_path: Path) -> None:
    seen: list[tuple[int, tuple[str, ...]]] = []
    resolver(tmp_path, TorrentCache("a", 10, [CACHED]), TorrentCache("b", 20, [CACHED])).check_many(
        [CACHED, FRESH], lambda position, outcome: seen.append((position, outcome.cached_at))
    )
    assert sorted(seen) == [(0, ("a", "b")), (1, ())]


def test_resolve_goes_first_to_a_provider_that_has_the_magnet_cached(tmp_path: Path) -> None:
    fetches, has_it = TorrentCache("fetches", 10), TorrentCache("has_it", 20, [CACHED])
    run = resolver(tmp_path, fetches, has_it)
    cached, fresh = run.resolve_many([CACHED, FRESH])
    assert cached.provider == "has_it" and fetches.calls == [FRESH]
    assert fresh.provider == "fetches"  # nobody has it: the usual order
    assert [fetches.check_calls, has_it.check_calls] == [[[CACHED, FRESH]], [[CACHED, FRESH]]]


@pytest.mark.parametrize("links", [[LINK], [CACHED]])
def test_resolve_asks_no_cache_when_one_provider_serves_the_link(tmp_path: Path, links: list[str]) -> None:
    only = TorrentCache("only", 10)
    (outcome,) = resolver(tmp_path, only).resolve_many(links)
    assert outcome.status == "ok" and only.check_calls == []


def test_other_links_are_still_checked_by_one_provider(tmp_path: Path) -> None:
    first, second = TorrentCache("first", 10), TorrentCache("second", 20)
    (outcome,) = resolver(tmp_path, first, second).check_many([LINK])
    assert outcome.provider == "first" and second.check_calls == []
