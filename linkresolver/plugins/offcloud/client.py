"""A typed client for Offcloud's API (seed 004): the whole documented API.

Every call is ``{api_base}/{endpoint}?key=API_KEY`` with its parameters as POST variables
(the document's recommended authentication), or, after ``login``, with the ``connect.sid``
session cookie instead of the key. Answers are plain JSON: a result, ``{"error": "..."}``,
or ``{"not_available": "premium"}`` when an add-on must be bought (retrying does not help).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping, Sequence
from http.cookiejar import CookieJar
from typing import Any, Final

import requests

from linkresolver.api import (
    errors,
    expect_object,
    get_json_response,
    get_text,
    post_json_response,
    provider_words,
)

from .results import Login, Proxy, RemoteAccount, Request, Status, http_url, text

PROVIDER: Final = "offcloud"
DEFAULT_API_BASE: Final = "https://offcloud.com/api"
SESSION_COOKIE: Final = "connect.sid"
#: Hashes per ``cache`` call: a form of 100 hashes is about 6 KB, well within any server's limit.
CACHE_BATCH: Final = 100

#: What each ``not_available`` answer means (seed 004), worded for a person.
NOT_AVAILABLE: Final = {
    "premium": "this download needs Offcloud's premium downloading add-on",
    "links": "this download needs Offcloud's link increase add-on (the account's link limit is used up)",
    "proxy": "this download needs Offcloud's proxy downloading add-on",
    "cloud": "this download needs Offcloud's cloud downloading upgrade add-on",
    "video": "this download needs Offcloud's video sharing site add-on",
}


class NotAvailable(errors.PaymentRequired):
    """``not_available``: the account lacks an add-on; retrying does not help, another
    provider may serve the link."""

    kind = "not_available"

    def __init__(self, reason: str, *, link: str | None = None) -> None:
        words = NOT_AVAILABLE.get(reason, f"this download is not available to this account ({reason})")
        super().__init__(f"says {words}", provider=PROVIDER, link=link)
        self.reason = reason

    def advice(self) -> str:
        return "buying the add-on at Offcloud, or another provider, would get it; retrying will not"


class NotSupported(errors.UnsupportedLink):
    """An ``error`` answer saying Offcloud does not support the link ("This URL is not
    supported.", "Unsupported link"): the link is unsupported here, not failed, and another
    provider may serve it (the core's own UnsupportedLink means that none does)."""

    try_other_provider = True


#: How an ``error`` answer says the link is not supported. Seed 004 words no such answer; these
#: are the words seen: "This URL is not supported." (Offcloud), "Unsupported link" (sandbox).
#: Only about the link: an archive type "not supported" (cloud/explore) is another matter.
_UNSUPPORTED_WORDS: Final = re.compile(
    r"\bunsupported\s+(?:url|link|host|hoster|site|website)\b"
    r"|\b(?:url|link|host|hoster|site|website)\b[^.]*\bnot\s+supported\b",
    re.IGNORECASE,
)

#: How an ``error`` answer says the file itself is gone at its hoster (deleted, never there).
#: The API's documentation words no such answer either; a debrid service cannot fetch a dead
#: file, and says so in words like these (the sandbox: "File not found at the hoster.").
_GONE_WORDS: Final = re.compile(
    r"\b(?:file|link)\b[^.]*\b(?:not\s+found|no\s+longer\s+(?:exists|available)|does\s+not\s+exist"
    r"|(?:was\s+|been\s+)?(?:deleted|removed))\b",
    re.IGNORECASE,
)


class OffcloudClient:
    """Offcloud's endpoints, each returning typed results or raising a ResolverError."""

    def __init__(
        self,
        session: requests.Session,
        api_base: str | None = None,
        *,
        key: str | None = None,
        session_cookie: str | None = None,
    ) -> None:
        self.session = session
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self._key = key
        self._cookie = session_cookie

    def __repr__(self) -> str:
        how = "key" if self._key else "session" if self._cookie else "no credentials"
        return f"<OffcloudClient {self.api_base} by {how}>"  # never the key or the cookie

    @property
    def authenticated(self) -> bool:
        return bool(self._key or self._cookie)

    # -- the one request path -----------------------------------------------------------------

    def call(self, endpoint: str, data: Mapping[str, Any] | None = None, *, link: str | None = None) -> Any:
        """POST ``data`` to an endpoint; its answer, or the right ResolverError."""
        form = {name: value for name, value in (data or {}).items() if value is not None}
        body, response = post_json_response(
            self.session,
            f"{self.api_base}/{endpoint}",
            data=form,
            params=self._auth_params(),
            cookies=self._cookies(),
            provider=PROVIDER,
            link=link,
        )
        return check_answer(body, response.status_code, link=link)

    def get(self, endpoint: str, *, link: str | None = None) -> Any:
        body, response = get_json_response(
            self.session,
            f"{self.api_base}/{endpoint}",
            params=self._auth_params(),
            cookies=self._cookies(),
            provider=PROVIDER,
            link=link,
        )
        return check_answer(body, response.status_code, link=link)

    def _auth_params(self) -> dict[str, str] | None:
        return {"key": self._key} if self._key else None

    def _cookies(self) -> dict[str, str] | None:
        return {SESSION_COOKIE: self._cookie} if self._cookie and not self._key else None

    # -- authentication -------------------------------------------------------------------------

    def login(self, username: str, password: str) -> Login:
        """Log in with the account's e-mail and password; the session cookie stands for them."""
        body, response = post_json_response(
            self.session,
            f"{self.api_base}/login",
            data={"username": username, "password": password},
            provider=PROVIDER,
        )
        result = check_answer(body, response.status_code, auth=True)
        cookie = response.cookies.get(SESSION_COOKIE)
        _forget_session_cookie(self.session)  # sent only where asked for, never by the jar
        if not cookie:
            raise errors.AuthFailed("accepted the login but set no session cookie", provider=PROVIDER)
        answer = result if isinstance(result, dict) else {}
        self._cookie = cookie
        return Login(text(answer.get("email")), text(answer.get("userId")), cookie)

    def logged_in(self) -> bool:
        """``check``: whether the session (or key) is logged in."""
        answer = self.get("check")
        return isinstance(answer, dict) and str(answer.get("loggedIn")) in ("1", "true", "True")

    def api_key(self) -> tuple[str | None, str]:
        """``key``: the logged-in account's e-mail and API key."""
        answer = expect_object(self.call("key"), "key", PROVIDER)
        key = text(answer.get("apiKey"))
        if key is None:
            raise errors.AuthFailed("answered key without an API key (not logged in?)", provider=PROVIDER)
        return text(answer.get("email")), key

    # -- downloads ------------------------------------------------------------------------------

    def instant(self, url: str, *, proxy_id: str | None = None) -> Request:
        return Request.read(
            expect_object(
                self.call("instant", {"url": url, "proxyId": proxy_id}, link=url), "instant", PROVIDER, url
            )
        )

    def cloud(self, url: str) -> Request:
        return Request.read(expect_object(self.call("cloud", {"url": url}, link=url), "cloud", PROVIDER, url))

    def remote(self, url: str, *, remote_option_id: str, folder_id: str | None = None) -> Request:
        answer = self.call(
            "remote", {"url": url, "remoteOptionId": remote_option_id, "folderId": folder_id}, link=url
        )
        return Request.read(expect_object(answer, "remote", PROVIDER, url))

    def cloud_status(self, request_id: str, *, link: str | None = None) -> Status:
        return Status.read(
            expect_object(
                self.call("cloud/status", {"requestId": request_id}, link=link), "cloud/status", PROVIDER
            )
        )

    def remote_status(self, request_id: str) -> Status:
        return Status.read(
            expect_object(self.call("remote/status", {"requestId": request_id}), "remote/status", PROVIDER)
        )

    def explore(self, request_id: str, *, link: str | None = None) -> list[str]:
        """``cloud/explore/ID``: the download link of each file inside an archive or folder."""
        answer = self.get(f"cloud/explore/{_path_id(request_id)}", link=link)
        items = answer if isinstance(answer, list) else []
        return [url for url in (http_url(item) for item in items) if url]

    def list_links(self, request_id: str) -> list[str]:
        """``cloud/list/ID``: the same links as explore, as the service's text (one a line)."""
        status, body = get_text(
            self.session,
            f"{self.api_base}/cloud/list/{_path_id(request_id)}",
            params=self._auth_params(),
            cookies=self._cookies(),
            provider=PROVIDER,
        )
        if body.lstrip().startswith("{"):  # an error, as JSON
            with contextlib.suppress(ValueError, RecursionError):  # "{{{{...": no error said
                check_answer(json.loads(body), status)
        check_answer(None, status)  # an error page that is not JSON
        lines = [line.strip() for line in body.splitlines()]
        return [line for line in lines if http_url(line)]

    def cloud_retry(self, request_id: str) -> None:
        _confirmed(self.get(f"cloud/retry/{_path_id(request_id)}"), "cloud/retry")

    def remote_retry(self, request_id: str) -> None:
        _confirmed(self.get(f"remote/retry/{_path_id(request_id)}"), "remote/retry")

    # -- lists ----------------------------------------------------------------------------------

    def proxies(self) -> list[Proxy]:
        answer = self.call("proxy")
        items = answer.get("list", []) if isinstance(answer, dict) else answer
        found = []
        for entry in items if isinstance(items, list) else []:
            if isinstance(entry, dict) and (proxy_id := text(entry.get("id"))):
                found.append(Proxy(proxy_id, text(entry.get("name")), text(entry.get("region"))))
        return found

    def remote_accounts(self) -> list[RemoteAccount]:
        answer = self.call("remote/accounts")
        items = answer.get("data", []) if isinstance(answer, dict) else answer
        accounts = [
            RemoteAccount.read(e) for e in (items if isinstance(items, list) else []) if isinstance(e, dict)
        ]
        return [account for account in accounts if account is not None]

    def cache(self, hashes: Sequence[str]) -> set[str]:
        """Which of these BitTorrent info hashes are ready at once; lower-case hex.

        One call per :data:`CACHE_BATCH` hashes, each hash once.
        """
        unique = list(dict.fromkeys(h.lower() for h in hashes))
        cached: set[str] = set()
        for start in range(0, len(unique), CACHE_BATCH):
            batch = unique[start : start + CACHE_BATCH]
            cached |= _cached_in(self.call("cache", {"hashes[]": batch}))
        return cached & set(unique)


def check_answer(body: Any, http_status: int, *, link: str | None = None, auth: bool = False) -> Any:
    """The answer itself, or the error it carries (``not_available``, ``error``)."""
    if isinstance(body, dict):
        reason = body.get("not_available")
        if reason is not None:
            raise NotAvailable(provider_words(reason, 60), link=link)
        message = body.get("error")
        if message is not None and message is not False:
            said = provider_words(message)
            if auth or http_status in (401, 403):
                raise errors.AuthFailed(
                    f'refused the credentials (it said "{said}")', provider=PROVIDER, link=link
                )
            if http_status >= 500:
                raise errors.ProviderOutage(
                    f'had an error (it said "{said}")', provider=PROVIDER, link=link, code=http_status
                )
            if link is not None and _UNSUPPORTED_WORDS.search(said):
                raise NotSupported(
                    f'does not support this link (it said "{said}")', provider=PROVIDER, link=link
                )
            if link is not None and _GONE_WORDS.search(said):
                raise errors.FileOffline(
                    f'says the file is gone at the hoster (it said "{said}")', provider=PROVIDER, link=link
                )
            raise errors.Refused(f'refused this (it said "{said}")', provider=PROVIDER, link=link)
    if http_status in (401, 403):
        raise errors.AuthFailed("refused the credentials", provider=PROVIDER, link=link, code=http_status)
    if http_status >= 400:
        error = errors.ProviderOutage if http_status >= 500 else errors.Refused
        raise error(f"answered HTTP {http_status}", provider=PROVIDER, link=link, code=http_status)
    return body


def _forget_session_cookie(session: requests.Session) -> None:
    """requests keeps a response's cookies in the session's jar and sends them with every
    later request; Offcloud's session cookie must go only where this client puts it."""
    jar: CookieJar = session.cookies
    for cookie in list(jar):
        if cookie.name == SESSION_COOKIE:
            jar.clear(cookie.domain, cookie.path, cookie.name)


def _cached_in(answer: Any) -> set[str]:
    if isinstance(answer, dict):
        items = answer.get("cachedItems")
        if items is None:  # {hash: true/false, ...}
            return {str(key).lower() for key, value in answer.items() if value is True}
        answer = items
    if isinstance(answer, list):
        return {item.lower() for item in answer if isinstance(item, str)}
    return set()


def _confirmed(answer: Any, endpoint: str) -> None:
    if answer is False or (isinstance(answer, dict) and answer.get("success") is False):
        raise errors.Refused(f"did not confirm {endpoint}", provider=PROVIDER)


def _path_id(request_id: str) -> str:
    """A request id as a path segment: ids are hex-like; anything else is refused here."""
    if not request_id or not all(c.isascii() and (c.isalnum() or c in "-_") for c in request_id):
        raise errors.ConfigError(f"{request_id!r} is not an Offcloud request id")
    return request_id
