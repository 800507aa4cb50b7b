"""tinydebrid: a provider plugin written as a third-party package would write it.

It imports ``linkresolver.api`` alone (and the standard library, requests, and werkzeug for
its sandbox emulation), and is loaded like any plugin that is not built in: installed with
an entry point in the ``linkresolver`` group (``tinydebrid = tinydebrid``), or named in
``LINKRESOLVER_PLUGINS=tinydebrid`` with the package on ``PYTHONPATH``. The end-to-end test
``tests/e2e/test_third_party_plugin.py`` runs the whole command line with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from linkresolver.api import hookimpl

if TYPE_CHECKING:
    from linkresolver.api import CommandGroup, Config, DemoSample, Provider, Sandbox


@hookimpl
def register_providers(register: Callable[[Provider], None], config: Config) -> None:
    from .provider import TinyDebridProvider  # requests only when needed

    register(TinyDebridProvider(config.provider(TinyDebridProvider.name)))


@hookimpl
def register_commands(commands: CommandGroup) -> None:
    from .commands import add_commands

    add_commands(commands)


@hookimpl
def sandbox_routes(sandbox: Sandbox) -> None:
    from .sandbox import TinyDebridEmulation  # only the sandbox needs werkzeug

    TinyDebridEmulation().install(sandbox)


@hookimpl
def demo_samples() -> list[DemoSample]:
    from .sandbox import demo_samples as samples

    return samples()
