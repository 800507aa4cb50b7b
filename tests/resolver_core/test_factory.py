"""Building a resolver: the factory does every side effect, the Resolver none."""

from __future__ import annotations

from pathlib import Path

import requests

from resolver_core import budget, cooldowns
from resolver_core.cache import HosterListCache
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import DownloadLimits, ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config


class SlowRateProvider(ScriptedProvider):
    """Asks for one API call every four seconds."""

    default_requests_per_second = 0.25
    request_burst = 3


class LimitedProvider(ScriptedProvider):
    """Lets its links be downloaded over two connections, without resuming."""

    def download_limits(self, hoster: str) -> DownloadLimits:
        return DownloadLimits(max_connections=2, resume=False)


class SelfLimitedProvider(ScriptedProvider):
    """Sets the limits on the link itself, which the pipeline must keep."""

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        link = super().resolve(url, hoster, ctx)
        return ResolvedLink(link.input, link.url, link.provider, link.hoster, limits=DownloadLimits(7))

    def download_limits(self, hoster: str) -> DownloadLimits:
        raise AssertionError("the link carries its limits: the provider is not asked")


def test_a_resolver_made_from_parts_touches_no_global_state(tmp_path: Path) -> None:
    provider = SlowRateProvider("parts-only", 1)
    pm = make_plugin_manager(load_entry_points=False, env={})
    cooldowns_before = sorted(tmp_path.iterdir())
    resolver = Resolver(
        empty_config(tmp_path),
        pm=pm,
        providers=[provider],
        session=requests.Session(),
        cache=HosterListCache(tmp_path / "cache", 1),
        cooldowns=cooldowns.Cooldowns(None),
    )
    assert [p.name for p in resolver.providers] == ["parts-only"]
    assert budget.bucket("parts-only").rate != 0.25  # the factory sets rates, not the Resolver
    assert sorted(tmp_path.iterdir()) == cooldowns_before  # nothing written, no cache folder made
    assert resolver.problems == {} and resolver._index is None  # no hoster list fetched


def test_the_factory_sets_the_providers_request_rates(tmp_path: Path) -> None:
    provider = SlowRateProvider("rated", 1)
    pm = make_plugin_manager(load_entry_points=False, extra=[ProvidersPlugin(provider)], env={})
    build_resolver(empty_config(tmp_path), pm=pm, provider_names=["rated"])
    assert (budget.bucket("rated").rate, budget.bucket("rated").burst) == (0.25, 3)


def test_a_resolved_link_carries_its_providers_download_limits(tmp_path: Path) -> None:
    limited, self_limited = LimitedProvider("limited", 1), SelfLimitedProvider("self-limited", 1)
    for provider, expected in ((limited, DownloadLimits(2, resume=False)), (self_limited, DownloadLimits(7))):
        pm = make_plugin_manager(load_entry_points=False, extra=[ProvidersPlugin(provider)], env={})
        resolver = build_resolver(empty_config(tmp_path), pm=pm, provider_names=[provider.name])
        outcome = resolver.resolve_many(["https://rapidgator.net/file/abc"])[0]
        assert outcome.link is not None and outcome.link.download_limits() == expected


def test_a_link_without_limits_has_none() -> None:
    link = ResolvedLink("https://rapidgator.net/file/a", "https://x.example/a", "p", "rapidgator.net")
    assert link.limits is None and link.download_limits() == DownloadLimits()


def test_a_link_password_reaches_every_provider_call_and_is_a_secret(tmp_path: Path) -> None:
    from resolver_core.redact import redact

    provider = SlowRateProvider("with-password", 1)
    pm = make_plugin_manager(load_entry_points=False, extra=[ProvidersPlugin(provider)], env={})
    resolver = build_resolver(empty_config(tmp_path), pm=pm, link_password="hunter2-of-the-test")
    assert resolver.context().link_password == "hunter2-of-the-test"
    assert "hunter2-of-the-test" not in redact("the password hunter2-of-the-test was refused")
    assert build_resolver(empty_config(tmp_path), pm=pm).context().link_password is None


class PasswordTakingProvider(ScriptedProvider):
    """Remembers the link password each of its calls was lent."""

    def __init__(self, name: str) -> None:
        super().__init__(name, 1)
        self.passwords: list[str | None] = []

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        self.passwords.append(ctx.link_password)
        return super().resolve(url, hoster, ctx)


def test_a_package_password_reaches_its_links_calls_only(tmp_path: Path) -> None:
    provider = PasswordTakingProvider("takes-passwords")
    pm = make_plugin_manager(load_entry_points=False, extra=[ProvidersPlugin(provider)], env={})
    resolver = build_resolver(empty_config(tmp_path), pm=pm, link_password="from-the-command-line")
    resolver.resolve_one("https://rapidgator.net/file/one", password="from-the-forum-post")
    resolver.resolve_one("https://rapidgator.net/file/two")
    assert provider.passwords == ["from-the-forum-post", "from-the-command-line"]
