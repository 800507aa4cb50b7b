"""What the pyLoad plugins ask of linkresolver, kept here so it is typed and tested.

pyLoad's plugins (``plugins/pyload_plugins/``, installed by ``linkresolver pyload install``)
are thin: the downloader hands a link to :func:`resolve_for_pyload` and acts on the answer's
``kind``, which is one of pyLoad's own outcomes; the account plugin lists
:func:`hoster_domains` as the hosters it serves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from . import errors

if TYPE_CHECKING:
    from .pipeline import Resolver

#: pyLoad's outcomes: download, offline, temp. offline, retry later, captcha again, fail.
Kind = Literal["download", "offline", "temp_offline", "retry", "captcha", "fail"]


@dataclass(frozen=True, slots=True)
class PyLoadAnswer:
    kind: Kind
    message: str = ""
    url: str | None = None
    name: str | None = None
    size: int | None = None
    #: Seconds before a retry may help (for ``retry``).
    wait: int = 60


def outcome_of(error: errors.ResolverError) -> PyLoadAnswer:
    """The pyLoad outcome for a linkresolver error."""
    message = error.for_person()
    failures = error.failures if isinstance(error, errors.AllProvidersFailed) else [error]
    if any(isinstance(f, errors.FileOffline | errors.LegalUnavailable) for f in failures):
        return PyLoadAnswer("offline", message)
    if all(isinstance(f, errors.CaptchaWrong) for f in failures):
        return PyLoadAnswer("captcha", message)
    if all(isinstance(f, errors.HosterUnavailable) for f in failures):
        return PyLoadAnswer("temp_offline", message)
    if error.retry_after is not None:
        return PyLoadAnswer("retry", message, wait=max(1, int(error.retry_after)))
    return PyLoadAnswer("fail", message)


def resolve_for_pyload(url: str, make_resolver: Callable[[], Resolver] | None = None) -> PyLoadAnswer:
    """Resolve ``url`` with the user's configuration; the answer as a pyLoad outcome."""
    try:
        resolver = (make_resolver or _default_resolver)()
        outcome = resolver.resolve_many([url])[0]
    except errors.ResolverError as exc:
        return outcome_of(exc)
    if outcome.error is not None:
        return outcome_of(outcome.error)
    link = outcome.link
    if link is None:
        return PyLoadAnswer("fail", f"linkresolver: {outcome.status}")
    return PyLoadAnswer("download", url=link.url, name=link.filename, size=link.size)


def hoster_domains(make_resolver: Callable[[], Resolver] | None = None) -> list[str]:
    """Every domain linkresolver's enabled providers serve, for pyLoad's hoster list."""
    return sorted((make_resolver or _default_resolver)().index().domains())


def _default_resolver() -> Resolver:
    from .config import load_config  # noqa: PLC0415
    from .pipeline import Resolver  # noqa: PLC0415

    return Resolver(load_config())
