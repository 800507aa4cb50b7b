"""The ``[notify]`` table: which services to tell, and of which endings.

Read from the configuration with :meth:`Config.section` and checked here, standard library
only: a wrong table is one line naming the key, whether Apprise is installed or not. Each
URL's own meaning (is it a service Apprise knows?) is checked where Apprise is at hand
(:mod:`.services`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from linkresolver.api import ConfigError

if TYPE_CHECKING:
    from linkresolver.api import Config

#: The endings of a package a notification can be sent for (the summary's ``state``).
ENDINGS: Final = ("done", "failed")
#: The keys of ``[notify]``.
KEYS: Final = ("urls", "on")


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """Where to send notifications, and when."""

    #: One Apprise URL per service (``json://host/path``, ``tgram://TOKEN/CHAT``...).
    urls: tuple[str, ...]
    #: The endings that send one: ``done``, ``failed`` or both.
    on: frozenset[str] = frozenset(ENDINGS)


def where(config: Config) -> str:
    """How a message names the table: the file it is in, and ``[notify]``."""
    return f"{config.path or 'configuration'}: [notify]"


def read_settings(config: Config) -> NotifySettings | None:
    """The ``[notify]`` settings, or None when no URL is configured. Raises
    :class:`ConfigError` (one line, naming the key) when the table is wrong."""
    table = config.section("notify")
    if not table:
        return None
    place = where(config)
    for key in table:
        if key not in KEYS:
            guess = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else f" (its keys: {', '.join(KEYS)})"
            raise ConfigError(f"{place} has no key '{key}'{hint}")
    urls = table.get("urls", [])
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not all(isinstance(url, str) and url.strip() for url in urls):
        raise ConfigError(
            f'{place} urls must be a list of Apprise URLs, one per service: urls = ["json://host/path"]'
        )
    on = table.get("on", list(ENDINGS))
    if isinstance(on, str):
        on = [on]
    if not isinstance(on, list) or not all(isinstance(ending, str) for ending in on):
        raise ConfigError(f'{place} on must be a list of endings: on = ["done", "failed"]')
    unknown = [ending for ending in on if ending not in ENDINGS]
    if unknown:
        raise ConfigError(f"{place} on: '{unknown[0]}' is no ending of a package (done or failed)")
    if not urls:
        return None
    return NotifySettings(tuple(url.strip() for url in urls), frozenset(on))
