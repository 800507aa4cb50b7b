"""How links ended: the outcome of resolving one (:class:`Outcome`) and of checking one
(:class:`CheckOutcome`), as the pipeline returns them and every output reads them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import errors
from .models import LinkStatus, ResolvedLink
from .records import check_record, outcome_record


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one input link ended."""

    input: str
    status: str  # "ok" | "error" | "unsupported"
    link: ResolvedLink | None = None
    error: errors.ResolverError | None = None
    provider: str | None = None
    hoster: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON Lines object of ``resolve --json`` (DESIGN.md): every field, null if unknown."""
        return {**outcome_record(self)}


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What ``check`` learned about one input link."""

    input: str
    status: str  # online | offline | legal | unknown | error | unsupported
    provider: str | None = None
    hoster: str | None = None
    info: LinkStatus | None = None
    error: errors.ResolverError | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON Lines object of ``check --json`` (DESIGN.md)."""
        return {**check_record(self)}
