"""The budget kept in a state store: the buckets' interface unchanged, their level shared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver_core import budget
from resolver_core.state import SqliteStateStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    store = SqliteStateStore.in_directory(tmp_path)
    yield store
    budget.use_store(None)
    store.close()


def test_without_a_store_buckets_are_the_processs_own() -> None:
    budget.use_store(None)
    budget.configure_bucket("own", 5, 2)
    assert isinstance(budget.bucket("own"), budget.TokenBucket)


def test_with_a_store_every_bucket_is_kept_in_it(store: SqliteStateStore, tmp_path: Path) -> None:
    budget.use_store(store)
    budget.configure_bucket("rd", 1, 2)
    shared = budget.bucket("rd")
    assert isinstance(shared, budget.SharedBucket)
    assert (shared.rate, shared.burst) == (1, 2)
    assert [shared.reserve(), shared.reserve()] == [0.0, 0.0]
    # Another process's store of the same file sees the two calls: the next one waits.
    other = SqliteStateStore.in_directory(tmp_path)
    assert other.take("rd", 1, 2) == pytest.approx(1.0, abs=0.05)
    other.close()


def test_an_unconfigured_provider_gets_the_default_budget_in_the_store(store: SqliteStateStore) -> None:
    budget.use_store(store)
    found = budget.bucket("never-configured")
    assert isinstance(found, budget.SharedBucket)
    assert (found.rate, found.burst) == (budget.DEFAULT_RATE, budget.DEFAULT_BURST)
    waits = [found.reserve() for _ in range(budget.DEFAULT_BURST + 1)]
    assert waits[-1] > 0 and waits[:-1] == [0.0] * budget.DEFAULT_BURST


def test_changing_the_store_drops_the_old_buckets(store: SqliteStateStore) -> None:
    budget.configure_bucket("rd", 3, 1)
    local = budget.bucket("rd")
    budget.use_store(store)
    assert budget.bucket("rd") is not local
    budget.use_store(None)
    assert isinstance(budget.bucket("rd"), budget.TokenBucket)


def test_a_shared_bucket_sleeps_until_its_call_is_due(store: SqliteStateStore) -> None:
    shared = budget.SharedBucket(store, "slow", rate=20, burst=1)
    assert shared.acquire() == 0.0
    assert shared.acquire() == pytest.approx(0.05, abs=0.01)
