"""The Openload API family (seeds 000, 001, 003): openload, streamango and highload.

One client, one provider class and one sandbox emulation serve the three services; what
differs between them is data (:mod:`.services`). Each service is its own provider (its own
configuration table, priority and ``--provider`` name) and its own command group
(``linkresolver openload ...``) for the account side of its API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from linkresolver.api import hookimpl

from .services import SERVICES

#: The providers this plugin registers: their configuration tables and environment
#: variables are known even when the plugin is disabled.
PROVIDER_NAMES: Final = tuple(service.name for service in SERVICES)

if TYPE_CHECKING:
    from linkresolver.api import CommandGroup, Config, DemoSample, Provider, Sandbox


@hookimpl
def register_providers(register: Callable[[Provider], None], config: Config) -> None:
    from .provider import PROVIDERS  # noqa: PLC0415 (requests and the matcher only when needed)

    for provider_class in PROVIDERS:
        register(provider_class(config.provider(provider_class.service.name)))


@hookimpl
def register_commands(commands: CommandGroup) -> None:
    from .commands import add_commands  # noqa: PLC0415 (the standard library only)

    add_commands(commands)


@hookimpl
def sandbox_routes(sandbox: Sandbox) -> None:
    from .sandbox import install  # noqa: PLC0415 (only the sandbox needs it)

    install(sandbox)


@hookimpl
def demo_samples() -> list[DemoSample]:
    from .sandbox import demo_samples as samples  # noqa: PLC0415 (only the demo needs it)

    return samples()
