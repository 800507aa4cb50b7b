"""Hoster lists shared between machines through a state store that spans them (Redis): a
list one machine fetched serves another whose own copy is missing or stale, while fresh;
a stale or damaged shared copy is not used; a store of one machine (SQLite) is not asked."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from resolver_core.cache import HosterListCache
from resolver_core.factory import build_resolver
from resolver_core.state import SqliteStateStore

from .fakes import empty_config

LIST = {"hosters": {"rapidgator.net": {"regexes": ["rapidgator"]}}}


class Machines(SqliteStateStore):
    """The SQLite store standing in for a store machines share (the link cache's two
    methods are the same on both; Redis's own are tested against a real server)."""

    spans_machines = True


@pytest.fixture
def shared(tmp_path: Path) -> Machines:
    return Machines(tmp_path / "shared.sqlite3")


def fetcher(answer: dict[str, Any]) -> tuple[list[int], Any]:
    calls: list[int] = []

    def fetch() -> dict[str, Any]:
        calls.append(1)
        return answer

    return calls, fetch


def test_a_list_one_machine_fetched_serves_another(tmp_path: Path, shared: Machines) -> None:
    first = HosterListCache(tmp_path / "one", 6, shared=shared)
    second = HosterListCache(tmp_path / "two", 6, shared=shared)
    calls, fetch = fetcher(LIST)
    assert first.get("rd", fetch) == LIST
    assert second.get("rd", fetch) == LIST
    assert len(calls) == 1
    # The second machine's copy is dated when the first fetched it: stale on time, not later.
    assert abs(os.stat(second.path("rd")).st_mtime - os.stat(first.path("rd")).st_mtime) < 2


def test_a_stale_shared_list_is_fetched_again(tmp_path: Path, shared: Machines) -> None:
    old = json.dumps({"at": time.time() - 7 * 3600, "list": LIST})  # fetched 7 hours ago
    shared.remember_link("hosters:rd", old, 3600)
    calls, fetch = fetcher({"hosters": {"new.example": {}}})
    assert HosterListCache(tmp_path / "two", 6, shared=shared).get("rd", fetch) == {
        "hosters": {"new.example": {}}
    }
    assert len(calls) == 1


@pytest.mark.parametrize("record", ["not json", '{"at": "x", "list": {}}', '{"list": {"a": 1}}', '{"at": 1}'])
def test_a_damaged_shared_record_is_fetched_over(tmp_path: Path, shared: Machines, record: str) -> None:
    shared.remember_link("hosters:rd", record, 3600)
    calls, fetch = fetcher(LIST)
    assert HosterListCache(tmp_path / "two", 6, shared=shared).get("rd", fetch) == LIST
    assert len(calls) == 1


def test_refresh_fetches_and_shares_the_new_list(tmp_path: Path, shared: Machines) -> None:
    HosterListCache(tmp_path / "one", 6, shared=shared).get("rd", fetcher(LIST)[1])
    calls, fetch = fetcher({"hosters": {"new.example": {}}})
    HosterListCache(tmp_path / "two", 6, shared=shared).get("rd", fetch, refresh=True)
    assert len(calls) == 1
    third_calls, third = fetcher(LIST)
    assert HosterListCache(tmp_path / "three", 6, shared=shared).get("rd", third) == {
        "hosters": {"new.example": {}}
    }
    assert third_calls == []


def test_the_factory_shares_lists_only_through_a_store_that_spans_machines(tmp_path: Path) -> None:
    resolver = build_resolver(empty_config(tmp_path), state_directory=tmp_path / "state")
    assert resolver.cache.shared is None  # SQLite: this machine's cache folder serves it
