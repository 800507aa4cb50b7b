"""Shared fixtures: the real-world hoster patterns of ../shared/data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hostermatch import HosterIndex

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "real_hoster_patterns.json"


@pytest.fixture(scope="session")
def real_patterns() -> list[dict[str, Any]]:
    """The 548 published hoster patterns (pyLoad and ResolveURL)."""
    if not DATA.exists():
        pytest.fail(f"{DATA} is missing: the tests need ../shared beside the checkout")
    patterns: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))
    return patterns


@pytest.fixture(scope="session")
def real_index(real_patterns: list[dict[str, Any]]) -> HosterIndex:
    index = HosterIndex()
    for entry in real_patterns:
        index.add(entry["name"], [entry["pattern"]], owner=entry["source"], domains=entry.get("domains"))
    return index


@pytest.fixture(scope="session")
def plain_loop(real_patterns: list[dict[str, Any]]) -> list[tuple[str, str, re.Pattern[str]]]:
    """What download managers do today: every pattern, compiled with ``re``, tried in turn."""
    compiled = []
    for entry in real_patterns:
        try:
            compiled.append((entry["source"], entry["name"], re.compile(entry["pattern"])))
        except re.error:
            continue
    return compiled
