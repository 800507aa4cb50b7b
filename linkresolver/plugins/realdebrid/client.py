"""A typed client for Real-Debrid's REST API (``https://api.real-debrid.com/rest/1.0``).

Every call carries the token as ``Authorization: Bearer TOKEN`` (never in the URL, where it
would reach logs and proxies); forms are POSTed; ``DELETE`` and ``PUT`` are what the API
documents for deleting and uploading. Successes are 200 with JSON, 201 (created) with JSON,
or 204 with no body; errors are 4xx/5xx with ``{"error", "error_code"}`` or no body at all,
read by :func:`~.errors.error_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import requests

from linkresolver.api import RenewingToken, errors, expect_object, send_json

from .errors import PROVIDER, RealDebridAuthFailed, error_for
from .results import Check, Download, HostStatus, Torrent, Traffic, Unrestricted, User, http_url, text

DEFAULT_API_BASE: Final = "https://api.real-debrid.com/rest/1.0"
#: The most entries one list call may ask for (the documentation's maximum is 5000).
MAX_LIST: Final = 5000
#: The longest id taken (Real-Debrid's are a dozen or so letters and digits).
MAX_ID: Final = 64


class RealDebridClient:
    """Real-Debrid's endpoints, each returning typed results or raising a ResolverError."""

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
        #: API token the user configured comes without ``renew``.
        self._token = RenewingToken(token, renew)

    def __repr__(self) -> str:
        return f"<RealDebridClient {self.api_base}>"  # never the token

    # -- the one request path -----------------------------------------------------------------

    def call(
        self,
        method: str,
        endpoint: str,
        *,
        data: Mapping[str, Any] | bytes | None = None,
        params: Mapping[str, Any] | None = None,
        link: str | None = None,
    ) -> Any:
        """One API call: its answer (None for 204), or the right ResolverError. A refused
        token of a device login is renewed once and the call made again (a refused call had
        no effect)."""
        return self._token.call(
            lambda: self._call_once(method, endpoint, data, params, link),
            refused=lambda exc: isinstance(exc, RealDebridAuthFailed) and exc.code in (8, 401),
        )

    def _call_once(
        self,
        method: str,
        endpoint: str,
        data: Mapping[str, Any] | bytes | None,
        params: Mapping[str, Any] | None,
        link: str | None,
    ) -> Any:
        form = (
            {name: value for name, value in data.items() if value is not None}
            if isinstance(data, Mapping)
            else data
        )
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
            # An error status whose body is not JSON (an HTML page): read by its status.
            if type(exc) is errors.ResolverError and exc.code is not None and exc.code >= 400:
                raise error_for(exc.code, None, link=link) from None
            raise
        if response.status_code >= 400:
            raise error_for(response.status_code, body, link=link)
        return body

    # -- the account --------------------------------------------------------------------------

    def user(self) -> User:
        return User.read(expect_object(self.call("GET", "user"), "user", PROVIDER))

    def traffic(self) -> list[Traffic]:
        answer = expect_object(self.call("GET", "traffic"), "traffic", PROVIDER)
        return [Traffic.read(host, entry) for host, entry in answer.items() if isinstance(entry, dict)]

    def disable_access_token(self) -> None:
        """Make the token in use unusable (logging out)."""
        self.call("GET", "disable_access_token")

    # -- hosts ----------------------------------------------------------------------------------

    def hosts_regex(self) -> list[str]:
        """The patterns of every supported link, as the service writes them (``/.../``)."""
        return _texts(self.call("GET", "hosts/regex"), "hosts/regex")

    def hosts_domains(self) -> list[str]:
        return _texts(self.call("GET", "hosts/domains"), "hosts/domains")

    def hosts_status(self) -> dict[str, HostStatus]:
        """Each hoster's status now (up, down, unsupported), by domain."""
        answer = expect_object(self.call("GET", "hosts/status"), "hosts/status", PROVIDER)
        return {
            domain.lower(): HostStatus.read(domain, entry)
            for domain, entry in answer.items()
            if isinstance(entry, dict)
        }

    # -- unrestrict -----------------------------------------------------------------------------

    def check(self, link: str, *, password: str | None = None) -> Check:
        answer = self.call("POST", "unrestrict/check", data={"link": link, "password": password}, link=link)
        return Check.read(expect_object(answer, "unrestrict/check", PROVIDER, link))

    def unrestrict_link(
        self, link: str, *, password: str | None = None, remote: bool = False
    ) -> Unrestricted:
        """A direct link for a hoster link. ``remote``: use the account's remote traffic
        (the download runs on another machine than the one asking)."""
        form = {"link": link, "password": password, "remote": "1" if remote else None}
        answer = expect_object(
            self.call("POST", "unrestrict/link", data=form, link=link), "unrestrict/link", PROVIDER, link
        )
        download = http_url(answer.get("download"))
        if download is None:
            raise errors.ProviderOutage(
                "answered unrestrict/link without a usable download link", provider=PROVIDER, link=link
            )
        return Unrestricted.read(answer, download)

    def unrestrict_folder(self, link: str) -> list[str]:
        """The link of each file in a hoster's folder (empty when it found none)."""
        answer = self.call("POST", "unrestrict/folder", data={"link": link}, link=link)
        items = answer if isinstance(answer, list) else []
        return [url for url in map(http_url, items) if url]

    # -- downloads (the history of unrestricted links) -------------------------------------------

    def downloads(self, *, page: int = 1, limit: int = 100) -> list[Download]:
        answer = self.call("GET", "downloads", params={"page": page, "limit": min(limit, MAX_LIST)})
        entries = [
            Download.read(e) for e in (answer if isinstance(answer, list) else []) if isinstance(e, dict)
        ]
        return [entry for entry in entries if entry is not None]

    def delete_download(self, download_id: str) -> None:
        self.call("DELETE", f"downloads/delete/{path_id(download_id)}")

    # -- torrents -------------------------------------------------------------------------------

    def torrents(self, *, page: int = 1, limit: int = 100, active_only: bool = False) -> list[Torrent]:
        params: dict[str, Any] = {"page": page, "limit": min(limit, MAX_LIST)}
        if active_only:
            params["filter"] = "active"
        answer = self.call("GET", "torrents", params=params)
        entries = [
            Torrent.read(e) for e in (answer if isinstance(answer, list) else []) if isinstance(e, dict)
        ]
        return [entry for entry in entries if entry is not None]

    def torrent_info(self, torrent_id: str, *, link: str | None = None) -> Torrent:
        answer = expect_object(
            self.call("GET", f"torrents/info/{path_id(torrent_id)}", link=link),
            "torrents/info",
            PROVIDER,
            link,
        )
        torrent = Torrent.read(answer)
        if torrent is None:
            raise errors.ProviderOutage("answered torrents/info without an id", provider=PROVIDER, link=link)
        return torrent

    def add_magnet(self, magnet: str) -> str:
        """Add a magnet; the new torrent's id."""
        answer = self.call("POST", "torrents/addMagnet", data={"magnet": magnet}, link=magnet)
        return _added(answer, magnet)

    def add_torrent(self, torrent: bytes, *, link: str | None = None) -> str:
        """Upload a .torrent file's bytes; the new torrent's id."""
        return _added(self.call("PUT", "torrents/addTorrent", data=torrent, link=link), link)

    def select_files(
        self, torrent_id: str, file_ids: list[int] | None = None, *, link: str | None = None
    ) -> None:
        """Start the torrent's download with these files (None: all of them)."""
        files = "all" if file_ids is None else ",".join(str(file_id) for file_id in file_ids)
        try:
            self.call("POST", f"torrents/selectFiles/{path_id(torrent_id)}", data={"files": files}, link=link)
        except errors.Refused as exc:
            if exc.code != 31:  # "action already done": the files are selected
                raise

    def delete_torrent(self, torrent_id: str) -> None:
        self.call("DELETE", f"torrents/delete/{path_id(torrent_id)}")


