"""Providers that serve links beyond their hoster patterns (Offcloud's "any link", magnets):
where they stand among the candidates, and how pasted info hashes become magnets."""

from __future__ import annotations

from pathlib import Path

from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver
from tests.builtins import without_builtins

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config


class AnyLink(ScriptedProvider):
    """Claims every http(s) link and every magnet, like Offcloud."""

    def claims(self, url: str) -> str | None:
        if url.startswith("magnet:"):
            return "magnet"
        return url.split("/")[2] if url.startswith("http") else None


def resolver(tmp_path: Path, *providers: ScriptedProvider) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env=without_builtins(),
    )
    return build_resolver(empty_config(tmp_path), pm=pm)


def names(run: Resolver, url: str) -> list[tuple[str, str]]:
    return [(provider.name, hoster) for provider, hoster in run.candidates(url)]


def test_a_claim_comes_after_the_patterns_of_the_same_priority(tmp_path: Path) -> None:
    run = resolver(
        tmp_path, ScriptedProvider("debrid", 50), AnyLink("anylink", 50), ScriptedProvider("late", 90)
    )
    assert names(run, "https://rapidgator.net/file/x") == [
        ("debrid", "rapidgator.net"),
        ("anylink", "rapidgator.net"),
        ("late", "rapidgator.net"),
    ]
    assert names(run, "https://unknown.example/x") == [("anylink", "unknown.example")]
    assert names(run, "magnet:?xt=urn:btih:" + "a" * 40) == [("anylink", "magnet")]


def test_a_better_priority_claim_comes_first(tmp_path: Path) -> None:
    run = resolver(tmp_path, ScriptedProvider("debrid", 50), AnyLink("anylink", 10))
    assert [n for n, _ in names(run, "https://rapidgator.net/file/x")] == ["anylink", "debrid"]
    outcome = run.resolve_many(["https://rapidgator.net/file/err509"])[0]
    assert outcome.status == "error" and len(outcome.error.failures) == 2  # type: ignore[union-attr]


def test_a_line_that_is_only_an_info_hash_is_its_magnet(tmp_path: Path) -> None:
    run = resolver(tmp_path, AnyLink("anylink", 50))
    digest = "0C6B6858D61DA9543D4231A71DB4B1C9264B0685"
    text = f"  {digest}  \nnot a hash: {digest}x\nhttps://unknown.example/f"
    assert run.links_in([text]) == [f"magnet:?xt=urn:btih:{digest.lower()}", "https://unknown.example/f"]
