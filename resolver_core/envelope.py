"""Reading a provider's JSON answer: its ``{status, msg, result}`` envelope, and its words.

:mod:`.http` gets the answer (or the error for a call that got none) and parses its JSON;
what that JSON means is read here: the status code of the envelope, the object where an
object belongs, and a provider's own words made safe to show (no secrets, no terminal
control, a short quotation of anything that is not text). Nothing here does I/O or
imports ``requests``: the CLI's output uses :func:`printable` at ``--help`` time.
"""

from __future__ import annotations

import reprlib
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

from . import errors
from .redact import redact

#: The common meaning of each status code in an API envelope (seed 002's list, and the
#: Openload family's): error class and the words a person reads.
STATUS_ERRORS: Final[Mapping[int, tuple[type[errors.ResolverError], str]]] = {
    400: (errors.BadLink, "says this is not a valid link"),
    401: (errors.AuthFailed, "refused the login (wrong login or key)"),
    402: (errors.PaymentRequired, "can download this only with a premium account"),
    403: (errors.PermissionDenied, "refuses this download (forbidden)"),
    404: (errors.FileOffline, "says the file is offline (deleted at the hoster)"),
    428: (errors.HosterUnavailable, "cannot reach this hoster right now"),
    451: (errors.LegalUnavailable, "says the file is unavailable for legal reasons"),
    502: (errors.ProviderOutage, "had an unknown technical error, most likely at the hoster"),
    503: (errors.ProviderOutage, "is in maintenance or has a temporary technical error"),
    509: (errors.QuotaExhausted, "says the fair-use or bandwidth limit is exhausted"),
}


def unwrap_envelope(
    body: Any,
    *,
    provider: str,
    link: str | None = None,
    overrides: Mapping[int, tuple[type[errors.ResolverError], str]] | None = None,
) -> Any:
    """The ``result`` of a ``{status, msg|statusmessage, result}`` answer, or the right error.

    Only the status code decides ("use the status code in your code, not msg"); the
    provider's message is added for a person to read. Status may arrive as a number or as
    a string.
    """
    if not isinstance(body, dict):
        raise errors.ProviderOutage(
            f"answered {type(body).__name__}, not an object", provider=provider, link=link
        )
    status = _status_code(body.get("status"))
    if status == 200:
        return body.get("result")
    message = body.get("statusmessage") or body.get("msg") or ""
    said = f' (it said "{provider_words(message)}")' if message else ""
    if status is None:
        raise errors.ProviderOutage(f"answered without a status code{said}", provider=provider, link=link)
    known = (overrides or {}).get(status) or STATUS_ERRORS.get(status)
    if known is not None:
        error_class, words = known
    elif 500 <= status < 600:
        error_class, words = errors.ProviderOutage, "had a technical error"
    else:
        error_class, words = errors.ResolverError, "refused the request"
    raise error_class(f"{words}{said}", provider=provider, link=link, code=status)


#: Categories a provider's words lose: controls (escape sequences), format characters (bidi
#: overrides) and lone surrogates (JSON's "\\ud800" decodes to one, and printing it raises).
_UNPRINTABLE: Final = frozenset({"Cc", "Cf", "Cs"})


def printable(text: str) -> str:
    """``text`` without control and format characters (escape sequences, bidi overrides) or
    lone surrogates: a provider's words go to a terminal, and must not drive it, disguise
    themselves, or fail to encode."""
    return "".join(c for c in text if unicodedata.category(c) not in _UNPRINTABLE)


_SHORT: Final = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 80, 80
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = 4


def short_repr(value: Any) -> str:
    """A short quotation of an answer that is not text (a list, an object): it can be
    megabytes, or nested deeper than ``repr`` recurses, and a person reads the first words."""
    return _SHORT.repr(value)


def provider_words(value: Any, limit: int = 200) -> str:
    """What a service said, for a person: its text (a short form of anything else), with
    no secrets, and without control or format characters, which would drive a terminal or
    disguise the text (``\x1b[2J``, a right-to-left override); at most ``limit`` characters."""
    text = value if isinstance(value, str) else short_repr(value)
    return printable(redact(text)[: limit * 4])[:limit]


def expect_object(value: Any, what: str, provider: str, link: str | None = None) -> dict[str, Any]:
    """``value`` when it is a JSON object; an answer of another shape is the provider's fault."""
    if not isinstance(value, dict):
        raise errors.ProviderOutage(
            f"answered {what} with {type(value).__name__} where an object belongs",
            provider=provider,
            link=link,
        )
    return value


def _status_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    # ASCII digits only ("²".isdigit() is true), and no more than a status code has.
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return int(text)
    return None
