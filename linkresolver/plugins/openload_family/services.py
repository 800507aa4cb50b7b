"""The three services of the Openload API family, and how they differ, as data.

Openload (seed 000), Streamango (seed 003) and highload.to (seed 001) share one API design:
``{api_base}/{endpoint}?login=...&key=...`` answering ``{status, msg, result}``. What
differs is listed here (which endpoints exist, how many ids file/info takes, GET or POST,
paging, the upload form), so one client, one provider and one emulation serve all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: Endpoints every service of the family documents.
_COMMON: Final = frozenset(
    {
        "account/info",
        "file/info",
        "file/ul",
        "remotedl/add",
        "remotedl/status",
        "file/listfolder",
        "file/renamefolder",
        "file/rename",
        "file/runningconverts",
        "file/getsplash",
    }
)
#: The download-ticket flow and conversions: Openload and Streamango. Seed 000 shows the
#: ticket but not the call that redeems it; seed 003, of the same API design, does (file/dl).
_TICKETS: Final = frozenset({"file/dlticket", "file/dl", "file/convert"})
#: What only highload documents.
_HIGHLOAD_ONLY: Final = frozenset(
    {
        "remotedl/remove",
        "remotedl/restart",
        "file/createfolder",
        "file/deletefolder",
        "file/move",
        "file/delete",
    }
)
#: Endpoints that work without an API login and key (seed 000/003: "required: no"; seed
#: 001 requires them everywhere).
_ANONYMOUS: Final = frozenset({"file/dlticket", "file/dl", "file/info", "file/ul"})


@dataclass(frozen=True, slots=True)
class Service:
    """One service of the family: its provider name, its API, its links."""

    #: The provider name (configuration table, ``--provider``, CLI group).
    name: str
    #: The hoster name its links are listed under.
    hoster: str
    default_api_base: str
    #: Domains its links were served from (the service's own and its mirrors).
    domains: tuple[str, ...]
    #: The first path segment of its file links: /f/<id>/<name>, /embed/<id>, ...
    link_kinds: tuple[str, ...]
    endpoints: frozenset[str]
    #: Endpoints that take no login and key.
    anonymous: frozenset[str] = frozenset()
    #: How many ids one file/info call takes (seed 000/003: comma-separated, at most 50).
    info_batch: int = 50
    #: Credentials in a POST body rather than in the URL (highload accepts POST).
    use_post: bool = False
    #: The upload URL takes the file's expected sha1 (seed 000/003).
    upload_sha1: bool = False
    #: The upload POST carries login, key and folder as form fields (seed 001).
    upload_form_credentials: bool = False
    #: file/listfolder pages (seed 001: limit and page, 200 a page); None: one answer.
    listfolder_page_size: int | None = None
    #: Answers carry ``server_time`` (seed 001).
    has_server_time: bool = False
    #: remotedl/add takes extra HTTP headers for the remote server (seed 000/003).
    remote_headers: bool = True
    #: remotedl/status lists uploads (``limit``, optional ``id``: seed 000/003); otherwise it
    #: answers for the one upload ``id`` names (seed 001).
    remote_status_lists: bool = True
    #: file/runningconverts takes a folder (seed 000/003).
    converts_by_folder: bool = True

    @property
    def patterns(self) -> tuple[str, ...]:
        """The hoster pattern for its links, for the index."""
        return (
            r"https?://(?:www\.)?(?:"
            + "|".join(re.escape(domain) for domain in self.domains)
            + r")/(?:"
            + "|".join(self.link_kinds)
            + r")/(?P<ID>[\w-]+)",
        )

    @property
    def can_download(self) -> bool:
        return "file/dlticket" in self.endpoints

    def file_id(self, link: str) -> str | None:
        """The file id in one of its links, or a bare id; None when there is none."""
        match = _file_id_pattern(self.link_kinds).search(link)
        if match:
            return match.group(1)
        return link if _BARE_ID.fullmatch(link) else None


_BARE_ID: Final = re.compile(r"[\w-]{1,64}", re.ASCII)


def _file_id_pattern(kinds: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^https?://[^/?#]+/(?:" + "|".join(kinds) + r")/([\w-]+)", re.ASCII | re.IGNORECASE)


# Specified by seed 000.
OPENLOAD: Final = Service(
    name="openload",
    hoster="openload.co",
    default_api_base="https://api.openload.co/1",
    domains=(
        "openload.co",
        "openload.io",
        "openload.tv",
        "openload.stream",
        "openload.link",
        "oload.tv",
        "oload.stream",
        "oload.win",
        "oload.download",
        "oload.info",
        "oload.icu",
        "oload.fun",
        "oload.space",
        "oload.cloud",
        "oload.cc",
        "oload.services",
        "oload.site",
        "oload.xyz",
        "oload.club",
        "oload.biz",
        "oload.press",
        "oload.website",
        "oload.life",
        "oload.online",
        "oload.monster",
        "oload.network",
    ),
    link_kinds=("f", "embed"),
    endpoints=_COMMON | _TICKETS,
    anonymous=_ANONYMOUS,
    upload_sha1=True,
)

# Specified by seed 003.
STREAMANGO: Final = Service(
    name="streamango",
    hoster="streamango.com",
    default_api_base="https://api.fruithosted.net",
    domains=(
        "streamango.com",
        "streamango.to",
        "streamcherry.com",
        "fruitstreams.com",
        "fruitadblock.net",
        "fruithosted.net",
        "fruithosts.net",
    ),
    link_kinds=("f", "embed"),
    endpoints=_COMMON | _TICKETS,
    anonymous=_ANONYMOUS,
    upload_sha1=True,
)

# Specified by seed 001.
HIGHLOAD: Final = Service(
    name="highload",
    hoster="highload.to",
    default_api_base="https://api.highload.to",
    domains=("highload.to",),
    link_kinds=("f", "e"),
    endpoints=_COMMON | _HIGHLOAD_ONLY,
    # Seed 001 documents one File-ID per file/info call and a single object as its answer.
    info_batch=1,
    use_post=True,
    upload_form_credentials=True,
    listfolder_page_size=200,
    has_server_time=True,
    remote_headers=False,
    remote_status_lists=False,
    converts_by_folder=False,
)

SERVICES: Final = (OPENLOAD, STREAMANGO, HIGHLOAD)
