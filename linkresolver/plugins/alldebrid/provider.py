"""The AllDebrid provider: hoster links through ``link/unlock`` (a ``delayed`` one polled on
``link/delayed``), redirectors and folders through ``link/redirector`` (each link behind
them unlocked), magnets through ``magnet/upload`` and ``magnet/status``, ``link/infos``
for checks (several links a call), and the account from ``user``.

Hosters are ``user/hosts`` (what this account may use now) with ``hosts``' redirectors,
cached like any debrid service's list. The key is the configured ``key``, else the one
``linkresolver alldebrid login`` stored.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Final

import requests

from linkresolver.api import (
    AccountInfo,
    Config,
    FileLink,
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
    quotas_if_told,
    warn_about_unknown_keys,
)

from . import hosts, login
from .client import DEFAULT_API_BASE, AllDebridClient
from .errors import PROVIDER
from .results import LinkInfo
from .waiting import MagnetOptions, delayed_link, fetch_magnet

log = logging.getLogger("linkresolver")

MAGNET: Final = "magnet"
#: The keys of ``[providers.alldebrid]`` beyond the common ones.
SETTINGS: Final = frozenset({"keep_magnets", "magnet_timeout_minutes"})
DEFAULT_MAGNET_TIMEOUT_MINUTES: Final = 120
#: Links behind one redirector or folder unlocked at most (each is a call).
MAX_FOLDER_FILES: Final = 500
#: How folder links look (``/folder/``, ``/dir/``, mega's ``#F!``): they go to link/redirector.
FOLDER_LINK: Final = re.compile(r"/(?:folders?|dir)/|#F!|/#!F", re.IGNORECASE)
#: Seconds what ``user/hosts`` said of the hosters (up, quotas) is trusted.
STATUS_FRESH: Final = 300.0
NO_KEY: Final = (
    "has no API key configured; run `linkresolver alldebrid login` or put your API key in the config"
)


class AllDebridProvider(Provider):
    name: ClassVar[str] = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = DEFAULT_API_BASE
    max_concurrency = 4
    may_wait = True  # delayed links and magnets are polled through ctx.wait_until
    # The documentation allows 12 requests a second and 600 a minute. A token bucket lets
    # its burst through and then its rate within the same second: 8 a second after a burst
    # of 2 is at most 10 in any second and 2 + 8 * 60 = 482 in any minute (a burst of 12
    # would let 20 through in the first second after a quiet spell). Two calls a second are
    # left for the jitter between leaving here and arriving there: calls held up by a busy
    # machine arrive bunched (9 a second was refused so on a loaded machine).
    default_requests_per_second = 8.0
    request_burst = 2
    # link/infos takes several links a call.
    check_batch_size = 20

    def __init__(self, settings: ProviderSettings, *, store: TokenStore | None = None) -> None:
        super().__init__(settings)
        #: Where ``linkresolver alldebrid login`` keeps the API key.
        self.store = store or login.token_store()
        #: The API key a PIN login stored does not lapse: nothing renews it.
        self.login = StoredLogin(settings, self.store, missing=NO_KEY)
        keep = settings.extra.get("keep_magnets", False)
        if not isinstance(keep, bool):
            raise errors.ConfigError("[providers.alldebrid] 'keep_magnets' must be true or false")
        minutes = settings.extra.get("magnet_timeout_minutes", DEFAULT_MAGNET_TIMEOUT_MINUTES)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise errors.ConfigError(
                "[providers.alldebrid] 'magnet_timeout_minutes' must be a number above 0"
            )
        self.magnet_options = MagnetOptions(keep, float(minutes) * 60)
        #: The redirectors of the last hoster list (their links go to link/redirector).
        self._redirectors: set[str] = set()
        #: What the last ``user/hosts`` said of each hoster, and when it was asked.
        self._terms: tuple[float, dict[str, HosterTerms]] | None = None
        self._terms_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> AllDebridProvider:
        settings = config.provider(PROVIDER)
        warn_about_unknown_keys(settings, SETTINGS, config.path)
        return cls(settings)

    # -- credentials ------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """As configured; else with a key, or one stored by ``linkresolver alldebrid login``."""
        return self.login.enabled

    def key(self) -> str:
        """The API key calls carry: the configured ``key``, else the stored login's."""
        return self.login.token()

    def client(self, ctx: ResolveContext) -> AllDebridClient:
        return self.client_for(ctx.session)

    def client_for(self, session: requests.Session) -> AllDebridClient:
        """A client on ``session`` (the provider's, or a command's own)."""
        return AllDebridClient(session, self.api_base, self.key())

    # -- which links ------------------------------------------------------------------------------

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        raw = ctx.cache.get(
            self.name,
            lambda: self._fetch_hosters(ctx),
            refresh=ctx.refresh_hosterlists,
            valid=hosts.looks_stored,
        )
        listed, self._redirectors = hosts.from_stored(raw)
        return [HosterSpec(name, hoster.regexes, hoster.tlds) for name, hoster in listed.items()]

    def _fetch_hosters(self, ctx: ResolveContext) -> dict[str, Any]:
        client = self.client(ctx)
        public = client.hosts()
        usable = client.user_hosts()
        self._keep_terms(hosts.terms(usable))
        return hosts.stored(*hosts.read(public, usable))

    def hoster_terms(self, ctx: ResolveContext) -> dict[str, HosterTerms]:
        """``user/hosts`` (asked at most every few minutes): each hoster up or down, and the
        quota left of a limited one."""
        with self._terms_lock:
            if self._terms is not None and time.monotonic() - self._terms[0] < STATUS_FRESH:
                return self._terms[1]
        return self._keep_terms(hosts.terms(self.client(ctx).user_hosts()))

    def _keep_terms(self, said: dict[str, HosterTerms]) -> dict[str, HosterTerms]:
        with self._terms_lock:
            self._terms = (time.monotonic(), said)
        return said

    def claims(self, url: str) -> str | None:
        if url[:7].lower() == "magnet:" and info_hash(url):
            return MAGNET
        return None

    def checks(self, hoster: str) -> bool:
        # link/infos tells about hoster links; not magnets, nor redirectors.
        return hoster != MAGNET and hoster not in self._redirectors

    # -- resolve ----------------------------------------------------------------------------------

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        client = self.client(ctx)
        if hoster == MAGNET:
            fetched = fetch_magnet(
                client, url, ctx, self.magnet_options, functools.partial(self._unlocked_file, client, ctx)
            )
            name = fetched.magnet.filename or magnet_name(url)
            return _many(url, self.name, MAGNET, fetched.files, name=name, size=fetched.magnet.size)
        if hoster in self._redirectors or FOLDER_LINK.search(url):
            return self._behind(client, url, hoster, ctx)
        found = self._unlocked_file(client, ctx, url, password=ctx.link_password)
        return ResolvedLink(url, found.url, self.name, hoster, filename=found.filename, size=found.size)

    def _unlocked_file(
        self, client: AllDebridClient, ctx: ResolveContext, link: str, *, password: str | None = None
    ) -> FileLink:
        """A link unlocked: at once, or after AllDebrid prepared it (a delayed link)."""
        unlocked = client.unlock(link, password=password)
        download = unlocked.download
        if download is None and unlocked.delayed is not None:
            download = delayed_link(client, unlocked.delayed, link, ctx)
        assert download is not None  # client.unlock answers a link or a delayed id
        return FileLink(download, unlocked.filename, unlocked.filesize)

    def _behind(self, client: AllDebridClient, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        """The links behind a redirector or in a folder, each unlocked (a call that gets no
        answer is made again on its own, not the whole folder)."""
        links = client.redirector(url)
        if not links:
            raise errors.FileOffline("found no links behind this one", provider=self.name, link=url)
        if len(links) > MAX_FOLDER_FILES:
            log.warning("%s: %d links behind it; the first %d are taken", url, len(links), MAX_FOLDER_FILES)
        files = tuple(
            patiently(
                ctx,
                functools.partial(self._unlocked_file, client, ctx, link, password=ctx.link_password),
                rests=False,  # as every AllDebrid call: a rest it asks for fails the call
            )
            for link in links[:MAX_FOLDER_FILES]
        )
        return _many(url, self.name, hoster, files)

    # -- check and account ---------------------------------------------------------------------

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        if hoster == MAGNET:
            return [LinkStatus(url, LinkState.UNKNOWN, self.name, hoster, magnet_name(url)) for url in urls]
        answers: list[LinkStatus | errors.ResolverError] = []
        for url, found in zip(
            urls, self.client(ctx).infos(list(urls), password=ctx.link_password), strict=True
        ):
            if isinstance(found, LinkInfo):
                answers.append(
                    LinkStatus(url, LinkState.ONLINE, self.name, hoster, found.filename, found.size)
                )
            elif isinstance(found, errors.FileOffline):
                answers.append(LinkStatus(url, LinkState.OFFLINE, self.name, hoster))
            else:
                answers.append(found)  # about this link alone
        return answers

    def account(self, ctx: ResolveContext) -> AccountInfo:
        user = self.client(ctx).user()
        extra: list[tuple[str, str]] = []
        if user.points is not None:
            extra.append(("fidelity points", str(user.points)))
        if user.trial_quota is not None:
            extra.append(("trial quota", f"{user.trial_quota} MB left"))
        extra.extend((f"quota {host}", f"{left} MB left") for host, left in user.quotas)
        return AccountInfo(
            provider=self.name,
            login=user.username or self.settings.login,
            type=user.type,
            can_download=user.premium or user.trial,
            expires=user.premium_until if user.premium else None,
            extra=tuple(extra),
            quotas=quotas_if_told(lambda: hosts.quotas(self.client(ctx).user_hosts())),
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
