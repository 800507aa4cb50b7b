"""A typed client for Debrid-Link's API v2 (``https://debrid-link.com/api/v2``).

Every call carries the key as ``Authorization: Bearer KEY`` (an API key of the account's
page or an OAuth access token; never in the URL, where it would reach logs and proxies);
forms are POSTed; removing is ``DELETE``. Every answer is the envelope ``{"success": bool,
"value": ...}``; a failed one (whatever its HTTP status) has ``"error": "<code>"``, read by
:func:`~.errors.error_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import requests

from linkresolver.api import RenewingToken, errors, send_json

from .errors import PROVIDER, DebridLinkAuthFailed, error_for
from .results import Account, Generated, Host, Torrent, is_id

DEFAULT_API_BASE: Final = "https://debrid-link.com/api/v2"
#: The most ids one seedbox/list call names (its documentation allows fifty).
MAX_IDS: Final = 50


class DebridLinkClient:
    """Debrid-Link's endpoints, each returning typed results or raising a ResolverError."""

    def __init__(
        self,
        session: requests.Session,
        api_base: str | None,
        token: str,
        *,
        renew: Callable[[str], str] | None = None,
    ) -> None:
        self.session = session
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        #: A device login's token is renewed once per client when refused (``renew``); an
        #: API key the user configured comes without ``renew``.
        self._token = RenewingToken(token, renew)

    def __repr__(self) -> str:
        return f"<DebridLinkClient {self.api_base}>"  # never the token

    # -- the one request path -----------------------------------------------------------------

    def call(
        self,
        method: str,
        endpoint: str,
        *,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        link: str | None = None,
    ) -> Any:
        """One API call: its ``value``, or the right ResolverError. A refused token of a
        device login is renewed once and the call made again (a refused call had no effect)."""
        return self._token.call(
            lambda: self._call_once(method, endpoint, data, params, link),
            refused=lambda exc: (
                isinstance(exc, DebridLinkAuthFailed) and exc.error_code in ("badToken", None)
            ),
        )

    def _call_once(
        self,
        method: str,
        endpoint: str,
        data: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
        link: str | None,
    ) -> Any:
        form = {name: value for name, value in data.items() if value is not None} if data else None
        try:
            body, response = send_json(
                self.session,
                method,
                f"{self.api_base}/{endpoint}",
                params=params,
                data=form,
                headers=self._token.bearer(),
                provider=PROVIDER,
                link=link,
            )
        except errors.ResolverError as exc:
            # An error status whose body is not JSON (an HTML page, an answer cut short): read
            # by its status when the status says something whatever the body (the key, too
            # many requests, a server error); otherwise Debrid-Link's answer did not come (its
            # 404s and 400s are JSON that names the error: a dead file's fileNotFound cut in
            # half is no sign of a changed API), and the link is asked for again.
            if type(exc) is errors.ResolverError and exc.code is not None and exc.code >= 400:
                if exc.code in UNREAD_STATUSES:
                    raise _unanswered(exc.code, endpoint, link) from None
                raise error_for(exc.code, None, link=link) from None
            raise
        if not isinstance(body, dict) or body.get("success") is not True or response.status_code >= 400:
            if isinstance(body, dict) and (body.get("success") is False or response.status_code >= 400):
                raise error_for(response.status_code, body, link=link)
            if response.status_code >= 400:
                raise error_for(response.status_code, None, link=link)
            raise errors.ProviderOutage(
                f"answered {endpoint} with something that is not its answer", provider=PROVIDER, link=link
            )
        return body.get("value")

    # -- the account --------------------------------------------------------------------------

    def account(self) -> Account:
        value = self.call("GET", "account/infos")
        if not isinstance(value, dict):
            raise errors.ProviderOutage("answered account/infos without the account", provider=PROVIDER)
        return Account.read(value)

    # -- downloader ---------------------------------------------------------------------------

    def hosts(self) -> list[Host]:
        """Every hoster Debrid-Link lists, with its status, domains and patterns."""
        value = self.call("GET", "downloader/hosts")
        if not isinstance(value, list):
            raise errors.ProviderOutage(
                "answered downloader/hosts with something that is not a list", provider=PROVIDER
            )
        hosts = [Host.read(entry) for entry in value if isinstance(entry, dict)]
        return [host for host in hosts if host is not None]

    def add_link(self, link: str, *, password: str | None = None) -> list[Generated]:
        """The direct link of each file behind a hoster link (a folder gives several)."""
        value = self.call("POST", "downloader/add", data={"url": link, "password": password}, link=link)
        entries = value if isinstance(value, list) else [value]
        found = [Generated.read(entry) for entry in entries if isinstance(entry, dict)]
        links = [entry for entry in found if entry is not None]
        if not links:
            raise errors.ProviderOutage(
                "answered downloader/add without a usable download link", provider=PROVIDER, link=link
            )
        return links

    def links(self) -> list[Generated]:
        """The links generated lately (the downloader's list)."""
        value = self.call("GET", "downloader/list")
        found = [Generated.read(e) for e in (value if isinstance(value, list) else []) if isinstance(e, dict)]
        return [entry for entry in found if entry is not None]

    def remove_link(self, link_id: str) -> None:
        self.call("DELETE", f"downloader/{path_id(link_id)}/remove")

    # -- seedbox ------------------------------------------------------------------------------

    def add_torrent(self, magnet: str) -> Torrent:
        """Add a magnet (or a torrent's URL) to the seedbox; the torrent as it is now."""
        value = self.call("POST", "seedbox/add", data={"url": magnet, "async": "true"}, link=magnet)
        torrent = Torrent.read(value) if isinstance(value, dict) else None
        if torrent is None:
            raise errors.ProviderOutage(
                "added the torrent but gave no usable id", provider=PROVIDER, link=magnet
            )
        return torrent

    def torrents(self, ids: list[str] | None = None, *, link: str | None = None) -> list[Torrent]:
        """The seedbox's torrents (only those of ``ids`` when given)."""
        params = {"ids": ",".join(path_id(i) for i in ids[:MAX_IDS])} if ids else None
        value = self.call("GET", "seedbox/list", params=params, link=link)
        found = [Torrent.read(e) for e in (value if isinstance(value, list) else []) if isinstance(e, dict)]
        return [torrent for torrent in found if torrent is not None]

    def torrent(self, torrent_id: str, *, link: str | None = None) -> Torrent:
        for torrent in self.torrents([torrent_id], link=link):
            if torrent.id == torrent_id:
                return torrent
        raise errors.ProviderOutage("no longer lists the torrent it added", provider=PROVIDER, link=link)

    def remove_torrent(self, torrent_id: str) -> None:
        self.call("DELETE", f"seedbox/{path_id(torrent_id)}/remove")


#: Error statuses that mean nothing without Debrid-Link's JSON answer naming the error.
UNREAD_STATUSES: Final = frozenset({400, 404})


def _unanswered(status: int, endpoint: str, link: str | None) -> errors.ProviderOutage:
    error = errors.ProviderOutage(
        f"answered {endpoint} with HTTP {status} and something that is not its JSON answer",
        provider=PROVIDER,
        link=link,
        code=status,
    )
    error.no_answer = True  # as for any answer that is not the API's: asked again
    return error


def path_id(value: str) -> str:
    """An id as a path segment: anything but letters, digits and dashes is refused here,
    before it can change the path."""
    if not is_id(value):
        shown = repr(value[:64]) + ("..." if len(value) > 64 else "")  # repr: escapes shown
        raise errors.ConfigError(f"{shown} is not a Debrid-Link id")
    return value
