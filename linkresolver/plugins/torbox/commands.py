"""``linkresolver torbox ACTION``: log in, TorBox's account, torrents and web downloads.

``login`` shows the page to open and the code to enter there, waits while TorBox is polled,
and says where the API key is kept (never the key); ``logout`` forgets it (both
:func:`linkresolver.api.add_device_login_commands`, in TorBox's words). This module
imports the standard library only, so that ``linkresolver --help`` stays fast.
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
    whole_number,
)

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup, TokenStore

    from .client import TorBoxClient

#: The two kinds of transfer, by their group's name: (what a person calls one, its endpoints).
KINDS = {"torrents": "torrent", "webdl": "web download"}


def add_commands(commands: CommandGroup) -> None:
    common = common_options()
    destructive = destructive_options()
    actions = commands.add_group(
        "torbox",
        help="torbox: log in, the account, torrents and web downloads",
        description=(
            "TorBox's API: log in with a code (no API key to copy), your account (plan, expiry),"
            " the torrents and web downloads (hoster links) in it. Or the API key of"
            " torbox.app/settings goes in [providers.torbox] key."
        ),
    )

    def action(
        group: CommandGroup, name: str, handler: Any, help: str, *more: Any
    ) -> argparse.ArgumentParser:
        return group.add_command(name, help, handler, parents=[common, *more])

    add_device_login_commands(
        actions,
        provider="torbox",
        title="TorBox",
        flow=_device_login,
        store=_store,
        login_help="keeps an API key",
        credential="API key",
        logout_note=" (the key itself stays valid until you revoke it in your TorBox account)",
    )
    action(actions, "me", _me, "the account: plan, expiry, cooldown")
    for group_name, noun in KINDS.items():
        group = actions.add_group(group_name, help=f"your {noun}s at TorBox")
        p = action(group, "list", _lister(group_name), f"your {noun}s, newest first")
        p.add_argument(
            "--offset",
            type=whole_number(0, 1_000_000, "a number from 0"),
            default=0,
            metavar="N",
            help="skip N",
        )
        p.add_argument(
            "--limit",
            type=whole_number(1, 1000, "a number from 1 to 1000"),
            default=100,
            metavar="N",
            help="at most N (default: 100)",
        )
        p = action(group, "info", _informer(group_name), f"a {noun}, with its files")
        p.add_argument("transfer_id", metavar="ID", type=whole_number(0, 10**12, "an id (a number)"))
        p = action(group, "delete", _deleter(group_name), f"delete {noun}s", destructive)
        p.add_argument(
            "transfer_ids", nargs="+", metavar="ID", type=whole_number(0, 10**12, "an id (a number)")
        )


# -- shared -----------------------------------------------------------------------------------


def _client(args: argparse.Namespace) -> TorBoxClient:
    from linkresolver.api import command_client  # noqa: PLC0415

    from .provider import TorBoxProvider  # noqa: PLC0415

    return command_client(args, TorBoxProvider.from_config)


def _size(value: int | None) -> str:
    return human_size(value) if value is not None else "?"


def _line(transfer: Any) -> str:
    progress = f" {transfer.progress:.0f}%" if transfer.progress is not None and not transfer.finished else ""
    state = transfer.state + progress
    return f"{transfer.id:<10} {state:<26} {_size(transfer.size):>10}  {transfer.name or ''}"


# -- login ------------------------------------------------------------------------------------


def _device_login(session: Any, settings: Any) -> Any:
    from .client import TorBoxClient  # noqa: PLC0415
    from .login import DeviceLogin  # noqa: PLC0415

    return DeviceLogin(TorBoxClient(session, settings.api_base, ""))


def _store() -> TokenStore:
    from .login import token_store  # noqa: PLC0415

    return token_store()


# -- handlers ---------------------------------------------------------------------------------


def _me(args: argparse.Namespace, app: App) -> int:
    import time  # noqa: PLC0415

    user = _client(args).user()
    expires = time.strftime("%Y-%m-%d", time.gmtime(user.expires)) if user.expires else "-"
    lines = [f"{user.email or '?'}  plan {user.plan}  expires {expires}"]
    if user.cooldown_until and user.cooldown_until > time.time():
        lines.append(
            f"cooling down until {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(user.cooldown_until))}"
        )
    emit(app, args, user, "\n".join(lines))
    return 0


def _lister(group: str) -> Any:
    def handler(args: argparse.Namespace, app: App) -> int:
        from .client import kind_named  # noqa: PLC0415

        for transfer in _client(args).transfers(kind_named(group), offset=args.offset, limit=args.limit):
            emit(app, args, transfer, _line(transfer))
        return 0

    return handler


def _informer(group: str) -> Any:
    def handler(args: argparse.Namespace, app: App) -> int:
        from .client import kind_named  # noqa: PLC0415

        transfer = _client(args).transfer(kind_named(group), args.transfer_id)
        lines = [_line(transfer)]
        lines += [f"  {f.id:>4} {_size(f.size):>10}  {f.name}" for f in transfer.files]
        emit(app, args, transfer, "\n".join(lines))
        return 1 if transfer.failed else 0

    return handler


def _deleter(group: str) -> Any:
    def handler(args: argparse.Namespace, app: App) -> int:
        from .client import kind_named  # noqa: PLC0415

        client = _client(args)
        ids = [str(n) for n in args.transfer_ids]
        if not confirm(app, args, f"{len(ids)} {KINDS[group]}(s): {', '.join(ids)}", "TorBox"):
            return 1
        for transfer_id in args.transfer_ids:
            client.delete(kind_named(group), transfer_id)
            emit(app, args, {"deleted": transfer_id}, f"{KINDS[group]} {transfer_id} deleted")
        return 0

    return handler
