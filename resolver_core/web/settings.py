"""The ``[serve]`` settings the server's jobs read: downloads at once.

Other parts of ``linkresolver serve`` (the watch folder, the workers) read their own keys of
the same table, so a key this module does not know is not refused here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .job_downloads import DOWNLOADS

#: The most downloads at once a server is allowed (each opens several connections).
MAX_DOWNLOADS = 64


def serve_downloads(table: Mapping[str, Any], config_path: Path | None) -> int:
    """``[serve] downloads`` (``Config.section("serve")``): downloads at once over every
    package, default :data:`.job_downloads.DOWNLOADS`."""
    value = table.get("downloads", DOWNLOADS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DOWNLOADS:
        where = config_path or "config.toml"
        raise ConfigError(f"{where}: [serve] downloads must be a whole number from 1 to {MAX_DOWNLOADS}")
    return value
