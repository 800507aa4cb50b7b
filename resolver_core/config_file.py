"""Reading the configuration file: its bytes as TOML, its top-level values, its permissions.

The parts of :mod:`.config` that need nothing of its settings classes, kept apart so that
each module stays short enough to read.
"""

from __future__ import annotations

import codecs
import logging
import math
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from .errors import ConfigError

log = logging.getLogger("linkresolver")


#: Tables of settings that belong to one part of linkresolver (``[serve]``, ``[watch]``...),
#: kept as written (``Config.sections``) for that part to read and check itself.
SECTIONS: Final = ("serve", "watch", "history", "notify", "download", "workers")


def read_toml(config_path: Path) -> dict[str, Any]:
    try:
        raw = config_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot be read: {exc.strerror}") from None
    # Notepad and other Windows editors start a UTF-8 file with a byte order mark; TOML has no
    # place for it (tomllib calls it an "Invalid statement" at line 1), but it is no mistake.
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{config_path}: not UTF-8 text (byte {exc.start + bom}); TOML files are UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise ConfigError(f"{config_path}: not valid TOML: values nested too deeply") from None


def ttl_from(data: Mapping[str, Any], config_path: Path) -> float:
    value = data.get("hosterlist_ttl_hours", 6.0)
    # TOML has nan: it compares false with everything, so it would pass "value < 0".
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) or value < 0:
        raise ConfigError(f"{config_path}: 'hosterlist_ttl_hours' must be a number of hours, 0 or more")
    return float(value)


def captcha_command_from(data: Mapping[str, Any], config_path: Path) -> str | None:
    value = data.get("captcha_command")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{config_path}: 'captcha_command' must be a command line, such as \"my-solver --png\""
        )
    return value


def warn_if_readable_by_others(config_path: Path) -> None:
    """A warning naming the file and the fix, when a file holding keys is readable by the
    group or everyone (POSIX only: Windows' mode bits say nothing about other users)."""
    if os.name == "nt":
        return
    try:
        mode = config_path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "%s holds keys and can be read by other users; run: chmod 600 %s", config_path, config_path
        )


def sections_from(data: Mapping[str, Any], config_path: Path) -> dict[str, Mapping[str, Any]]:
    """The :data:`SECTIONS` tables of the file; one that is not a table is refused."""
    sections = {}
    for name in SECTIONS:
        if name not in data:
            continue
        if not isinstance(data[name], dict):
            raise ConfigError(f"{config_path}: {name} must be a table ([{name}]), not a single value")
        sections[name] = data[name]
    return sections
