"""Keeping secrets out of every sink: log records, exception messages, reprs, traces.

Keys and passwords are registered when the configuration is loaded (``load_config``); every place
that turns text into output (the logging formatter, the HTTP error boundary, the CLI's
error printer, human and JSON output, cache files) passes it through :func:`redact`. Values
are matched as they are, URL-encoded, and hex- and base64-encoded (:func:`encodings`), and the
values of query parameters named like secrets are masked whatever they hold, since urllib3
puts whole URLs, query included, into its exceptions.

Log records are redacted where they are made, too (:func:`protect_loggers`, from the moment
this module is imported): urllib3 logs every request's URL at debug level, and a program that
embeds linkresolver (pyLoad, yt-dlp, a test run) may send those records to handlers of its
own that redact nothing.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
#: An encoded form shorter than this is not masked: four base64 characters occur by chance.
_MIN_ENCODED_LENGTH: Final = 6

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()


def register_secrets(values: Iterable[str | None]) -> None:
    """Add values that must never be shown (keys, passwords, PINs, session cookies)."""
    global _secrets  # noqa: PLW0603 (one registry for the process: every sink must see it)
    added: set[str] = set()
    for value in values:
        if value and len(value) >= _MIN_SECRET_LENGTH:
            added.update({value, quote(value, safe=""), quote_plus(value), *encodings(value)})
    with _lock:  # read and written under one lock: two threads registering lose nothing
        _secrets = tuple(sorted({*_secrets, *added}, key=len, reverse=True))  # longest first
    protect_loggers()


def encodings(secret: str) -> set[str]:
    """The simple encodings a provider might echo ``secret`` in: hex (both cases), and base64
    (standard and URL-safe) at each of the three alignments it can have inside a longer
    base64 text (an ``Authorization: Basic`` value holds ``login:key``), each without the
    characters that depend on the bytes around it."""
    data = secret.encode("utf-8", "surrogatepass")
    # The hex of a short secret could turn up inside a sha1 by chance: 12 digits at least.
    found = {data.hex(), data.hex().upper()} if len(data) >= 6 else set()
    for offset in range(3):
        # Character i of the encoding covers bits 6i..6i+5 of the stream; the secret holds
        # bits 8*offset..8*(offset+len)-1: the characters inside those are the secret's alone.
        first = -(-8 * offset // 6)
        last = (8 * (offset + len(data)) - 6) // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            inner = encode(b"\0" * offset + data).decode("ascii")[first : last + 1]
            if len(inner) >= _MIN_ENCODED_LENGTH:
                found.add(inner)
    return found


def clear_secrets() -> None:
    """Forget every registered secret (tests)."""
    global _secrets  # noqa: PLW0603
    with _lock:
        _secrets = ()


@contextmanager
def secrets_registered_inside_forgotten() -> Iterator[None]:
    """Forget at the end what was registered inside (tests: each test starts with the
    registry it had before it, whichever tests ran earlier in the same process)."""
    global _secrets  # noqa: PLW0603
    kept = _secrets
    try:
        yield
    finally:
        with _lock:
            _secrets = kept


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


#: Loggers whose records may carry a secret: linkresolver's own, and those that log URLs
#: (urllib3: requests, retries, redirects; werkzeug: request lines). A filter applies to the
#: records of the logger it is on only, so urllib3's modules are named one by one.
PROTECTED_LOGGERS: Final = (
    "linkresolver",
    "linkresolver.http",
    "linkresolver.sandbox",
    "hostermatch",
    "urllib3",
    "urllib3.connection",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "werkzeug",
)


class RedactingFilter(logging.Filter):
    """Redacts a record in place (message, traceback, stack), so that every handler the
    record reaches, whoever installed it, gets it without secrets. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a bad format is the handler's to report, not ours)
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            text = _plain.formatException(record.exc_info)
            masked = redact(text)
            if masked != text:
                record.exc_text = masked  # formatters print it instead of formatting exc_info
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_plain = logging.Formatter()
_filter = RedactingFilter()


def protect_loggers() -> None:
    """Put :class:`RedactingFilter` on every logger that may carry a secret (once)."""
    for name in PROTECTED_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)


# From the start: a process may send a key in a URL (a client used directly, the sandbox's
# own callers) before it registers any secret; secret-named parameters are masked anyway.
protect_loggers()
