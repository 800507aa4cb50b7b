"""A typed client for tinydebrid's API: four GET endpoints under one base, the token in the query.

``unlock?link=`` gives a link's direct download, ``check?link=...`` what it knows of links
without unlocking them, ``hosts`` its hoster list, ``account`` the account. Every answer is
a JSON object: the result, or ``{"error": "..."}`` with an HTTP status saying whose fault it
is. Transport failures, JSON bombs and answers of the wrong shape are the core's errors
(the plugin API's HTTP helpers); this module only reads the words tinydebrid sends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import requests

from linkresolver.api import errors, expect_object, get_json_response, loose_float, loose_int, provider_words

PROVIDER: Final = "tinydebrid"
DEFAULT_API_BASE: Final = "https://api.tinydebrid.example/api"


@dataclass(frozen=True, slots=True)
class Unlocked:
    """``unlock``: where the file is, and what tinydebrid says about it."""

    download: str
    filename: str | None
    size: int | None
    sha1: str | None


@dataclass(frozen=True, slots=True)
class Checked:
    """One link of a ``check`` answer."""

    link: str
    online: bool
    filename: str | None
    size: int | None


@dataclass(frozen=True, slots=True)
class Account:
    """``account``: who is logged in, the plan, and the traffic left (0.0 to 1.0)."""

    user: str | None
    plan: str
    expires: int | None
    traffic_left: float | None


class TinyDebridClient:
    """tinydebrid's endpoints, each returning a typed result or raising a ResolverError."""

    def __init__(self, session: requests.Session, api_base: str, token: str) -> None:
        self.session = session
        self.api_base = api_base.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"<TinyDebridClient {self.api_base}>"  # never the token

    def call(self, endpoint: str, params: Mapping[str, Any], *, link: str | None = None) -> dict[str, Any]:
        """GET an endpoint; its answer, or the error it carries."""
        body, response = get_json_response(
            self.session,
            f"{self.api_base}/{endpoint}",
            params={**params, "token": self._token},
            provider=PROVIDER,
            link=link,
        )
        answer = expect_object(body, endpoint, PROVIDER, link)
        status = response.status_code
        if "error" in answer or status >= 400:
            said = provider_words(answer.get("error", f"HTTP {status}"))
            raise _error_for(status, said, link)
        return answer

    def unlock(self, link: str) -> Unlocked:
        answer = self.call("unlock", {"link": link}, link=link)
        download = answer.get("download")
        if not isinstance(download, str) or not download.startswith(("http://", "https://")):
            raise errors.ProviderOutage(
                "answered unlock without a download link", provider=PROVIDER, link=link
            )
        return Unlocked(download, _text(answer.get("filename")), loose_int(answer.get("size")), _sha1(answer))

    def check(self, links: Sequence[str]) -> list[Checked]:
        """What tinydebrid knows of ``links``, in their order (one call for all of them)."""
        answer = self.call("check", {"link": list(links)})
        found = {}
        for entry in answer.get("links", []) if isinstance(answer.get("links"), list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("link"), str):
                found[entry["link"]] = entry
        return [
            Checked(
                link,
                found.get(link, {}).get("online") is True,
                _text(found.get(link, {}).get("filename")),
                loose_int(found.get(link, {}).get("size")),
            )
            for link in links
        ]

    def hosts(self) -> dict[str, Any]:
        """The hoster list as it came (``{"hosters": {name: {"domains", "patterns"}}}``):
        the provider reads it as untrusted, and caches it."""
        return self.call("hosts", {})

    def account(self) -> Account:
        answer = self.call("account", {})
        return Account(
            _text(answer.get("user")),
            _text(answer.get("plan")) or "unknown",
            loose_int(answer.get("expires")),
            loose_float(answer.get("traffic_left")),
        )


def _error_for(status: int, said: str, link: str | None) -> errors.ResolverError:
    """The core's error for an ``error`` answer, by its HTTP status."""
    if status in (401, 403):
        return errors.AuthFailed(f'refused the token (it said "{said}")', provider=PROVIDER, code=status)
    if status == 404:
        return errors.FileOffline(f'says the file is gone (it said "{said}")', provider=PROVIDER, link=link)
    if status == 400:
        return errors.BadLink(f'says this is no link (it said "{said}")', provider=PROVIDER, link=link)
    if status >= 500:
        return errors.ProviderOutage(
            f'had an error (it said "{said}")', provider=PROVIDER, link=link, code=status
        )
    return errors.Refused(f'refused this (it said "{said}")', provider=PROVIDER, link=link, code=status)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _sha1(answer: Mapping[str, Any]) -> str | None:
    value = answer.get("sha1")
    if isinstance(value, str) and len(value) == 40 and all(c in "0123456789abcdef" for c in value.lower()):
        return value.lower()
    return None
