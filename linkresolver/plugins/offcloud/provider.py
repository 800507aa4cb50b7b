"""The Offcloud provider: ``instant`` where it can, the ``cloud`` flow where it must.

Offcloud publishes no host list (seed 004), so it claims every link that no provider of
better priority serves (``catch_all = false`` turns that off), plus magnets and bare info
hashes. A link is tried with ``instant`` first; when Offcloud cannot give an instant link
(an ``error`` answer), and for magnets and configured cloud-only hosts, the ``cloud`` flow
adds the link and polls ``cloud/status`` with a growing interval until ``downloaded`` (or
``error``/``canceled``, which end it with the reason), then takes the link, and for a
folder (a multi-file torrent, an unpacked archive) every file in it via ``cloud/explore``.
``not_available`` is permanent: the reason is spelled out and the next provider is tried.
An ``error`` saying the link is not supported is not worth the cloud's try: it ends the link at
Offcloud as unsupported (:class:`~.client.NotSupported`), and the next provider is tried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final
from urllib.parse import unquote, urlsplit

from linkresolver.api import (
    AccountInfo,
    Config,
    FileLink,
    HosterSpec,
    LinkState,
    LinkStatus,
    Provider,
    ProviderKind,
    ProviderSettings,
    ResolveContext,
    ResolvedLink,
    errors,
    info_hash,
    magnet_name,
    provider_words,
    warn_about_unknown_keys,
)

from .client import CACHE_BATCH, PROVIDER, OffcloudClient
from .results import Status
from .session import authenticated_client, session_path

log = logging.getLogger("linkresolver")

MAGNET: Final = "magnet"
#: Polling cloud/status: first interval, growth, longest interval (seconds).
POLL_FIRST: Final = 1.0
POLL_GROWTH: Final = 1.5
POLL_LONGEST: Final = 15.0
#: How long a cloud download may take before the link is given up (configurable).
DEFAULT_CLOUD_TIMEOUT_MINUTES: Final = 120
#: The keys of ``[providers.offcloud]`` beyond the common ones (README, Configuration).
SETTINGS: Final = frozenset({"proxy_id", "catch_all", "cloud_only", "cloud_timeout_minutes"})


class OffcloudProvider(Provider):
    name: ClassVar[str] = PROVIDER
    kind = ProviderKind.MULTIHOST
    default_api_base = "https://offcloud.com/api"
    max_concurrency = 4
    may_wait = True  # cloud downloads are polled through ctx.wait
    check_batch_size = CACHE_BATCH

    def __init__(self, settings: ProviderSettings, *, stored_session: Path | None = None) -> None:
        super().__init__(settings)
        extra = settings.extra
        self.proxy_id = _optional_text(extra, "proxy_id")
        self.catch_all = _flag(extra, "catch_all", default=True)
        self.cloud_only = frozenset(host.lower() for host in _texts(extra, "cloud_only"))
        minutes = extra.get("cloud_timeout_minutes", DEFAULT_CLOUD_TIMEOUT_MINUTES)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise errors.ConfigError("[providers.offcloud] 'cloud_timeout_minutes' must be a number above 0")
        self.cloud_timeout = float(minutes) * 60
        self.stored_session = stored_session

    @classmethod
    def from_config(cls, config: Config) -> OffcloudProvider:
        settings = config.provider(PROVIDER)
        warn_about_unknown_keys(settings, SETTINGS, config.path)  # a "catch_al" would be ignored
        return cls(settings, stored_session=session_path(config))

    @property
    def enabled(self) -> bool:
        """As configured; else with a key, a password, or a session stored by ``login``."""
        if self.settings.enabled is not None:
            return self.settings.enabled
        stored = self.stored_session is not None and self.stored_session.exists()
        return self.settings.has_credentials or stored

    def client(self, ctx: ResolveContext) -> OffcloudClient:
        return authenticated_client(ctx.session, self.settings, self.api_base, self.stored_session)

    # -- which links ----------------------------------------------------------------------------

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        return []  # seed 004 has no host list: see claims()

    def claims(self, url: str) -> str | None:
        if url[:7].lower() == "magnet:":
            return MAGNET if info_hash(url) else None
        if not self.catch_all or not url[:8].lower().startswith(("http://", "https://")):
            return None
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        return host or None

    def checks(self, hoster: str) -> bool:
        return hoster == MAGNET  # cache tells about torrents; other links cannot be checked

    # -- resolve ----------------------------------------------------------------------------------

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        client = self.client(ctx)
        if hoster == MAGNET or hoster in self.cloud_only:
            return self._cloud(client, url, hoster, ctx)
        try:
            instant = client.instant(url, proxy_id=self.proxy_id)
        except errors.Refused as exc:  # no instant link for this one: the cloud may fetch it
            log.info("%s: no instant link at offcloud (%s); trying its cloud", url, exc.message)
            return self._cloud(client, url, hoster, ctx)
        if instant.url is None:
            return self._cloud(client, url, hoster, ctx)
        return ResolvedLink(url, instant.url, self.name, hoster, filename=instant.file_name)

    def _cloud(self, client: OffcloudClient, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        request = client.cloud(url)
        if request.request_id is None:
            raise errors.ProviderOutage("answered cloud without a request id", provider=self.name, link=url)
        status = self._until_finished(client, request.request_id, url, ctx)
        if status.status != "downloaded":
            raise errors.Refused(
                f"could not fetch it into its cloud: {provider_words(status.message or status.status)}",
                provider=self.name,
                link=url,
            )
        links: list[str] = []
        if status.is_directory or hoster == MAGNET:
            try:
                links = client.explore(request.request_id, link=url)
            except errors.ResolverError as exc:
                if status.is_directory or exc.fatal:
                    raise
                log.info("%s: offcloud explore: %s (a single file)", url, exc.message)
        main = status.url or request.url or (links[0] if links else None)
        if main is None:
            raise errors.ProviderOutage(
                "finished the download but gave no link", provider=self.name, link=url
            )
        files = tuple(FileLink(link, _file_name(link)) for link in links) if len(links) > 1 else ()
        if len(links) == 1:
            main = links[0]
        name = status.file_name or request.file_name or (_file_name(main) if not files else None)
        return ResolvedLink(url, main, self.name, hoster, filename=name, size=status.file_size, files=files)

    def _until_finished(
        self, client: OffcloudClient, request_id: str, url: str, ctx: ResolveContext
    ) -> Status:
        deadline = time.monotonic() + self.cloud_timeout
        interval = POLL_FIRST
        last_said = ""
        while True:
            status = client.cloud_status(request_id, link=url)
            if status.finished:
                return status
            progress = status.progress
            said = f"offcloud is fetching it into its cloud ({status.status or 'queued'}"
            said += f", {progress:.0%})" if progress is not None else ")"
            if said != last_said:
                ctx.report(said)
                last_said = said
            if time.monotonic() + interval > deadline:
                raise errors.ProviderOutage(
                    f"is still fetching it after {self.cloud_timeout / 60:.0f} minutes; see"
                    f" `linkresolver offcloud cloud status {request_id}`",
                    provider=self.name,
                    link=url,
                    retry_after=600,
                )
            ctx.wait(interval)
            interval = min(POLL_LONGEST, interval * POLL_GROWTH)

    # -- check: magnets through cache -------------------------------------------------------------

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        if hoster != MAGNET:
            return [LinkStatus(url, LinkState.UNKNOWN, self.name, hoster) for url in urls]
        hashes = [info_hash(url) for url in urls]
        cached = self.client(ctx).cache([h for h in hashes if h])
        answers: list[LinkStatus | errors.ResolverError] = []
        for url, digest in zip(urls, hashes, strict=True):
            if digest is None:
                answers.append(
                    errors.BadLink("no BitTorrent info hash in this magnet", provider=self.name, link=url)
                )
            elif digest in cached:
                answers.append(
                    LinkStatus(url, LinkState.ONLINE, self.name, hoster, magnet_name(url), cached=True)
                )
            else:
                answers.append(
                    LinkStatus(url, LinkState.UNKNOWN, self.name, hoster, magnet_name(url), cached=False)
                )
        return answers

    def account(self, ctx: ResolveContext) -> AccountInfo:
        client = self.client(ctx)
        return AccountInfo(
            provider=self.name,
            login=self.settings.login,
            type="registered" if client.logged_in() else "not logged in",
            can_download=True,
        )


def _file_name(url: str) -> str | None:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name or None


def _optional_text(extra: Any, key: str) -> str | None:
    value = extra.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise errors.ConfigError(f"[providers.offcloud] '{key}' must be a string")
    return value


def _flag(extra: Any, key: str, *, default: bool) -> bool:
    value = extra.get(key, default)
    if not isinstance(value, bool):
        raise errors.ConfigError(f"[providers.offcloud] '{key}' must be true or false")
    return value


def _texts(extra: Any, key: str) -> list[str]:
    value = extra.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.ConfigError(f"[providers.offcloud] '{key}' must be a list of host names")
    return value
