"""How the Premiumize provider works through the current API: the provider chooses this
when its table has a key and no login (see :mod:`.provider`).

- hosters: ``services/list`` (cached through ``ctx.cache`` as ``premiumize-current``);
- resolve: ``transfer/directdl``; a link of several files (a torrent, a folder) gives them
  all as the link's ``files``;
- magnets: ``cache/check`` first; cached, ``directdl`` at once; not cached,
  ``transfer/create``, then ``transfer/list`` polled (progress reported, waits sat out
  with ``ctx.wait_until``) until the transfer is finished, then ``directdl``;
- check: ``cache/check`` of links and magnets, many at once (in the cache: online);
- account: ``account/info`` (premium until, fair use used).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from linkresolver.api import (
    AccountInfo,
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
    provider_words,
    short_rest,
)

from .current_client import CACHE_BATCH, DEFAULT_API_BASE, CurrentClient
from .current_errors import PROVIDER, FileGone, InvalidKey, TransferGone, error_for
from .current_results import DirectDownload
from .current_services import ServiceList
from .oauth import renewal, token_store

log = logging.getLogger("linkresolver")
_T = TypeVar("_T")

MAGNET: Final = "magnet"
#: The hoster-list cache's name for this API's list (the legacy list is cached as "premiumize").
CACHE_NAME: Final = "premiumize-current"
#: Polling transfer/list: first interval, growth, longest interval (seconds).
POLL_FIRST: Final = 1.0
POLL_GROWTH: Final = 1.5
POLL_LONGEST: Final = 15.0
#: Polls of transfer/list in a row that may go without an answer before the link fails.
MISSED_POLLS: Final = 3
#: The longest rest (seconds) a poll waits out when told to.
SHORT_REST: Final = 30.0
#: How long a transfer may take before the link is given up.
TRANSFER_TIMEOUT: Final = 2 * 3600.0


class PremiumizeCurrentProvider(Provider):
    """Premiumize through its current API: hoster links, its torrent cache and cloud
    transfers. Its credential is the API key (``key``), else the access token a device login
    stored (``linkresolver premiumize login``), sent as ``Authorization: Bearer``."""

    name = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = DEFAULT_API_BASE
    max_concurrency = 8
    check_batch_size = CACHE_BATCH
    #: Cloud transfers are polled through ``ctx.wait_until``.
    may_wait = True

    def __init__(
        self,
        settings: ProviderSettings,
        *,
        store: TokenStore | None = None,
        transfer_timeout: float = TRANSFER_TIMEOUT,
    ) -> None:
        super().__init__(settings)
        self.store = store or token_store()
        self.login = StoredLogin(
            settings,
            self.store,
            renewal=renewal(settings),
            missing="has no API key configured and no device login stored (a login in the table"
            " selects the legacy pm-api instead)",
            error=InvalidKey,
        )
        self.transfer_timeout = transfer_timeout
        #: Fair-use points a download of each hoster costs, from the last services/list.
        self.fair_use_factor: dict[str, float] = {}
        #: Hosters whose links work only when the file is in Premiumize's cache.
        self.cache_only: frozenset[str] = frozenset()
        self._listed = False

    @property
    def enabled(self) -> bool:
        """As configured; else with a key, or an access token stored by a device login."""
        return self.login.enabled

    def client(self, ctx: ResolveContext, *, refused: str | None = None) -> CurrentClient:
        """A client with the API key, else the stored access token (renewed first when it
        lapsed, or when it is the ``refused`` one)."""
        return CurrentClient(ctx.session, self.api_base, self.login.token(ctx.session, refused=refused))

    def _call(self, ctx: ResolveContext, operation: Callable[[CurrentClient], _T]) -> _T:
        """``operation`` with a client; a stored access token the service refuses is renewed
        once and the operation asked again (an API key is not: it is what the user set)."""
        client = self.client(ctx)
        try:
            return operation(client)
        except InvalidKey:
            if self.settings.key:
                raise
            return operation(self.client(ctx, refused=client.token))

    # -- which links ----------------------------------------------------------------------------

    def hosters(self, ctx: ResolveContext) -> list[HosterSpec]:
        raw = ctx.cache.get(
            CACHE_NAME,
            lambda: ServiceList.from_result(self._call(ctx, CurrentClient.services)).stored(),
            refresh=ctx.refresh_hosterlists,
            valid=lambda result: bool(ServiceList.from_result(result).hosters),
        )
        services = ServiceList.from_result(raw)
        self.fair_use_factor, self.cache_only, self._listed = (
            services.fair_use_factor,
            services.cache_only,
            True,
        )
        return [HosterSpec(name, h.regexes, h.tlds) for name, h in services.hosters.items()]

    def hoster_terms(self, ctx: ResolveContext) -> dict[str, HosterTerms]:
        """What a link of each hoster costs in fair-use points (``fairusefactor`` of the
        hoster list, no call of its own), and the hosters served from the cache only."""
        if not self._listed:
            self.hosters(ctx)
        said = {name: _fair_use_terms(factor) for name, factor in self.fair_use_factor.items()}
        for name in self.cache_only:
            said[name] = HosterTerms(cost=1.0, terms="cached files only")  # a cached file costs 1
        return said

    def claims(self, url: str) -> str | None:
        return MAGNET if url[:7].lower() == "magnet:" and info_hash(url) else None

    def checks(self, hoster: str) -> bool:
        return True  # cache/check answers for links and magnets alike

    # -- resolve --------------------------------------------------------------------------------

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        return self._call(ctx, lambda client: self._resolve(client, url, hoster, ctx))

    def _resolve(self, client: CurrentClient, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        if hoster == MAGNET:
            digest = info_hash(url)
            if digest is None:
                raise errors.BadLink("no BitTorrent info hash in this magnet", provider=PROVIDER, link=url)
            if not client.cache_check([digest])[0].cached:
                self._fetch_into_cloud(client, url, ctx)
        return _resolved(url, hoster, client.directdl(url))

    def _fetch_into_cloud(self, client: CurrentClient, url: str, ctx: ResolveContext) -> None:
        """``transfer/create``, then ``transfer/list`` until it is finished (or failed)."""
        transfer_id = client.transfer_create(url)
        deadline = time.monotonic() + self.transfer_timeout
        interval = POLL_FIRST
        last_said = ""
        missed = 0
        while True:
            try:
                transfers = client.transfer_list()
            except errors.ResolverError as exc:
                # A poll without an answer (or told to rest briefly) is made again at the next
                # interval: the transfer goes on, and asking the link anew would not find it.
                missed += 1
                rest = short_rest(exc, SHORT_REST)
                if missed >= MISSED_POLLS or (rest is None and not exc.no_answer):
                    raise
                ctx.wait_until(time.monotonic() + max(interval, rest or 0.0))
                continue
            missed = 0
            transfer = next((t for t in transfers if t.id == transfer_id), None)
            if transfer is None:
                raise TransferGone("no longer lists the transfer of this link", provider=PROVIDER, link=url)
            if transfer.finished:
                return
            if transfer.failed:
                raise _transfer_failure(transfer.status, transfer.message, url)
            said = f"premiumize is fetching it into its cloud ({transfer.status}"
            said += f", {transfer.progress:.0%})" if transfer.progress is not None else ")"
            if transfer.message:
                said += f": {provider_words(transfer.message, 80)}"
            if said != last_said:
                ctx.report(said)
                last_said = said
            if time.monotonic() + interval > deadline:
                raise errors.ProviderOutage(
                    f"is still fetching it after {self.transfer_timeout / 60:.0f} minutes (transfer"
                    f" {provider_words(transfer_id, 40)} goes on at Premiumize)",
                    provider=PROVIDER,
                    link=url,
                    retry_after=600,
                )
            ctx.wait_until(time.monotonic() + interval)  # the slot is lent to other links meanwhile
            interval = min(POLL_LONGEST, interval * POLL_GROWTH)

    # -- check ----------------------------------------------------------------------------------

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        items: list[str | None] = [info_hash(url) if hoster == MAGNET else url for url in urls]
        asked = [item for item in items if item]
        found = iter(self._call(ctx, lambda client: client.cache_check(asked))) if asked else iter(())
        answers: list[LinkStatus | errors.ResolverError] = []
        for url, item in zip(urls, items, strict=True):
            if item is None:
                answers.append(
                    errors.BadLink("no BitTorrent info hash in this magnet", provider=PROVIDER, link=url)
                )
                continue
            entry = next(found)
            name = entry.filename or (magnet_name(url) if hoster == MAGNET else None)
            state = LinkState.ONLINE if entry.cached else LinkState.UNKNOWN
            answers.append(
                LinkStatus(url, state, PROVIDER, hoster, name, entry.filesize, cached=entry.cached)
            )
        return answers

    # -- account --------------------------------------------------------------------------------

    def account(self, ctx: ResolveContext) -> AccountInfo:
        state = self._call(ctx, CurrentClient.account_info)
        premium = state.premium_until is not None and state.premium_until > time.time()
        extra: list[tuple[str, str]] = []
        if state.limit_used is not None:
            extra.append(("fair_use_used", f"{state.limit_used:.0%} of the limit"))
        if state.space_used is not None:
            extra.append(("space_used", f"{state.space_used:g}"))
        return AccountInfo(
            provider=PROVIDER,
            login=state.customer_id,
            type="premium" if premium else "free",
            can_download=premium,
            expires=state.premium_until,
            fair_use_left=None if state.limit_used is None else 1.0 - state.limit_used,
            extra=tuple(extra),
        )


def _fair_use_terms(factor: float) -> HosterTerms:
    return HosterTerms(cost=factor, terms=None if factor == 1 else f"fair use x{factor:g}")


def _transfer_failure(status: str, message: str | None, url: str) -> errors.ResolverError:
    """A failed transfer's error: a dead torrent's words say the file is gone (definitive);
    other failures are this provider's refusal, and another provider may do better."""
    why = provider_words(message or status)
    said = f"could not fetch it into its cloud: {why}"
    if isinstance(error_for(message, link=url), FileGone) or status in ("deleted", "banned"):
        return FileGone(said, provider=PROVIDER, link=url)
    return errors.Refused(said, provider=PROVIDER, link=url)


def _resolved(url: str, hoster: str, answer: DirectDownload) -> ResolvedLink:
    """One file: its location; several: the first as the link, every one in ``files``."""
    files = answer.content
    if answer.location is not None and len(files) <= 1:
        return ResolvedLink(
            url, answer.location, PROVIDER, hoster, filename=answer.filename, size=answer.filesize
        )
    if len(files) == 1:
        only = files[0]
        return ResolvedLink(url, only.link, PROVIDER, hoster, filename=only.name, size=only.size)
    listed = tuple(FileLink(file.link, file.name, file.size) for file in files)
    total = sum(file.size for file in files if file.size is not None) if all(f.size for f in files) else None
    return ResolvedLink(
        url,
        answer.location or files[0].link,
        PROVIDER,
        hoster,
        filename=answer.filename or (magnet_name(url) if hoster == MAGNET else None),
        size=total,
        files=listed,
    )
