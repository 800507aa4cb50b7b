"""Cooldowns kept in the state store: seen by every process at once, the old file moved in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver_core import cooldowns, errors
from resolver_core.state import Rest, SqliteStateStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    store = SqliteStateStore.in_directory(tmp_path / "state")
    yield store
    store.close()


def test_a_rest_started_by_one_is_seen_by_another_at_once(tmp_path: Path, store: SqliteStateStore) -> None:
    one = cooldowns.Cooldowns(tmp_path / "cache-one", store)
    # Another process: its own cache folder and its own connection to the same file.
    other_store = SqliteStateStore(store.path)
    other = cooldowns.Cooldowns(tmp_path / "cache-two", other_store)
    assert other.active("pm") is None
    started = one.note("pm", "rapidgator.net", errors.QuotaExhausted("fair use", code=509))
    assert started is not None
    assert started.until == pytest.approx(time.time() + cooldowns.QUOTA_REST, abs=5)
    assert other.active("pm", "nitroflare.com") == started  # no second of delay
    assert other.all() == [started]
    # Nothing is written to the cache folder any more.
    assert not (tmp_path / "cache-one" / cooldowns.COOLDOWN_FILE).exists()
    other_store.close()


def test_a_shorter_rest_keeps_the_longer_one(tmp_path: Path, store: SqliteStateStore) -> None:
    rests = cooldowns.Cooldowns(tmp_path, store)
    long = rests.start("pm", None, 600, "fair use", 509)
    assert rests.start("pm", None, 60, "too many requests", 429) == long
    assert rests.active("pm") == long


def test_a_hoster_rest_keeps_only_that_hoster(tmp_path: Path, store: SqliteStateStore) -> None:
    rests = cooldowns.Cooldowns(tmp_path, store)
    down = rests.note("pm", "rapidgator.net", errors.HosterUnavailable("down", code=428))
    assert down is not None and down.hoster == "rapidgator.net"
    assert rests.active("pm", "rapidgator.net") == down
    assert rests.active("pm", "nitroflare.com") is None
    assert store.resting("pm", "rapidgator.net") == Rest("pm", "rapidgator.net", down.until, down.reason, 428)


def test_the_old_file_is_moved_into_the_store_once(tmp_path: Path, store: SqliteStateStore) -> None:
    now = time.time()
    old = {
        "version": 1,
        "cooldowns": [
            {"provider": "pm", "hoster": None, "until": now + 300, "reason": "fair use, 509", "code": 509},
            {"provider": "oc", "hoster": "uploaded.net", "until": now + 60, "reason": "down", "code": None},
            {"provider": "rd", "hoster": None, "until": now - 1, "reason": "over", "code": 429},
        ],
    }
    (tmp_path / cooldowns.COOLDOWN_FILE).write_text(json.dumps(old), encoding="utf-8")
    rests = cooldowns.Cooldowns(tmp_path, store)
    assert [(c.provider, c.hoster, c.code) for c in rests.all()] == [
        ("oc", "uploaded.net", None),
        ("pm", None, 509),
    ]
    assert store.resting("pm") == Rest("pm", None, now + 300, "fair use, 509", 509)
    assert not (tmp_path / cooldowns.COOLDOWN_FILE).exists()
    assert (tmp_path / (cooldowns.COOLDOWN_FILE + cooldowns.MIGRATED_SUFFIX)).exists()
    # The next run finds nothing to move, and the rests are still there.
    assert len(cooldowns.Cooldowns(tmp_path, store).all()) == 2


def test_without_a_store_the_file_is_used_as_before(tmp_path: Path) -> None:
    rests = cooldowns.Cooldowns(tmp_path)
    rests.start("pm", None, 60, "too many requests", 429)
    assert (tmp_path / cooldowns.COOLDOWN_FILE).exists()
