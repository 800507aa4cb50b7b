"""Telling the configured services that a package ended, without ever holding it up.

The ``package_ended`` hook runs on the thread that ended the package; a service that takes
seconds to answer (or never does) must not keep that thread, so each notification is sent
on a thread of its own (bounded by :data:`.services.SEND_TIMEOUT`). A configuration problem
(a bad URL, Apprise not installed) is one warning, given once per process, not an
exception: the package ended well whatever the notifications do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from linkresolver.api import ConfigError, register_secrets

from .message import Notification, notification_for
from .services import Service, load_services, send
from .settings import read_settings, where

if TYPE_CHECKING:
    from linkresolver.api import Config

log = logging.getLogger("linkresolver")

_lock = threading.Lock()
#: Services by their URLs: Apprise parses each URL once per process.
_loaded: dict[tuple[str, ...], list[Service]] = {}
#: Warnings given already (a bad configuration is told once, not at every package).
_warned: set[str] = set()


def notify_ended(package: Mapping[str, Any], config: Config) -> threading.Thread | None:
    """Send the notification of ``package``'s ending when ``[notify]`` asks for it; the
    thread sending it (None when nothing is sent). Only the table is read here: Apprise
    (slow to import, first time) and the services are the thread's."""
    try:
        settings = read_settings(config)
    except ConfigError as exc:
        _warn_once(f"notifications are not sent: {exc}")
        return None
    if settings is None or package.get("state") not in settings.on:
        return None
    thread = threading.Thread(
        target=_notify,
        args=(settings.urls, where(config), notification_for(package)),
        name="notify",
        daemon=True,
    )
    thread.start()
    return thread


def _notify(urls: tuple[str, ...], place: str, notification: Notification) -> None:
    try:
        services = configured_services(urls, place)
    except ConfigError as exc:
        _warn_once(f"notifications are not sent: {exc}")
        return
    deliver(services, notification)


def configured_services(urls: tuple[str, ...], place: str) -> list[Service]:
    """The services of ``urls`` (parsed once). Raises :class:`ConfigError`."""
    with _lock:
        services = _loaded.get(urls)
        if services is None:
            services = _loaded[urls] = load_services(urls, place)
    register_secrets(secret for service in services for secret in service.secrets)  # (again: tests forget)
    return services


def deliver(services: list[Service], notification: Notification) -> bool:
    """Send ``notification``; each service that failed is one warning. True if all got it."""
    try:
        deliveries = send(services, notification)
    except Exception as exc:  # noqa: BLE001 (a notification must never take a thread down)
        log.warning("notifications could not be sent: %s: %s", type(exc).__name__, exc)
        return False
    for delivery in deliveries:
        if delivery.problem is not None:
            log.warning("notification to %s failed: %s", delivery.service.shown, delivery.problem)
    return all(delivery.problem is None for delivery in deliveries)


def _warn_once(message: str) -> None:
    with _lock:
        if message in _warned:
            return
        _warned.add(message)
    log.warning("%s", message)
