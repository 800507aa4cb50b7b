"""``linkresolver realdebrid ACTION``: Real-Debrid's torrents, downloads history and traffic.

This module imports the standard library only, so that ``linkresolver --help`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from linkresolver.api import common_options, confirm, destructive_options, emit, human_size, whole_number

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup

    from .client import RealDebridClient


def add_commands(commands: CommandGroup) -> None:
    from .commands_login import add_login_commands  # noqa: PLC0415 (the standard library only)

    common = common_options()
    destructive = destructive_options()
    actions = commands.add_group(
        "realdebrid",
        help="realdebrid: log in, torrents, the downloads history, traffic",
        description=(
            "Real-Debrid's API: log in with a code (no API token to copy), your torrents, the links"
            " you unrestricted, the traffic left."
        ),
    )
    add_login_commands(actions)

    def action(
        group: CommandGroup, name: str, handler: Any, help: str, *more: Any
    ) -> argparse.ArgumentParser:
        return group.add_command(name, help, handler, parents=[common, *more])

    def paged(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--page",
            type=whole_number(1, 1_000_000, "a page number"),
            default=1,
            metavar="N",
            help="page (default: 1)",
        )
        parser.add_argument(
            "--limit",
            type=whole_number(1, 5000, "a number from 1 to 5000"),
            default=100,
            metavar="N",
            help="per page (default: 100)",
        )

    action(actions, "traffic", _traffic, "the traffic left at each limited hoster")

    torrents = actions.add_group("torrents", help="your torrents at Real-Debrid")
    p = action(torrents, "list", _torrents_list, "your torrents")
    paged(p)
    p.add_argument("--active", action="store_true", help="only those not finished")
    action(torrents, "info", _torrents_info, "a torrent, with its files and links").add_argument(
        "torrent_id", metavar="ID"
    )
    p = action(torrents, "add", _torrents_add, "add a magnet, or upload a .torrent file (files chosen later)")
    p.add_argument("source", metavar="MAGNET|FILE")
    p = action(torrents, "delete", _torrents_delete, "delete torrents", destructive)
    p.add_argument("torrent_ids", nargs="+", metavar="ID")

    downloads = actions.add_group("downloads", help="the history of the links you unrestricted")
    paged(action(downloads, "list", _downloads_list, "the links you unrestricted, newest first"))
    p = action(downloads, "delete", _downloads_delete, "delete entries of the history", destructive)
    p.add_argument("download_ids", nargs="+", metavar="ID")


# -- shared -----------------------------------------------------------------------------------


def _client(args: argparse.Namespace) -> RealDebridClient:
    from linkresolver.api import command_client  # noqa: PLC0415

    from .provider import RealDebridProvider  # noqa: PLC0415

    return command_client(args, RealDebridProvider.from_config)


def _size(value: int | None) -> str:
    return human_size(value) if value is not None else "?"


def _torrent_line(torrent: Any) -> str:
    progress = (
        f" {torrent.progress:.0f}%" if torrent.progress is not None and torrent.status != "downloaded" else ""
    )
    state = torrent.status + progress
    return f"{torrent.id:<14} {state:<26} {_size(torrent.bytes):>10}  {torrent.filename or ''}"


# -- handlers ---------------------------------------------------------------------------------


def _traffic(args: argparse.Namespace, app: App) -> int:
    for traffic in sorted(_client(args).traffic(), key=lambda t: t.host):
        left = f"{traffic.left} {traffic.type or ''} left" if traffic.left is not None else "?"
        emit(app, args, traffic, f"{traffic.host:<24} {left:<24} reset {traffic.reset or '?'}")
    return 0


def _torrents_list(args: argparse.Namespace, app: App) -> int:
    for torrent in _client(args).torrents(page=args.page, limit=args.limit, active_only=args.active):
        emit(app, args, torrent, _torrent_line(torrent))
    return 0


def _torrents_info(args: argparse.Namespace, app: App) -> int:
    torrent = _client(args).torrent_info(args.torrent_id)
    lines = [_torrent_line(torrent)]
    lines += [
        f"  {'*' if f.selected else ' '} {f.id:>4} {_size(f.bytes):>10}  {f.path}" for f in torrent.files
    ]
    lines += [f"  {link}" for link in torrent.links]
    emit(app, args, torrent, "\n".join(lines))
    return 1 if torrent.status in ("error", "virus", "dead", "magnet_error") else 0


def _torrents_add(args: argparse.Namespace, app: App) -> int:
    from pathlib import Path  # noqa: PLC0415

    from linkresolver.api import ConfigError  # noqa: PLC0415

    client = _client(args)
    if args.source.lower().startswith("magnet:"):
        torrent_id = client.add_magnet(args.source)
    else:
        path = Path(args.source)
        try:
            data = path.read_bytes() if path.stat().st_size <= 16 << 20 else b""
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not data.startswith(b"d"):
            raise ConfigError(f"{path} is not a .torrent file (or is larger than 16 MiB)")
        torrent_id = client.add_torrent(data)
    emit(
        app,
        args,
        {"id": torrent_id},
        f"{torrent_id}  added; `linkresolver realdebrid torrents info {torrent_id}` shows it",
    )
    return 0


def _torrents_delete(args: argparse.Namespace, app: App) -> int:
    client = _client(args)
    if not confirm(
        app, args, f"{len(args.torrent_ids)} torrent(s): {', '.join(args.torrent_ids)}", "Real-Debrid"
    ):
        return 1
    for torrent_id in args.torrent_ids:
        client.delete_torrent(torrent_id)
        emit(app, args, {"deleted": torrent_id}, f"torrent {torrent_id} deleted")
    return 0


def _downloads_list(args: argparse.Namespace, app: App) -> int:
    for entry in _client(args).downloads(page=args.page, limit=args.limit):
        emit(
            app,
            args,
            entry,
            f"{entry.id:<14} {_size(entry.filesize):>10}  {entry.filename or ''}  {entry.download or ''}",
        )
    return 0


def _downloads_delete(args: argparse.Namespace, app: App) -> int:
    client = _client(args)
    if not confirm(
        app,
        args,
        f"{len(args.download_ids)} entries of the history: {', '.join(args.download_ids)}",
        "Real-Debrid",
    ):
        return 1
    for download_id in args.download_ids:
        client.delete_download(download_id)
        emit(app, args, {"deleted": download_id}, f"download {download_id} deleted from the history")
    return 0
