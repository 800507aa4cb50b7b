"""yt-dlp extractor plugin: file-host links resolved through linkresolver's providers.

yt-dlp finds this module on ``sys.path`` (``yt_dlp_plugins/extractor/``) and asks its
extractor about every URL it is given, before its own. Deciding is cheap: the hoster
patterns come from ``matcher.json`` in linkresolver's cache directory (written whenever
linkresolver builds its index: run ``linkresolver hosts`` once), looked up by the URL's
domain first; nothing of linkresolver, pluggy or requests is imported until a URL is
claimed. Claimed links are resolved by linkresolver with the user's configuration, yt-dlp's
``--username/--password`` or ``--netrc`` (machine ``linkresolver``) and
``--extractor-args "linkresolver:provider=NAME"``; linkresolver's errors become expected
ExtractorErrors with the same words.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any
from urllib.parse import urlsplit

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError

_ANY: Any = re.compile(r"(?s)(?P<id>.+)")


class _Matcher:
    """Hoster patterns by domain, from linkresolver's cache: read once, on first use, and
    compiled only for the domains URLs actually come from (a big list costs no start-up)."""

    def __init__(self) -> None:
        self._by_domain: dict[str, list[tuple[str, str]]] | None = None
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def hoster(self, url: str) -> str | None:
        try:
            if not isinstance(url, str) or not url[:8].lower().startswith(("http://", "https://")):
                return None
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return None
        table = self._table()
        labels = host.split(".")
        for start in range(len(labels) - 1):
            for hoster, pattern in table.get(".".join(labels[start:]), ()):
                compiled = self._compile(pattern)
                if compiled is not None and compiled.search(url):
                    return hoster
        return None

    def _compile(self, pattern: str) -> Any:
        if pattern not in self._compiled:
            try:
                self._compiled[pattern] = re.compile(pattern.replace("\\/", "/"), re.IGNORECASE)
            except re.error:
                self._compiled[pattern] = None
        return self._compiled[pattern]

    def _table(self) -> dict[str, list[tuple[str, str]]]:
        if self._by_domain is None:
            with self._lock:
                if self._by_domain is None:
                    self._by_domain = _load()
        return self._by_domain


def _cache_dir() -> str:
    configured = os.environ.get("LINKRESOLVER_CACHE_DIR")
    if configured:
        return configured
    from platformdirs import user_cache_dir  # noqa: PLC0415 (small, and only once)

    return user_cache_dir("linkresolver")


def _load() -> dict[str, list[tuple[str, str]]]:
    table: dict[str, list[tuple[str, str]]] = {}
    try:
        with open(os.path.join(_cache_dir(), "matcher.json"), encoding="utf-8") as handle:
            data = json.load(handle)
        hosters = data.get("hosters", []) if isinstance(data, dict) else []
    except (OSError, ValueError):
        return table  # linkresolver has not run yet: claim nothing
    for entry in hosters:
        if not isinstance(entry, dict):
            continue
        patterns = [str(pattern) for pattern in entry.get("patterns", [])]
        for domain in entry.get("domains", []):
            key = str(domain).lower().removeprefix("www.")
            table.setdefault(key, []).extend((str(entry.get("hoster")), pattern) for pattern in patterns)
    return table


_MATCHER = _Matcher()


class LinkResolverIE(InfoExtractor):  # type: ignore[misc]  # yt-dlp is untyped
    IE_NAME = "linkresolver"
    IE_DESC = "file-host links, resolved through linkresolver's providers (debrid, Offcloud, hosts' APIs)"
    _VALID_URL = False  # claimed from linkresolver's hoster list at run time
    _NETRC_MACHINE = "linkresolver"

    @classmethod
    def _match_valid_url(cls, url: str) -> Any:
        try:
            return _ANY.match(url) if _MATCHER.hoster(url) else None
        except Exception:  # noqa: BLE001 (deciding must never break yt-dlp for other sites)
            return None

    def _real_extract(self, url: str) -> dict[str, Any]:
        from resolver_core.ytdlp import YtDlpRequest, resolve_for_ytdlp  # noqa: PLC0415 (only when claimed)

        username, password = self._get_login_info()
        request = YtDlpRequest(
            url=url,
            providers=tuple(self._configuration_arg("provider", ie_key="linkresolver")),
            username=username,
            password=password,
            unsafe_extensions_allowed="allow-unsafe-ext" in (self.get_param("compat_opts") or ()),
        )
        answer = resolve_for_ytdlp(request)
        if answer.error is not None:
            raise ExtractorError(answer.error, expected=True)
        for domain, name, value in answer.cookies:
            self._set_cookie(domain, name, value)
        if len(answer.entries) == 1:
            return answer.entries[0]
        playlist: dict[str, Any] = self.playlist_result(
            answer.entries, answer.playlist_id, answer.playlist_title
        )
        return playlist
