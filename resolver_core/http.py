"""The one HTTP layer: how sessions are built, and where network and JSON failures become
:mod:`resolver_core.errors`.

Every provider talks through :func:`make_session` and :func:`get_json`/:func:`post_json`,
so timeouts, retries, the User-Agent and the translation of failures are decided here once.
Nothing a transport error says reaches a person unredacted: urllib3 puts whole URLs, query
keys included, into its messages. What a parsed answer means (its envelope's status code,
the provider's words) is :mod:`.envelope`'s to read.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import requests
from requests.utils import requote_uri
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from . import budget, cooldowns, deadline, errors
from .capped import read_capped
from .redact import redact

log = logging.getLogger("linkresolver.http")

DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_RETRIES: Final = 2
#: An answer larger than this is not an API answer (a JSON bomb, an HTML error page loop).
MAX_ANSWER_BYTES: Final = 16 << 20
USER_AGENT: Final = "linkresolver/0.1 (+https://github.com/linkresolver/linkresolver)"


class RedirectRefused(requests.exceptions.InvalidURL):
    """A redirect that leaves the web: to a ``file:`` (or other) URL, or from a public host to
    this machine or its network (a router's or aria2's admin port, say)."""


class _TimeoutSession(requests.Session):
    """A session whose requests time out unless told otherwise (requests' default: never),
    and whose redirects are checked before they are followed (:func:`check_redirect`)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout
        self._origin = threading.local()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)

    # requests merges the session's settings into every request: each merge of two mappings
    # costs a runtime Protocol check (slow before Python 3.12) and the cookies are copied into
    # two new jars, some 15 % of an API call's CPU. The two methods below skip merging what
    # is empty; with anything to merge (cookies, auth, headers or params of a call or of the
    # session, proxies, the environment), requests' own code runs, unchanged.

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        if (
            not isinstance(request.method, str)
            or self.trust_env
            or self.params
            or self.auth
            or self.cookies
            or request.auth
            or request.cookies
            or request.headers
            or any(request.hooks.values())
            or None in self.headers.values()
        ):
            return super().prepare_request(request)
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=request.method.upper(),
            url=request.url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=self.headers,
            params=request.params,
            hooks=self.hooks,
        )
        return prepared

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        if self.trust_env or self.proxies:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {
            "proxies": {scheme: proxy for scheme, proxy in (proxies or {}).items() if proxy is not None},
            "stream": self.stream if stream is None else stream,
            "verify": self.verify if verify is None else verify,
            "cert": self.cert if cert is None else cert,
        }

    def resolve_redirects(
        self, resp: requests.Response, req: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> Iterator[Any]:
        # The first URL of the chain, for get_redirect_target: requests hands it only here.
        self._origin.url = req.url
        try:
            yield from super().resolve_redirects(resp, req, *args, **kwargs)
        finally:
            self._origin.url = None

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target: str | None = super().get_redirect_target(resp)
        if target:
            try:
                joined = urljoin(resp.url, target)
            except ValueError:  # "http://[::1": urllib's ValueError would escape every caller
                raise RedirectRefused(
                    f"refused a redirect to a malformed URL ({redact(target)[:200]})"
                ) from None
            check_redirect(self._first_url(resp), joined)
        return target

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        # requests calls this with the URL it will send, after its own rewriting (requote_uri
        # decodes "%31%32%37.0.0.1" to 127.0.0.1): checked again there, whatever a target
        # looked like before.
        check_redirect(self._first_url(response), prepared_request.url or "")
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]

    def _first_url(self, response: requests.Response) -> str:
        return getattr(self._origin, "url", None) or response.request.url or ""


def check_redirect(origin: str, target: str) -> None:
    """Raise :class:`RedirectRefused` unless a request to ``origin`` may be redirected to
    ``target``: only to http(s), and to this machine or its private network only when the
    first URL was there too (the sandbox, a NAS). Hosts are judged by their literal address;
    a public name that resolves to a private address is not looked up (no DNS here).

    The target is judged as it will be sent: requoted as requests does (percent-escapes of
    unreserved characters decoded) and parsed as urllib3 does to connect."""
    try:
        sent = requote_uri(target)
        scheme = urlsplit(sent).scheme.lower()
        host = parse_url(sent).host
        origin_host = parse_url(origin).host
    except (ValueError, LocationParseError):
        raise RedirectRefused(f"refused a redirect to a malformed URL ({redact(target)[:200]})") from None
    if scheme not in ("http", "https"):
        raise RedirectRefused(f"refused a redirect to a {scheme or 'relative'}: URL ({redact(target)[:200]})")
    if is_internal_host(origin_host):
        return
    if is_internal_host(host):
        raise RedirectRefused(
            f"refused a redirect from {origin_host} to {host}, an address on this machine or its network"
        )


