"""How long ``linkresolver serve``'s packages are kept: the ``[history]`` table.

Every package is kept in the state store once it has ended (its links, what each became),
for the page's history and ``linkresolver history``. Without a limit the store would grow
with every paste for ever, so ended packages are forgotten once older than ``keep_days``
(default 30) or beyond the newest ``keep`` (default 1000): whichever comes first. A
package at work is never forgotten. 0 turns that limit off.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .errors import ConfigError
from .state import PackageStore

#: Days an ended package is kept unless ``[history] keep_days`` says otherwise.
KEEP_DAYS: Final = 30.0
#: Ended packages kept unless ``[history] keep`` says otherwise.
KEEP: Final = 1000
_KEYS: Final = ("keep_days", "keep")


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    """The ``[history]`` table, checked: None for a limit turned off (0)."""

    keep_days: float | None = KEEP_DAYS
    keep: int | None = KEEP

    def prune(self, store: PackageStore, now: float | None = None) -> int:
        """Forget the ended packages past these limits; how many."""
        if self.keep_days is None and self.keep is None:
            return 0
        moment = time.time() if now is None else now
        before = None if self.keep_days is None else moment - self.keep_days * 86400
        return store.prune_packages(finished_before=before, keep=self.keep)


def history_limits(table: Mapping[str, Any], config_path: Path | None) -> HistoryLimits:
    """The limits of ``[history]`` (``Config.section("history")``); a :class:`ConfigError`
    naming the key when one is wrong."""
    where = f"{config_path or 'config.toml'}: [history]"
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{where} has no setting {key!r} (it has keep_days and keep)")
    days = table.get("keep_days", KEEP_DAYS)
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 <= days < 1e6:
        raise ConfigError(f"{where} keep_days must be a number of days (0 keeps ended packages for ever)")
    count = table.get("keep", KEEP)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigError(f"{where} keep must be a whole number of packages (0: no limit)")
    return HistoryLimits(float(days) or None, count or None)
