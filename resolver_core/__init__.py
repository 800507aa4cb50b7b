"""resolver_core: the pluggy host that turns links into direct download links.

Plugins import the hook marker from :mod:`linkresolver.api` (``from linkresolver.api import
hookimpl``); it is also here, for plugins written before that module. It is
made on first use (PEP 562), not at import: the yt-dlp plugin imports
:mod:`resolver_core.ytdlp_claims` for every URL yt-dlp is given, and must not pay for pluggy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .hookspecs import hookimpl

__all__ = ["hookimpl"]


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        from .hookspecs import hookimpl  # noqa: PLC0415 (pluggy only when a plugin asks)

        return hookimpl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
