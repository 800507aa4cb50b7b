"""The Premiumize provider: a debrid service that serves every hoster of its hoster list.

Two APIs, chosen by the table (:func:`uses_current_api`): a ``key`` (the API key) and no
``login`` uses the current API (:mod:`.current_provider`: links, cached torrents and cloud
transfers); a ``login`` (customer id) with the ``key`` (PIN) keeps the legacy pm-api, as an
``api_base`` that points at pm-api's ``v1.php`` does. ``api_base`` applies to the API chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from linkresolver.api import (
    AccountInfo,
    DownloadLimits,
    HosterSpec,
    LinkStatus,
    Provider,
    ProviderKind,
    ResolveContext,
    ResolvedLink,
    errors,
)

from .client import PROVIDER, PremiumizeClient
from .current_client import CACHE_BATCH
from .current_client import DEFAULT_API_BASE as CURRENT_API_BASE
from .current_provider import CurrentApi
from .hosterlist import ConnectionSettings, HosterList

LEGACY_API_BASE: Final = "https://api.premiumize.me/pm-api/v1.php"


def uses_current_api(settings: Any) -> bool:
    """Whether the table selects the current API: no login, and no api_base of pm-api's
    (``.../v1.php``: a table pointed at the legacy API that lacks its customer id is told so)."""
    if settings.login:
        return False
    base = settings.api_base or ""
    return not urlsplit(base).path.lower().endswith(".php")


class PremiumizeProvider(Provider):
    """Legacy: login is the customer id, the key is the account PIN (seed 002). Current: the
    key is the API key (or, later, an OAuth access token: :meth:`current_api_token`)."""

    name = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = LEGACY_API_BASE
    max_concurrency = 8
    check_batch_size = CACHE_BATCH

    def __new__(cls, settings: Any) -> PremiumizeProvider:
        # The core tells the providers that claim links beyond their patterns (magnets) by
        # their class overriding ``claims``: a table of the current API makes the subclass
        # that does (``PremiumizeProvider(settings)`` gives it, as pathlib.Path gives its own).
        current = cls is PremiumizeProvider and uses_current_api(settings)
        return super().__new__(PremiumizeCurrentProvider if current else cls)

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        #: Per hoster, from the last hoster list: what downloads may do (connections, resume).
        self.connection_settings: dict[str, ConnectionSettings] = {}
        #: The current API's side, when the table selects it; None: the legacy pm-api.
        self.current: CurrentApi | None = None
        if uses_current_api(settings):
            self.current = CurrentApi(settings.api_base or CURRENT_API_BASE, self.current_api_token())

    @property
    def api_base(self) -> str:
        if self.current is not None:
            return self.current.api_base
        return self.settings.api_base or self.default_api_base

    @property
    def may_wait(self) -> bool:  # type: ignore[override]
        """The current API's cloud transfers are polled through ctx.wait_until."""
        return self.current is not None

    def current_api_token(self) -> str | None:
        """The credential the current API is called with: the configured API key. The API
        takes an OAuth access token the same way (``Authorization: Bearer``); a token stored
        by a device login goes here, ahead of the key."""
        return self.settings.key or None

    def client(self, ctx: ResolveContext) -> PremiumizeClient:
        login, pin = self.settings.login, self.settings.key or self.settings.password
        if not login or not pin:
            raise errors.AuthFailed("has no login (customer id) and key (PIN) configured", provider=self.name)
        return PremiumizeClient(ctx.session, self.api_base, login, pin)

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        if self.current is not None:
            return self.current.hosters(ctx)
        # The client (which needs the credentials) only when the list is fetched: a cached
        # list tells which links are Premiumize's even when the credentials come later, from
        # yt-dlp's --username/--password or --netrc (resolver_core.ytdlp_claims). The cache
        # keeps the list as read (trimmed, with its patterns' analyses): the next run reads
        # it back without parsing every pattern again.
        raw = ctx.cache.get(
            self.name,
            lambda: HosterList.from_result(self.client(ctx).hoster_list()).stored(),
            refresh=ctx.refresh_hosterlists,
            valid=_looks_like_hosterlist,
        )
        hosterlist = HosterList.from_result(raw)
        self.connection_settings = hosterlist.connection_settings
        return [HosterSpec(name, h.regexes, h.tlds) for name, h in hosterlist.hosters.items()]

    def checks(self, hoster: str) -> bool:
        return self.current is not None  # cache/check; the pm-api asks not to be a link checker

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        if self.current is not None:
            return self.current.check(urls, hoster, ctx)
        return super().check(urls, hoster, ctx)

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        if self.current is not None:
            return self.current.resolve(url, hoster, ctx)
        direct = self.client(ctx).direct_download_link(url)
        return ResolvedLink(
            input=url,
            url=direct.location,
            provider=self.name,
            hoster=hoster,
            filename=direct.filename,
            size=direct.filesize,
        )

    def download_limits(self, hoster: str) -> DownloadLimits:
        """The hoster list's connection_settings: connections per file, and resuming."""
        settings = self.connection_settings.get(hoster)
        if settings is None:
            return DownloadLimits()
        return DownloadLimits(settings.max_connections_per_file, settings.resume is not False)

    def account(self, ctx: ResolveContext) -> AccountInfo:
        if self.current is not None:
            return self.current.account(ctx)
        status = self.client(ctx).account_status()
        return AccountInfo(
            provider=self.name,
            login=status.account_name or self.settings.login,
            type=status.type,
            can_download=status.can_download,
            expires=status.expires,
            fair_use_left=status.fairuse_left,
        )


class PremiumizeCurrentProvider(PremiumizeProvider):
    """Premiumize through its current API: it also serves magnets (its cache and cloud)."""

    def claims(self, url: str) -> str | None:
        return self.current.claims(url) if self.current is not None else None


def _looks_like_hosterlist(result: dict[str, Any]) -> bool:
    """A list worth caching names at least one hoster with at least one regex."""
    return bool(HosterList.from_result(result).hosters)
