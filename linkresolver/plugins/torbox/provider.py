"""The TorBox provider: hoster links through its web downloads, magnets through its
torrents, the account from ``user/me``.

Hosters come from ``webdl/hosters`` (:mod:`.hosts`), cached like any debrid service's list.
Before a hoster link is sent, the same list (asked at most every few minutes) tells whether
TorBox can reach its hoster now: when it says no, the link goes to the next provider at
once. ``check`` asks ``webdl/checkcached`` and ``torrents/checkcached`` (a cached link or
torrent is online and ready at once); anything else is "unknown", since TorBox has no link
checker. The key is the configured ``key`` (the API key of the account's settings page),
else the one ``linkresolver torbox login`` stored (:mod:`.login`, TorBox's device sign-in).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Final

import requests

from linkresolver.api import (
    AccountInfo,
    Config,
    HosterSpec,
    HosterTerms,
    LinkState,
    LinkStatus,
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
    quotas_if_told,
    warn_about_unknown_keys,
)

from . import hosts, login
from .client import DEFAULT_API_BASE, TORRENTS, WEBDL, TorBoxClient
from .creations import CreationBudget
from .errors import PROVIDER, TorBoxHosterUnavailable
from .transfers import Fetched, TransferOptions, fetch

log = logging.getLogger("linkresolver")

MAGNET: Final = "magnet"
#: The keys of ``[providers.torbox]`` beyond the common ones.
SETTINGS: Final = frozenset({"keep_downloads", "transfer_timeout_minutes"})
DEFAULT_TIMEOUT_MINUTES: Final = 120
#: Seconds the hosters' status (up or down) is trusted.
STATUS_FRESH: Final = 300.0
NO_KEY: Final = (
    "has no API key configured; run `linkresolver torbox login`, or put the API key of"
    " torbox.app/settings in [providers.torbox] key"
)


class TorBoxProvider(Provider):
    name: ClassVar[str] = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = DEFAULT_API_BASE
    max_concurrency = 4
    may_wait = True  # transfers are polled through ctx.wait_until
    calls_per_link = 4.0  # created, polled (a cached one at once), its link asked, deleted
    can_check = True
    # The API allows 300 requests a minute per key: 4 a second after a burst of 10 is at
    # most 250 in any minute. createtorrent and createwebdownload are 60 an hour, 10 a
    # minute: counted apart (:mod:`.creations`): a short wait, or TorBox rests and the
    # link goes to the next provider.
    default_requests_per_second = 4.0
    request_burst = 10
    check_batch_size = 50  # checkcached takes many hashes a call
    # The minute's 10 new downloads spent (by this program, or another on the key: TorBox's
    # 429) is a rest of at most a minute: waited out, not a link failed.
    longest_rest_waited = 60.0

    def __init__(self, settings: ProviderSettings, *, store: TokenStore | None = None) -> None:
        super().__init__(settings)
        #: Where ``linkresolver torbox login`` keeps the API key.
        self.store = store or login.token_store()
        #: The API key a device login stored does not lapse: nothing renews it.
        self.login = StoredLogin(settings, self.store, missing=NO_KEY)
        extra = settings.extra
        keep = _flag(extra, "keep_downloads")
        minutes = extra.get("transfer_timeout_minutes", DEFAULT_TIMEOUT_MINUTES)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise errors.ConfigError("[providers.torbox] 'transfer_timeout_minutes' must be a number above 0")
        self.options = TransferOptions(keep, float(minutes) * 60)
        #: What the last ``webdl/hosters`` said of each hoster (up, limits), and when.
        self._down: tuple[float, dict[str, HosterTerms]] | None = None
        self._down_lock = threading.Lock()
        #: New downloads are 60 an hour, 10 a minute: counted before each (:mod:`.creations`).
        self.creations = CreationBudget()

    @classmethod
    def from_config(cls, config: Config) -> TorBoxProvider:
        settings = config.provider(PROVIDER)
        warn_about_unknown_keys(settings, SETTINGS, config.path)
        return cls(settings)

    # -- credentials ------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """As configured; else with a key, or one stored by ``linkresolver torbox login``."""
        return self.login.enabled

    def key(self) -> str:
        """The API key calls carry: the configured ``key``, else the stored login's."""
        return self.login.token()

    def client(self, ctx: ResolveContext) -> TorBoxClient:
        return self.client_for(ctx.session)

    def client_for(self, session: requests.Session) -> TorBoxClient:
        """A client on ``session`` (the provider's, or a command's own)."""
        return TorBoxClient(session, self.api_base, self.key(), creations=self.creations)

    # -- which links ------------------------------------------------------------------------------

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        raw = ctx.cache.get(
            self.name,
            lambda: self._fetch_hosters(ctx),
            refresh=ctx.refresh_hosterlists,
            valid=hosts.looks_stored,
        )
        listed = hosts.from_stored(raw)
        return [HosterSpec(name, hoster.regexes, hoster.tlds) for name, hoster in listed.items()]

    def _fetch_hosters(self, ctx: ResolveContext) -> dict[str, Any]:
        listed = self.client(ctx).hosters()
        with self._down_lock:
            self._down = (time.monotonic(), hosts.terms(listed))
        return hosts.stored(hosts.read(listed))

    def hoster_terms(self, ctx: ResolveContext) -> dict[str, HosterTerms]:
        """``webdl/hosters`` (asked at most every few minutes, the answer
        :meth:`_refuse_if_down` uses): each hoster up or down, and its daily limits left."""
        return self._said(self.client(ctx), quiet=False)

    def claims(self, url: str) -> str | None:
        if url[:7].lower() == "magnet:" and info_hash(url):
            return MAGNET
        return None

    # -- resolve ----------------------------------------------------------------------------------

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        client = self.client(ctx)
        if hoster == MAGNET:
            return self._magnet(client, url, ctx)
        self._refuse_if_down(client, url, hoster)
        fetched = fetch(
            client,
            WEBDL,
            url,
            ctx,
            self.options,
            lambda: client.create_webdownload(url, password=ctx.link_password),
        )
        return _resolved(url, self.name, hoster, fetched)

    def _magnet(self, client: TorBoxClient, url: str, ctx: ResolveContext) -> ResolvedLink:
        digest = info_hash(url)
        if digest and digest.lower() in client.cached_torrents([digest]):
            ctx.report("torbox has this torrent cached")
        fetched = fetch(client, TORRENTS, url, ctx, self.options, lambda: client.create_torrent(url))
        return _resolved(url, self.name, MAGNET, fetched, fallback_name=magnet_name(url))

    def _refuse_if_down(self, client: TorBoxClient, url: str, hoster: str) -> None:
        """HosterUnavailable when ``webdl/hosters`` says the hoster is down now, or its daily
        limit is reached (fails over)."""
        said = self._said(client).get(hoster)
        if said is not None and said.up is False:
            why = f" ({said.terms})" if said.terms else ""
            error = TorBoxHosterUnavailable(
                f"says {hoster} is down right now{why}", provider=self.name, link=url
            )
            error.given_advice = "another provider may serve the link now"
            raise error

    def _said(self, client: TorBoxClient, *, quiet: bool = True) -> dict[str, HosterTerms]:
        """What ``webdl/hosters`` says now, asked at most every :data:`STATUS_FRESH` seconds.
        ``quiet``: an answer that does not come means "unknown" (the link is tried as if its
        hoster were up); else it is raised."""
        with self._down_lock:
            if self._down is not None and time.monotonic() - self._down[0] < STATUS_FRESH:
                return self._down[1]
        try:
            said = hosts.terms(client.hosters())
        except errors.AuthFailed:
            raise
        except errors.ResolverError as exc:
            if not quiet or exc.fatal:
                raise
            log.info("torbox webdl/hosters: %s", exc.for_person())
            said = {}
        with self._down_lock:
            self._down = (time.monotonic(), said)
        return said

    # -- check and account ---------------------------------------------------------------------

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        client = self.client(ctx)
        if hoster == MAGNET:
            hashes = {url: (info_hash(url) or "").lower() for url in urls}
            cached = client.cached_torrents([digest for digest in hashes.values() if digest])
            answers: list[LinkStatus | errors.ResolverError] = []
            for url in urls:
                entry = cached.get(hashes[url])
                state = LinkState.ONLINE if entry else LinkState.UNKNOWN
                name = (entry.name if entry else None) or magnet_name(url)
                answers.append(
                    LinkStatus(
                        url, state, self.name, hoster, name, entry.size if entry else None, cached=bool(entry)
                    )
                )
            return answers
        links = client.cached_links(urls)
        return [
            LinkStatus(url, LinkState.ONLINE, self.name, hoster, links[url].name, links[url].size)
            if url in links
            else LinkStatus(url, LinkState.UNKNOWN, self.name, hoster)
            for url in urls
        ]

    def account(self, ctx: ResolveContext) -> AccountInfo:
        client = self.client(ctx)
        user = client.user()
        extra: list[tuple[str, str]] = []
        if user.cooldown_until is not None and user.cooldown_until > time.time():
            extra.append(
                ("cooldown until", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(user.cooldown_until)))
            )
        if user.total_downloaded is not None:
            extra.append(("downloads so far", str(user.total_downloaded)))
        return AccountInfo(
            provider=self.name,
            login=user.email or self.settings.login,
            type=user.plan,
            can_download=user.paid,
            expires=user.expires if user.paid else None,
            extra=tuple(extra),
            quotas=quotas_if_told(lambda: hosts.quotas(client.hosters())),
        )


def _resolved(
    url: str, provider: str, hoster: str, fetched: Fetched, *, fallback_name: str | None = None
) -> ResolvedLink:
    """One file as a link of its own; several as ``files`` (the first one's link as ``url``)."""
    files = fetched.files
    first = files[0]
    if len(files) == 1:
        return ResolvedLink(url, first.url, provider, hoster, filename=first.filename, size=first.size)
    name = fetched.transfer.name or fallback_name
    return ResolvedLink(
        url, first.url, provider, hoster, filename=name, size=fetched.transfer.size, files=files
    )


def _flag(extra: Mapping[str, Any], key: str) -> bool:
    value = extra.get(key, False)
    if not isinstance(value, bool):
        raise errors.ConfigError(f"[providers.torbox] '{key}' must be true or false")
    return value
