"""The configured services, through Apprise: each URL parsed once, its secrets registered,
a notification sent to each with a time limit, and why one failed, without its secrets.

Apprise is an optional dependency (``pip install 'linkresolver[notify]'``): without it a
configured ``[notify]`` is one warning, once, and nothing else changes. Apprise's own log
records stay in Apprise (they would repeat each failure, and some name a service's URL);
this module logs each failure once, on linkresolver's logger, whose records are redacted.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

from linkresolver.api import ConfigError, register_secrets

if TYPE_CHECKING:
    from .message import Notification

log = logging.getLogger("linkresolver")

#: Seconds one notification may take, every service together: an ending package never
#: waits for it (it is sent on a thread of its own), but a dead service must not pile up threads.
SEND_TIMEOUT: Final = 15.0
#: What to install for notifications.
INSTALL_HINT: Final = "pip install 'linkresolver[notify]'"


class AppriseMissing(ConfigError):
    """``[notify]`` is configured but Apprise is not installed."""


@dataclass(frozen=True, slots=True)
class Service:
    """One configured service: Apprise's object for it, and how messages name it."""

    #: ``json://127.0.0.1:8080/hook``, ``tgram://1...n/-100123``: Apprise's own form of
    #: the URL with its secrets masked, without the query.
    shown: str
    plugin: Any = field(repr=False)
    #: What the redaction must mask: the URL's tokens, passwords and keys.
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How sending to one service went: ``problem`` is None when it was delivered."""

    service: Service
    problem: str | None


def _apprise() -> Any:
    try:
        import apprise  # noqa: PLC0415 (optional, and slow to import: only when configured)
    except ImportError:
        raise AppriseMissing(
            f"notifications are configured ([notify] urls) but Apprise is not installed: {INSTALL_HINT}"
        ) from None
    _keep_apprise_logs_inside(apprise)
    return apprise


_quieted = threading.Lock()


def _keep_apprise_logs_inside(apprise: Any) -> None:
    """Apprise's records reach its own handlers (the results' captured logs) and no further."""
    with _quieted:
        logger = logging.getLogger(apprise.__name__)
        if logger.propagate:
            logger.propagate = False
            logger.addHandler(logging.NullHandler())  # else Python's last resort prints warnings


def load_services(urls: tuple[str, ...], place: str) -> list[Service]:
    """Each URL as a :class:`Service`, its secrets registered with the redaction first.
    Raises :class:`ConfigError` naming the URL (by position and service, not by its
    secrets) that Apprise cannot use, or :class:`AppriseMissing`."""
    register_secrets(_plain_secrets(url) for url in urls)
    apprise = _apprise()
    services = []
    for position, url in enumerate(urls, 1):
        plugin = apprise.Apprise.instantiate(url)
        scheme = url.partition("://")[0] if "://" in url else ""
        if plugin is None:
            what = f"'{scheme}://...'" if scheme else "a text with no '://'"
            raise ConfigError(
                f"{place} urls: URL {position} ({what}) is not a URL Apprise can send to:"
                " see https://github.com/caronc/apprise/wiki for each service's form"
            )
        secrets = (*filter(None, [_plain_secrets(url)]), *_masked_parts(plugin))
        register_secrets(secrets)
        services.append(Service(plugin.url(privacy=True).partition("?")[0], plugin, secrets))
    return services


def _plain_secrets(url: str) -> str | None:
    """The password of ``url``'s authority (``json://user:PASSWORD@host``), known without Apprise."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _masked_parts(plugin: Any) -> list[str]:
    """The parts of the service's URL that Apprise masks when it shows the URL (tokens,
    passwords, keys): those are its secrets, whatever the service calls them."""
    plain, private = plugin.url(privacy=False), plugin.url(privacy=True)
    return [
        unquote(plain_part)
        for plain_part, private_part in zip(_parts(plain), _parts(private), strict=False)
        if plain_part != private_part
    ]


def _parts(url: str) -> list[str]:
    """``url`` cut where a secret ends: its separators, and the query's ``&`` and ``=``."""
    for separator in ("://", "@", "?", "&", "="):
        url = url.replace(separator, "/")
    return url.split("/")


def send(services: list[Service], notification: Notification) -> list[Delivery]:
    """Send ``notification`` to every service (in parallel, within :data:`SEND_TIMEOUT`)."""
    apprise = _apprise()
    bundle = apprise.Apprise()
    for service in services:
        bundle.add(service.plugin)
    result = bundle.notify(
        body=notification.body,
        title=notification.title,
        notify_type=notification.kind,
        timeout=SEND_TIMEOUT,
    )
    # Each service's result, by the URL it was sent to as Apprise shows it (its order of
    # dispatch need not be the order of adding).
    answered: dict[str, list[Any]] = {}
    for outcome in result.results:
        answered.setdefault(outcome.url, []).append(outcome)
    deliveries = []
    for service in services:
        mine = answered.get(service.plugin.url(privacy=True), [])
        outcome = mine.pop(0) if mine else None
        delivered = outcome is not None and bool(outcome)
        deliveries.append(Delivery(service, None if delivered else _reason(outcome)))
    return deliveries


def _reason(outcome: Any) -> str:
    """Why a service's notification failed, in Apprise's last words on it."""
    if outcome is None:
        return "not sent"
    words = [entry.message for entry in outcome.logs() if entry.message]
    status = getattr(outcome.status, "name", str(outcome.status)).lower()
    if words:
        return " ".join(words[-1].split())
    return "no answer in time" if status == "timeout" else f"not delivered ({status})"
