"""A typed client for AllDebrid's API v4 (``https://api.alldebrid.com/v4``).

Every call names the program (``agent=linkresolver`` in the query, as the API asked of
every program until 2025 and still accepts) and carries the API key as
``Authorization: Bearer KEY``, never in the URL, where it would reach logs and proxies.
Data is POSTed as a form (the API's default since 2025; lists as ``link[]``); a few
endpoints live under ``/v4.1`` (``magnet/status``, ``user/hosts``, ``pin/get``). Answers are
``{"status": "success", "data": ...}`` or ``{"status": "error", "error": {"code",
"message"}}``, read by :func:`~.errors.error_for`; an answer without the envelope is the
service's fault (an outage), read by its HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import requests

from linkresolver.api import errors, expect_object, loose_float, send_json

from .errors import PROVIDER, error_for
from .results import (
    Delayed,
    LinkInfo,
    Magnet,
    MagnetFile,
    SavedLink,
    Unlocked,
    User,
    entry_error,
    flatten,
    number,
    text,
)

DEFAULT_API_BASE: Final = "https://api.alldebrid.com/v4"
AGENT: Final = "linkresolver"
#: The longest magnet id taken (AllDebrid's are numbers).
MAX_ID_DIGITS: Final = 18

#: The longest Retry-After honoured (seconds); a larger one is the rest's default.
MAX_RETRY_AFTER: Final = 3600.0


class AllDebridClient:
    """AllDebrid's endpoints, each returning typed results or raising a ResolverError."""

    def __init__(self, session: requests.Session, api_base: str | None, key: str | None) -> None:
        self.session = session
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self._key = key

    def __repr__(self) -> str:
        return f"<AllDebridClient {self.api_base}>"  # never the key

    def base(self, version: str | None = None) -> str:
        """The API's base; ``version="4.1"`` for the endpoints that moved there."""
        if version and self.api_base.endswith("/v4"):
            return f"{self.api_base}.{version.split('.', 1)[1]}"
        return self.api_base

    # -- the one request path -----------------------------------------------------------------

    def call(
        self,
        method: str,
        endpoint: str,
        *,
        data: Mapping[str, Any] | None = None,
        version: str | None = None,
        link: str | None = None,
        authenticated: bool = True,
    ) -> Any:
        """One API call: its ``data``, or the right ResolverError."""
        headers = {"Authorization": f"Bearer {self._key}"} if authenticated and self._key else {}
        form = {name: value for name, value in (data or {}).items() if value is not None} or None
        try:
            body, response = send_json(
                self.session,
                method,
                f"{self.base(version)}/{endpoint}",
                params={"agent": AGENT},
                data=form,
                headers=headers,
                provider=PROVIDER,
                link=link,
            )
        except errors.ResolverError as exc:
            # An error status whose body is not JSON (an HTML page): read by its status.
            if type(exc) is errors.ResolverError and exc.code is not None and exc.code >= 400:
                raise error_for(exc.code, None, link=link) from None
            raise
        status = body.get("status") if isinstance(body, dict) else None
        if status == "error" or response.status_code >= 400:
            raise error_for(response.status_code, body, link=link, retry_after=_retry_after(response))
        if status != "success":
            raise errors.ProviderOutage(
                f"answered {endpoint} without its status envelope", provider=PROVIDER, link=link
            )
        return body.get("data")

    def _object(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        return expect_object(self.call(method, endpoint, **kwargs), endpoint, PROVIDER, kwargs.get("link"))

    # -- account and hosts ----------------------------------------------------------------------

    def user(self) -> User:
        answer = self._object("GET", "user")
        return User.read(answer["user"] if isinstance(answer.get("user"), dict) else {})

    def hosts(self) -> dict[str, Any]:
        """The public list: ``hosts``, ``streams`` and ``redirectors``, each by name."""
        return self._object("GET", "hosts", authenticated=False)

    def user_hosts(self) -> dict[str, Any]:
        """The hosts this account may use now (by name), with quotas."""
        answer = self._object("GET", "user/hosts", version="4.1")
        return answer["hosts"] if isinstance(answer.get("hosts"), dict) else {}

    def saved_links(self) -> list[SavedLink]:
        return _saved(self._object("GET", "user/links"))

    def history(self) -> list[SavedLink]:
        return _saved(self._object("GET", "user/history"))

    # -- links ----------------------------------------------------------------------------------

    def infos(
        self, links: list[str], *, password: str | None = None
    ) -> list[LinkInfo | errors.ResolverError]:
        """What ``link/infos`` knows of each link, in order (an error for a link it refused)."""
        answer = self._object("POST", "link/infos", data={"link[]": links, "password": password})
        entries = _list(answer, "infos")
        found: list[LinkInfo | errors.ResolverError] = []
        for index, link in enumerate(links):
            entry = entries[index] if index < len(entries) else None
            if entry is None:
                found.append(errors.ProviderOutage("said nothing of this link", provider=PROVIDER, link=link))
                continue
            error = entry_error(entry, link)
            found.append(
                error
                if error is not None
                else LinkInfo(
                    link, text(entry.get("filename")), number(entry.get("size")), text(entry.get("host"))
                )
            )
        return found

    def unlock(self, link: str, *, password: str | None = None) -> Unlocked:
        unlocked = Unlocked.read(
            self._object("POST", "link/unlock", data={"link": link, "password": password}, link=link)
        )
        if unlocked.download is None and unlocked.delayed is None:
            raise errors.ProviderOutage(
                "answered link/unlock without a download link", provider=PROVIDER, link=link
            )
        return unlocked

    def delayed(self, delayed_id: int, *, link: str | None = None) -> Delayed:
        return Delayed.read(self._object("POST", "link/delayed", data={"id": delayed_id}, link=link))

    def redirector(self, link: str) -> list[str]:
        """The links behind a redirector or link protector (AllDebrid's own encrypted links,
        which only ``link/unlock`` takes)."""
        answer = self._object("POST", "link/redirector", data={"link": link}, link=link)
        links = _list(answer, "links")
        return [item for item in links if isinstance(item, str) and item.startswith(("http://", "https://"))]

    # -- magnets --------------------------------------------------------------------------------

    def upload_magnet(self, magnet: str) -> Magnet:
        answer = self._object("POST", "magnet/upload", data={"magnets[]": [magnet]}, link=magnet)
        entries = _list(answer, "magnets")
        entry = entries[0] if entries else None
        error = entry_error(entry, magnet) if entry is not None else None
        if error is not None:
            raise error
        found = Magnet.read(entry) if isinstance(entry, dict) else None
        if found is None:
            raise errors.ProviderOutage("took the magnet but gave no id", provider=PROVIDER, link=magnet)
        return found

    def magnets(self, *, status: str | None = None) -> list[Magnet]:
        answer = self._object("POST", "magnet/status", data={"status": status}, version="4.1")
        listed = answer.get("magnets")
        entries = listed if isinstance(listed, list) else [listed] if isinstance(listed, dict) else []
        return [magnet for magnet in (Magnet.read(e) for e in entries if isinstance(e, dict)) if magnet]

    def magnet_status(self, magnet_id: str, *, link: str | None = None) -> Magnet:
        answer = self._object(
            "POST", "magnet/status", data={"id": checked_id(magnet_id)}, version="4.1", link=link
        )
        listed = answer.get("magnets")
        entry = listed[0] if isinstance(listed, list) and listed else listed
        found = Magnet.read(entry) if isinstance(entry, dict) else None
        if found is None:
            raise errors.ProviderOutage(
                "answered magnet/status without the magnet", provider=PROVIDER, link=link
            )
        return found

    def magnet_files(self, magnet_id: str, *, link: str | None = None) -> list[MagnetFile]:
        answer = self._object("POST", "magnet/files", data={"id[]": [checked_id(magnet_id)]}, link=link)
        entries = _list(answer, "magnets")
        for entry in entries:
            error = entry_error(entry, link)
            if error is not None:
                raise error
            if str(entry.get("id")) == magnet_id:
                return flatten(entry.get("files"))
        raise errors.ProviderOutage("answered magnet/files without the magnet", provider=PROVIDER, link=link)

    def delete_magnet(self, magnet_id: str) -> None:
        self.call("POST", "magnet/delete", data={"id": checked_id(magnet_id)})

    # -- the PIN login (no key yet) -------------------------------------------------------------

    def pin_get(self) -> dict[str, Any]:
        return self._object("GET", "pin/get", version="4.1", authenticated=False)

    def pin_check(self, pin: str, check: str) -> dict[str, Any]:
        return self._object("POST", "pin/check", data={"pin": pin, "check": check}, authenticated=False)


def checked_id(value: str) -> str:
    """A magnet id as sent: AllDebrid's are numbers; anything else is refused here."""
    if not (value.isascii() and value.isdigit() and 0 < len(value) <= MAX_ID_DIGITS):
        shown = repr(value[:MAX_ID_DIGITS]) + ("..." if len(value) > MAX_ID_DIGITS else "")
        raise errors.ConfigError(f"{shown} is not an AllDebrid magnet id (a number)")
    return value


def _saved(answer: dict[str, Any]) -> list[SavedLink]:
    links = _list(answer, "links")
    return [entry for entry in (SavedLink.read(e) for e in links) if entry is not None]


def _list(answer: dict[str, Any], key: str) -> list[Any]:
    value = answer.get(key)
    return value if isinstance(value, list) else []


def _retry_after(response: requests.Response) -> float | None:
    """The seconds a refusal's ``Retry-After`` asks for (too many requests), if sane."""
    seconds = loose_float(response.headers.get("Retry-After"))
    return seconds if seconds is not None and 0 <= seconds <= MAX_RETRY_AFTER else None
