"""The providers of the Openload family: the file host's own API, ticket by ticket.

Resolving a link is the download-ticket flow (seed 003): ``file/dlticket`` gives a ticket, a
wait time and maybe a captcha; the wait counts from when the ticket was issued, so the
captcha is answered first and only the rest of the wait is waited out; then ``file/dl``
with the ticket and the answer gives the direct link. A refused answer (status 403 on
file/dl) or a ticket past its ``valid_until`` gets a new ticket, a bounded number of times.
Waiting and captchas go through the core's context, never ``time.sleep`` or ``input``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import ClassVar, Final

from linkresolver.api import (
    AccountInfo,
    CaptchaChallenge,
    HosterSpec,
    LinkState,
    LinkStatus,
    Provider,
    ProviderKind,
    ResolveContext,
    ResolvedLink,
    Wait,
    errors,
)

from .client import FamilyClient
from .results import DownloadTicket, FileInfo, timestamp
from .services import HIGHLOAD, OPENLOAD, STREAMANGO, Service

log = logging.getLogger("linkresolver")

#: Tickets tried per link: a wrong captcha or an expired ticket gets a new one, this often.
MAX_TICKETS: Final = 3
#: A wait longer than this is a "come back later", not a wait (free-download limits).
MAX_WAIT: Final = 30 * 60
#: A ``valid_until`` further in the past than this was written in another time zone: unused.
_CLOCK_SKEW: Final = 60


class FamilyProvider(Provider):
    """A file host of the Openload family; subclasses name their :class:`Service`."""

    service: ClassVar[Service]
    kind = ProviderKind.FILEHOST
    max_concurrency = 8
    can_check = True
    may_wait = True
    ticket_flow = True
    calls_per_link = 2.0  # the ticket, then the link
    #: ``file/dl`` answers a download ticket (used once, seed 000) with a link made for that
    #: one download: never handed out again.
    direct_link_lifetime = 0.0

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = cls.service.name
        cls.default_api_base = cls.service.default_api_base
        cls.check_batch_size = cls.service.info_batch

    def client(self, ctx: ResolveContext) -> FamilyClient:
        settings = self.settings
        return FamilyClient(ctx.session, self.service, self.api_base, settings.login, settings.key)

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        service = self.service
        return [HosterSpec(service.hoster, service.patterns, service.domains)]

    def file_id(self, url: str) -> str:
        file_id = self.service.file_id(url)
        if file_id is None:
            raise errors.BadLink(
                f"cannot find a file id in this {self.service.hoster} link", provider=self.name, link=url
            )
        return file_id

    # -- resolve: the download-ticket flow ----------------------------------------------------

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        if not self.service.can_download:
            raise errors.NoDownloadApi(
                f"has no download API: {hoster} links resolve only through a debrid provider that"
                f" lists {hoster}",
                provider=self.name,
                link=url,
            )
        file_id = self.file_id(url)
        client = self.client(ctx)
        refused: errors.ResolverError | None = None
        for attempt in range(1, MAX_TICKETS + 1):
            ticket = client.download_ticket(file_id, link=url)
            issued = time.monotonic()
            if ticket.wait_time > MAX_WAIT:
                raise errors.QuotaExhausted(
                    f"asks to wait {ticket.wait_time // 60} minutes before this download"
                    " (a free-download limit)",
                    provider=self.name,
                    link=url,
                    retry_after=float(ticket.wait_time),
                )
            expires = _expiry(ticket, issued, client.server_time)
            answer = None
            if ticket.captcha_url is not None:
                answer = ctx.solve_captcha(CaptchaChallenge(self.name, url, ticket.captcha_url))
            if ticket.wait_time:
                reason = f"{self.name}'s download ticket"
                ctx.report_wait(Wait.lasting(ticket.wait_time, provider=self.name, reason=reason))
            ctx.wait_until(issued + ticket.wait_time)
            if expires is not None and time.monotonic() >= expires:
                refused = errors.TicketExpired(
                    "issued download tickets that kept expiring before they could be used",
                    provider=self.name,
                    link=url,
                )
                log.info("%s: %s ticket %d expired before use; asking for a new one", url, self.name, attempt)
                continue
            try:
                direct = client.download_link(file_id, ticket.ticket, answer, link=url)
            except errors.CaptchaWrong as exc:
                if answer is None:  # no captcha was asked: the ticket itself was refused
                    refused = errors.TicketExpired(
                        f"refused its own download tickets {MAX_TICKETS} times",
                        provider=self.name,
                        link=url,
                        code=exc.code,
                    )
                else:
                    refused = errors.CaptchaWrong(
                        f"refused the captcha answer {MAX_TICKETS} times",
                        provider=self.name,
                        link=url,
                        code=exc.code,
                    )
                log.info(
                    "%s: %s refused ticket %d (%s); asking for a new one",
                    url,
                    self.name,
                    attempt,
                    exc.message,
                )
                continue
            return ResolvedLink(
                input=url,
                url=direct.url,
                provider=self.name,
                hoster=hoster,
                filename=direct.name,
                size=direct.size,
                sha1=direct.sha1,
                content_type=direct.content_type,
            )
        assert refused is not None
        raise refused

    # -- check: file/info in batches -------------------------------------------------------------

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        ids: list[str | None] = [self.service.file_id(url) for url in urls]
        infos = self.client(ctx).file_info([file_id for file_id in ids if file_id is not None])
        answers: list[LinkStatus | errors.ResolverError] = []
        for url, file_id in zip(urls, ids, strict=True):
            if file_id is None:
                answers.append(
                    errors.BadLink("cannot find a file id in this link", provider=self.name, link=url)
                )
            elif file_id not in infos:
                answers.append(
                    errors.ProviderOutage(
                        "answered file/info without this file", provider=self.name, link=url
                    )
                )
            else:
                answers.append(self._status(url, hoster, infos[file_id]))
        return answers

    def _status(self, url: str, hoster: str, info: FileInfo) -> LinkStatus | errors.ResolverError:
        states = {200: LinkState.ONLINE, 404: LinkState.OFFLINE, 451: LinkState.LEGAL}
        state = states.get(info.status or 0)
        if state is None:
            code = info.status
            error = errors.ProviderOutage if code is None or code >= 500 else errors.ResolverError
            return error(f"reports status {code} for this file", provider=self.name, link=url, code=code)
        if state is LinkState.ONLINE:
            return LinkStatus(url, state, self.name, hoster, info.name, info.size, info.sha1)
        return LinkStatus(url, state, self.name, hoster)

    # -- account --------------------------------------------------------------------------------

    def account(self, ctx: ResolveContext) -> AccountInfo:
        details = self.client(ctx).account_info()
        extra = {
            "email": details.email,
            "storage_used": details.storage_used,
            "storage_left": details.storage_left,
            "traffic_left": details.traffic_left,
            "traffic_used_24h": details.traffic_used_24h,
            "balance": details.balance,
            "server_time": details.server_time,
        }
        return AccountInfo(
            provider=self.name,
            login=self.settings.login,
            type="registered",
            can_download=self.service.can_download,
            extra=tuple((key, str(value)) for key, value in extra.items() if value is not None),
        )


def _expiry(ticket: DownloadTicket, issued: float, server_time: str | None) -> float | None:
    """When the ticket expires on the monotonic clock, or None when that cannot be told.

    ``valid_until`` is read as UTC against the server's own clock when it sends one
    (highload's ``server_time``), else against ours; a date far in the past is a server in
    another time zone, and the server's refusal (a 403 on file/dl) is then what tells.
    """
    if ticket.valid_until is None:
        return None
    now = (timestamp(server_time) if server_time else None) or time.time()
    lifetime = ticket.valid_until - now
    if lifetime < -_CLOCK_SKEW:
        return None
    return issued + max(0.0, lifetime)


class OpenloadProvider(FamilyProvider):
    service = OPENLOAD


class StreamangoProvider(FamilyProvider):
    service = STREAMANGO


class HighloadProvider(FamilyProvider):
    service = HIGHLOAD
    may_wait = False  # no download tickets (seed 001)
    ticket_flow = False
    calls_per_link = 1.0


PROVIDERS: Final = (OpenloadProvider, StreamangoProvider, HighloadProvider)
