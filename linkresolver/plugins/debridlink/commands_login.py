"""``linkresolver debridlink login`` and ``logout``: Debrid-Link's device login from the command line
(:func:`linkresolver.api.add_device_login_commands`). The standard library only at import:
``linkresolver --help`` builds these parsers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkresolver.api import add_device_login_commands

if TYPE_CHECKING:
    from linkresolver.api import CommandGroup, TokenStore

PROVIDER = "debridlink"


def add_login_commands(group: CommandGroup) -> None:
    """Add ``login`` and ``logout`` to ``group`` (the ``linkresolver debridlink`` group)."""
    add_device_login_commands(
        group,
        provider=PROVIDER,
        title="Debrid-Link",
        flow=_oauth,
        store=_store,
        login_help="keeps a token (needs a client_id)",
    )


def _oauth(session: Any, settings: Any) -> Any:
    from .oauth import DebridLinkOAuth, client_id, oauth_base  # noqa: PLC0415

    return DebridLinkOAuth(session, client_id(settings), oauth_base(settings))


def _store() -> TokenStore:
    from .oauth import token_store  # noqa: PLC0415

    return token_store()
