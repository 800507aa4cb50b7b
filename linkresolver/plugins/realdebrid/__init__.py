"""Real-Debrid: client, provider, command group and sandbox emulation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from linkresolver.api import hookimpl

#: The providers this plugin registers: their configuration tables and environment
#: variables are known even when the plugin is disabled.
PROVIDER_NAMES: Final = ("realdebrid",)

if TYPE_CHECKING:
    from linkresolver.api import Config, Provider


@hookimpl
def register_providers(register: Callable[[Provider], None], config: Config) -> None:
    from .provider import RealDebridProvider  # noqa: PLC0415 (requests only when needed)

    register(RealDebridProvider.from_config(config))
