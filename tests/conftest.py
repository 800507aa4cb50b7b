"""Test-wide settings."""

from __future__ import annotations

import os

from hypothesis import settings

# In CI, property tests draw the same examples every run: a red run must be reproducible,
# and new failures are found by developers' (random) runs, not by chance in CI.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
