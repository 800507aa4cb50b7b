"""The tinydebrid provider: a debrid service that serves the hosters of its own list.

The list is remote and untrusted: read with the core's ``read_hosters`` (bounded, patterns
that name no host confined to the hoster's domains), and kept in the core's hoster-list
cache (``ctx.cache``), so a run with a fresh list asks tinydebrid nothing before resolving.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import requests

from linkresolver.api import (
    AccountInfo,
    HosterPatterns,
    HosterSpec,
    LinkState,
    LinkStatus,
    Provider,
    ProviderKind,
    ResolveContext,
    ResolvedLink,
    ResolverError,
    errors,
    read_hosters,
)

from .client import DEFAULT_API_BASE, PROVIDER, TinyDebridClient


class TinyDebridProvider(Provider):
    """The account's token is the configured ``key`` (``LINKRESOLVER_TINYDEBRID_KEY``)."""

    name = PROVIDER
    kind = ProviderKind.DEBRID
    default_api_base = DEFAULT_API_BASE
    can_check = True

    def client(self, ctx: ResolveContext) -> TinyDebridClient:
        return client_for(self, ctx.session)

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        raw = ctx.cache.get(
            self.name,
            lambda: self.client(ctx).hosts(),
            refresh=ctx.refresh_hosterlists,
            valid=lambda answer: bool(hosters_of(answer)),
        )
        return [HosterSpec(name, hoster.regexes, hoster.tlds) for name, hoster in hosters_of(raw).items()]

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        unlocked = self.client(ctx).unlock(url)
        return ResolvedLink(
            url,
            unlocked.download,
            self.name,
            hoster,
            filename=unlocked.filename,
            size=unlocked.size,
            sha1=unlocked.sha1,
        )

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | ResolverError]:
        return [
            LinkStatus(
                checked.link,
                LinkState.ONLINE if checked.online else LinkState.OFFLINE,
                self.name,
                hoster,
                filename=checked.filename,
                size=checked.size,
            )
            for checked in self.client(ctx).check(urls)
        ]

    def account(self, ctx: ResolveContext) -> AccountInfo:
        account = self.client(ctx).account()
        return AccountInfo(
            provider=self.name,
            login=account.user,
            type=account.plan,
            can_download=account.plan != "expired",
            expires=account.expires,
            fair_use_left=account.traffic_left,
        )


def client_for(provider: Provider, session: requests.Session) -> TinyDebridClient:
    """A client with the provider's token; none configured is said in one line."""
    token = provider.settings.key
    if not token:
        raise errors.AuthFailed(
            "has no token: set key in [providers.tinydebrid] (or LINKRESOLVER_TINYDEBRID_KEY)",
            provider=PROVIDER,
        )
    return TinyDebridClient(session, provider.api_base, token)


def hosters_of(answer: Mapping[str, Any]) -> dict[str, HosterPatterns]:
    """The hosters of a ``hosts`` answer that can be used; malformed ones are skipped with a
    warning (the core's reading of any provider's list)."""
    listed = answer.get("hosters")
    if not isinstance(listed, Mapping):
        return {}
    return read_hosters(
        (
            (name, entry.get("domains", ()), entry.get("patterns", ()))
            for name, entry in listed.items()
            if isinstance(entry, Mapping)
        ),
        count=len(listed),
    )
