"""A resolver whose every provider is pointed at a sandbox: what ``linkresolver demo``,
``linkresolver serve --sandbox`` and the benchmarks resolve with.

Its configuration comes from the sandbox's environment and ``config_text`` alone, never
from the user's file, and its cache lives in ``work``: nothing of the user's is read or
written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pluggy

from ..config import load_config
from ..factory import build_resolver
from ..pipeline import Resolver


def sandbox_resolver(
    env: Mapping[str, str], work: Path, *, pm: pluggy.PluginManager, config_text: str = "", **options: Any
) -> Resolver:
    """A resolver for the sandbox whose ``env()`` is ``env``: the configuration file
    ``work/config.toml`` holds ``config_text``, the cache is ``work/cache``, the state store
    ``work/state`` (the sandbox's rests and budgets are not the user's accounts'); ``options``
    go to :func:`~resolver_core.factory.build_resolver`."""
    config_path = work / "config.toml"
    config_path.write_text(config_text, encoding="utf-8")
    config = load_config(config_path, env=dict(env))
    return build_resolver(config, pm=pm, cache_dir=work / "cache", state_directory=work / "state", **options)
