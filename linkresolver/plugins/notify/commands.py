"""``linkresolver notify test``: send a test notification to every configured service.

This module imports the standard library only, so that ``linkresolver --help`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from linkresolver.api import add_config_options, emit

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup


def add_commands(commands: CommandGroup) -> None:
    actions = commands.add_group(
        "notify",
        help="notifications when a package of the server ends (through Apprise)",
        description="The services [notify] urls names, told when a package of linkresolver serve ends.",
    )
    actions.add_command(
        "test",
        "send a test notification to each configured service; exit 1 when one fails",
        _test,
        parents=[_options()],
    )


def _options() -> argparse.ArgumentParser:
    """``--config``, ``-v`` and ``--json``: a notification asks no provider (no
    ``--timeout``, ``--retries`` or ``--account``)."""
    options = argparse.ArgumentParser(add_help=False)
    add_config_options(options)
    options.add_argument("--json", action="store_true", help="JSON Lines on stdout")
    return options


def _test(args: argparse.Namespace, app: App) -> int:
    from linkresolver.api import ConfigError, load_config, register_secrets  # noqa: PLC0415

    from .message import trial_notification  # noqa: PLC0415
    from .notifier import configured_services  # noqa: PLC0415
    from .services import send  # noqa: PLC0415
    from .settings import read_settings, where  # noqa: PLC0415

    config = load_config(args.config)
    register_secrets(config.secrets())
    settings = read_settings(config)
    if settings is None:
        raise ConfigError(
            f'{where(config)} names no service: add urls = ["json://host/path"] (one Apprise URL per service)'
        )
    failed = 0
    for delivery in send(configured_services(settings.urls, where(config)), trial_notification()):
        shown, problem = delivery.service.shown, delivery.problem
        record = {"service": shown, "sent": problem is None, "problem": problem}
        if delivery.problem is None:
            emit(app, args, record, f"sent: {delivery.service.shown}")
        else:
            failed += 1
            emit(app, args, record, f"failed: {delivery.service.shown}: {delivery.problem}")
    return 1 if failed else 0
