"""The Provider abstract class, and the context the core hands to every provider call.

A provider turns a hoster link into a direct link through one service. It never sleeps,
prompts or prints by itself: waiting, captchas, HTTP and caching come from the
:class:`ResolveContext`, so the core can overlap waits, show progress and keep secrets out
of output.
"""

from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar, Final, TypeVar

import requests
import urllib3

from . import deadline
from .budget import DEFAULT_BURST, DEFAULT_RATE
from .config import ProviderSettings
from .errors import CaptchaWrong, Interrupted, ResolverError
from .models import (
    AccountInfo,
    CaptchaChallenge,
    DownloadLimits,
    LinkState,
    LinkStatus,
    ProviderKind,
    ResolvedLink,
    Wait,
)
from .redact import redact
from .retrying import SHORT_REST

if TYPE_CHECKING:
    from .cache import HosterListCache

log = logging.getLogger("linkresolver")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class HosterSpec:
    """One hoster a provider serves: its name, its URL patterns, its domains."""

    name: str
    patterns: tuple[str, ...]
    domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HosterTerms:
    """What a provider says about one of its hosters right now: whether it is up, what one
    link of it costs, and its terms in its own words. Each is None when its API does not say.

    Among providers of equal standing the pipeline tries first one that does not say the
    hoster is down, then the cheapest, then one that says it is up
    (:func:`resolver_core.terms.preference`); ``linkresolver hosts`` shows them.
    """

    #: Whether the provider can fetch links of this hoster now; None: its API does not say.
    up: bool | None = None
    #: What one link costs, relative to the provider's ordinary link (1.0): a fair-use
    #: factor, a hoster counted double... None: not said (ranked as 1.0).
    cost: float | None = None
    #: The terms in the provider's words, for people: "fair use x2", "3 of 25 links left
    #: today", "in maintenance".
    terms: str | None = None

    def __post_init__(self) -> None:
        if self.cost is not None and not (math.isfinite(self.cost) and self.cost >= 0):
            raise ValueError(f"a hoster's cost must be a number from 0 up, not {self.cost!r}")


#: What to do when a captcha cannot be answered.
CAPTCHA_HELP: Final = (
    "pass --captcha-command CMD (or set captcha_command in the configuration), "
    "run on a terminal to be asked, or install a captcha-solving plugin"
)


#: The password of the package whose link this thread resolves (:func:`lending_password`).
_package_password: contextvars.ContextVar[str | None] = contextvars.ContextVar("password", default=None)


def lending_password(password: str, call: Callable[[], _T]) -> _T:
    """``call()``, with ``password`` (a package's, as a forum post gave it) lent to every
    :class:`ResolveContext` made meanwhile on this thread: a link's every provider call gets
    it, and no other link's."""

    def lent() -> _T:
        _package_password.set(password)
        return call()

    return contextvars.copy_context().run(lent)


def lent_password() -> str | None:
    """The password :func:`lending_password` lends here, if any."""
    return _package_password.get()


