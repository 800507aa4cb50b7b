"""Debrid-Link: client, provider, command group and sandbox emulation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from linkresolver.api import hookimpl

#: The providers this plugin registers: their configuration tables and environment
#: variables are known even when the plugin is disabled.
PROVIDER_NAMES: Final = ("debridlink",)

if TYPE_CHECKING:
    from linkresolver.api import CommandGroup, Config, DemoSample, Provider, Sandbox


@hookimpl
def register_providers(register: Callable[[Provider], None], config: Config) -> None:
    from .provider import DebridLinkProvider  # noqa: PLC0415 (requests only when needed)

    register(DebridLinkProvider.from_config(config))


@hookimpl
def sandbox_routes(sandbox: Sandbox) -> None:
    from . import sandbox_oauth  # noqa: PLC0415 (only the sandbox needs it)
    from .sandbox import install  # noqa: PLC0415

    install(sandbox)
    sandbox_oauth.install(sandbox)


@hookimpl
def demo_samples() -> list[DemoSample]:
    from .sandbox import demo_samples as samples  # noqa: PLC0415 (only the demo needs it)

    return samples()


@hookimpl
def register_commands(commands: CommandGroup) -> None:
    from .commands import add_commands  # noqa: PLC0415 (the standard library only)

    add_commands(commands)
