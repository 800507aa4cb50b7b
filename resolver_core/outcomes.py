"""How links ended: the outcome of resolving one (:class:`Outcome`) and of checking one
(:class:`CheckOutcome`), as the pipeline returns them and every output reads them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import errors
from .models import LinkStatus, ResolvedLink


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
        link = self.link
        return {
            "input": self.input,
            "status": self.status,
            "provider": self.provider,
            "hoster": self.hoster,
            "url": link.url if link else None,
            "filename": link.filename if link else None,
            "size": link.size if link else None,
            "sha1": link.sha1 if link else None,
            "error": self.error.for_person() if self.error else None,
            "code": self.error.code if self.error else None,
            "files": [{"url": file.url, "filename": file.filename, "size": file.size} for file in link.files]
            if link
            else [],
        }


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
        info = self.info
        return {
            "input": self.input,
            "status": self.status,
            "provider": self.provider,
            "hoster": self.hoster,
            "filename": info.filename if info else None,
            "size": info.size if info else None,
            "sha1": info.sha1 if info else None,
            "cached": info.cached if info else None,
            "error": self.error.for_person() if self.error else None,
            "code": self.error.code if self.error else None,
        }
