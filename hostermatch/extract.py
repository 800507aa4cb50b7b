"""Finding every link in pasted text: prose, chat logs, HTML, BBCode, Markdown, bare lists.

One compiled expression scans the text once for ``http(s)://`` URLs, ``magnet:?`` links and,
when the caller names known hoster domains, links pasted without a scheme
(``openload.co/f/abc``). Each candidate then loses what belongs to the prose around it:
trailing punctuation, closing brackets that were not opened inside the link, quotes, and
HTML-escaped quotes. The link itself is changed as little as possible, so a link that
worked in a browser still works: only ``&amp;`` (how HTML writes ``&`` in an attribute)
becomes ``&``, and a scheme-less link gets ``https://`` in front.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from .urls import MAX_URL_LENGTH, host_suffixes

# Characters a link can hold in pasted text. Excluded: white space, the characters that
# delimit links in HTML, BBCode and Markdown (< > " ` [ ] { } | \ ^), and the punctuation of
# CJK and typographic prose, which pasted links are often jammed against. Control characters
# (C0, DEL, C1) and the invisible bidirectional and format controls end a link too: no URL
# holds them raw (a NUL-separated list is a list of links), and a link that kept them would
# carry them into messages printed on a terminal, where they reorder or rewrite the text.
# So does U+FFFD, which stands for bytes that were not text (the CLI decodes leniently).
_LINK_CHAR: Final = (
    '[^\\s<>"`\\[\\]{}|\\\\^\u00a0\u2000-\u200b\u2028\u2029\u3000'
    "\u201c\u201d\u2018\u2019\u00ab\u00bb\u300c\u300d\u300e\u300f\u3010\u3011\uff08\uff09\u3001\u3002\uff0c"
    "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffd]"
)
_SCHEMED: Final = rf"(?:https?://(?:\[[0-9A-Fa-f:.]+\])?|magnet:\?){_LINK_CHAR}*"
_BARE: Final = (
    r"(?<![\w@.:/\-])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,63}"
    rf"(?::\d{{1,5}})?/{_LINK_CHAR}*"
)
_SCHEMED_ONLY: Final = re.compile(_SCHEMED, re.IGNORECASE)
_SCHEMED_OR_BARE: Final = re.compile(rf"(?P<schemed>{_SCHEMED})|(?P<bare>{_BARE})", re.IGNORECASE)

_TRAILING_PUNCTUATION: Final = ".,:;!?'\"*\u2026"
_TRAILING_ENTITIES: Final = ("&quot;", "&gt;", "&lt;", "&#39;", "&#34;", "&apos;")
_CLOSERS: Final = {")": "(", "}": "{", "]": "["}
_AMP_ENTITY: Final = re.compile(r"&(?:amp|#0*38|#x0*26);", re.IGNORECASE)
_BTIH: Final = re.compile(r"urn:btih:([0-9A-Za-z]{32,40})", re.IGNORECASE)


def extract_links(text: str, *, known_domains: Iterable[str] = ()) -> list[str]:
    """Every link in ``text``, in order of first appearance, without duplicates.

    ``known_domains`` (for instance :meth:`HosterIndex.domains` or a debrid ``tldlist``)
    enables links written without a scheme; only links on those domains (or their
    subdomains) are taken, so prose like "see example.com/faq" is not mistaken for a link.
    Never raises for a ``str``.
    """
    domains = frozenset(d.lower().removeprefix("www.") for d in known_domains if d)
    scanner = _SCHEMED_OR_BARE if domains else _SCHEMED_ONLY
    links: list[str] = []
    seen_keys: set[str] = set()
    seen: set[str] = set()  # candidates already handled, as found: pastes repeat links a lot
    known_hosts: dict[str, bool] = {}
    for found in scanner.finditer(text):
        raw = found.group()
        if raw in seen:
            continue
        seen.add(raw)
        candidate = _trim(raw)
        if domains and found.lastgroup == "bare":
            if not _on_known_domain(candidate, domains, known_hosts):
                continue
            candidate = "https://" + candidate
        link = _clean(candidate)
        if link is None:
            continue
        key = _dedupe_key(link)
        if key not in seen_keys:
            seen_keys.add(key)
            links.append(link)
    return links


def _trim(candidate: str) -> str:
    """Drop what the prose around a link added to its end.

    One pass from the end, with the bracket counts taken once: a candidate can be a
    megabyte of closing brackets, and trimming must stay linear.
    """
    end = len(candidate)
    unmatched: dict[str, int] = {}  # closer -> how many more closers than openers, when asked
    while end:
        last = candidate[end - 1]
        if last == ";":
            entity = next((e for e in _TRAILING_ENTITIES if candidate.endswith(e, 0, end)), None)
            if entity is not None:
                end -= len(entity)
                continue
        if last in _TRAILING_PUNCTUATION:
            end -= 1
            continue
        opener = _CLOSERS.get(last)
        if opener is not None:
            if last not in unmatched:
                unmatched[last] = candidate.count(last, 0, end) - candidate.count(opener, 0, end)
            if unmatched[last] > 0:
                unmatched[last] -= 1  # "(see http://x/y)": the bracket is the prose's
                end -= 1
                continue
        break
    return candidate[:end]


def _clean(candidate: str) -> str | None:
    """The link as it will be returned, or None when nothing usable is left."""
    if len(candidate) > MAX_URL_LENGTH:
        return None
    if "&" in candidate:
        candidate = _AMP_ENTITY.sub("&", candidate)
    lowered = candidate[:9].lower()
    if lowered.startswith("magnet:?"):
        return candidate if "xt=" in candidate[8:] else None
    after_scheme = candidate.find("://") + 3
    if after_scheme == 2 or after_scheme >= len(candidate) or candidate[after_scheme] in "/?#:@.":
        return None  # "http://" alone, or no host after it
    return candidate


def _on_known_domain(candidate: str, domains: frozenset[str], known_hosts: dict[str, bool]) -> bool:
    host = candidate.split("/", 1)[0].split(":", 1)[0].lower()
    known = known_hosts.get(host)
    if known is None:
        known = known_hosts[host] = any(suffix in domains for suffix in host_suffixes(host))
    return known


def _dedupe_key(link: str) -> str:
    """Links that differ only in scheme/host case, or magnets of one torrent, are one link."""
    if link[:7].lower() == "magnet:":
        btih = _BTIH.search(link)
        if btih is not None:
            return "btih:" + btih.group(1).lower()
        return link
    scheme_end = link.find("://") + 3
    host_end = len(link)
    for separator in "/?#":
        position = link.find(separator, scheme_end)
        if position != -1:
            host_end = min(host_end, position)
    return link[:host_end].lower() + link[host_end:]
