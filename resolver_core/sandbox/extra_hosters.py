"""Hosters an emulation lists beside its own few: real-sized hoster lists for tests and benchmarks.

An emulated service lists a handful of hosters, enough for its own tests; a real one lists a
few hundred, and what ``linkresolver hosts`` and the matcher do with several such lists at
once is what needs showing. A test or benchmark gives an emulation more hosters through
:attr:`Sandbox.extra_hosters <resolver_core.sandbox.server.Sandbox.extra_hosters>` (keyed
by the emulation's name in ``Sandbox.emulations``); each emulation renders them in its own
API's format, as the service writes its list, with the notations here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: A slash not already escaped.
_BARE_SLASH: Final = re.compile(r"(?<!\\)/")


@dataclass(frozen=True, slots=True)
class ExtraHoster:
    """One hoster of a list: its short name (``katfile``), its domains (the first is its
    main one), and one pattern of its links in Python's ``re`` syntax, slashes unescaped."""

    name: str
    domains: tuple[str, ...]
    pattern: str

    def escaped(self) -> str:
        """The pattern with its slashes escaped (``https?:\\/\\/...``), as PHP-minded APIs
        write patterns without delimiters."""
        return _BARE_SLASH.sub(r"\/", self.pattern)

    def delimited(self, flags: str = "") -> str:
        """The pattern as a PCRE literal: ``/https?:\\/\\/.../flags``."""
        return f"/{self.escaped()}/{flags}"
