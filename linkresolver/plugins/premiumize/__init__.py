"""Premiumize: its current API and its legacy pm-api (seed 002), chosen by the configuration;
clients, provider, a sandbox emulation of each, and the device login
(``linkresolver premiumize login``) of the current API."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from linkresolver.api import hookimpl

#: The providers this plugin registers: their configuration tables and environment
#: variables are known even when the plugin is disabled.
PROVIDER_NAMES: Final = ("premiumize",)

if TYPE_CHECKING:
    from linkresolver.api import CommandGroup, Config, DemoSample, Provider, Sandbox


@hookimpl
def register_providers(register: Callable[[Provider], None], config: Config) -> None:
    # Imported here, not at the top: `linkresolver --help` loads every plugin to list their
    # commands, and must not pay for requests and the matcher to do so.
    from .client import PROVIDER  # noqa: PLC0415
    from .provider import premiumize_provider  # noqa: PLC0415

    register(premiumize_provider(config.provider(PROVIDER)))


@hookimpl
def register_commands(commands: CommandGroup) -> None:
    from .commands_login import add_commands  # noqa: PLC0415 (the standard library only)

    add_commands(commands)


@hookimpl
def sandbox_routes(sandbox: Sandbox) -> None:
    from . import sandbox_oauth  # noqa: PLC0415 (only the sandbox needs it)
    from .current_sandbox import CurrentApiEmulation  # noqa: PLC0415
    from .sandbox import PremiumizeEmulation  # noqa: PLC0415

    PremiumizeEmulation().install(sandbox)
    CurrentApiEmulation().install(sandbox)
    sandbox_oauth.install(sandbox)


@hookimpl
def demo_samples() -> list[DemoSample]:
    from .current_sandbox import demo_samples as current  # noqa: PLC0415 (only the demo needs it)
    from .sandbox import demo_samples as legacy  # noqa: PLC0415

    return [*legacy(), *current()]
