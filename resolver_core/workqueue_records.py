"""A worker's result as plain JSON, and back: how one link ended on another machine.

``linkresolver worker`` resolves a link and hands serve an :class:`~.outcomes.Outcome`
through Redis, so the outcome must survive the trip as it was: a resolved link with every
field (the link cache's record, :func:`.linkcache.record_of`, already holds them all), and
an error as an instance of its own class, with its message, code, provider and advice, so
that the page, the exports and the exit codes treat it exactly as a link resolved here.

An error's class is looked up among the :class:`~.errors.ResolverError` subclasses already
loaded in this process (never imported by a name that arrived over the network); a class
this process does not know, or one that cannot be rebuilt to say the same words, becomes a
:class:`RemoteError` that keeps its ``kind`` and its words. A result that cannot be read
at all is an error of its link, never an exception.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Final

from . import errors
from .errors import ResolverError
from .linkcache import CachedLink, cached_of, record_of
from .outcomes import Outcome

#: The format of a result; a result of another format is read as a failure of its link.
RESULT_VERSION: Final = 1
#: The attributes every error has; others of simple types (a store's address) go along too.
_STANDARD: Final = frozenset({"message", "link", "provider", "code", "retry_after", "retry_after_given"})


class RemoteError(ResolverError):
    """An error a worker met whose class this process does not know: its kind and its
    words as the worker said them."""

    def __init__(self, shown: str, *, kind: str, link: str | None = None, code: int | None = None) -> None:
        super().__init__(shown, link=link, code=code)
        self.kind = kind

    def __str__(self) -> str:
        return self.message


def result_record(outcome: Outcome) -> dict[str, Any]:
    """``outcome`` as JSON-ready data (:func:`outcome_of` rebuilds it)."""
    link = outcome.link
    return {
        "v": RESULT_VERSION,
        "input": outcome.input,
        "status": outcome.status,
        "provider": outcome.provider,
        "hoster": outcome.hoster,
        "from_cache": outcome.from_cache,
        "account": outcome.account,
        "link": None
        if link is None
        else json.loads(
            record_of(
                CachedLink(
                    link,
                    outcome.provider or link.provider,
                    outcome.hoster or link.hoster,
                    link.valid_until or 0.0,
                    outcome.account,
                )
            )
        ),
        "error": None if outcome.error is None else error_record(outcome.error),
    }


def outcome_of(data: object, link: str) -> Outcome:
    """The outcome a worker sent for ``link`` (its input); a result that cannot be read is
    an error of the link saying so."""
    try:
        if not isinstance(data, dict) or data.get("v") != RESULT_VERSION:
            raise ValueError("another format")
        cached = None if data["link"] is None else cached_of(json.dumps(data["link"]))
        if data["link"] is not None and cached is None:
            raise ValueError("the resolved link cannot be read")
        error = None if data["error"] is None else error_of(data["error"])
        return Outcome(
            str(data["input"]),
            str(data["status"]),
            link=None if cached is None else cached.link,
            error=error,
            provider=_text(data["provider"]),
            hoster=_text(data["hoster"]),
            from_cache=bool(data["from_cache"]),
            account=_text(data["account"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        failed = ResolverError(
            "the worker's answer for this link cannot be read (another version?)", link=link
        )
        return Outcome(link, "error", error=failed)


def error_record(error: ResolverError) -> dict[str, Any]:
    """``error`` as data: its class, its fields, and its words as a person reads them."""
    cls = type(error)
    extra = {
        name: value
        for name, value in vars(error).items()
        if name not in _STANDARD and not name.startswith("_") and isinstance(value, str | int | float | bool)
    }
    failures = getattr(error, "failures", None)
    return {
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "kind": error.kind,
        "message": error.message,
        "link": error.link,
        "provider": error.provider,
        "code": error.code,
        "retry_after": error.retry_after,
        "retry_after_given": error.retry_after_given,
        "extra": extra,
        "failures": [error_record(failure) for failure in failures]
        if isinstance(error, errors.AllProvidersFailed) and failures
        else None,
        "shown": error.for_person(),
    }


def error_of(data: dict[str, Any]) -> ResolverError:
    """The error ``data`` describes, as an instance of its class when this process knows
    it and it says the same words rebuilt; else a :class:`RemoteError` saying them."""
    shown = str(data["shown"])
    code = None if data["code"] is None else int(data["code"])
    link = _text(data["link"])
    cls = _known_class(str(data["class"])) or _class_of_kind(str(data["kind"]))
    if cls is not None:
        with contextlib.suppress(Exception):  # whatever a class of a plugin's needs
            error = _rebuilt(cls, data, code, link)
            if error.for_person() == shown:
                return error
    return RemoteError(shown, kind=str(data["kind"]), link=link, code=code)


def _rebuilt(
    cls: type[ResolverError], data: dict[str, Any], code: int | None, link: str | None
) -> ResolverError:
    error = cls.__new__(cls)
    retry_after = data["retry_after"]
    ResolverError.__init__(
        error,
        str(data["message"]),
        link=link,
        provider=_text(data["provider"]),
        code=code,
        retry_after=None if retry_after is None else float(retry_after),
    )
    error.retry_after_given = bool(data["retry_after_given"])
    if retry_after is None:
        error.retry_after = None
    for name, value in dict(data["extra"]).items():
        if not str(name).startswith("_"):
            setattr(error, str(name), value)
    if isinstance(error, errors.AllProvidersFailed):
        error.failures = [error_of(failure) for failure in data["failures"] or []]
    return error


def _subclasses() -> list[type[ResolverError]]:
    """Every subclass of ResolverError loaded in this process, the base first."""
    found: list[type[ResolverError]] = [ResolverError]
    for cls in found:
        found.extend(sub for sub in cls.__subclasses__() if sub not in found)
    return found


def _known_class(name: str) -> type[ResolverError] | None:
    return next((cls for cls in _subclasses() if f"{cls.__module__}:{cls.__qualname__}" == name), None)


def _class_of_kind(kind: str) -> type[ResolverError] | None:
    """The error class of ``kind`` in :mod:`.errors` (a class of another version's name)."""
    return next(
        (cls for cls in _subclasses() if cls.__module__ == errors.__name__ and cls.kind == kind),
        None,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


__all__ = ["RESULT_VERSION", "RemoteError", "error_of", "error_record", "outcome_of", "result_record"]
