"""One hoster pattern, compiled lazily for the engine that runs it safely and cheaply.

Compiling is the expensive part of a pattern (tens of microseconds in each engine), and a
debrid hoster list has thousands of patterns of which a session touches a few: so nothing is
compiled until a URL of the pattern's host arrives. The engine is chosen at the same moment
(:func:`hostermatch.analysis.choose_engine`).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

import re2
import regex

from .parsing import PatternError
from .safety import Engine, choose_engine, without_lookarounds

log = logging.getLogger("hostermatch")

#: Seconds one look-around pattern may take on one URL before it counts as "no match".
REGEX_TIMEOUT: Final = 0.05
#: URLs longer than this never run on Python's ``re``, not even with "safe" patterns: the
#: analysis bounds the degree of backtracking, and this bounds the text it works on. Real
#: links are far shorter (seed 002: "below the 2083 byte mark"; typically under 200).
FAST_URL_LIMIT: Final = 512
#: Memory RE2 may use per compiled pattern or set; RE2 fails cleanly above it.
RE2_MAX_MEM: Final = 64 << 20


def re2_options(flags: int = 0) -> Any:
    """RE2 options matching Python's defaults for the given inline ``re`` flags."""
    options = re2.Options()
    options.log_errors = False  # our warnings name the hoster; RE2's stderr lines do not
    options.max_mem = RE2_MAX_MEM
    if flags & re.IGNORECASE:
        options.case_sensitive = False
    if flags & re.DOTALL:
        options.dot_nl = True
    return options


class CompiledPattern:
    """A pattern with its engine; compiled on first use, and compiled at most once."""

    __slots__ = ("_regex", "_search", "engine", "failure_reported", "flags", "prefilter", "source")

    def __init__(self, source: str, flags: int) -> None:
        self.source = source
        self.flags = flags
        self.engine: Engine | None = None
        self._search: Any = None
        self._regex: Any = None
        #: For look-around patterns: the pattern without them, which RE2 can run in a set
        #: so that the exact (slow) engine only sees URLs that can match.
        self.prefilter: str | None = None
        #: Set once a failure to compile has been logged, so it is logged once, not per host.
        self.failure_reported = False

    def prepare(self) -> Engine:
        """Choose the engine and compile; raises :class:`PatternError` if no engine can run it."""
        if self.engine is not None:
            return self.engine
        engine = choose_engine(self.source)
        if engine is not Engine.REGEX:
            try:
                self._regex = re2.compile(self.source, re2_options(self.flags))
            except re2.error:
                engine = Engine.REGEX  # syntax RE2 lacks, like \Z: backtracker with a timeout
                self._regex = None
        if engine is Engine.REGEX:
            try:
                self._regex = regex.compile(self.source)
            except (regex.error, RecursionError, OverflowError) as exc:
                raise PatternError(f"pattern does not compile: {exc}") from exc
            self._search = self._regex.search
            self.prefilter = _re2_prefilter(self.source, self.flags)
        elif engine is Engine.RE:
            self._search = re.compile(self.source).search
        else:
            self._search = self._regex.search
        self.engine = engine
        return engine

    def search(self, url: str) -> Any:
        """The engine's match object for ``url``, or None. Needs :meth:`prepare` first.

        Python's ``re`` runs only on URLs short enough for its proven bound; longer ones go
        to RE2. A look-around pattern that exceeds its timeout counts as not matching.
        """
        if self.engine is Engine.RE and len(url) > FAST_URL_LIMIT:
            return self._regex.search(url)
        if self.engine is Engine.REGEX:
            try:
                return self._search(url, timeout=REGEX_TIMEOUT)
            except TimeoutError:
                log.warning("pattern %r timed out on a %d-character URL", self.source[:80], len(url))
                return None
        return self._search(url)

    def search_within(self, url: str, seconds: float) -> tuple[Any, bool]:
        """For ``regex`` patterns: ``(match or None, timed out)`` within ``seconds``.

        Unlike :meth:`search`, a timeout is not logged here: the caller spends a budget
        over many patterns and says once, per hoster list, what it gave up on.
        """
        try:
            return self._search(url, timeout=seconds), False
        except TimeoutError:
            return None, True

    @property
    def re_search(self) -> Any:
        """The bound ``re`` search itself, for callers that keep URLs under
        :data:`FAST_URL_LIMIT` (it skips the checks :meth:`search` makes on every call)."""
        assert self.engine is Engine.RE, "only patterns proven safe for re have one"
        return self._search


def _re2_prefilter(source: str, flags: int) -> str | None:
    relaxed = without_lookarounds(source)
    if relaxed is None:
        return None
    try:
        re2.compile(relaxed, re2_options(flags))
    except re2.error:
        return None
    return relaxed


def groups_of(match: Any) -> tuple[tuple[str | None, ...], dict[str, str | None]]:
    """Positional and named groups of an ``re``, ``regex`` or ``re2`` match object."""
    if match is None:
        return (), {}
    return tuple(match.groups()), dict(match.groupdict())
