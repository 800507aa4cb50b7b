"""The local sandbox: every provider's API emulated on loopback (see :mod:`.server`)."""

from __future__ import annotations

import pluggy

from .extra_hosters import ExtraHoster
from .faults import Faults
from .files import SandboxFile
from .server import Sandbox


def build_sandbox(
    pm: pluggy.PluginManager, *, latency: float = 0.0, port: int = 0, faults: Faults | None = None
) -> Sandbox:
    """A sandbox (not yet started) with every plugin's emulation installed."""
    sandbox = Sandbox(latency=latency, port=port, faults=faults)
    pm.hook.sandbox_routes(sandbox=sandbox)
    return sandbox


__all__ = ["ExtraHoster", "Faults", "Sandbox", "SandboxFile", "build_sandbox"]
