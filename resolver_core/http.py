"""The one HTTP layer: how sessions are built, and where network and JSON failures become
:mod:`resolver_core.errors`.

Every provider talks through :func:`make_session` and :func:`get_json`/:func:`post_json`,
so timeouts, retries, the User-Agent and the translation of failures are decided here once.
Nothing a transport error says reaches a person unredacted: urllib3 puts whole URLs, query
keys included, into its messages.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any, Final

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import errors
from .redact import redact

log = logging.getLogger("linkresolver.http")

DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_RETRIES: Final = 2
#: An answer larger than this is not an API answer (a JSON bomb, an HTML error page loop).
MAX_ANSWER_BYTES: Final = 16 << 20
USER_AGENT: Final = "linkresolver/0.1 (+https://github.com/linkresolver/linkresolver)"


class _TimeoutSession(requests.Session):
    """A session whose requests time out unless told otherwise (requests' default: never)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def make_session(
    *, retries: int = DEFAULT_RETRIES, timeout: float = DEFAULT_TIMEOUT, pool_size: int = 32
) -> requests.Session:
    """A session with a default timeout, a linkresolver User-Agent and transport retries.

    Retried, with exponential backoff: failed connections and reads, and HTTP 502, 503 and
    504, which come from a provider's front end before its API answers. Only for GET: a
    POST may have taken effect (an upload, a remote download added). Status codes inside the
    JSON envelope (pm-api's 5xx and 509) are decisions of the pipeline, not retried here.
    """
    session = _TimeoutSession(timeout)
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.5,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    _settle_environment(session)
    return session


_PROXY_VARIABLES: Final = ("http_proxy", "https_proxy", "all_proxy")


def _settle_environment(session: requests.Session) -> None:
    """Read the environment once, not on every request.

    With ``trust_env`` requests scans every environment variable for proxies on each
    request: a third of the client's CPU per API call. When no proxy is configured, the
    session stops asking and keeps what the environment says about certificates; with a
    proxy configured, requests' own handling (no_proxy included) stays in charge.
    """
    if any(name.lower() in _PROXY_VARIABLES for name in os.environ):
        return
    session.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle


def get_json(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    provider: str,
    link: str | None = None,
    cookies: Mapping[str, str] | None = None,
) -> Any:
    """GET ``url`` and parse its JSON answer, or raise a :class:`ResolverError`."""
    return get_json_response(session, url, params=params, provider=provider, link=link, cookies=cookies)[0]


def get_json_response(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    provider: str,
    link: str | None = None,
    cookies: Mapping[str, str] | None = None,
) -> tuple[Any, requests.Response]:
    """:func:`get_json`, with the response too (for APIs whose HTTP status says something)."""
    response, body = _request(session, "GET", url, params, None, cookies, provider, link)
    return _json(response, body, provider, link), response


def post_json(
    session: requests.Session,
    url: str,
    *,
    data: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    provider: str,
    link: str | None = None,
    cookies: Mapping[str, str] | None = None,
) -> Any:
    """POST ``data`` as a form to ``url`` and parse its JSON answer, or raise."""
    return post_json_response(
        session, url, data=data, params=params, provider=provider, link=link, cookies=cookies
    )[0]


def post_json_response(
    session: requests.Session,
    url: str,
    *,
    data: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    provider: str,
    link: str | None = None,
    cookies: Mapping[str, str] | None = None,
) -> tuple[Any, requests.Response]:
    """:func:`post_json`, with the response too (for the cookies a login sets)."""
    response, body = _request(session, "POST", url, params, data, cookies, provider, link)
    return _json(response, body, provider, link), response


