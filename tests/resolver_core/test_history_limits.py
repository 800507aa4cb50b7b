"""``[history]`` and ``[serve] downloads``: checked, with a one-line message naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver_core.errors import ConfigError
from resolver_core.history import KEEP, KEEP_DAYS, HistoryLimits, history_limits
from resolver_core.state import PACKAGE_DONE, STATE_FILE, SqliteStateStore, StoredPackage
from resolver_core.web.settings import serve_downloads

CONFIG = Path("config.toml")


def test_the_defaults_and_zero_for_no_limit() -> None:
    assert history_limits({}, CONFIG) == HistoryLimits(KEEP_DAYS, KEEP) == HistoryLimits(30.0, 1000)
    assert history_limits({"keep_days": 0, "keep": 0}, CONFIG) == HistoryLimits(None, None)
    assert history_limits({"keep_days": 1.5, "keep": 7}, CONFIG) == HistoryLimits(1.5, 7)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"keep_days": "30"}, "config.toml: [history] keep_days must be a number of days"),
        ({"keep_days": -1}, "[history] keep_days must be"),
        ({"keep_days": True}, "[history] keep_days must be"),
        ({"keep": 2.5}, "config.toml: [history] keep must be a whole number"),
        ({"keep": -3}, "[history] keep must be"),
        ({"keep_for": 3}, "[history] has no setting 'keep_for'"),
    ],
)
def test_a_wrong_history_setting_names_its_key(table: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=r".*") as raised:
        history_limits(table, CONFIG)
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_downloads_at_once_default_and_bounds() -> None:
    assert serve_downloads({}, CONFIG) == 4
    assert serve_downloads({"downloads": 9, "watch": "elsewhere"}, CONFIG) == 9  # others' keys left alone
    for wrong in (0, 65, "4", True, 2.0):
        with pytest.raises(ConfigError, match=r"\[serve\] downloads must be a whole number from 1 to 64"):
            serve_downloads({"downloads": wrong}, CONFIG)


def test_prune_by_age_and_count_together(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / STATE_FILE)
    now = 1_000_000.0
    for n, age_days in enumerate([40, 3, 2, 1]):
        created = now - age_days * 86400
        store.save_package(StoredPackage(f"p{n}", created, PACKAGE_DONE, "{}", [], created))
    assert HistoryLimits(30, 2).prune(store, now) == 2  # p0 too old, p1 beyond the newest two
    assert [p.package_id for p in store.packages(limit=10)] == ["p3", "p2"]
    assert HistoryLimits(None, None).prune(store, now) == 0
