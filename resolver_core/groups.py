"""What plugins' command groups share (``linkresolver openload ls``, ``linkresolver offcloud
cloud add``...): the common options, output as a line or JSON Lines, sizes for people, and
confirmation before destroying anything. The standard library only: ``--help`` builds every
group's parser.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from linkresolver.cli.parser import request_timeout, retries

from .output import shown

if TYPE_CHECKING:
    from linkresolver.cli.parser import App


def common_options() -> argparse.ArgumentParser:
    """The options every account command takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="configuration file (default: the user config dir)")
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail on stderr (-v -v: HTTP)"
    )
    common.add_argument("--json", action="store_true", help="JSON Lines on stdout")
    common.add_argument(
        "--timeout", type=request_timeout, default=30.0, metavar="S", help="seconds per request"
    )
    common.add_argument("--retries", type=retries, default=2, metavar="N", help="transport retries")
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


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
