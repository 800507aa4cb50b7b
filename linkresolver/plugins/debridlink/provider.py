"""The Debrid-Link provider: hoster links through ``downloader/add`` (a folder gives
several files), magnets through its seedbox, and the account from ``account/infos``.

Hosters come from ``downloader/hosts`` (:mod:`.hosts`), cached like any debrid service's
list; a hoster the list has in maintenance is refused before any call, so that the link
goes to the next provider at once (the list is asked again at most every few minutes for
that). Debrid-Link's API has no way to check a link without generating it: ``check``
answers for no hoster. The key is the configured ``key`` (an API key of the account), else
the token of ``linkresolver debridlink login`` (:meth:`token`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import ClassVar, Final

import requests

from linkresolver.api import (
    AccountInfo,
    Config,
    FileLink,
    HosterSpec,
    HosterTerms,
    Provider,
    ProviderKind,
    ProviderSettings,
    ResolveContext,
    ResolvedLink,
    StoredLogin,
    TokenStore,
    errors,
    info_hash,
    magnet_name,
    warn_about_unknown_keys,
)

from . import hosts, oauth
from .client import DEFAULT_API_BASE, DebridLinkClient
from .errors import PROVIDER, DebridLinkHosterUnavailable
from .seedbox import SeedboxOptions, fetch_magnet

log = logging.getLogger("linkresolver")

MAGNET: Final = "magnet"
#: The keys of ``[providers.debridlink]`` beyond the common ones.
SETTINGS: Final = frozenset({"keep_torrents", "torrent_timeout_minutes", *oauth.SETTINGS})
DEFAULT_TORRENT_TIMEOUT_MINUTES: Final = 120
#: Seconds the hosters' statuses (maintenance) are trusted.
STATUS_FRESH: Final = 300.0
NO_KEY: Final = "has no key configured; run `linkresolver debridlink login` or put your API key in the config"


class DebridLinkProvider(Provider):
    name: ClassVar[str] = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = DEFAULT_API_BASE
    max_concurrency = 4
    may_wait = True  # the seedbox is polled through ctx.wait_until
    # Debrid-Link publishes no per-second figure, only that a program that floods it is
    # refused for an hour (floodDetected): 1 call a second after a burst of 5 stays far
    # below what any client of its was refused for, and is 60 a minute at most.
    default_requests_per_second = 1.0
    request_burst = 5

    def __init__(self, settings: ProviderSettings, *, store: TokenStore | None = None) -> None:
        super().__init__(settings)
        #: Where ``linkresolver debridlink login`` keeps its token.
        self.store = store or oauth.token_store()
        self.login = StoredLogin(settings, self.store, renewal=oauth.renewal(settings), missing=NO_KEY)
        extra = settings.extra
        keep = extra.get("keep_torrents", False)
        if not isinstance(keep, bool):
            raise errors.ConfigError("[providers.debridlink] 'keep_torrents' must be true or false")
        minutes = extra.get("torrent_timeout_minutes", DEFAULT_TORRENT_TIMEOUT_MINUTES)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise errors.ConfigError(
                "[providers.debridlink] 'torrent_timeout_minutes' must be a number above 0"
            )
        self.seedbox_options = SeedboxOptions(keep, float(minutes) * 60)
        self._down: tuple[float, set[str]] | None = None
        self._down_lock = threading.Lock()
        #: The hosters of the last hoster list.
        self._names: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> DebridLinkProvider:
        settings = config.provider(PROVIDER)
        warn_about_unknown_keys(settings, SETTINGS, config.path)
        return cls(settings)

    # -- credentials ------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """As configured; else with a key, or a token stored by ``linkresolver debridlink login``."""
        return self.login.enabled

    def token(self, session: requests.Session, *, refused: str | None = None) -> str:
        """The configured ``key`` first; else the access token of a device login (:class:`StoredLogin`)."""
        return self.login.token(session, refused=refused)

    def client(self, ctx: ResolveContext) -> DebridLinkClient:
        return self.client_for(ctx.session)

    def client_for(self, session: requests.Session) -> DebridLinkClient:
        """A client on ``session`` (the provider's, or a command's own)."""
        return DebridLinkClient(
            session, self.api_base, self.token(session), renew=self.login.renewer(session)
        )

    # -- which links ------------------------------------------------------------------------------

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        raw = ctx.cache.get(
            self.name,
            lambda: hosts.stored(self.client(ctx).hosts()),
            refresh=ctx.refresh_hosterlists,
            valid=hosts.looks_stored,
        )
        with self._down_lock:
            if self._down is None:
                self._down = (time.monotonic(), hosts.down(raw))
        specs = hosts.specs(raw)
        self._names = tuple(spec.name for spec in specs)
        return specs

    def hoster_terms(self, ctx: ResolveContext) -> dict[str, HosterTerms]:
        """``downloader/hosts``' statuses (asked at most every few minutes, the answer
        :meth:`_refuse_if_down` uses): each hoster up, or in maintenance."""
        down = self._maintenance(self.client(ctx), quiet=False)
        return {
            name: HosterTerms(up=False, terms="in maintenance") if name in down else HosterTerms(up=True)
            for name in self._names
        }

    def claims(self, url: str) -> str | None:
        if url[:7].lower() == "magnet:" and info_hash(url):
            return MAGNET
        return None

    def checks(self, hoster: str) -> bool:
        return False  # the API has no check: downloader/add would generate the link

    # -- resolve ----------------------------------------------------------------------------------

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        client = self.client(ctx)
        if hoster == MAGNET:
            torrent, files = fetch_magnet(client, url, ctx, self.seedbox_options)
            if not files:
                raise errors.ProviderOutage(
                    "finished the torrent but gave no file links", provider=self.name, link=url
                )
            return _many(
                url, self.name, MAGNET, files, name=torrent.name or magnet_name(url), size=torrent.size
            )
        self._refuse_if_down(client, url, hoster)
        found = client.add_link(url, password=ctx.link_password)
        files = tuple(FileLink(f.download, f.name, f.size) for f in found)
        return _many(url, self.name, hoster, files)

    def _refuse_if_down(self, client: DebridLinkClient, url: str, hoster: str) -> None:
        """HosterUnavailable when the hoster list says the hoster is in maintenance (fails over)."""
        if hoster in self._maintenance(client):
            error = DebridLinkHosterUnavailable(
                f"has {hoster} in maintenance right now", provider=self.name, link=url
            )
            error.given_advice = "another provider may serve the link now"
            raise error

    def _maintenance(self, client: DebridLinkClient, *, quiet: bool = True) -> set[str]:
        """The hosters in maintenance now, asked at most every :data:`STATUS_FRESH` seconds.
        ``quiet``: an answer that does not come means "unknown" (the link is tried as if its
        hoster were up); else it is raised."""
        with self._down_lock:
            if self._down is not None and time.monotonic() - self._down[0] < STATUS_FRESH:
                return self._down[1]
        try:
            down = hosts.down(hosts.stored(client.hosts()))
        except errors.AuthFailed:
            raise
        except errors.ResolverError as exc:
            if not quiet or exc.fatal:
                raise
            log.info("debridlink downloader/hosts: %s", exc.for_person())
            down = set()
        with self._down_lock:
            self._down = (time.monotonic(), down)
        return down

    # -- account ------------------------------------------------------------------------------

    def account(self, ctx: ResolveContext) -> AccountInfo:
        account = self.client(ctx).account()
        paid = account.type in ("premium", "lifetime")
        extra: tuple[tuple[str, str], ...] = ()
        if account.premium_left is not None and account.type == "premium":
            extra = (("premium left", f"{account.premium_left // 86400} days"),)
        return AccountInfo(
            provider=self.name,
            login=account.username or self.settings.login,
            type=account.type,
            can_download=paid,
            expires=int(time.time()) + account.premium_left
            if account.premium_left is not None and account.type == "premium"
            else None,
            extra=extra,
        )


def _many(
    url: str,
    provider: str,
    hoster: str,
    files: tuple[FileLink, ...],
    *,
    name: str | None = None,
    size: int | None = None,
) -> ResolvedLink:
    """One file as a link of its own; several as ``files`` (the first one's link as ``url``)."""
    first = files[0]
    if len(files) == 1:
        return ResolvedLink(url, first.url, provider, hoster, filename=first.filename, size=first.size)
    return ResolvedLink(url, first.url, provider, hoster, filename=name, size=size, files=files)
