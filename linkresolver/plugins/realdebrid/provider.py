"""The Real-Debrid provider: hoster links through ``unrestrict/link``, folders through
``unrestrict/folder``, magnets through its torrents, and the account from ``user`` and
``traffic``.

Hosters are ``hosts/regex`` grouped by ``hosts/domains`` (:mod:`.hosts`), cached like any
debrid service's list. Before a link is unrestricted, ``hosts/status`` (asked at most every
few minutes) tells whether its hoster is down at Real-Debrid right now: then the link goes to
the next provider at once. The token is the configured ``key`` (:meth:`token`).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Final

import requests

from linkresolver.api import (
    AccountInfo,
    Config,
    DownloadLimits,
    FileLink,
    HosterQuota,
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
    patiently,
    warn_about_unknown_keys,
)

from . import hosts, oauth
from .client import DEFAULT_API_BASE, RealDebridClient
from .errors import PROVIDER, RealDebridHosterUnavailable
from .results import HostStatus, Traffic
from .torrents import TorrentOptions, fetch_magnet

log = logging.getLogger("linkresolver")

MAGNET: Final = "magnet"
#: The keys of ``[providers.realdebrid]`` beyond the common ones.
SETTINGS: Final = frozenset(
    {"remote_traffic", "select_files", "keep_torrents", "torrent_timeout_minutes", *oauth.SETTINGS}
)
DEFAULT_TORRENT_TIMEOUT_MINUTES: Final = 120
#: Seconds a ``hosts/status`` answer is trusted.
STATUS_FRESH: Final = 300.0
#: Files of one folder link unrestricted at most (each is a call).
MAX_FOLDER_FILES: Final = 500
#: How folder links look (``/folder/``, ``/dir/``, mega's ``#F!``): they go to unrestrict/folder.
FOLDER_LINK: Final = re.compile(r"/(?:folders?|dir)/|#F!|/#!F", re.IGNORECASE)
NO_KEY: Final = (
    "has no key configured; run `linkresolver realdebrid login` or put your API token in the config"
)


class RealDebridProvider(Provider):
    name: ClassVar[str] = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = DEFAULT_API_BASE
    max_concurrency = 4
    may_wait = True  # torrents are polled through ctx.wait_until
    # The API allows 250 requests a minute, refused ones included: 4 a second after a burst
    # of 8 is at most 248 in any minute, and 1,000 links take 4 minutes and 8 seconds.
    default_requests_per_second = 4.0
    request_burst = 8
    # unrestrict/check takes one link a call: a batch of one, so that a call without an
    # answer fails (and is asked again for) its own link, not the other links of a batch.
    check_batch_size = 1

    def __init__(self, settings: ProviderSettings, *, store: TokenStore | None = None) -> None:
        super().__init__(settings)
        #: Where ``linkresolver realdebrid login`` keeps its token.
        self.store = store or oauth.token_store()
        self.login = StoredLogin(settings, self.store, renewal=oauth.renewal(settings), missing=NO_KEY)
        extra = settings.extra
        self.remote_traffic = _flag(extra, "remote_traffic", default=False)
        self.keep_torrents = _flag(extra, "keep_torrents", default=False)
        select = extra.get("select_files", "all")
        if select not in ("all", "video"):
            raise errors.ConfigError('[providers.realdebrid] \'select_files\' must be "all" or "video"')
        minutes = extra.get("torrent_timeout_minutes", DEFAULT_TORRENT_TIMEOUT_MINUTES)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise errors.ConfigError(
                "[providers.realdebrid] 'torrent_timeout_minutes' must be a number above 0"
            )
        self.torrent_options = TorrentOptions(select, self.keep_torrents, float(minutes) * 60)
        #: Each hoster's domains, from the last hoster list (to find it in hosts/status).
        self._domains: dict[str, tuple[str, ...]] = {}
        self._status: tuple[float, dict[str, HostStatus]] | None = None
        self._status_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> RealDebridProvider:
        settings = config.provider(PROVIDER)
        warn_about_unknown_keys(settings, SETTINGS, config.path)
        return cls(settings)

    # -- credentials ------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """As configured; else with a key, or a token stored by ``linkresolver realdebrid login``."""
        return self.login.enabled

    def token(self, session: requests.Session, *, refused: str | None = None) -> str:
        """The token calls carry: the configured ``key`` (the private API token of the
        account's page), else the access token of a device login (:class:`StoredLogin`)."""
        return self.login.token(session, refused=refused)

    def client(self, ctx: ResolveContext) -> RealDebridClient:
        return self.client_for(ctx.session)

    def client_for(self, session: requests.Session) -> RealDebridClient:
        """A client on ``session`` (the provider's, or a command's own)."""
        return RealDebridClient(
            session, self.api_base, self.token(session), renew=self.login.renewer(session)
        )

    # -- which links ------------------------------------------------------------------------------

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        raw = ctx.cache.get(
            self.name,
            lambda: self._fetch_hosters(ctx),
            refresh=ctx.refresh_hosterlists,
            valid=hosts.looks_stored,
        )
        listed = hosts.from_stored(raw)
        self._domains = {name: hoster.tlds for name, hoster in listed.items()}
        return [HosterSpec(name, hoster.regexes, hoster.tlds) for name, hoster in listed.items()]

    def _fetch_hosters(self, ctx: ResolveContext) -> dict[str, Any]:
        client = self.client(ctx)
        return hosts.stored(hosts.read(client.hosts_regex(), client.hosts_domains()))

    def claims(self, url: str) -> str | None:
        if url[:7].lower() == "magnet:" and info_hash(url):
            return MAGNET
        return None

    def checks(self, hoster: str) -> bool:
        return hoster != MAGNET  # unrestrict/check tells about hoster links

    # -- resolve ----------------------------------------------------------------------------------

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        client = self.client(ctx)
        if hoster == MAGNET:
            return self._magnet(client, url, ctx)
        self._refuse_if_down(client, url, hoster)
        if FOLDER_LINK.search(url):
            return self._folder(client, url, hoster, ctx)
        found = client.unrestrict_link(url, password=ctx.link_password, remote=self.remote_traffic)
        return ResolvedLink(
            url,
            found.download,
            self.name,
            hoster,
            filename=found.filename,
            size=found.filesize,
            content_type=found.mime_type,
            limits=DownloadLimits(max_connections=found.chunks) if found.chunks else None,
        )

    def _unrestricted_file(self, client: RealDebridClient, link: str) -> FileLink:
        found = client.unrestrict_link(link, remote=self.remote_traffic)
        return FileLink(found.download, found.filename, found.filesize)

    def _folder(self, client: RealDebridClient, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        """Each file of the folder unrestricted; a file's call that gets no answer is made
        again on its own (:func:`linkresolver.api.patiently`), not the whole folder."""
        links = client.unrestrict_folder(url)
        if not links:
            raise errors.FileOffline("found no files in this folder", provider=self.name, link=url)
        if len(links) > MAX_FOLDER_FILES:
            log.warning(
                "%s: the folder holds %d files; the first %d are taken", url, len(links), MAX_FOLDER_FILES
            )
        files = tuple(
            patiently(ctx, functools.partial(self._unrestricted_file, client, link))
            for link in links[:MAX_FOLDER_FILES]
        )
        return _many(url, self.name, hoster, files)

    def _magnet(self, client: RealDebridClient, url: str, ctx: ResolveContext) -> ResolvedLink:
        fetched = fetch_magnet(
            client, url, ctx, self.torrent_options, lambda link: self._unrestricted_file(client, link)
        )
        name = fetched.torrent.filename or magnet_name(url)
        return _many(url, self.name, MAGNET, fetched.files, name=name, size=fetched.torrent.bytes)

    def hoster_terms(self, ctx: ResolveContext) -> dict[str, HosterTerms]:
        """Each hoster's ``hosts/status`` (up, down, unsupported), the same answer
        :meth:`_refuse_if_down` uses; Real-Debrid says no cost."""
        statuses = self._statuses(self.client(ctx))
        said = {}
        for hoster, domains in self._domains.items():
            status = next((statuses[d.lower()] for d in (hoster, *domains) if d.lower() in statuses), None)
            if status is not None and status.status is not None:
                plain = status.status in ("up", "down")
                said[hoster] = HosterTerms(up=not status.down, terms=None if plain else status.status)
        return said

    def _refuse_if_down(self, client: RealDebridClient, url: str, hoster: str) -> None:
        """HosterUnavailable when ``hosts/status`` says the hoster is down now (fails over)."""
        statuses = self._statuses(client)
        for domain in (hoster, *self._domains.get(hoster, ())):
            status = statuses.get(domain.lower())
            if status is not None and status.down:
                error = RealDebridHosterUnavailable(
                    f"says {status.name or domain} is {status.status} right now", provider=self.name, link=url
                )
                error.given_advice = "another provider may serve the link now"
                raise error

    def _statuses(self, client: RealDebridClient) -> dict[str, HostStatus]:
        with self._status_lock:
            if self._status is not None and time.monotonic() - self._status[0] < STATUS_FRESH:
                return self._status[1]
        try:
            statuses = client.hosts_status()
        except errors.AuthFailed:
            raise
        except errors.ResolverError as exc:  # unknown: the link is tried as if the hoster were up
            if exc.fatal:
                raise
            log.info("realdebrid hosts/status: %s", exc.for_person())
            statuses = {}
        with self._status_lock:
            self._status = (time.monotonic(), statuses)
        return statuses

    # -- check and account ---------------------------------------------------------------------

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        if hoster == MAGNET:
            return [LinkStatus(url, LinkState.UNKNOWN, self.name, hoster, magnet_name(url)) for url in urls]
        client = self.client(ctx)
        answers: list[LinkStatus | errors.ResolverError] = []
        for url in urls:
            try:
                found = client.check(url, password=ctx.link_password)
            except errors.FileOffline:
                answers.append(LinkStatus(url, LinkState.OFFLINE, self.name, hoster))
            except errors.LegalUnavailable:
                answers.append(LinkStatus(url, LinkState.LEGAL, self.name, hoster))
            except (errors.Refused, errors.UnsupportedLink, errors.HosterUnavailable) as exc:
                answers.append(exc)  # about this link alone
            else:
                state = LinkState.ONLINE if found.supported else LinkState.UNKNOWN
                answers.append(LinkStatus(url, state, self.name, hoster, found.filename, found.filesize))
        return answers

    def account(self, ctx: ResolveContext) -> AccountInfo:
        client = self.client(ctx)
        user = client.user()
        extra: list[tuple[str, str]] = []
        quotas: list[HosterQuota] = []
        if user.points is not None:
            extra.append(("points", str(user.points)))
        for traffic in sorted(client.traffic(), key=lambda t: t.host):
            if traffic.left is not None and traffic.type:
                extra.append(
                    (
                        f"traffic {traffic.host}",
                        f"{traffic.left} {traffic.type} left ({traffic.reset or '?'})",
                    )
                )
                if (quota := _quota(traffic)) is not None:
                    quotas.append(quota)
        return AccountInfo(
            provider=self.name,
            login=user.username or self.settings.login,
            type=user.type,
            can_download=user.type == "premium",
            expires=user.expiration if user.type == "premium" else None,
            extra=tuple(extra),
            quotas=tuple(quotas),
        )


#: What one unit of ``traffic``'s ``left`` is, in bytes, by its ``type``.
_TRAFFIC_UNIT: Final = {"gigabytes": 1 << 30, "bytes": 1}


def _quota(traffic: Traffic) -> HosterQuota | None:
    """A ``traffic`` entry as a quota: links left, or bytes left (gigabytes or bytes)."""
    left = max(traffic.left or 0, 0)
    if traffic.type == "links":
        return HosterQuota(traffic.host, links_left=left, resets=traffic.reset)
    unit = _TRAFFIC_UNIT.get(traffic.type or "")
    return None if unit is None else HosterQuota(traffic.host, bytes_left=left * unit, resets=traffic.reset)


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


def _flag(extra: Mapping[str, Any], key: str, *, default: bool) -> bool:
    value = extra.get(key, default)
    if not isinstance(value, bool):
        raise errors.ConfigError(f"[providers.realdebrid] '{key}' must be true or false")
    return value
