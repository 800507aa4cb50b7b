"""Offcloud credentials: the API key, or a stored login session (never the password).

``linkresolver offcloud login`` logs in once with the e-mail and password, then keeps the
``connect.sid`` session and the account's API key (fetched with ``key``) in
``offcloud-session.json`` beside the configuration file, readable by the user only. Later
runs authenticate with what is stored; with nothing stored and a password configured, they
log in themselves and store the session the same way.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import requests

from linkresolver.api import Config, ProviderSettings, default_config_path, errors, register_secrets

from .client import OffcloudClient

log = logging.getLogger("linkresolver")
SESSION_FILE: Final = "offcloud-session.json"


@dataclass(frozen=True, slots=True)
class StoredSession:
    email: str | None
    session: str | None
    api_key: str | None


def session_path(config: Config) -> Path:
    """Where the session is kept: beside the configuration file in use."""
    base = config.path if config.path is not None else default_config_path()
    return base.parent / SESSION_FILE


def load_session(path: Path) -> StoredSession | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s cannot be read (%s); log in again with `linkresolver offcloud login`", path, exc)
        return None
    if not isinstance(data, dict):
        return None
    stored = StoredSession(
        email=data.get("email") if isinstance(data.get("email"), str) else None,
        session=data.get("session") if isinstance(data.get("session"), str) else None,
        api_key=data.get("api_key") if isinstance(data.get("api_key"), str) else None,
    )
    register_secrets([secret for secret in (stored.session, stored.api_key) if secret])
    return stored


def save_session(path: Path, stored: StoredSession) -> None:
    """Write the session atomically, mode 600 from the start (it stands for the password)."""
    register_secrets([secret for secret in (stored.session, stored.api_key) if secret])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a config dir made here is private
    handle, temporary = tempfile.mkstemp(prefix=".offcloud-session-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"email": stored.email, "session": stored.session, "api_key": stored.api_key}, file)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def authenticated_client(
    http: requests.Session, settings: ProviderSettings, api_base: str, stored_at: Path | None
) -> OffcloudClient:
    """A client with the best credentials there are: the configured key, then a stored
    session (its key, else its cookie), then a login with the configured password (whose
    session is then stored). None of them: :class:`AuthFailed` saying what to configure."""
    if settings.key:
        return OffcloudClient(http, api_base, key=settings.key)
    stored = load_session(stored_at) if stored_at is not None else None
    if stored is not None and (stored.api_key or stored.session):
        return OffcloudClient(http, api_base, key=stored.api_key, session_cookie=stored.session)
    if settings.login and settings.password:
        return login_and_store(http, settings.login, settings.password, api_base, stored_at)
    raise errors.AuthFailed(
        "has no credentials: set key in [providers.offcloud] (or LINKRESOLVER_OFFCLOUD_KEY), or log in"
        " once with `linkresolver offcloud login`",
        provider="offcloud",
    )


def login_and_store(
    http: requests.Session, username: str, password: str, api_base: str, stored_at: Path | None
) -> OffcloudClient:
    """Log in, fetch the account's API key, and keep both at ``stored_at`` (when given)."""
    register_secrets([password])
    client = OffcloudClient(http, api_base)
    login = client.login(username, password)
    try:
        email, api_key = client.api_key()
    except errors.ResolverError as exc:
        if exc.fatal:
            raise
        log.info("the session works, but its API key could not be had: %s", exc.for_person())
        email, api_key = login.email, None
    if stored_at is not None:
        save_session(stored_at, StoredSession(email or login.email, login.session, api_key))
    return OffcloudClient(http, api_base, key=api_key, session_cookie=login.session)
