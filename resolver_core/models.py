"""What crosses plugin boundaries: small frozen dataclasses with typed fields.

Providers build these from loosely typed API answers; everything downstream (the CLI's
JSON Lines, downloads, handoffs) reads only these.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum


class ProviderKind(Enum):
    """What sort of service a provider is; decides nothing by itself, shown to people."""

    DEBRID = "debrid"
    MULTIHOST = "multihost"
    FILEHOST = "filehost"


@dataclass(frozen=True, slots=True)
class FileLink:
    """One file of a resolved link that holds several (an archive, a multi-file torrent)."""

    url: str
    filename: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class DownloadLimits:
    """What a provider allows a download of one of its links (Premiumize's
    ``connection_settings``): connections per file (None: no limit) and resuming."""

    max_connections: int | None = None
    resume: bool = True

    def connections(self, requested: int) -> int:
        """Connections for one file: as many as asked, as far as the provider allows; one
        when it cannot resume (a range is a resume)."""
        if not self.resume:
            return 1
        allowed = min(requested, self.max_connections) if self.max_connections else requested
        return max(1, allowed)


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A direct download link, and what the provider told about the file."""

    input: str
    url: str
    provider: str
    hoster: str
    filename: str | None = None
    size: int | None = None
    sha1: str | None = None
    #: The media type the service reported, if it did.
    content_type: str | None = None
    #: Headers the download must send (cookies, referer), if the provider requires some.
    headers: tuple[tuple[str, str], ...] = ()
    #: Every file, when the link holds several (``url`` is then the whole, as the provider
    #: gives it); empty for a single file.
    files: tuple[FileLink, ...] = ()
    #: How the provider lets it be downloaded (connections, resuming): set by the provider,
    #: else by the pipeline from ``Provider.download_limits``, so that the downloader and
    #: the hand-offs need not ask the provider again.
    limits: DownloadLimits | None = None
    #: When the direct link stops working (Unix time), when the provider says so; None
    #: when it does not (the link cache then keeps it for ``Provider.direct_link_lifetime``).
    valid_until: float | None = None

    def download_limits(self) -> DownloadLimits:
        """The limits the provider set (none said: no limits)."""
        return self.limits or DownloadLimits()


class LinkState(Enum):
    """The ``status`` field of ``check``."""

    ONLINE = "online"
    OFFLINE = "offline"
    LEGAL = "legal"
    #: A provider can serve the link but cannot check it (seed 002 asks debrid clients not to).
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """What a provider can tell about a link without resolving it."""

    input: str
    state: LinkState
    provider: str
    hoster: str
    filename: str | None = None
    size: int | None = None
    sha1: str | None = None
    #: For a magnet: whether the torrent is in the provider's cache (ready at once).
    cached: bool | None = None


@dataclass(frozen=True, slots=True)
class HosterQuota:
    """What an account may still take from one hoster before its limit resets, as the
    provider's account API says (Real-Debrid's ``traffic``, AllDebrid's hoster quotas): links
    or bytes, whichever it counts; None where it does not say."""

    hoster: str
    links_left: int | None = None
    bytes_left: int | None = None
    #: When the limit starts again, in the provider's words ("daily", "monthly").
    resets: str | None = None


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """A provider account's state (seed 002 ``accountstatus`` and its kin)."""

    provider: str
    login: str | None
    #: premium, trial, prepaid, free, ... as the provider names it.
    type: str
    can_download: bool
    #: Unix time the account expires, None when it does not (or is not said).
    expires: int | None = None
    #: Share of the fair-use limit still available, 0.0 to 1.0.
    fair_use_left: float | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
    #: The hosters whose links or traffic the account has a limit of (planning a batch).
    quotas: tuple[HosterQuota, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CaptchaChallenge:
    """A captcha a provider needs answered: an image (URL and bytes when fetched)."""

    provider: str
    link: str
    image_url: str
    image: bytes | None = None
    #: The image's media type, as the server sent it.
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """A wait a provider has to sit out (a download ticket's), as an event the core shows:
    a line on the terminal, a countdown on the web page. Reported with
    :meth:`~resolver_core.provider.ResolveContext.report_wait`, never as a sentence to parse."""

    provider: str
    #: What is waited for, in words a person reads ("openload's download ticket").
    reason: str
    #: When the wait ends, as Unix time (the web page counts down to it).
    until: float
    #: How long the wait is, in seconds, as the provider was told.
    seconds: float

    @classmethod
    def lasting(cls, seconds: float, *, provider: str, reason: str) -> Wait:
        """A wait of ``seconds`` from now."""
        return cls(provider, reason, time.time() + seconds, seconds)

    def for_person(self) -> str:
        return f"waiting {self.seconds:.0f} s for {self.reason}"
