"""A typed client for TorBox's API (``https://api.torbox.app/v1/api``).

Every call carries the API key as ``Authorization: Bearer KEY``; ``requestdl`` (the direct
link of a file) takes it as the ``token`` query parameter as well, since its documentation
requires it there (the link is made to be opened by a browser): the key is a registered
secret, masked wherever a URL is logged. Forms are POSTed (``createtorrent``,
``createwebdownload``), the ``control`` calls take JSON. Every answer is the envelope
``{"success", "error", "detail", "data"}``: ``data`` when ``success`` is true, else the
error :func:`~.errors.error_for` reads from ``error`` (and the HTTP status).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

import requests

from linkresolver.api import errors, loose_float, loose_int, send_json

from .creations import CreationBudget
from .errors import PROVIDER, error_for
from .results import Cached, Hoster, Transfer, User, cached_entries, http_url

#: Error statuses that mean nothing without TorBox's JSON answer naming the error.
UNREAD_STATUSES: Final = frozenset({400, 404})

DEFAULT_API_BASE: Final = "https://api.torbox.app/v1/api"
#: The most entries one list call asks for (the documentation's default and maximum: 1000).
MAX_LIST: Final = 1000
#: Hashes one ``checkcached`` call asks about (they travel in the query string).
CHECK_BATCH: Final = 50
#: The longest Retry-After honoured (seconds); a larger one is the rest's default.
MAX_RETRY_AFTER: Final = 3600.0

#: The two kinds of transfer, as their endpoints name them: (path, id parameter of
#: requestdl, id key of control, id key of the creation's answer).
TORRENTS: Final = ("torrents", "torrent_id", "torrent_id", "torrent_id")
WEBDL: Final = ("webdl", "web_id", "webdl_id", "webdownload_id")


def link_hash(link: str) -> str:
    """The hash ``webdl/checkcached`` knows a hoster link by: the MD5 of the link."""
    return hashlib.md5(link.encode()).hexdigest()  # noqa: S324 (TorBox's key, not security)


class TorBoxClient:
    """TorBox's endpoints, each returning typed results or raising a ResolverError."""

    def __init__(
        self,
        session: requests.Session,
        api_base: str | None,
        key: str,
        *,
        creations: CreationBudget | None = None,
    ) -> None:
        self.session = session
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self._key = key
        #: The provider's count of new downloads (None: not counted here).
        self.creations = creations

    def __repr__(self) -> str:
        return f"<TorBoxClient {self.api_base}>"  # never the key

    # -- the one request path -----------------------------------------------------------------

    def call(
        self,
        method: str,
        endpoint: str,
        *,
        form: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        link: str | None = None,
    ) -> Any:
        """One API call: its ``data``, or the right ResolverError. ``form``: a form;
        ``body``: JSON. A client without a key (the login's) sends no Authorization."""
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        data: Mapping[str, Any] | bytes | None = None
        if form is not None:
            data = {name: value for name, value in form.items() if value is not None}
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            answer, response = send_json(
                self.session,
                method,
                f"{self.api_base}/{endpoint}",
                params=params,
                data=data,
                headers=headers,
                provider=PROVIDER,
                link=link,
            )
        except errors.ResolverError as exc:
            # An error status whose body is not JSON (an HTML page, an answer cut short): read
            # by its status when the status says something whatever the body (the key, too
            # many requests, a server error); TorBox's 400s and 404s are JSON naming the
            # error, so without it the answer did not come (a dead link's answer cut in half
            # is no sign of a changed API) and the link is asked for again.
            if type(exc) is errors.ResolverError and exc.code is not None and exc.code >= 400:
                if exc.code in UNREAD_STATUSES:
                    unanswered = errors.ProviderOutage(
                        f"answered {endpoint} with HTTP {exc.code} and something that is not its JSON answer",
                        provider=PROVIDER,
                        link=link,
                        code=exc.code,
                    )
                    unanswered.no_answer = True
                    raise unanswered from None
                raise error_for(exc.code, None, link=link) from None
            raise
        failed = (
            response.status_code >= 400 or not isinstance(answer, dict) or answer.get("success") is not True
        )
        if failed:
            if response.status_code < 400 and not (isinstance(answer, dict) and "success" in answer):
                raise errors.ProviderOutage(
                    f"answered {endpoint} without its usual envelope", provider=PROVIDER, link=link
                )
            raise error_for(
                response.status_code if response.status_code >= 400 else 400,
                answer,
                link=link,
                retry_after=_retry_after(response),
            )
        return answer.get("data")

    # -- the account and hosters --------------------------------------------------------------

    def user(self) -> User:
        data = self.call("GET", "user/me", params={"settings": "false"})
        if not isinstance(data, dict):
            raise errors.ProviderOutage("answered user/me without the account", provider=PROVIDER)
        return User.read(data)

    def hosters(self) -> list[Hoster]:
        data = self.call("GET", "webdl/hosters")
        if not isinstance(data, list):
            raise errors.ProviderOutage(
                "answered webdl/hosters with something that is not a list", provider=PROVIDER
            )
        found = (Hoster.read(entry) for entry in data if isinstance(entry, dict))
        return [hoster for hoster in found if hoster is not None]

    # -- the device login (no key: these two calls are how a key is got) -------------------

    def device_start(self, app: str) -> dict[str, Any]:
        """Start a device login for the program named ``app`` (shown on TorBox's page):
        the device code, the code the person enters, the page and the poll interval."""
        data = self.call("GET", "user/auth/device/start", params={"app": app})
        if not isinstance(data, dict):
            raise errors.ProviderOutage(
                "answered user/auth/device/start without the codes", provider=PROVIDER
            )
        return data

    def device_token(self, device_code: str) -> dict[str, Any]:
        """One poll of a device login: the API key once the person entered the code; until
        then TorBox refuses with its ``DEVICE_CODE_NOT_USED`` (raised, as any refusal)."""
        data = self.call("POST", "user/auth/device/token", body={"device_code": device_code})
        if not isinstance(data, dict):
            raise errors.ProviderOutage("answered user/auth/device/token without the key", provider=PROVIDER)
        return data

    # -- what is cached -----------------------------------------------------------------------

    def cached_torrents(self, hashes: Iterable[str]) -> dict[str, Cached]:
        """The torrents TorBox has cached among ``hashes`` (info hashes), by hash."""
        return self._cached("torrents", [h.lower() for h in hashes])

    def cached_links(self, links: Iterable[str]) -> dict[str, Cached]:
        """The hoster links TorBox has cached, by link."""
        by_hash = {link_hash(link): link for link in links}
        found = self._cached("webdl", list(by_hash))
        return {by_hash[digest]: entry for digest, entry in found.items() if digest in by_hash}

    def _cached(self, kind: str, hashes: list[str]) -> dict[str, Cached]:
        found: dict[str, Cached] = {}
        for start in range(0, len(hashes), CHECK_BATCH):
            batch = hashes[start : start + CHECK_BATCH]
            data = self.call("GET", f"{kind}/checkcached", params={"hash": ",".join(batch), "format": "list"})
            found.update(cached_entries(data))
        return found

    # -- torrents and web downloads -----------------------------------------------------------

    def create_torrent(self, magnet: str) -> int:
        """Add a magnet; the new torrent's id."""
        form = {"magnet": magnet, "seed": "3", "allow_zip": "false"}  # seed 3: do not seed
        if self.creations is not None:
            self.creations.take(magnet)
        data = self.call("POST", "torrents/createtorrent", form=form, link=magnet)
        return _created(data, TORRENTS[3], magnet)

    def create_webdownload(self, link: str, *, password: str | None = None) -> int:
        """Add a hoster link; the new web download's id."""
        if self.creations is not None:
            self.creations.take(link)
        data = self.call(
            "POST", "webdl/createwebdownload", form={"link": link, "password": password}, link=link
        )
        return _created(data, WEBDL[3], link)

    def transfer(
        self, kind: tuple[str, str, str, str], transfer_id: int, *, link: str | None = None
    ) -> Transfer:
        data = self.call(
            "GET", f"{kind[0]}/mylist", params={"id": transfer_id, "bypass_cache": "true"}, link=link
        )
        if isinstance(data, list) and len(data) == 1:  # some answer a list of the one
            data = data[0]
        found = Transfer.read(data) if isinstance(data, dict) else None
        if found is None:
            raise errors.ProviderOutage(
                f"answered {kind[0]}/mylist without the download", provider=PROVIDER, link=link
            )
        return found

    def transfers(
        self, kind: tuple[str, str, str, str], *, offset: int = 0, limit: int = 100
    ) -> list[Transfer]:
        params = {"bypass_cache": "true", "offset": offset, "limit": min(limit, MAX_LIST)}
        data = self.call("GET", f"{kind[0]}/mylist", params=params)
        found = (Transfer.read(e) for e in (data if isinstance(data, list) else []) if isinstance(e, dict))
        return [entry for entry in found if entry is not None]

    def request_link(
        self, kind: tuple[str, str, str, str], transfer_id: int, file_id: int, *, link: str | None = None
    ) -> str:
        """The direct link of one file of a finished transfer."""
        params = {"token": self._key, kind[1]: transfer_id, "file_id": file_id, "zip_link": "false"}
        data = self.call("GET", f"{kind[0]}/requestdl", params=params, link=link)
        url = http_url(data)
        if url is None:
            raise errors.ProviderOutage(
                f"answered {kind[0]}/requestdl without a usable link", provider=PROVIDER, link=link
            )
        return url

    def delete(self, kind: tuple[str, str, str, str], transfer_id: int) -> None:
        endpoint = "torrents/controltorrent" if kind is TORRENTS else "webdl/controlwebdownload"
        self.call("POST", endpoint, body={kind[2]: transfer_id, "operation": "delete"})


def kind_named(name: str) -> tuple[str, str, str, str]:
    return TORRENTS if name == "torrents" else WEBDL


def _created(data: Any, key: str, link: str | None) -> int:
    """The new transfer's id; an answer without one is the service's fault (an outage)."""
    found = loose_int(data.get(key)) if isinstance(data, dict) else None
    if found is None:
        queued = isinstance(data, dict) and data.get("queued_id") is not None
        says = (
            "queued the download instead of starting it (the account's slots are full)"
            if queued
            else "added the download but gave no id"
        )
        raise errors.ProviderOutage(says, provider=PROVIDER, link=link, retry_after=300 if queued else None)
    return found


def _retry_after(response: requests.Response) -> float | None:
    seconds = loose_float(response.headers.get("Retry-After"))
    return seconds if seconds is not None and 0 <= seconds <= MAX_RETRY_AFTER else None
