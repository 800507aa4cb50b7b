"""Notifications: tell the services of ``[notify] urls`` (through Apprise) when a package of
``linkresolver serve`` ends, done or failed; and ``linkresolver notify test``.

Apprise (``pip install 'linkresolver[notify]'``) is imported only when a notification is
sent; without ``[notify]`` this plugin costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkresolver.api import hookimpl

if TYPE_CHECKING:
    from linkresolver.api import CommandGroup, Config


@hookimpl
def package_ended(package: dict[str, Any], config: Config) -> None:
    from .notifier import notify_ended  # noqa: PLC0415 (only when a package ends)

    notify_ended(package, config)


@hookimpl
def register_commands(commands: CommandGroup) -> None:
    from .commands import add_commands  # noqa: PLC0415 (the standard library only)

    add_commands(commands)
