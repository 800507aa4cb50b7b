"""linkresolver's version: read from the installed package's metadata, where pyproject.toml
puts it, so that no second copy of the number can fall behind."""

from __future__ import annotations

import functools
from importlib import metadata


@functools.cache
def version() -> str:
    """The installed distribution's version (``"unknown"`` when the code runs from a folder
    that was never installed, where no metadata exists)."""
    try:
        return metadata.version("linkresolver")
    except metadata.PackageNotFoundError:
        return "unknown"