@dataclass
class ResolveContext:
    """What the core lends a provider for one call.

    Waiting and captchas go through here so the core can overlap them: while a provider
    waits out a ticket or a person reads a captcha, the provider's concurrency slot is lent
    to other links (``slot``), so 50 links with a 10-second wait take about 10 seconds.
    """

    session: requests.Session
    cache: HosterListCache
    #: Answers a captcha (the ``solve_captcha`` hook, then the built-in solvers); None if nobody can.
    captcha_solver: Callable[[CaptchaChallenge], str | None]
    #: Set when the user interrupts: waits end early and the provider should stop.
    cancelled: threading.Event
    refresh_hosterlists: bool = False
    #: The provider's concurrency slot held by this call, lent out while it waits.
    slot: threading.Semaphore | None = None
    #: Where :meth:`report` goes: the core shows it (a terminal line, the web page, a log).
    reporter: Callable[[str], None] | None = None
    #: Where :meth:`report_wait` goes (the web page's countdown); without it, the reporter.
    wait_reporter: Callable[[Wait], None] | None = None
    #: The password the person gave for password-protected links (``--link-password``): a
    #: provider whose API takes one sends it with the link. A registered secret.
    link_password: str | None = None

    def report(self, message: str) -> None:
        """Tell the person how a long step goes ("downloading at Offcloud: 40%")."""
        if self.reporter is not None:
            self.reporter(message)
        else:
            log.info("%s", message)

    def report_wait(self, wait: Wait) -> None:
        """Tell the person of a wait about to be sat out (then :meth:`wait_until` it): an
        event with its end and its reason, which a page can count down."""
        if self.wait_reporter is not None:
            self.wait_reporter(wait)
        else:
            self.report(wait.for_person())

    def wait(self, seconds: float) -> None:
        """Wait ``seconds`` (a ticket's wait time); see :meth:`wait_until`."""
        self.wait_until(time.monotonic() + seconds)

    def wait_until(self, deadline: float) -> None:
        """Wait until ``time.monotonic()`` reaches ``deadline``, lending the provider's slot
        to other links meanwhile; raises :class:`Interrupted` when the run is interrupted."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        with self._lent():
            self.cancelled.wait(remaining)
        if self.cancelled.is_set():
            raise Interrupted("stopped: the run was interrupted", provider=None)

    def solve_captcha(self, challenge: CaptchaChallenge) -> str:
        """The answer to ``challenge``; the image is fetched here when the provider did not."""
        with self._lent():
            if challenge.image is None:
                challenge = fetch_captcha_image(self.session, challenge)
            answer = self.captcha_solver(challenge)
        if not answer:
            raise CaptchaWrong(
                f"needs a captcha answered and nobody can answer it: {CAPTCHA_HELP}",
                provider=challenge.provider,
                link=challenge.link,
            )
        return answer

    @contextmanager
    def _lent(self) -> Iterator[None]:
        if self.slot is None:
            yield
            return
        self.slot.release()
        try:
            yield
        finally:
            self.slot.acquire()


#: A captcha image larger than this is not a captcha.
MAX_CAPTCHA_BYTES: Final = 2 << 20


def fetch_captcha_image(session: requests.Session, challenge: CaptchaChallenge) -> CaptchaChallenge:
    """The challenge with its image bytes, or unchanged when the image cannot be had.

    Fetched under one deadline for the whole call, as an API call is: a server dripping the
    image a byte a second must not keep the link (and a person waiting to solve it) forever.
    """
    seconds = getattr(session, "default_timeout", 30.0)
    with deadline.api_call(seconds) as call:
        try:
            response = session.get(challenge.image_url, stream=True)
            response.raise_for_status()
            data = response.raw.read(MAX_CAPTCHA_BYTES + 1, decode_content=True)
        # The raw stream raises urllib3's own errors (a body cut short, a bad gzip), not requests'.
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            reason = f"no whole image within {seconds:g} s" if call.expired else redact(str(exc))
            log.warning("cannot fetch the captcha image: %s", reason)
            return challenge
        if call.expired:  # its socket was shut down: what was read may be cut short
            response.close()
            log.warning("cannot fetch the captcha image: no whole image within %g s", seconds)
            return challenge
    if len(data) > MAX_CAPTCHA_BYTES:
        log.warning("the captcha image is larger than %d bytes; not used", MAX_CAPTCHA_BYTES)
        return challenge
    return replace(challenge, image=data, content_type=response.headers.get("Content-Type"))


class Provider(ABC):
    """A service that resolves hoster links: subclass it in a plugin.

    Subclasses set :attr:`name` and :attr:`kind`, and take their
    :class:`~resolver_core.config.ProviderSettings` in the constructor.
    """

    name: ClassVar[str]
    kind: ClassVar[ProviderKind]
    #: Used when the configuration sets none: where the real service lived.
    default_api_base: ClassVar[str] = ""
    #: How many links of this provider the pipeline resolves at once (waits not counted).
    max_concurrency: ClassVar[int] = 8
    #: Whether :meth:`check` asks the service (a link checker), rather than saying "unknown".
    can_check: ClassVar[bool] = False
    #: How many links one :meth:`check` call gets at most.
    check_batch_size: ClassVar[int] = 50
    #: Whether :meth:`resolve` may wait (download tickets): the pipeline then keeps more
    #: links in flight, since a waiting link holds a thread but no concurrency slot.
    may_wait: ClassVar[bool] = False
    #: Whether :meth:`resolve` goes through the host's own download ticket (a wait, often a
    #: captcha): among providers of equal priority, routes that answer in one call go first,
    #: as a download manager uses a premium account before a free download.
    ticket_flow: ClassVar[bool] = False
    #: API calls a second when the configuration sets none (``requests_per_second``).
    default_requests_per_second: ClassVar[float] = DEFAULT_RATE
    #: The longest rest (seconds) the service may ask for that is waited out rather than the
    #: link sent to the next provider (or failed when none serves it). A service whose
    #: documented per-minute limits ask for up to a minute raises it to 60.
    longest_rest_waited: ClassVar[float] = SHORT_REST
    #: API calls one link usually costs (a batch's plan, :mod:`resolver_core.planning`): 1
    #: for a single unrestrict call; more for flows (a ticket and its link, a transfer
    #: created, polled and fetched).
    calls_per_link: ClassVar[float] = 1.0
    #: API calls at once after a quiet spell. A service that counts calls per minute allows
    #: at most ``burst + 60 * rate`` in any minute: keep the two within its limit.
    request_burst: ClassVar[int] = DEFAULT_BURST
    #: How long (seconds) a direct link of this provider is handed out again without asking
    #: the service (:mod:`resolver_core.linkcache`), when the link does not say its own
    #: ``valid_until``: an hour, well within the few hours debrid links last. 0 means never:
    #: for links bound to one download (a file host's ticket link), which a second download
    #: could not use.
    direct_link_lifetime: ClassVar[float] = 3600.0

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @property
    def priority(self) -> int:
        """Lower tries first."""
        return self.settings.priority

    @property
    def requests_per_second(self) -> float:
        """API calls a second at most, 0 for no limit (see :mod:`resolver_core.budget`)."""
        rate = self.settings.requests_per_second
        return self.default_requests_per_second if rate is None else rate

    @property
    def api_base(self) -> str:
        return self.settings.api_base or self.default_api_base

    @abstractmethod
    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        """The hosters this provider serves (fetched and cached for debrid services)."""

    @abstractmethod
    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        """A direct link for ``url`` (of ``hoster``), or a :class:`ResolverError`."""

    @property
    def enabled(self) -> bool:
        """Whether the provider is used when no ``--provider`` names it: as configured, or
        when it has credentials."""
        return self.settings.is_enabled

    def hoster_terms(self, ctx: ResolveContext) -> Mapping[str, HosterTerms]:
        """What the provider says now about its hosters (up or down, cost, terms), by hoster
        name as :meth:`hosters` names them; hosters it says nothing about are left out. The
        default says nothing.

        The core asks when providers of equal standing serve a link, and for ``hosts``: once,
        then again when what it got is a few minutes old
        (:data:`resolver_core.terms.TERMS_FRESH`), never once per link. It may call the API;
        keep what was learned (a status list is fresh for minutes, a hoster list's costs for
        as long as the list), so that the checks :meth:`resolve` makes use the same answer.
        A :class:`ResolverError` raised here means "unknown", not a failure.
        """
        return {}

    def checks(self, hoster: str) -> bool:
        """Whether :meth:`check` asks the service about this hoster's links."""
        return self.can_check

    def claims(self, url: str) -> str | None:
        """A hoster name when this provider serves ``url`` beyond its hoster patterns (any
        link at all, magnets), else None. Must be cheap: it is asked of every link."""
        return None

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | ResolverError]:
        """What the provider can tell about ``urls`` without resolving them, one entry per
        URL in order: a status, or the error that concerns that link alone. An error that
        concerns the whole call is raised.

        The default says "unknown": a debrid service can serve a link but is asked not to
        be used as a link checker (seed 002).
        """
        return [LinkStatus(url, LinkState.UNKNOWN, self.name, hoster) for url in urls]

    def download_limits(self, hoster: str) -> DownloadLimits:
        """How a direct link of this hoster may be downloaded; the default: no limits."""
        return DownloadLimits()

    def account(self, ctx: ResolveContext) -> AccountInfo | None:
        """The account's state, or None when the provider has no account API."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} priority={self.priority}>"
