"""The Premiumize provider: a debrid service that serves every hoster of its hoster list.

Two APIs, chosen by the table (:func:`premiumize_provider`): a ``key`` (the API key) and no
``login`` uses the current API (:mod:`.current_provider`: links, its torrent cache and cloud
transfers); a ``login`` (customer id) with the ``key`` (PIN) keeps the legacy pm-api, as an
``api_base`` that points at pm-api's ``v1.php`` does. ``api_base`` applies to the API chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from linkresolver.api import (
    AccountInfo,
    DownloadLimits,
    HosterSpec,
    Provider,
    ProviderKind,
    ProviderSettings,
    ResolveContext,
    ResolvedLink,
    errors,
)

from .client import PROVIDER, PremiumizeClient
from .current_provider import PremiumizeCurrentProvider
from .hosterlist import ConnectionSettings, HosterList


def premiumize_provider(settings: ProviderSettings) -> Provider:
    """The provider the table asks for: the current API's, unless the table has a login
    (the legacy customer id) or an ``api_base`` of pm-api's (``.../v1.php``: a table pointed
    at the legacy API that lacks its customer id is told so)."""
    return PremiumizeCurrentProvider(settings) if uses_current_api(settings) else PremiumizeProvider(settings)


def uses_current_api(settings: ProviderSettings) -> bool:
    if settings.login:
        return False
    return not urlsplit(settings.api_base or "").path.lower().endswith(".php")


class PremiumizeProvider(Provider):
    """The legacy pm-api: login is the customer id, the key is the account PIN (seed 002)."""

    name = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = "https://api.premiumize.me/pm-api/v1.php"
    max_concurrency = 8

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        #: Per hoster, from the last hoster list: what downloads may do (connections, resume).
        self.connection_settings: dict[str, ConnectionSettings] = {}

    def client(self, ctx: ResolveContext) -> PremiumizeClient:
        login, pin = self.settings.login, self.settings.key or self.settings.password
        if not login or not pin:
            raise errors.AuthFailed("has no login (customer id) and key (PIN) configured", provider=self.name)
        return PremiumizeClient(ctx.session, self.api_base, login, pin)

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
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

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
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
        status = self.client(ctx).account_status()
        return AccountInfo(
            provider=self.name,
            login=status.account_name or self.settings.login,
            type=status.type,
            can_download=status.can_download,
            expires=status.expires,
            fair_use_left=status.fairuse_left,
        )


def _looks_like_hosterlist(result: dict[str, Any]) -> bool:
    """A list worth caching names at least one hoster with at least one regex."""
    return bool(HosterList.from_result(result).hosters)
