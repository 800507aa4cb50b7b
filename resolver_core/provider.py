"""The Provider abstract class, and the context the core hands to every provider call.

A provider turns a hoster link into a direct link through one service. It never sleeps,
prompts or prints by itself: waiting, captchas, HTTP and caching come from the
:class:`ResolveContext`, so the core can overlap waits, show progress and keep secrets out
of output.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import requests

from .config import ProviderSettings
from .errors import CaptchaWrong
from .models import AccountInfo, CaptchaChallenge, LinkState, LinkStatus, ProviderKind, ResolvedLink

if TYPE_CHECKING:
    from .cache import HosterListCache


@dataclass(frozen=True, slots=True)
class HosterSpec:
    """One hoster a provider serves: its name, its URL patterns, its domains."""

    name: str
    patterns: tuple[str, ...]
    domains: tuple[str, ...] = ()


@dataclass
class ResolveContext:
    """What the core lends a provider for one call."""

    session: requests.Session
    cache: HosterListCache
    #: Answers a captcha (the ``solve_captcha`` hook, then --captcha-command); None if nobody can.
    captcha_solver: Callable[[CaptchaChallenge], str | None]
    #: Set when the user interrupts: waits end early and the provider should stop.
    cancelled: threading.Event
    refresh_hosterlists: bool = False

    def wait(self, seconds: float) -> None:
        """Wait ``seconds`` (a ticket's wait time); returns early when cancelled."""
        if seconds > 0:
            self.cancelled.wait(seconds)

    def solve_captcha(self, challenge: CaptchaChallenge) -> str:
        answer = self.captcha_solver(challenge)
        if not answer:
            raise CaptchaWrong(
                "needs a captcha answered and no solver is configured (see --captcha-command)",
                provider=challenge.provider,
                link=challenge.link,
            )
        return answer


class Provider(ABC):
    """A service that resolves hoster links: subclass it in a plugin.

    Subclasses set :attr:`name` and :attr:`kind`, and take their
    :class:`~resolver_core.config.ProviderSettings` in the constructor.
    """

    name: ClassVar[str]
    kind: ClassVar[ProviderKind]
    #: Used when the configuration sets none: where the real service lived.
    default_api_base: ClassVar[str] = ""
    #: How many links of this provider the pipeline resolves at once.
    max_concurrency: ClassVar[int] = 8

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @property
    def priority(self) -> int:
        """Lower tries first."""
        return self.settings.priority

    @property
    def api_base(self) -> str:
        return self.settings.api_base or self.default_api_base

    @abstractmethod
    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        """The hosters this provider serves (fetched and cached for debrid services)."""

    @abstractmethod
    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        """A direct link for ``url`` (of ``hoster``), or a :class:`ResolverError`."""

    def check(self, urls: Sequence[str], hoster: str, ctx: ResolveContext) -> list[LinkStatus]:
        """What the provider can tell about ``urls`` without resolving them.

        The default says "unknown": a debrid service can serve a link but is asked not to
        be used as a link checker (seed 002).
        """
        return [LinkStatus(url, LinkState.UNKNOWN, self.name, hoster) for url in urls]

    def account(self, ctx: ResolveContext) -> AccountInfo | None:
        """The account's state, or None when the provider has no account API."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} priority={self.priority}>"