def is_internal_host(host: str | None) -> bool:
    """Whether ``host`` (a literal address in any form a resolver accepts, or localhost)
    names this machine or its private network."""
    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the legacy forms a resolver reads without DNS: 2130706433, 0x7f.1, 0177.0.0.1
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_unspecified
        or address.is_reserved
        or address.is_multicast
    )


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
    retry = _Retry(
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
    adapter = deadline.DeadlineAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    # Only what read_capped inflates within its bound: requests would also ask for br and
    # zstd when their packages happen to be installed, and urllib3 inflates those unbounded.
    session.headers["Accept-Encoding"] = "gzip, deflate"
    _settle_environment(session)
    return session


class _Retry(deadline.DeadlineRetry):
    """urllib3's retries (none past the call's deadline), except for answers that say how
    long to wait (``Retry-After``): urllib3 would sleep that long inside one request, holding
    a provider slot for minutes. Those answers go to the pipeline, which rests the provider
    (:mod:`.cooldowns`)."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        return not has_retry_after and super().is_retry(method, status_code, has_retry_after)


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
    headers: Mapping[str, str] | None = None,
) -> Any:
    """GET ``url`` and parse its JSON answer, or raise a :class:`ResolverError`.

    ``headers`` are this call's own (``Authorization: Bearer KEY``: a key in a header never
    reaches a server's access log as a URL does); they are sent as given, never logged."""
    return get_json_response(
        session, url, params=params, provider=provider, link=link, cookies=cookies, headers=headers
    )[0]


def get_json_response(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    provider: str,
    link: str | None = None,
    cookies: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[Any, requests.Response]:
    """:func:`get_json`, with the response too (for APIs whose HTTP status says something)."""
    response, body = _request(session, "GET", url, params, None, cookies, provider, link, headers)
    return _parsed(response, body, provider, link), response


def post_json(
    session: requests.Session,
    url: str,
    *,
    data: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    provider: str,
    link: str | None = None,
    cookies: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """POST ``data`` as a form to ``url`` and parse its JSON answer, or raise (``headers``:
    as for :func:`get_json`)."""
    return post_json_response(
        session, url, data=data, params=params, provider=provider, link=link, cookies=cookies, headers=headers
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
    headers: Mapping[str, str] | None = None,
) -> tuple[Any, requests.Response]:
    """:func:`post_json`, with the response too (for the cookies a login sets)."""
    response, body = _request(session, "POST", url, params, data, cookies, provider, link, headers)
    return _parsed(response, body, provider, link), response


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


def send_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    provider: str,
    link: str | None = None,
) -> tuple[Any, requests.Response]:
    """Any method (PUT and DELETE too) with request headers, as REST APIs want: a bearer
    token goes in ``Authorization``, never in the URL. ``data`` is a form, or the raw body
    (a file's bytes). The parsed answer, or None when the answer has no body at all (HTTP
    204, "done"); with the response, whose status the caller reads. Failures as
    :func:`get_json`'s."""
    response, body = _request(session, method, url, params, data, None, provider, link, headers)
    if not body.strip():
        return None, response
    return _parsed(response, body, provider, link), response


def _request(
    session: requests.Session,
    method: str,
    url: str,
    params: Mapping[str, Any] | None,
    data: Mapping[str, Any] | bytes | None,
    cookies: Mapping[str, str] | None,
    provider: str,
    link: str | None,
    headers: Mapping[str, str] | None = None,
) -> tuple[requests.Response, bytes]:
    budget.bucket(provider).acquire()
    seconds = getattr(session, "default_timeout", DEFAULT_TIMEOUT)
    with deadline.api_call(seconds) as call:
        try:
            response = session.request(
                method,
                url,
                params=params,
                data=data,
                cookies=dict(cookies) if cookies else None,
                headers=dict(headers) if headers else None,
                stream=True,
            )
            _raise_if_told_to_wait(response, provider, link)
            body = read_capped(response, MAX_ANSWER_BYTES)
        except RedirectRefused as exc:  # an answer, and a hostile one: not worth asking again
            raise errors.ProviderOutage(str(exc), provider=provider, link=link) from None
        except requests.RequestException as exc:
            raise _unanswered(_failure(exc, call), provider, link) from None
        if call.expired:  # its socket was shut down: what was read may be cut short
            response.close()
            raise _unanswered(_late(call), provider, link) from None
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s %s -> HTTP %s, %d bytes", method, redact(response.url), response.status_code, len(body))
    return response, body


def _failure(exc: requests.RequestException, call: deadline.Deadline) -> str:
    """What a person reads about a request that got no answer."""
    if call.expired:
        return _late(call)
    if isinstance(exc, requests.Timeout):
        return "did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot be reached: {_reason(exc)}"
    return f"request failed: {_reason(exc)}"


def _late(call: deadline.Deadline) -> str:
    return f"did not answer in time (no whole answer within {call.seconds:g} s)"


def read_json_answer(response: requests.Response, provider: str, link: str | None = None) -> Any:
    """The JSON of a response made elsewhere (``stream=True``; an upload's, say), read as
    every API answer is: at most :data:`MAX_ANSWER_BYTES` however it was compressed, JSON
    bombs refused, a ``ResolverError`` for anything else."""
    try:
        body = read_capped(response, MAX_ANSWER_BYTES)
    except requests.RequestException as exc:
        raise _unanswered(f"answer could not be read: {_reason(exc)}", provider, link) from None
    return _parsed(response, body, provider, link)


def _unanswered(message: str, provider: str, link: str | None) -> errors.ProviderOutage:
    error = errors.ProviderOutage(message, provider=provider, link=link)
    error.no_answer = True
    return error


def _parsed(response: requests.Response, body: bytes, provider: str, link: str | None) -> Any:
    """The JSON of an answer; when it is not JSON, the error says no API answer came (an
    HTML page from a front end is not the provider saying stop)."""
    try:
        return _json(response, body, provider, link)
    except errors.ResolverError as exc:
        exc.no_answer = True
        raise


#: HTTP statuses that, with a ``Retry-After``, say "stop for that long", whatever the body.
_STOP_STATUSES: Final[Mapping[int, tuple[type[errors.ResolverError], str]]] = {
    429: (errors.RateLimited, "says too many requests"),
    503: (errors.ProviderOutage, "is unavailable (HTTP 503)"),
    509: (errors.QuotaExhausted, "says the bandwidth limit is exhausted (HTTP 509)"),
}


def _raise_if_told_to_wait(response: requests.Response, provider: str, link: str | None) -> None:
    """An HTTP 429, or a 503/509 that says how long to wait, as the error that rests the
    provider that long (a 429 without ``Retry-After`` still means stop)."""
    known = _STOP_STATUSES.get(response.status_code)
    if known is None:
        return
    seconds = cooldowns.retry_after_seconds(response.headers.get("Retry-After"))
    if seconds is None and response.status_code != 429:
        return
    response.close()
    error_class, words = known
    after = f"; it asked to wait {seconds:.0f} s" if seconds is not None else ""
    raise error_class(
        f"{words}{after}", provider=provider, link=link, code=response.status_code, retry_after=seconds
    )


def _json(response: requests.Response, body: bytes, provider: str, link: str | None) -> Any:
    """The parsed answer. JSON bombs are refused before Python builds them: an answer of
    a few MiB of ``[],[],...`` would take some 20 times its size in objects, and one nested
    deeper than the parser recurses is no API answer either."""
    # Every JSON value but the first follows a "," or opens a container: this bounds how
    # many values the answer holds (strings with commas count too; real answers are far
    # below). A million values is some 60 MB of Python objects at the very most.
    most_values = 1_000_000
    status = response.status_code
    error = errors.ProviderOutage if status >= 500 or status < 400 else errors.ResolverError
    if body.count(b",") + body.count(b"[") + body.count(b"{") > most_values:
        raise error(
            f"answered HTTP {status} with more than {most_values:,} JSON values (not an API answer)",
            provider=provider,
            link=link,
            code=status,
        )
    try:
        return json.loads(body)
    except RecursionError:
        raise error(
            f"answered HTTP {status} with JSON nested too deeply (not an API answer)",
            provider=provider,
            link=link,
            code=status,
        ) from None
    except ValueError:
        what = "an HTML page" if body.lstrip()[:1] == b"<" else "something that is not JSON"
        raise error(
            f"answered HTTP {status} with {what}", provider=provider, link=link, code=status
        ) from None


def _reason(exc: Exception) -> str:
    """A transport error's cause in a few words, redacted (no URLs with keys in them)."""
    reason: BaseException = exc
    while reason.__context__ is not None and str(reason.__context__):
        reason = reason.__context__
    text = str(reason) or type(reason).__name__
    return redact(text)[:300]
