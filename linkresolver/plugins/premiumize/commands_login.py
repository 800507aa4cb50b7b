"""``linkresolver premiumize login`` and ``logout``: Premiumize's device login from the command line
(:func:`linkresolver.api.add_device_login_commands`). The standard library only at import:
``linkresolver --help`` builds these parsers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkresolver.api import add_device_login_commands

if TYPE_CHECKING:
    from linkresolver.api import CommandGroup, TokenStore

PROVIDER = "premiumize"


def add_login_commands(group: CommandGroup) -> None:
    """Add ``login`` and ``logout`` to ``group`` (the ``linkresolver premiumize`` group)."""
    add_device_login_commands(group, provider=PROVIDER, title="Premiumize", flow=_oauth, store=_store)


def _oauth(session: Any, settings: Any) -> Any:
    from .oauth import PremiumizeOAuth, client_id, oauth_base  # noqa: PLC0415

    return PremiumizeOAuth(session, client_id(settings), oauth_base(settings))


def _store() -> TokenStore:
    from .oauth import token_store  # noqa: PLC0415

    return token_store()


def add_commands(commands: CommandGroup) -> None:
    """``linkresolver premiumize login|logout`` (a group of its own)."""
    group = commands.add_group(
        "premiumize",
        help="premiumize: log in with a code instead of the API key, log out",
        description="Premiumize's device login: a token kept in your state directory, instead of the key.",
    )
    add_login_commands(group)
