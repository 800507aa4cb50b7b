"""``linkresolver history``: the packages ``serve`` kept, read from the state store.

Works with the server stopped (or running: the store is shared): the store is opened
directly, no provider is needed. One line per package (when, name, links ok/total, state),
or with ``--json`` one JSON Lines object per package: its summary (as ``GET /api/history``
gives it) with its links. ``--prune`` forgets ended packages past ``[history]``'s limits.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING, Any

from resolver_core.lines import write_line
from resolver_core.output import shown
from resolver_core.redact import redact

from .app import ExitStatus

if TYPE_CHECKING:
    from .app import App

#: Packages listed unless ``--limit`` says otherwise.
LIMIT = 50


def run_history(args: argparse.Namespace, app: App) -> int:
    from resolver_core.config import load_config  # noqa: PLC0415
    from resolver_core.device_login import state_dir  # noqa: PLC0415
    from resolver_core.history import history_limits  # noqa: PLC0415
    from resolver_core.state import PACKAGE_FAILED, package_store  # noqa: PLC0415
    from resolver_core.state.opening import open_store  # noqa: PLC0415
    from resolver_core.web.packages import summary_of  # noqa: PLC0415

    config = load_config(args.config)
    limits = history_limits(config.section("history"), config.path)
    opened = open_store(config.state, state_dir())
    store = package_store(opened)
    if args.prune:
        forgotten = limits.prune(store)
        write_line(app.stderr, f"forgot {forgotten} ended packages past the history's limits")
        return ExitStatus.OK
    states = {PACKAGE_FAILED} if args.failed else None
    listed = store.packages(limit=args.limit, states=states)
    if not listed and not args.json:  # said where a person looks, not on the listing's stream
        which = "failed packages" if args.failed else "packages"
        write_line(app.stderr, f"no {which} kept in {opened.location}")
    for stored in listed:
        summary = summary_of(stored, links=args.json)
        if args.json:
            write_line(app.stdout, redact(json.dumps(summary, ensure_ascii=False)))
        else:
            write_line(app.stdout, _line(summary))
    return ExitStatus.OK


def _line(summary: dict[str, Any]) -> str:
    """``2026-12-03 16:40  Holiday  20/20 ok  done``: when (local time), name, ok/total, state."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary["created"]))
    counts = summary["counts"]
    name = shown(summary["name"]) if summary["name"] else f"({summary['origin']})"
    return f"{when}  {name}  {counts['ok']}/{counts['total']} ok  {summary['state']}"
