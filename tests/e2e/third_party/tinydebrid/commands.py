"""``linkresolver tinydebrid status``: the account, as the built-in commands print results.

The standard library and ``linkresolver.api`` only at import: ``linkresolver --help``
builds every plugin's commands.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from linkresolver.api import common_options, emit

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup


def add_commands(commands: CommandGroup) -> None:
    group = commands.add_group(
        "tinydebrid", help="tinydebrid: the account", description="tinydebrid's own API: the account."
    )
    group.add_command(
        "status", "the account: plan, expiry and traffic left", _status, parents=[common_options()]
    )


def _status(args: argparse.Namespace, app: App) -> int:
    from linkresolver.api import load_config, make_session, register_secrets

    from .provider import TinyDebridProvider, client_for

    config = load_config(args.config)
    register_secrets(config.secrets())
    provider = TinyDebridProvider(config.provider(TinyDebridProvider.name))
    account = client_for(provider, make_session(retries=args.retries, timeout=args.timeout)).account()
    expires = time.strftime("%Y-%m-%d", time.gmtime(account.expires)) if account.expires else "never"
    left = f"{account.traffic_left:.0%}" if account.traffic_left is not None else "?"
    emit(
        app,
        args,
        account,
        f"tinydebrid: {account.user or '?'}, {account.plan} until {expires}, traffic left {left}",
    )
    return 0
