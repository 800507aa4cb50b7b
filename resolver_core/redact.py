"""Keeping secrets out of every sink: log records, exception messages, reprs, traces.

Keys and passwords are registered once, when the configuration is loaded; every place
that turns text into output (the logging formatter, the HTTP error boundary, the CLI's
error printer) passes it through :func:`redact`. Values are matched as they are and in
their URL-encoded forms, and the values of query parameters named like secrets are masked
whatever they hold, since urllib3 puts whole URLs, query included, into its exceptions.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, quote_plus

MASK: Final = "***"
#: Query parameters whose value is a secret whatever it is (pm-api sends params[pass]).
_SECRET_PARAM: Final = re.compile(
    r"((?:^|[?&;\s])(?:params%5B|params\[)?(?:pass|password|key|api_key|apikey|pin|token)(?:%5D|\])?=)[^&#\s'\"]*",
    re.IGNORECASE,
)
# Secrets shorter than this are not masked by value: masking "1" everywhere would garble
# output without protecting anything worth it.
_MIN_SECRET_LENGTH: Final = 3

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()


def register_secrets(values: Iterable[str | None]) -> None:
    """Add values that must never be shown (keys, passwords, PINs, session cookies)."""
    global _secrets  # noqa: PLW0603 (one registry for the process: every sink must see it)
    forms = set(_secrets)
    for value in values:
        if value and len(value) >= _MIN_SECRET_LENGTH:
            forms.update({value, quote(value, safe=""), quote_plus(value)})
    with _lock:
        _secrets = tuple(sorted(forms, key=len, reverse=True))  # longest first


def clear_secrets() -> None:
    """Forget every registered secret (tests)."""
    global _secrets  # noqa: PLW0603
    with _lock:
        _secrets = ()


def redact(text: str) -> str:
    """``text`` with every registered secret and every secret-named query value masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return _SECRET_PARAM.sub(rf"\1{MASK}", text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message, arguments, traceback) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
