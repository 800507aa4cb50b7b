"""The accounts of a provider's table: ``[[providers.NAME.accounts]]``.

A provider may hold several accounts of one service, each with its own credentials, label
and priority; each is a budget of its own (its rate-limit bucket, its rests), and the
pipeline picks one per link (:mod:`.accounts`). Kept apart from :mod:`.config` so that the
reading of the file stays small enough to read; it needs nothing of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .errors import ConfigError

#: What a label may be: it goes into keys (``realdebrid/home``) and onto the command line.
LABEL: Final = re.compile(r"[A-Za-z0-9_.-]{1,32}")
#: An account's priority when it gives none: equal ones keep the file's order.
DEFAULT_ACCOUNT_PRIORITY: Final = 50
_CREDENTIALS: Final = ("login", "key", "password")
#: Settings of the whole provider, which an account cannot have its own of.
_TABLE_ONLY: Final = ("api_base", "enabled", "requests_per_second", "accounts")


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One ``[[providers.NAME.accounts]]`` entry: its own credentials, label and priority."""

    #: How the account is named (``realdebrid/home``); None only when it is the only one.
    label: str | None
    login: str | None = None
    key: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    #: Lower is tried first among the provider's accounts (ties: file order).
    priority: int = DEFAULT_ACCOUNT_PRIORITY
    #: A plugin's own keys, set for this account (over the provider table's).
    extra: Mapping[str, Any] = field(default_factory=dict)


def accounts_from(table: Mapping[str, Any], where: str) -> tuple[AccountSettings, ...]:
    """The accounts of a provider's ``table``, best first (priority, then file order).

    ``where`` names the table in messages (``config.toml: [providers.realdebrid]``). Raises
    :class:`ConfigError` for anything a person must fix, naming the account and the key.
    """
    entries = table["accounts"]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError(f"{where}: 'accounts' must be a list of [[accounts]] tables, each with its key")
    if not entries:
        raise ConfigError(f"{where}: 'accounts' is empty; list at least one account, or leave it out")
    own = [key for key in _CREDENTIALS if key in table]
    if own:
        raise ConfigError(
            f"{where}: has its own {', '.join(repr(key) for key in own)} and 'accounts' too;"
            " put the credentials into each account"
        )
    accounts = [
        _account(entry, f"{where}: account {number}", len(entries) > 1)
        for number, entry in enumerate(entries, start=1)
    ]
    seen: set[str] = set()
    for account in accounts:
        if account.label is not None:
            if account.label in seen:
                raise ConfigError(f"{where}: the label {account.label!r} is given to two accounts")
            seen.add(account.label)
    order = {id(account): position for position, account in enumerate(accounts)}
    return tuple(sorted(accounts, key=lambda account: (account.priority, order[id(account)])))


def _account(entry: Mapping[str, Any], where: str, several: bool) -> AccountSettings:
    label = entry.get("label")
    if label is None:
        if several:
            raise ConfigError(f"{where} needs a 'label' (each of several accounts has one, such as \"home\")")
    elif not isinstance(label, str) or not LABEL.fullmatch(label):
        raise ConfigError(f"{where}: 'label' must be 1 to 32 letters, digits, '.', '_' or '-', not {label!r}")
    if label is not None:
        where = f"{where.rsplit(': ', 1)[0]}: account {label!r}"
    values: dict[str, Any] = {}
    for key in _CREDENTIALS:
        if key in entry:
            if not isinstance(entry[key], str):
                raise ConfigError(f"{where}: '{key}' must be a string")
            values[key] = entry[key]
    if "priority" in entry:
        priority = entry["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise ConfigError(f"{where}: 'priority' must be a whole number (lower is used first)")
        values["priority"] = priority
    if not (values.get("key") or values.get("password")):
        # A stored login (``linkresolver NAME login``) is one per provider: it serves the
        # single-account form only, so each account brings its own credentials.
        raise ConfigError(f"{where} has no 'key' (or 'password'); each account needs its own")
    for key in _TABLE_ONLY:
        if key in entry:
            raise ConfigError(f"{where}: '{key}' is a setting of the provider's table, not of an account")
    extra = {key: value for key, value in entry.items() if key not in {"label", "priority", *_CREDENTIALS}}
    return AccountSettings(label, extra=extra, **values)
