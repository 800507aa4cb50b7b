"""The options and argument types shared by the built-in commands and the plugins' command
groups: one definition of each, so ``--timeout`` means the same everywhere.

Bounded both ways: a port of 70000 would wrap around to another port, a million workers
are a million threads, and a socket refuses a timeout of 1e10 s with an OverflowError.
The standard library only: ``--help`` builds every parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, cast


def whole_number(low: int, high: int, what: str = "a whole number") -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``. Bounded both ways: a port of
    70000 would wrap around to another port, and a million workers are a million threads."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, not {value:,}")
        return value

    return parse


def seconds(low: float, high: float, *, low_allowed: bool = True) -> Callable[[str], float]:
    """An argparse type: seconds from ``low`` (included unless ``low_allowed`` is false) to
    ``high``. Bounded: a socket refuses a timeout of 1e10 s with an OverflowError."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        above_low = value >= low if low_allowed else value > low
        if not (above_low and value <= high):  # nan fails both
            bound = "from" if low_allowed else "more than"
            raise argparse.ArgumentTypeError(f"must be {bound} {low:g} and at most {high:g} seconds")
        return value

    return parse


#: The bounds of the numbers the commands take.
port = whole_number(0, 65_535, "a port number")
retries = whole_number(0, 10)
connections = whole_number(1, 16)  # aria2's and most servers' limit per file
files_at_once = whole_number(1, 32)
request_timeout = seconds(0, 3_600, low_allowed=False)
latency = seconds(0, 60)


def share(text: str) -> float:
    """A share from 0 to 1 (``0.2`` is one call in five)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be a share from 0 to 1, such as 0.2")
    return value


def rate(text: str) -> float:
    """An argparse type: a byte rate as aria2c writes it (``5M``, ``500K``, ``1.5MiB/s``);
    0.0 for 0 (no limit, said: it overrides the configuration's; an option not given is
    None). The parsing is the download package's (imported when used)."""
    from resolver_core.download.bandwidth import RateError, parse_rate  # noqa: PLC0415

    try:
        return parse_rate(text) or 0.0
    except RateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``-v``: every command takes them."""
    parser.add_argument("--config", metavar="PATH", help="configuration file (default: the user config dir)")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail on stderr (-v -v: HTTP)"
    )


def add_retries_option(parser: argparse.ArgumentParser) -> None:
    """``--retries``: transport retries of every call to a provider."""
    parser.add_argument("--retries", type=retries, default=2, metavar="N", help="transport retries")


def add_timeout_option(parser: argparse.ArgumentParser) -> None:
    """``--timeout``: seconds a request to a provider may take."""
    parser.add_argument(
        "--timeout", type=request_timeout, default=30.0, metavar="S", help="seconds per request"
    )


#: Where ``--account`` lands: not ``account``, which a command may use for its own option.
ACCOUNT_DEST = "provider_account"


def add_account_option(parser: argparse.ArgumentParser) -> None:
    """``--account``: one account of a provider that lists several (its label)."""
    parser.add_argument(
        "--account",
        dest=ACCOUNT_DEST,  # a command's own --account (Offcloud's remote one) replaces it
        metavar="LABEL",
        help="use only this account (a label of [[providers.NAME.accounts]], or NAME/LABEL)",
    )


class CommandParser(argparse.ArgumentParser):
    """A command's parser, where the command's own option replaces a shared one of the same
    name (:func:`add_account_option`'s ``--account``: Offcloud's remote upload has its own,
    a remote account's id), where plain argparse would refuse the conflict."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        for option in args:
            shared = self._option_string_actions.get(option) if isinstance(option, str) else None
            if shared is not None and shared.dest == ACCOUNT_DEST:
                self._drop(shared)
        return super().add_argument(*args, **kwargs)

    def _drop(self, action: argparse.Action) -> None:
        self._remove_action(action)
        for option in action.option_strings:
            self._option_string_actions.pop(option, None)
        for group in self._action_groups:
            if action in group._group_actions:
                group._group_actions.remove(action)


def command_subparsers(
    parser: argparse.ArgumentParser, **options: Any
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    r"""``parser.add_subparsers(**options)`` whose commands are :class:`CommandParser`\ s."""
    return cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(parser_class=CommandParser, **options),
    )
