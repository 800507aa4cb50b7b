"""Splitting a URL into the parts that hoster matching needs, cheaply and conservatively.

Matching is domain-first, so every URL's host has to be found, lower-cased, stripped of
user info and port, and turned into its ASCII (IDNA) form. ``urllib.parse`` does this in
about a microsecond and raises on odd input; the matcher's budget is a few microseconds per
URL, so the common case (an ASCII URL with a plain lower-case host) takes one regex match and
a few string checks, and only unusual URLs take the slow path.

The URL that patterns then run on is normalised just enough that a link that worked in a
browser still works: scheme and host lower-cased, a default port dropped, an IDN host in
its ``xn--`` form and non-ASCII characters elsewhere percent-encoded as UTF-8, as a browser
sends them. Everything the patterns see is then ASCII, so RE2 and Python's ``re`` agree on
``\\w`` and ``\\d``.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple
from urllib.parse import quote

import idna

#: Seed 002 says direct links stay below 2083 bytes; pasted links with long tracking
#: queries can be longer. Anything above this is not a link a hoster issued.
MAX_URL_LENGTH: Final = 16_384

# scheme "://" authority; the rest is path, query and fragment.
_SPLIT: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#\\]*)")
_HOSTLESS: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):[^\s/][^\s]*")
#: A URL that needs no normalisation (the common case, one regex call): lower-case scheme,
#: a plain lower-case ASCII host without port or user info, and printable ASCII without
#: spaces after it. Group 1 is the host.
PLAIN_URL: Final = re.compile(r"[a-z][a-z0-9+.\-]*://([a-z0-9\-_]+(?:\.[a-z0-9\-_]+)*)(?:[/?#][!-~]*)?")
_DEFAULT_PORTS: Final = {"http": "80", "https": "443", "ftp": "21"}
# Characters a browser leaves alone when it percent-encodes the rest (RFC 3986 reserved and
# unreserved, plus '%' so existing escapes survive).
_URL_SAFE: Final = "!#$%&'()*+,/:;=?@[]~-._"


class SplitURL(NamedTuple):
    """A URL as the matcher sees it."""

    #: The URL the patterns run on (see the module docstring).
    url: str
    #: Lower-case ASCII host without port or user info; "" when the URL has none.
    host: str


def split_url(url: str) -> SplitURL | None:
    """Return the normalised URL and its host, or None when ``url`` is not a usable URL.

    Never raises for any ``str``: hostile or malformed input simply is not a URL.
    """
    if len(url) > MAX_URL_LENGTH:
        return None
    plain = PLAIN_URL.fullmatch(url)
    if plain is not None:
        return SplitURL(url, plain.group(1))
    url = url.strip()
    if not _is_text(url):
        return None  # undecodable input bytes (lone surrogates): no browser sends that
    m = _SPLIT.match(url)
    if m is None:
        return _split_hostless(url)
    return _split_slow(url, m.group(1).lower(), m.group(2), m.end())


def _split_hostless(url: str) -> SplitURL | None:
    """``magnet:?xt=...`` and other URIs without an authority: no host, so only the
    fallback patterns can match them."""
    m = _HOSTLESS.fullmatch(url)
    if m is None:
        return None
    scheme, rest = m.group(1).lower(), url[m.end(1) :]
    if not rest.isascii() or not rest.isprintable():
        rest = quote(rest, safe=_URL_SAFE)
    return SplitURL(scheme + rest, "")


def _split_slow(url: str, scheme: str, authority: str, rest_at: int) -> SplitURL | None:
    userinfo, _, hostport = authority.rpartition("@")
    host, port = _split_port(hostport)
    if host is None:
        return None
    ascii_host = to_ascii_host(host)
    if ascii_host is None:
        return None
    if port == _DEFAULT_PORTS.get(scheme):
        port = ""
    # A trailing dot (a fully qualified name) stays in the URL, which is kept as given, but
    # not in the host that selects the candidate patterns.
    dot = "." if host.endswith(".") and ascii_host else ""
    rebuilt_authority = (userinfo + "@" if userinfo else "") + ascii_host + dot + (":" + port if port else "")
    rest = url[rest_at:]
    if not rest.isascii() or not rest.isprintable() or " " in rest:
        rest = quote(rest, safe=_URL_SAFE)
    if userinfo and not userinfo.isascii():
        return None
    return SplitURL(f"{scheme}://{rebuilt_authority}{rest}", ascii_host.strip("[]"))


def _split_port(hostport: str) -> tuple[str | None, str]:
    """Split ``host[:port]``; IPv6 literals keep their brackets. None when malformed."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            return None, ""
        host, after = hostport[: end + 1], hostport[end + 1 :]
        if after and not (after.startswith(":") and after[1:].isascii() and after[1:].isdigit()):
            return None, ""
        return host.lower(), after[1:]
    host, colon, port = hostport.partition(":")
    if colon and port and not (port.isascii() and port.isdigit()):
        return None, ""
    return host, port


def to_ascii_host(host: str) -> str | None:
    """Lower-case ``host`` and give an internationalised name its IDNA ``xn--`` form.

    Returns None for a host that cannot be a DNS name (empty labels in the middle, labels over
    63 octets, characters IDNA refuses). Trailing dots (fully qualified names) are dropped.

    Internationalised names are mapped as browsers map them (UTS #46, non-transitional, the
    ``idna`` package), not by Python's ``idna`` codec (IDNA 2003): the codec turns
    ``faß.example`` into ``fass.example`` and drops an invisible joiner (U+200D) put inside
    ``rapidgator.net``, so a link a browser would send to another domain would be taken for
    the real hoster's. What UTS #46 maps to the same host (full-width letters and dots,
    a soft hyphen, upper case) is that host, for browsers and here.
    """
    host = host.strip().rstrip(".").lower()
    if not host:
        return ""
    if host.isascii():
        return host if host.isprintable() and " " not in host else None
    try:
        ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except (UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError
        return None
    ascii_host = ascii_host.rstrip(".")  # a full-width trailing dot becomes one only now
    return ascii_host if ascii_host and ".." not in ascii_host else None


def _is_text(text: str) -> bool:
    """Whether ``text`` is valid Unicode: no lone surrogates, which stand for undecodable
    bytes (``surrogateescape``) or broken JSON escapes, and which no encoder accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def host_suffixes(host: str) -> list[str]:
    """``a.b.example.com`` -> ``[a.b.example.com, b.example.com, example.com, com]``."""
    suffixes = [host]
    start = host.find(".")
    while start != -1:
        suffixes.append(host[start + 1 :])
        start = host.find(".", start + 1)
    return suffixes
