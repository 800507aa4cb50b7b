"""What plugins' command groups share (``linkresolver openload ls``, ``linkresolver offcloud
cloud add``...): where they add their commands (:class:`CommandGroup`), the common options,
output as a line or JSON Lines, sizes for people, and confirmation before destroying
anything, and the API client a command uses (:func:`command_client`). The standard library
only at import: ``--help`` builds every group's parser.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TextIO, TypeVar

from .arguments import (
    ACCOUNT_DEST,
    add_account_option,
    add_config_options,
    add_retries_option,
    add_timeout_option,
    command_subparsers,
)
from .output import human_size, shown

if TYPE_CHECKING:
    import requests

    from .config import Config

_Client_co = TypeVar("_Client_co", covariant=True)
_Client = TypeVar("_Client")


class CommandStreams(Protocol):
    """What a plugin's command handler gets besides its arguments (the command line's
    ``App`` is one): the streams to talk on. Plugins do not import the command line."""

    @property
    def stdout(self) -> TextIO: ...
    @property
    def stderr(self) -> TextIO: ...
    @property
    def stdin(self) -> TextIO: ...


#: The name the handlers' signatures use.
App = CommandStreams

#: What runs a command: ``handler(args, app)`` returns the exit code.
Handler = Callable[[argparse.Namespace, "App"], int]


class CommandGroup:
    """Where a plugin adds its commands (the ``register_commands`` hook's ``commands``).

    ``add_command`` makes ``linkresolver NAME`` (or ``linkresolver GROUP NAME`` in a group)
    and returns its :class:`argparse.ArgumentParser` for the command's own arguments;
    ``add_group`` makes a group of commands (``linkresolver offcloud cloud add``). This
    stands between plugins and argparse's private sub-parser type, so that the command line
    can change how it is built without breaking them.
    """

    def __init__(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        self._subparsers = subparsers

    def add_command(
        self,
        name: str,
        help: str,
        handler: Handler,
        *,
        description: str | None = None,
        parents: Iterable[argparse.ArgumentParser] = (),
        defaults: Mapping[str, Any] | None = None,
    ) -> argparse.ArgumentParser:
        """A command run by ``handler``; ``parents`` lend it their options
        (:func:`common_options`...), ``defaults`` are set on its parsed arguments."""
        parser = self._subparsers.add_parser(name, help=help, description=description, parents=list(parents))
        parser.set_defaults(handler=handler, **(defaults or {}))
        return parser

    def add_group(
        self,
        name: str,
        help: str,
        *,
        description: str | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> CommandGroup:
        """A group of commands, ``linkresolver ... NAME ACTION``: one of them must be named."""
        parser = self._subparsers.add_parser(name, help=help, description=description)
        if defaults:
            parser.set_defaults(**defaults)
        # The destination names the group's chosen action (``offcloud_action``, ...); the
        # handler set by that action's parser is what runs.
        actions = command_subparsers(
            parser, dest=f"{name.replace('-', '_')}_action", metavar="ACTION", required=True
        )
        return CommandGroup(actions)


def common_options() -> argparse.ArgumentParser:
    """The options every account command takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    add_config_options(common)
    common.add_argument("--json", action="store_true", help="JSON Lines on stdout")
    add_timeout_option(common)
    add_retries_option(common)
    add_account_option(common)
    return common


def destructive_options() -> argparse.ArgumentParser:
    destructive = argparse.ArgumentParser(add_help=False)
    destructive.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    return destructive


def emit(app: App, args: argparse.Namespace, record: Any, line: str) -> None:
    """One result: a JSON object (``--json``; dataclasses become objects, values exact) or a
    line of text fit for a terminal (:func:`~resolver_core.output.shown`): names, statuses and
    messages come from the service, and a file uploaded as ``evil\\x1b[31m.bin`` must not
    recolour the user's screen."""
    if args.json:
        if dataclasses.is_dataclass(record) and not isinstance(record, type):
            record = dataclasses.asdict(record)
        print(json.dumps(record, ensure_ascii=False), file=app.stdout, flush=True)
    else:
        print(shown(line), file=app.stdout, flush=True)


def confirm(app: App, args: argparse.Namespace, what: str, where: str) -> bool:
    """Ask on a terminal; elsewhere only ``--yes`` allows it (nothing is deleted by accident)."""
    if args.yes:
        return True
    if not (app.stdin.isatty() and app.stderr.isatty()):
        print(f"linkresolver: not deleting {what} without --yes (no terminal to ask on)", file=app.stderr)
        return False
    app.stderr.write(f"Delete {what} at {where}? This cannot be undone. [y/N] ")
    app.stderr.flush()
    return app.stdin.readline().strip().lower() in ("y", "yes")


__all__ = [
    "App",
    "CommandGroup",
    "CommandStreams",
    "Handler",
    "common_options",
    "confirm",
    "destructive_options",
    "emit",
    "human_size",
]


class ClientProvider(Protocol[_Client_co]):
    """A provider that gives its API client for a session (``client_for``)."""

    def client_for(self, session: requests.Session) -> _Client_co: ...


def command_client(
    args: argparse.Namespace, provider: Callable[[Config], ClientProvider[_Client]]
) -> _Client:
    """The API client a provider's own command uses (``linkresolver NAME ACTION``): the
    configuration read (``--config``) and its secrets registered, the provider made from it
    (``provider``, its ``from_config``), and its client on a session with the command's
    ``--retries`` and ``--timeout``. No credential is a configuration
    error (one line that says how to get one, the exit status of a bad configuration), not
    the refused call it would lead to. A provider that lists accounts is made with the one
    ``--account`` names, else its first, and its calls count against that account's budget."""
    from . import budget  # noqa: PLC0415 (only when a command runs)
    from .accounts import config_for_account  # noqa: PLC0415
    from .config import load_config  # noqa: PLC0415
    from .errors import AuthFailed, ConfigError  # noqa: PLC0415
    from .http import make_session  # noqa: PLC0415
    from .redact import register_secrets  # noqa: PLC0415

    config = load_config(args.config)
    register_secrets(config.secrets())
    config, keys = config_for_account(config, getattr(args, ACCOUNT_DEST, None))
    made = provider(config)
    name = getattr(made, "name", None)
    if isinstance(name, str) and name in keys:
        budget.call_as(keys[name])  # the command's calls, all of this account's
    try:
        return made.client_for(make_session(retries=args.retries, timeout=args.timeout))
    except AuthFailed as exc:
        raise ConfigError(exc.for_person()) from None
