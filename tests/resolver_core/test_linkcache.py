"""The link cache: what a kept link holds, how long it is kept, what is never kept, and the
pipeline answering from it (one call for a link resolved twice; ``fresh`` asks again)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver_core import linkcache, redact
from resolver_core.factory import build_resolver
from resolver_core.linkcache import MARGIN, CachedLink, LinkCache, cache_key, cached_of, record_of
from resolver_core.manager import make_plugin_manager
from resolver_core.models import DownloadLimits, FileLink, ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.state import STATE_FILE, SqliteStateStore

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config
from .state_helpers import FakeClock

NOW = 1_800_000_000.0
LINK = "https://rapidgator.net/file/abc"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> SqliteStateStore:
    return SqliteStateStore(tmp_path / STATE_FILE, clock=clock)


@pytest.fixture
def cache(store: SqliteStateStore, clock: FakeClock) -> LinkCache:
    return LinkCache(store, clock=clock)


@pytest.fixture(autouse=True)
def _registry_as_it_was() -> Iterator[None]:
    with redact.secrets_registered_inside_forgotten():
        yield


def full_link() -> ResolvedLink:
    """A link with every field set to something other than its default."""
    return ResolvedLink(
        input=LINK,
        url="https://dl.example/abc/Film – ü.mkv",
        provider="pm",
        hoster="rapidgator.net",
        filename="Film – ü.mkv",
        size=12_345_678_901,
        sha1="2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
        content_type="video/x-matroska",
        headers=(("Referer", "https://rapidgator.net/"),),
        files=(FileLink("https://dl.example/1", "one.mkv", 1), FileLink("https://dl.example/2", None, None)),
        limits=DownloadLimits(max_connections=2, resume=False),
        valid_until=NOW + 7200.5,
    )


# -- the record -------------------------------------------------------------------------------


def test_the_record_round_trips_every_field() -> None:
    cached = CachedLink(full_link(), "pm", "rapidgator", NOW + 3600.25)
    assert cached_of(record_of(cached)) == cached


def test_the_record_round_trips_a_link_with_nothing_optional() -> None:
    cached = CachedLink(ResolvedLink(LINK, "https://dl.example/x", "pm", "rg"), "pm", "rg", NOW + 10)
    assert cached_of(record_of(cached)) == cached


@pytest.mark.parametrize(
    "record", ["", "not json", "[]", '{"v": 99}', '{"v": 1, "link": {}}', '{"v": 1}', "null"]
)
def test_a_record_that_cannot_be_read_is_no_link(record: str) -> None:
    assert cached_of(record) is None


def test_the_key_is_a_hash_not_the_link() -> None:
    assert "rapidgator" not in cache_key(LINK)
    assert cache_key(LINK) == cache_key(LINK)
    assert cache_key(LINK) != cache_key(LINK + "x")


# -- how long ---------------------------------------------------------------------------------


def test_validity_is_the_lifetime_without_an_expiry_of_its_own() -> None:
    plain = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg")
    assert linkcache.valid_until(plain, 3600, NOW) == NOW + 3600


def test_the_links_own_expiry_wins_when_sooner_never_when_later() -> None:
    soon = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg", valid_until=NOW + 600)
    late = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg", valid_until=NOW + 99_999)
    assert linkcache.valid_until(soon, 3600, NOW) == NOW + 600
    assert linkcache.valid_until(late, 3600, NOW) == NOW + 3600


def test_lifetime_zero_and_headers_are_never_kept() -> None:
    plain = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg")
    assert linkcache.valid_until(plain, 0, NOW) is None
    with_cookie = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg", headers=(("Cookie", "s=1"),))
    assert linkcache.valid_until(with_cookie, 3600, NOW) is None


def test_a_link_is_not_handed_out_within_the_margin(cache: LinkCache, clock: FakeClock) -> None:
    link = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg")
    assert cache.remember(LINK, CachedLink(link, "pm", "rg", NOW + 600))
    clock.now = NOW + 600 - MARGIN - 1
    assert cache.recall(LINK, {"pm"}) is not None
    clock.now = NOW + 600 - MARGIN
    assert cache.recall(LINK, {"pm"}) is None


def test_a_link_lapsing_within_the_margin_is_not_kept(cache: LinkCache, store: SqliteStateStore) -> None:
    link = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg")
    assert not cache.remember(LINK, CachedLink(link, "pm", "rg", NOW + MARGIN))
    assert store.recall_link(cache_key(LINK)) is None


def test_a_record_holding_a_secret_is_not_kept(cache: LinkCache, store: SqliteStateStore) -> None:
    redact.register_secrets(["s3cr3t-account-key"])
    leaky = ResolvedLink(LINK, "https://dl.example/x/s3cr3t-account-key/f", "pm", "rg")
    assert not cache.remember(LINK, CachedLink(leaky, "pm", "rg", NOW + 3600))
    named = ResolvedLink(LINK, "https://dl.example/x?token=abcdef", "pm", "rg")
    assert not cache.remember(LINK, CachedLink(named, "pm", "rg", NOW + 3600))
    assert store.recall_link(cache_key(LINK)) is None


def test_only_the_providers_asked_now_may_answer(cache: LinkCache) -> None:
    link = ResolvedLink(LINK, "https://dl.example/x", "pm", "rg")
    cache.remember(LINK, CachedLink(link, "pm", "rg", NOW + 3600))
    assert cache.recall(LINK, {"offcloud"}) is None
    assert cache.recall(LINK, {"offcloud", "pm"}) == CachedLink(link, "pm", "rg", NOW + 3600)


def test_the_store_holds_no_input_link_in_its_key_and_no_credential(
    cache: LinkCache, store: SqliteStateStore
) -> None:
    cache.remember(LINK, CachedLink(full_link(), "pm", "rapidgator", NOW + 3600))
    record = store.recall_link(cache_key(LINK))
    assert record is not None
    assert json.loads(record)["link"]["url"] == "https://dl.example/abc/Film – ü.mkv"


# -- the pipeline -----------------------------------------------------------------------------


class LimitedProvider(ScriptedProvider):
    """A scripted provider whose links live ``direct_link_lifetime`` seconds."""

    def __init__(self, name: str, priority: int, lifetime: float) -> None:
        super().__init__(name, priority)
        self.direct_link_lifetime = lifetime  # type: ignore[misc]


def make(
    tmp_path: Path, *providers: ScriptedProvider, names: tuple[str, ...] = (), fresh: bool = False
) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize"},
    )
    resolver = build_resolver(empty_config(tmp_path), pm=pm, provider_names=names)
    resolver.links = LinkCache(SqliteStateStore(tmp_path / "state" / STATE_FILE))
    resolver.fresh = fresh
    return resolver


def test_a_link_resolved_twice_is_asked_once(tmp_path: Path) -> None:
    provider = ScriptedProvider("pm", 1)
    first = make(tmp_path, provider).resolve_many([LINK])[0]
    again = make(tmp_path, provider).resolve_many([LINK])[0]  # another resolver, the same store
    assert provider.calls == [LINK]
    assert first.status == again.status == "ok"
    assert not first.from_cache and again.from_cache
    assert again.link == first.link and (again.provider, again.hoster) == (first.provider, first.hoster)


def test_fresh_asks_again_and_keeps_the_new_answer(tmp_path: Path) -> None:
    provider = ScriptedProvider("pm", 1)
    make(tmp_path, provider).resolve_many([LINK])
    fresh = make(tmp_path, provider, fresh=True).resolve_many([LINK])[0]
    assert provider.calls == [LINK, LINK] and not fresh.from_cache
    one_call = make(tmp_path, provider).resolve_many([LINK], fresh=True)[0]
    assert provider.calls == [LINK] * 3 and not one_call.from_cache
    assert make(tmp_path, provider).resolve_many([LINK])[0].from_cache
    assert provider.calls == [LINK] * 3


def test_another_providers_cached_link_is_not_used_when_it_is_not_asked(tmp_path: Path) -> None:
    pm, other = ScriptedProvider("pm", 1), ScriptedProvider("other", 2)
    make(tmp_path, pm, other).resolve_many([LINK])
    assert pm.calls == [LINK]
    only_other = make(tmp_path, pm, other, names=("other",)).resolve_many([LINK])[0]
    assert other.calls == [LINK] and only_other.provider == "other"
    assert not only_other.from_cache


def test_a_provider_no_longer_usable_does_not_answer_from_the_cache(tmp_path: Path) -> None:
    """Logged out (no credentials left) since it resolved the link: asked, not its old link."""
    provider = ScriptedProvider("pm", 1)
    make(tmp_path, provider).resolve_many([LINK])
    provider.settings = dataclasses.replace(provider.settings, enabled=False)
    outcome = make(tmp_path, provider, names=("pm",)).resolve_many([LINK])[0]
    assert not outcome.from_cache and provider.calls == [LINK, LINK]


def test_failures_are_not_kept(tmp_path: Path) -> None:
    provider = ScriptedProvider("pm", 1)
    failing = "https://rapidgator.net/file/err404"
    make(tmp_path, provider).resolve_many([failing])
    outcome = make(tmp_path, provider).resolve_many([failing])[0]
    assert provider.calls == [failing, failing] and outcome.status == "error"


def test_a_provider_of_single_use_links_is_asked_every_time(tmp_path: Path) -> None:
    provider = LimitedProvider("host", 1, lifetime=0)
    make(tmp_path, provider).resolve_many([LINK])
    assert not make(tmp_path, provider).resolve_many([LINK])[0].from_cache
    assert provider.calls == [LINK, LINK]


def test_a_forgotten_link_is_asked_again(tmp_path: Path) -> None:
    provider = ScriptedProvider("pm", 1)
    resolver = make(tmp_path, provider)
    resolver.resolve_many([LINK])
    assert resolver.links is not None
    resolver.links.forget(LINK)
    assert not resolver.resolve_many([LINK])[0].from_cache
    assert provider.calls == [LINK, LINK]


def test_without_a_cache_every_resolve_asks(tmp_path: Path) -> None:
    provider = ScriptedProvider("pm", 1)
    resolver = make(tmp_path, provider)
    resolver.links = None
    resolver.resolve_many([LINK])
    resolver.resolve_many([LINK])
    assert provider.calls == [LINK, LINK]


def test_verbose_says_from_the_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    provider = ScriptedProvider("pm", 1)
    make(tmp_path, provider).resolve_many([LINK])
    with caplog.at_level("INFO", logger="linkresolver"):
        make(tmp_path, provider).resolve_many([LINK])
    assert f"{LINK}: from the cache (resolved by pm)" in caplog.messages


# -- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["resolve", "download"])
def test_fresh_is_an_option_of_the_commands_that_resolve(command: str) -> None:
    from linkresolver.cli.parser import build_parser

    parser = build_parser()
    assert parser.parse_args([command, "--fresh", LINK]).fresh is True
    assert parser.parse_args([command, LINK]).fresh is False


def test_fresh_reaches_the_resolver(tmp_path: Path) -> None:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(ScriptedProvider("pm", 1))],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize"},
    )
    assert build_resolver(empty_config(tmp_path), pm=pm, fresh=True).fresh is True
    assert build_resolver(empty_config(tmp_path), pm=pm).fresh is False
