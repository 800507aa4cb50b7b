"""How links ended: the outcome of resolving one (:class:`Outcome`) and of checking one
(:class:`CheckOutcome`), as the pipeline returns them; :mod:`resolver_core.records` renders
them for every output (``records.outcome_json`` is the JSON Lines object)."""

from __future__ import annotations

from dataclasses import dataclass

from . import errors
from .models import LinkStatus, ResolvedLink


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one input link ended."""

    input: str
    status: str  # "ok" | "error" | "unsupported" | "mirror" (another mirror served the file)
    link: ResolvedLink | None = None
    error: errors.ResolverError | None = None
    provider: str | None = None
    hoster: str | None = None
    #: Whether the link came from the link cache (resolved a moment ago, no provider asked).
    from_cache: bool = False
    #: The label of the provider's account that served the link (None: its only account).
    account: str | None = None
    #: Of a mirror group (:mod:`resolver_core.mirrors`): the link that served the file, when
    #: this one was not needed ("mirror") or failed before it.
    mirror_of: str | None = None


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What ``check`` learned about one input link."""

    input: str
    status: str  # online | offline | legal | unknown | error | unsupported
    provider: str | None = None
    hoster: str | None = None
    info: LinkStatus | None = None
    error: errors.ResolverError | None = None
    #: For a magnet: the providers asked that have it in their cache (ready at once).
    cached_at: tuple[str, ...] = ()
