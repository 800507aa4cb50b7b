"""``linkresolver debridlink login`` and ``logout``: Debrid-Link's device login from the command line.

``login`` shows the page to open and the code to enter there, waits while Debrid-Link is
polled, and says where the token is kept (never the token); ``logout`` forgets it. Both
take the account commands' options (``--json``: JSON Lines on stdout). The standard
library only at import: ``linkresolver --help`` builds these parsers.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from linkresolver.api import common_options, emit

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup, DeviceCode

PROVIDER = "debridlink"


def add_login_commands(group: CommandGroup) -> None:
    """Add ``login`` and ``logout`` to ``group`` (the ``linkresolver debridlink`` group)."""
    common = common_options()
    group.add_command(
        "login",
        "log in on Debrid-Link's web page with a code shown here; keeps a token (needs a client_id)",
        _login,
        parents=[common],
    )
    group.add_command(
        "logout", "forget the stored Debrid-Link login (the token file)", _logout, parents=[common]
    )


def _login(args: argparse.Namespace, app: App) -> int:
    from linkresolver.api import load_config, make_session, run_device_login  # noqa: PLC0415

    from .oauth import token_store  # noqa: PLC0415

    config = load_config(args.config)
    session = make_session(retries=args.retries, timeout=args.timeout)
    oauth = _oauth(session, config.provider(PROVIDER))
    store = token_store()

    def show(code: DeviceCode) -> None:
        minutes = max(1, round(code.expires_in / 60))
        page = f" (or open {code.direct_url})" if code.direct_url else ""
        emit(
            app,
            args,
            {
                "verification_url": code.verification_url,
                "user_code": code.user_code,
                "expires_in": code.expires_in,
                "direct_url": code.direct_url,
            },
            f"Open {code.verification_url} and enter the code {code.user_code}{page};"
            f" it is valid for {minutes} minute{'s' if minutes != 1 else ''}. Waiting...",
        )

    try:
        run_device_login(PROVIDER, oauth.start, oauth.poll, show, store)
    except KeyboardInterrupt:
        print("login cancelled: nothing was stored", file=app.stderr, flush=True)
        raise
    emit(
        app,
        args,
        {"logged_in": True, "provider": PROVIDER, "token_file": str(store.path)},
        f"logged in to Debrid-Link; the token is kept in {store.path} (readable by you only)",
    )
    return 0


def _logout(args: argparse.Namespace, app: App) -> int:
    from .oauth import token_store  # noqa: PLC0415

    store = token_store()
    forgotten = store.forget()
    emit(
        app,
        args,
        {"logged_out": forgotten, "provider": PROVIDER, "token_file": str(store.path)},
        f"logged out of Debrid-Link: {store.path} deleted"
        if forgotten
        else f"no Debrid-Link login was stored ({store.path} does not exist)",
    )
    return 0


def _oauth(session: Any, settings: Any) -> Any:
    from .oauth import DebridLinkOAuth, client_id, oauth_base  # noqa: PLC0415

    return DebridLinkOAuth(session, client_id(settings), oauth_base(settings))