def get_text(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    provider: str,
    cookies: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """GET ``url``: its HTTP status and its body as text, or a :class:`ResolverError`."""
    response, body = _request(session, "GET", url, params, None, cookies, provider, None)
    return response.status_code, body.decode(response.encoding or "utf-8", errors="replace")


def _request(
    session: requests.Session,
    method: str,
    url: str,
    params: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
    cookies: Mapping[str, str] | None,
    provider: str,
    link: str | None,
) -> tuple[requests.Response, bytes]:
    try:
        response = session.request(
            method, url, params=params, data=data, cookies=dict(cookies) if cookies else None, stream=True
        )
        body = _read_capped(response)
    except requests.Timeout:
        raise errors.ProviderOutage("did not answer in time", provider=provider, link=link) from None
    except requests.ConnectionError as exc:
        raise errors.ProviderOutage(
            f"cannot be reached: {_reason(exc)}", provider=provider, link=link
        ) from None
    except requests.RequestException as exc:
        raise errors.ProviderOutage(f"request failed: {_reason(exc)}", provider=provider, link=link) from None
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s %s -> HTTP %s, %d bytes", method, redact(response.url), response.status_code, len(body))
    return response, body


def _json(response: requests.Response, body: bytes, provider: str, link: str | None) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        status = response.status_code
        what = "an HTML page" if body.lstrip()[:1] == b"<" else "something that is not JSON"
        error = errors.ProviderOutage if status >= 500 or status < 400 else errors.ResolverError
        raise error(
            f"answered HTTP {status} with {what}", provider=provider, link=link, code=status
        ) from None


def _read_capped(response: requests.Response) -> bytes:
    chunks = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            response.close()
            raise requests.RequestException(f"answer larger than {MAX_ANSWER_BYTES >> 20} MiB, cut off")
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(exc: Exception) -> str:
    """A transport error's cause in a few words, redacted (no URLs with keys in them)."""
    reason: BaseException = exc
    while reason.__context__ is not None and str(reason.__context__):
        reason = reason.__context__
    text = str(reason) or type(reason).__name__
    return redact(text)[:300]


# -- the JSON envelope -------------------------------------------------------------------

#: The common meaning of each status code in an API envelope (seed 002's list, and the
#: Openload family's): error class and the words a person reads.
STATUS_ERRORS: Final[Mapping[int, tuple[type[errors.ResolverError], str]]] = {
    400: (errors.BadLink, "says this is not a valid link"),
    401: (errors.AuthFailed, "refused the login (wrong login or key)"),
    402: (errors.PaymentRequired, "can download this only with a premium account"),
    403: (errors.PermissionDenied, "refuses this download (forbidden)"),
    404: (errors.FileOffline, "says the file is offline (deleted at the hoster)"),
    428: (errors.HosterUnavailable, "cannot reach this hoster right now"),
    451: (errors.LegalUnavailable, "says the file is unavailable for legal reasons"),
    502: (errors.ProviderOutage, "had an unknown technical error, most likely at the hoster"),
    503: (errors.ProviderOutage, "is in maintenance or has a temporary technical error"),
    509: (errors.QuotaExhausted, "says the fair-use or bandwidth limit is exhausted"),
}


def unwrap_envelope(
    body: Any,
    *,
    provider: str,
    link: str | None = None,
    overrides: Mapping[int, tuple[type[errors.ResolverError], str]] | None = None,
) -> Any:
    """The ``result`` of a ``{status, msg|statusmessage, result}`` answer, or the right error.

    Only the status code decides ("use the status code in your code, not msg"); the
    provider's message is added for a person to read. Status may arrive as a number or as
    a string.
    """
    if not isinstance(body, dict):
        raise errors.ProviderOutage(
            f"answered {type(body).__name__}, not an object", provider=provider, link=link
        )
    status = _status_code(body.get("status"))
    if status == 200:
        return body.get("result")
    message = body.get("statusmessage") or body.get("msg") or ""
    said = f' (it said "{redact(str(message))[:200]}")' if message else ""
    if status is None:
        raise errors.ProviderOutage(f"answered without a status code{said}", provider=provider, link=link)
    known = (overrides or {}).get(status) or STATUS_ERRORS.get(status)
    if known is not None:
        error_class, words = known
    elif 500 <= status < 600:
        error_class, words = errors.ProviderOutage, "had a technical error"
    else:
        error_class, words = errors.ResolverError, "refused the request"
    raise error_class(f"{words}{said}", provider=provider, link=link, code=status)


def expect_object(value: Any, what: str, provider: str, link: str | None = None) -> dict[str, Any]:
    """``value`` when it is a JSON object; an answer of another shape is the provider's fault."""
    if not isinstance(value, dict):
        raise errors.ProviderOutage(
            f"answered {what} with {type(value).__name__} where an object belongs",
            provider=provider,
            link=link,
        )
    return value


def _status_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    # ASCII digits only ("²".isdigit() is true), and no more than a status code has.
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return int(text)
    return None
