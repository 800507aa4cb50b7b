"""yt-dlp extractor plugin: file-host links resolved through linkresolver's providers.

yt-dlp finds this module on ``sys.path`` (``yt_dlp_plugins/extractor/``) and asks its
extractor about every URL it is given, before its own. It claims a URL when an enabled
provider of the current configuration serves it and none of yt-dlp's own extractors (the
generic one aside) supports it: installing linkresolver changes nothing for the sites
yt-dlp knows, even when a debrid service lists them (Vimeo, SoundCloud, YouTube...).
Deciding costs no network call and, for a URL on no hoster's domain, no heavy import
(:mod:`resolver_core.ytdlp_claims`); yt-dlp's extractors are asked only about URLs that would
otherwise be claimed. Claimed links are resolved by linkresolver with the user's
configuration, yt-dlp's ``--username/--password`` or ``--netrc`` (machine
``linkresolver``) and ``--extractor-args "linkresolver:provider=NAME"``; linkresolver's
errors become expected ExtractorErrors with the same words.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError

from resolver_core.ytdlp_claims import YtDlpClaims

_ANY: Any = re.compile(r"(?s)(?P<id>.+)")


def _taken_by_yt_dlp(url: str) -> bool:
    """Whether one of yt-dlp's own extractors, other than the generic one, is suitable for
    ``url``, in yt-dlp's order (lazy extractors: a regex each, compiled once, as yt-dlp
    itself would). Plugins' extractors, this one included, are not yt-dlp's."""
    from yt_dlp.extractor import gen_extractor_classes  # noqa: PLC0415 (loaded by yt-dlp already)

    for extractor in gen_extractor_classes():
        if (
            not extractor.__module__.startswith("yt_dlp.")
            or extractor.ie_key() == "Generic"
            or not getattr(extractor, "_ENABLED", True)
        ):
            continue
        try:
            if extractor.suitable(url):
                return True
        except Exception:  # noqa: BLE001, S112 (an extractor that cannot tell does not take it)
            continue
    return False


def _say(line: str) -> None:
    if sys.stderr is not None:
        print(line, file=sys.stderr, flush=True)


#: The decisions of this process (see :mod:`resolver_core.ytdlp_claims`).
CLAIMS = YtDlpClaims(_taken_by_yt_dlp, _say)


class LinkResolverIE(InfoExtractor):  # type: ignore[misc]  # yt-dlp is untyped
    IE_NAME = "linkresolver"
    IE_DESC = "file-host links, resolved through linkresolver's providers (debrid, Offcloud, hosts' APIs)"
    _VALID_URL = False  # claimed from linkresolver's providers at run time
    _NETRC_MACHINE = "linkresolver"

    @classmethod
    def _match_valid_url(cls, url: str) -> Any:
        try:
            return _ANY.match(url) if CLAIMS.claims(url) else None
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
