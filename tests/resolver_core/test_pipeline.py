"""The pipeline in process: priority order, failover rules, concurrency bounds."""

from __future__ import annotations

import time
from pathlib import Path

from resolver_core import errors
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver
from resolver_core.records import outcome_json

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config


def make(tmp_path: Path, *providers: ScriptedProvider, names: tuple[str, ...] = ()) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize"},
    )
    return build_resolver(empty_config(tmp_path), pm=pm, provider_names=names)


def test_priority_decides_not_registration_order(tmp_path: Path) -> None:
    late, early = ScriptedProvider("late", 90), ScriptedProvider("early", 10)
    outcome = make(tmp_path, late, early).resolve_many(["https://rapidgator.net/file/x"])[0]
    assert outcome.provider == "early"
    assert late.calls == []


def test_failover_chain_and_combined_error(tmp_path: Path) -> None:
    first, second = ScriptedProvider("first", 1), ScriptedProvider("second", 2)
    outcome = make(tmp_path, first, second).resolve_many(["https://rapidgator.net/file/err509"])[0]
    assert outcome.status == "error"
    assert len(first.calls) == len(second.calls) == 1  # both tried
    assert isinstance(outcome.error, errors.AllProvidersFailed)
    assert outcome.error.code == 509 and outcome.error.retry_after == 600
    assert "all 2 providers failed" in outcome.error.for_person()
    assert "first" in outcome.error.for_person() and "second" in outcome.error.for_person()


def test_definitive_and_personal_answers_stop(tmp_path: Path) -> None:
    for file_id in ("err404", "err401"):
        first, second = ScriptedProvider("first", 1), ScriptedProvider("second", 2)
        outcome = make(tmp_path, first, second).resolve_many([f"https://rapidgator.net/file/{file_id}"])[0]
        assert outcome.status == "error" and outcome.provider == "first"
        assert second.calls == [], file_id


def test_unsupported_links(tmp_path: Path) -> None:
    outcome = make(tmp_path, ScriptedProvider("p", 1)).resolve_many(["https://example.com/x"])[0]
    assert outcome.status == "unsupported"
    assert isinstance(outcome.error, errors.UnsupportedLink)


def test_outcomes_in_input_order_and_bounded_per_provider(tmp_path: Path) -> None:
    provider = ScriptedProvider("p", 1, delay=0.05)
    urls = [f"https://rapidgator.net/file/f{i}" for i in range(24)]
    seen: list[int] = []
    started = time.perf_counter()
    outcomes = make(tmp_path, provider).resolve_many(urls, lambda position, outcome: seen.append(position))
    elapsed = time.perf_counter() - started
    assert [o.input for o in outcomes] == urls
    assert sorted(seen) == list(range(24))
    assert provider.most_in_flight == provider.max_concurrency == 3  # bounded, and used
    assert elapsed < 24 * 0.05 * 0.75  # concurrent: one by one takes 1.2 s, three at a time 0.4 s


def test_json_fields_are_never_missing(tmp_path: Path) -> None:
    outcomes = make(tmp_path, ScriptedProvider("p", 1)).resolve_many(
        ["https://rapidgator.net/file/ok", "https://rapidgator.net/file/err404", "https://x.example/"]
    )
    keys = {
        "input",
        "status",
        "provider",
        "hoster",
        "url",
        "filename",
        "size",
        "sha1",
        "error",
        "code",
        "files",
        "account",
        "mirror_of",
    }
    assert all(set(outcome_json(o)) == keys for o in outcomes)
    assert all(outcome_json(o)["files"] == [] for o in outcomes)  # one file each: no list
    assert [outcome_json(o)["code"] for o in outcomes] == [None, 404, None]