def path_id(value: str) -> str:
    """An id as a path segment: Real-Debrid's ids are letters and digits; anything else is
    refused here, before it can change the path."""
    if not is_id(value):
        shown = repr(value[:MAX_ID]) + ("..." if len(value) > MAX_ID else "")  # repr: escapes shown
        raise errors.ConfigError(f"{shown} is not a Real-Debrid id")
    return value


def is_id(value: str) -> bool:
    """Whether ``value`` looks like Real-Debrid's ids: a few letters and digits, nothing
    that could change a path (a person's input or an id in an answer alike)."""
    return 0 < len(value) <= MAX_ID and all(c.isascii() and c.isalnum() for c in value)


def _added(answer: Any, link: str | None) -> str:
    """The new torrent's id; an answer without one that can be used is the service's
    fault (an outage), not a configuration error, and is not quoted (it can be anything)."""
    torrent_id = text(answer.get("id")) if isinstance(answer, dict) else None
    if torrent_id is None:
        raise errors.ProviderOutage("added the torrent but gave no id", provider=PROVIDER, link=link)
    if not is_id(torrent_id):
        raise errors.ProviderOutage(
            "added the torrent but gave an id that is not one (not up to 64 letters and digits)",
            provider=PROVIDER,
            link=link,
        )
    return torrent_id


def _texts(answer: Any, what: str) -> list[str]:
    if not isinstance(answer, list):
        raise errors.ProviderOutage(f"answered {what} with something that is not a list", provider=PROVIDER)
    return [item for item in answer if isinstance(item, str) and item]
