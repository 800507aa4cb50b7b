"""``linkresolver NAME login`` and ``logout`` for any provider with a device login.

``login`` shows the page to open and the code to enter there, waits while the service is
polled (:func:`resolver_core.device_login.run_device_login`), and says where the token is
kept (never the token); ``logout`` forgets it. Both take the account commands' options
(``--json``: JSON Lines on stdout). Every such plugin gives its service's flow and token file;
the commands are written once, here. Light at import: ``linkresolver --help`` builds these
parsers.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from .groups import App, CommandGroup, common_options, emit

if TYPE_CHECKING:
    import requests

    from .config import ProviderSettings
    from .device_login import DeviceCode, PollAnswer, TokenStore


class DeviceFlow(Protocol):
    """A service's device login: how it starts and how a poll is answered."""

    def start(self) -> DeviceCode: ...
    def poll(self, code: DeviceCode) -> PollAnswer: ...


def add_device_login_commands(
    group: CommandGroup,
    *,
    provider: str,
    title: str,
    flow: Callable[[requests.Session, ProviderSettings], DeviceFlow],
    store: Callable[[], TokenStore],
    login_help: str = "keeps a token, not a password",
    code: str = "code",
    credential: str = "token",
    logout_note: str = "",
) -> None:
    """Add ``login`` and ``logout`` to ``group`` (``linkresolver PROVIDER``): ``flow`` makes
    the service's device flow for a session and the provider's settings, ``store`` gives its
    token file; ``title`` is the service as people write it.

    The words are the service's own, so that what the person reads matches its page:
    ``code`` is what they enter there (a "code", or a "PIN"), ``credential`` what the
    file keeps (a "token", or an "API key"), and ``logout_note`` is added to what ``logout``
    says (say, where the service revokes the credential itself)."""

    def login(args: argparse.Namespace, app: App) -> int:
        from .config import load_config  # noqa: PLC0415 (only when the command runs)
        from .device_login import run_device_login  # noqa: PLC0415
        from .http import make_session  # noqa: PLC0415

        config = load_config(args.config)
        oauth = flow(make_session(retries=args.retries, timeout=args.timeout), config.provider(provider))
        token_file = store()

        def show(device: DeviceCode) -> None:
            minutes = max(1, round(device.expires_in / 60))
            page = f" (or open {device.direct_url})" if device.direct_url else ""
            emit(
                app,
                args,
                {
                    "verification_url": device.verification_url,
                    "user_code": device.user_code,
                    "expires_in": device.expires_in,
                    "direct_url": device.direct_url,
                },
                f"Open {device.verification_url} and enter the {code} {device.user_code}{page};"
                f" it is valid for {minutes} minute{'s' if minutes != 1 else ''}. Waiting...",
            )

        try:
            run_device_login(provider, oauth.start, oauth.poll, show, token_file)
        except KeyboardInterrupt:
            print("login cancelled: nothing was stored", file=app.stderr, flush=True)
            raise
        emit(
            app,
            args,
            {"logged_in": True, "provider": provider, "token_file": str(token_file.path)},
            f"logged in to {title}; the {credential} is kept in {token_file.path} (readable by you only)",
        )
        return 0

    def logout(args: argparse.Namespace, app: App) -> int:
        token_file = store()
        forgotten = token_file.forget()
        emit(
            app,
            args,
            {"logged_out": forgotten, "provider": provider, "token_file": str(token_file.path)},
            f"logged out of {title}: {token_file.path} deleted{logout_note}"
            if forgotten
            else f"no {title} login was stored ({token_file.path} does not exist)",
        )
        return 0

    common = common_options()
    shown_here = f"log in on {title}'s web page with a {code} shown here; {login_help}"
    group.add_command("login", shown_here, login, parents=[common])
    group.add_command(
        "logout", f"forget the stored {title} login (the {credential} file)", logout, parents=[common]
    )
