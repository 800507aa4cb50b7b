"""``linkresolver debridlink ACTION``: Debrid-Link's login, seedbox, generated links and account.

This module imports the standard library only, so that ``linkresolver --help`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from linkresolver.api import common_options, confirm, destructive_options, emit, human_size

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup

    from .client import DebridLinkClient


def add_commands(commands: CommandGroup) -> None:
    from .commands_login import add_login_commands  # noqa: PLC0415 (the standard library only)

    common = common_options()
    destructive = destructive_options()
    actions = commands.add_group(
        "debridlink",
        help="debridlink: log in, the seedbox, generated links, the account",
        description=(
            "Debrid-Link's API: log in with a code (no API key to copy), the torrents of your"
            " seedbox, the links you generated, your account."
        ),
    )
    add_login_commands(actions)

    def action(
        group: CommandGroup, name: str, handler: Any, help: str, *more: Any
    ) -> argparse.ArgumentParser:
        return group.add_command(name, help, handler, parents=[common, *more])

    action(actions, "account", _account, "your account: its kind and how long premium lasts")
    seedbox = actions.add_group("seedbox", help="the torrents of your seedbox at Debrid-Link")
    action(seedbox, "list", _seedbox_list, "your torrents")
    p = action(seedbox, "delete", _seedbox_delete, "remove torrents", destructive)
    p.add_argument("torrent_ids", nargs="+", metavar="ID")
    links = actions.add_group("links", help="the links you generated at Debrid-Link")
    action(links, "list", _links_list, "the links you generated, newest first")
    p = action(links, "delete", _links_delete, "remove generated links", destructive)
    p.add_argument("link_ids", nargs="+", metavar="ID")


def _client(args: argparse.Namespace) -> DebridLinkClient:
    from linkresolver.api import command_client  # noqa: PLC0415

    from .provider import DebridLinkProvider  # noqa: PLC0415

    return command_client(args, DebridLinkProvider.from_config)


def _size(value: int | None) -> str:
    return human_size(value) if value is not None else "?"


def _account(args: argparse.Namespace, app: App) -> int:
    account = _client(args).account()
    days = f", premium for {account.premium_left // 86400} more days" if account.premium_left else ""
    emit(app, args, account, f"{account.username or '?'}: {account.type}{days}")
    return 0


def _seedbox_list(args: argparse.Namespace, app: App) -> int:
    for torrent in _client(args).torrents():
        state = "downloaded" if torrent.downloaded else f"{torrent.percent:.0f}%"
        emit(
            app,
            args,
            torrent,
            f"{torrent.id:<20} {state:<12} {_size(torrent.size):>10}  {torrent.name or ''}",
        )
    return 0


def _seedbox_delete(args: argparse.Namespace, app: App) -> int:
    client = _client(args)
    if not confirm(
        app, args, f"{len(args.torrent_ids)} torrent(s): {', '.join(args.torrent_ids)}", "Debrid-Link"
    ):
        return 1
    for torrent_id in args.torrent_ids:
        client.remove_torrent(torrent_id)
        emit(app, args, {"deleted": torrent_id}, f"torrent {torrent_id} removed")
    return 0


def _links_list(args: argparse.Namespace, app: App) -> int:
    for entry in _client(args).links():
        emit(
            app,
            args,
            entry,
            f"{entry.id or '?':<14} {_size(entry.size):>10}  {entry.name or ''}  {entry.download}",
        )
    return 0


def _links_delete(args: argparse.Namespace, app: App) -> int:
    client = _client(args)
    if not confirm(
        app, args, f"{len(args.link_ids)} generated link(s): {', '.join(args.link_ids)}", "Debrid-Link"
    ):
        return 1
    for link_id in args.link_ids:
        client.remove_link(link_id)
        emit(app, args, {"deleted": link_id}, f"link {link_id} removed")
    return 0
