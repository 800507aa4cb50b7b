"""``linkresolver alldebrid ACTION``: log in with a PIN, the account, magnets, saved links
and the history of unlocked links.

``login`` shows the page to open and the PIN to enter there, waits while AllDebrid is
polled, and says where the key is kept (never the key); ``logout`` forgets it (both
:func:`linkresolver.api.add_device_login_commands`, in AllDebrid's words). This module
imports the standard library only at import time, so that ``linkresolver --help`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from linkresolver.api import (
    add_device_login_commands,
    common_options,
    confirm,
    destructive_options,
    emit,
    human_size,
)

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup, TokenStore

    from .client import AllDebridClient

PROVIDER = "alldebrid"


def add_commands(commands: CommandGroup) -> None:
    common = common_options()
    destructive = destructive_options()
    actions = commands.add_group(
        "alldebrid",
        help="alldebrid: log in, the account, magnets, saved links, history",
        description=(
            "AllDebrid's API: log in with a PIN (no API key to copy), your account, your magnets,"
            " your saved links and the links you unlocked recently."
        ),
    )

    def action(
        group: CommandGroup, name: str, handler: Any, help: str, *more: Any
    ) -> argparse.ArgumentParser:
        return group.add_command(name, help, handler, parents=[common, *more])

    add_device_login_commands(
        actions,
        provider=PROVIDER,
        title="AllDebrid",
        flow=_pin_login,
        store=_store,
        login_help="keeps an API key",
        code="PIN",
        credential="API key",
        logout_note=" (the key itself is revoked on alldebrid.com/apikeys)",
    )
    action(actions, "user", _user, "the account: type, premium until, points, hoster quotas")
    action(actions, "links", _links, "your saved links")
    action(
        actions, "history", _history, "the links you unlocked recently (when history is on in the account)"
    )
    magnets = actions.add_group("magnets", help="your magnets at AllDebrid")
    p = action(magnets, "list", _magnets_list, "your magnets")
    p.add_argument(
        "--status", choices=("active", "ready", "expired", "error"), help="only those in this state"
    )
    action(magnets, "status", _magnets_status, "a magnet's state, with its files").add_argument(
        "magnet_id", metavar="ID"
    )
    p = action(magnets, "delete", _magnets_delete, "delete magnets", destructive)
    p.add_argument("magnet_ids", nargs="+", metavar="ID")


# -- shared -----------------------------------------------------------------------------------


def _client(args: argparse.Namespace) -> AllDebridClient:
    from linkresolver.api import command_client  # noqa: PLC0415

    from .provider import AllDebridProvider  # noqa: PLC0415

    return command_client(args, AllDebridProvider.from_config)


def _size(value: int | None) -> str:
    return human_size(value) if value is not None else "?"


def _magnet_line(magnet: Any) -> str:
    progress = f" {magnet.progress:.0f}%" if magnet.progress is not None and not magnet.finished else ""
    state = (magnet.status or "?") + progress
    return f"{magnet.id:<12} {state:<24} {_size(magnet.size):>10}  {magnet.filename or ''}"


# -- login ------------------------------------------------------------------------------------


def _pin_login(session: Any, settings: Any) -> Any:
    from .client import AllDebridClient  # noqa: PLC0415
    from .login import PinLogin  # noqa: PLC0415

    return PinLogin(AllDebridClient(session, settings.api_base, None))


def _store() -> TokenStore:
    from .login import token_store  # noqa: PLC0415

    return token_store()


# -- account and links ------------------------------------------------------------------------


def _user(args: argparse.Namespace, app: App) -> int:
    import time  # noqa: PLC0415

    user = _client(args).user()
    until = time.strftime("%Y-%m-%d", time.gmtime(user.premium_until)) if user.premium_until else "-"
    lines = [f"{user.username or '?'}  {user.type}  premium until {until}  points {user.points or 0}"]
    lines += [f"  {host:<20} {left} MB left today" for host, left in user.quotas]
    emit(app, args, user, "\n".join(lines))
    return 0


def _links(args: argparse.Namespace, app: App) -> int:
    for entry in _client(args).saved_links():
        emit(app, args, entry, f"{_size(entry.size):>10}  {entry.filename or ''}  {entry.link}")
    return 0


def _history(args: argparse.Namespace, app: App) -> int:
    for entry in _client(args).history():
        emit(app, args, entry, f"{_size(entry.size):>10}  {entry.filename or ''}  {entry.link}")
    return 0


# -- magnets ----------------------------------------------------------------------------------


def _magnets_list(args: argparse.Namespace, app: App) -> int:
    for magnet in _client(args).magnets(status=args.status):
        emit(app, args, magnet, _magnet_line(magnet))
    return 0


def _magnets_status(args: argparse.Namespace, app: App) -> int:
    import dataclasses  # noqa: PLC0415

    client = _client(args)
    magnet = client.magnet_status(args.magnet_id)
    files = client.magnet_files(magnet.id) if magnet.status_code == 4 else []
    lines = [_magnet_line(magnet)] + [f"  {_size(f.size):>10}  {f.path}  {f.link}" for f in files]
    record = {**dataclasses.asdict(magnet), "files": [dataclasses.asdict(f) for f in files]}
    emit(app, args, record, "\n".join(lines))
    return 1 if magnet.status_code is not None and magnet.status_code > 4 else 0


def _magnets_delete(args: argparse.Namespace, app: App) -> int:
    client = _client(args)
    if not confirm(app, args, f"{len(args.magnet_ids)} magnet(s): {', '.join(args.magnet_ids)}", "AllDebrid"):
        return 1
    for magnet_id in args.magnet_ids:
        client.delete_magnet(magnet_id)
        emit(app, args, {"deleted": magnet_id}, f"magnet {magnet_id} deleted")
    return 0
