"""What ``state`` in the configuration (or ``LINKRESOLVER_STATE``) may say, and how its
URL is shown: "sqlite" (the default, the file in the state directory) or a Redis URL.

Kept apart from :mod:`..config` (which reads the value) and :mod:`.opening` (which opens
the store) so that both use one rule, and a password in a URL is masked the same way in
every message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from ..errors import ConfigError

#: Where the shared state (request budgets, rests) is kept; overrides the file's ``state``.
STATE_ENV: Final = "LINKRESOLVER_STATE"
#: The schemes of a Redis state store's URL.
REDIS_SCHEMES: Final = ("redis", "rediss", "unix")
#: The name of the default store.
SQLITE: Final = "sqlite"


def state_from(data: Mapping[str, Any], config_path: Path, environ: Mapping[str, str]) -> str | None:
    """The state store asked for: ``LINKRESOLVER_STATE`` over the file's ``state``; None for
    the default. A URL's password is never shown in the message that refuses it."""
    variable = environ.get(STATE_ENV)
    if variable:
        where, value = f"environment variable {STATE_ENV}", variable
    elif "state" in data:
        where, value = f"{config_path}: 'state'", data["state"]
        if not isinstance(value, str):
            raise ConfigError(f'{where} must be "sqlite" or a redis:// URL, as a string')
    else:
        return None
    problem = state_problem(value)
    if problem:
        raise ConfigError(f"{where}: {without_credentials(value.strip())!r} {problem}")
    return value.strip()


def state_problem(spec: str) -> str | None:
    """Why ``spec`` names no state store, or None: "sqlite", or a Redis URL with a host (or,
    for ``unix://``, a socket path)."""
    text = spec.strip()
    if text.lower() == SQLITE:
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (parsing it is the check)
    except ValueError:
        return 'is not a URL: use "sqlite" or redis://HOST:PORT/DB'
    if parts.scheme not in REDIS_SCHEMES:
        return 'is not a state store: use "sqlite" or redis://HOST:PORT/DB (rediss://, unix:// too)'
    if parts.scheme == "unix" and not parts.path:
        return "names no socket: unix:///PATH/TO/redis.sock"
    if parts.scheme != "unix" and not parts.hostname:
        return "names no host: redis://HOST:PORT/DB"
    return None


def without_credentials(api_base: str) -> str:
    """``api_base`` (or a state store's URL) as it may be printed: a user name or password in
    it replaced by ``***``, and so is a ``password=`` in its query (``unix://`` URLs of Redis)."""
    scheme, separator, rest = api_base.partition("://")
    authority, slash, path = rest.partition("/")
    if separator and "@" in authority:
        api_base = f"{scheme}://***@{authority.rpartition('@')[2]}{slash}{path}"
    return _QUERY_PASSWORD.sub(r"\1***", api_base)


_QUERY_PASSWORD: Final = re.compile(r"(?i)([?&]password=)[^&#]*")


def url_secrets(url: str | None) -> list[str]:
    """The password in ``url``, its authority's or its query's: what a state store's URL must
    never show (not the user name: "default" masked in every message would garble them)."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.password or ""]
    except ValueError:
        found = []
    found += [value for _, value in (m.group(0).split("=", 1) for m in _QUERY_PASSWORD.finditer(url))]
    return [value for value in found if value]
