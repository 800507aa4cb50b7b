"""A typed client for Premiumize's current API (``https://www.premiumize.me/api``).

Every call carries the API key (or an OAuth access token: the API takes either) as
``Authorization: Bearer ...``, which the API documentation recommends: a key in a header
stays out of servers' access logs, proxies and histories, where a URL's ``apikey=`` would
land. Answers are JSON objects with ``"status": "success"``, or ``"status": "error"`` and a
``message`` whose words alone say what went wrong (:mod:`.current_errors` reads them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

import requests

from linkresolver.api import errors, get_json_response, post_json_response, provider_words

from .current_errors import PROVIDER, InvalidKey, error_for
from .current_results import (
    AccountState,
    CacheEntry,
    DirectDownload,
    Transfer,
    account_state,
    cache_entries,
    direct_download,
    text,
    transfers,
)

DEFAULT_API_BASE: Final = "https://www.premiumize.me/api"
#: Items per ``cache/check`` call: a GET, so the URL must stay well below the 8 KB that
#: servers and proxies take; 100 info hashes are about 5 KB.
CACHE_BATCH: Final = 100
#: Characters of URL-encoded items per ``cache/check`` call (long hoster links fill it first).
CACHE_URL_BUDGET: Final = 6000


class CurrentClient:
    """The current API's endpoints, each returning typed results or raising a ResolverError."""

    def __init__(self, session: requests.Session, api_base: str | None, token: str) -> None:
        if not token:
            raise InvalidKey("has no API key configured", provider=PROVIDER)
        self.session = session
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        #: The key or access token this client sends (to renew the one refused).
        self.token = token

    def __repr__(self) -> str:
        return f"<CurrentClient {self.api_base}>"  # never the key

    # -- the one request path -----------------------------------------------------------------

    def get(self, endpoint: str, params: Mapping[str, Any] | None = None, *, link: str | None = None) -> Any:
        body, response = get_json_response(
            self.session,
            f"{self.api_base}/{endpoint}",
            params=params,
            headers=self._headers(),
            provider=PROVIDER,
            link=link,
        )
        return checked(body, response.status_code, link=link)

    def post(self, endpoint: str, data: Mapping[str, Any], *, link: str | None = None) -> Any:
        body, response = post_json_response(
            self.session,
            f"{self.api_base}/{endpoint}",
            data=data,
            headers=self._headers(),
            provider=PROVIDER,
            link=link,
        )
        return checked(body, response.status_code, link=link)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- endpoints ------------------------------------------------------------------------------

    def directdl(self, src: str) -> DirectDownload:
        """``transfer/directdl``: direct links for a hoster link or a cached torrent."""
        answer = direct_download(self.post("transfer/directdl", {"src": src}, link=src))
        if answer.location is None and not answer.content:
            raise errors.ProviderOutage(
                "answered directdl without any download link", provider=PROVIDER, link=src
            )
        return answer

    def cache_check(self, items: Sequence[str]) -> list[CacheEntry]:
        """``cache/check`` of each item (a link, a magnet or an info hash), in order; as many
        calls as the items need (:data:`CACHE_BATCH`, :data:`CACHE_URL_BUDGET`)."""
        found: list[CacheEntry] = []
        for batch in _batches(items):
            answer = self.get("cache/check", {"items[]": list(batch)})
            found.extend(cache_entries(answer, len(batch)))
        return found

    def transfer_create(self, src: str) -> str:
        """``transfer/create``: the new transfer's id (an existing one's, when the account
        already fetches ``src``)."""
        try:
            answer = self.post("transfer/create", {"src": src}, link=src)
        except errors.ResolverError as exc:
            if exc.kind != "transfer_exists":
                raise
            existing = next((t for t in self.transfer_list() if t.src == src), None)
            if existing is None:
                raise
            return existing.id
        transfer_id = text(answer.get("id"))
        if transfer_id is None:
            raise errors.ProviderOutage("answered transfer/create without an id", provider=PROVIDER, link=src)
        return transfer_id

    def transfer_list(self) -> list[Transfer]:
        return transfers(self.get("transfer/list"))

    def transfer_delete(self, transfer_id: str) -> None:
        self.post("transfer/delete", {"id": transfer_id})

    def services(self) -> dict[str, Any]:
        """The raw ``services/list`` answer, for :class:`~.current_services.ServiceList`."""
        return dict(self.get("services/list"))

    def account_info(self) -> AccountState:
        return account_state(self.get("account/info"))


def checked(body: Any, http_status: int, *, link: str | None = None) -> dict[str, Any]:
    """The answer of a successful call, or the error an ``error`` answer means."""
    if not isinstance(body, dict):
        raise errors.ProviderOutage(
            f"answered HTTP {http_status} with {type(body).__name__}, not an object",
            provider=PROVIDER,
            link=link,
        )
    status = body.get("status")
    if status == "error":
        error = error_for(body.get("message"), link=link)
        if http_status in (401, 403) and not isinstance(error, errors.AuthFailed):
            error = InvalidKey(f"refused the key ({error.message})", provider=PROVIDER, link=link)
        raise error
    if http_status in (401, 403):
        raise InvalidKey("refused the key", provider=PROVIDER, link=link, code=http_status)
    if http_status >= 400:
        error_class = errors.ProviderOutage if http_status >= 500 else errors.Refused
        raise error_class(f"answered HTTP {http_status}", provider=PROVIDER, link=link, code=http_status)
    if status not in ("success", None):
        raise errors.ProviderOutage(
            # The service's word, quoted short and printable: it can be anything, of any length.
            f"answered with the unknown status '{provider_words(text(status) or '?', 40)}'",
            provider=PROVIDER,
            link=link,
        )
    return body


def _batches(items: Sequence[str]) -> list[list[str]]:
    batches: list[list[str]] = []
    batch: list[str] = []
    used = 0
    for item in items:
        cost = len(quote(item, safe="")) + len("items%5B%5D=&")
        if batch and (len(batch) >= CACHE_BATCH or used + cost > CACHE_URL_BUDGET):
            batches.append(batch)
            batch, used = [], 0
        batch.append(item)
        used += cost
    if batch:
        batches.append(batch)
    return batches
