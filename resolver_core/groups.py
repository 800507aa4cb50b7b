"""What plugins' command groups share (``linkresolver openload ls``, ``linkresolver offcloud
cloud add``...): the common options, output as a line or JSON Lines, sizes for people, and
confirmation before destroying anything. The standard library only: ``--help`` builds every
group's parser.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any, Protocol, TextIO

from .arguments import add_config_options, add_retries_option, add_timeout_option
from .output import human_size, shown


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


def common_options() -> argparse.ArgumentParser:
    """The options every account command takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    add_config_options(common)
    common.add_argument("--json", action="store_true", help="JSON Lines on stdout")
    add_timeout_option(common)
    add_retries_option(common)
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


__all__ = ["App", "CommandStreams", "common_options", "confirm", "destructive_options", "emit", "human_size"]
