"""The resolve pipeline: links in, direct links (or specific errors) out, in input order.

1. Every enabled provider contributes its hosters to one :class:`hostermatch.HosterIndex`,
   best first, so that a link's matches come back in the order of trying: the user's
   ``--provider`` order when given; else by ``priority``, and among equals the routes that
   answer in one call (debrid, Offcloud) before the host's free download ticket (a wait,
   often a captcha), as a download manager prefers a premium account. Among providers still
   equal, one that does not say the hoster is down goes first, then the cheapest, then one
   that says it is up (:mod:`.terms`; asked once, not per link). The ``--provider`` order
   is never changed: it is what the user asked for.
2. Each link is tried with its matching providers in that order. The pipeline fails over
   to the next provider on answers another provider may not share (quota, outage, hoster
   down at this provider, premium needed) and stops on definitive ones (offline, legal,
   not a valid link) and on answers that are about this user (bad credentials).
3. Links resolve concurrently, with a bounded number in flight per provider, every API
   call spaced by the provider's token bucket.
4. A provider that says stop (509, 428, 5xx, 429, ``Retry-After``) rests for as long as it
   asked, for every worker, every other process sharing the state store, and the next runs
   (:mod:`.cooldowns`): a short rest is waited out, a long one sends the link to the next
   provider. A call that got no answer at all (a reset, a timeout, a page that is not the
   API) is tried again, up to three times. A provider with several accounts calls with one
   not resting (:mod:`.accounts`); one that says stop about itself (fair use, 429, bad
   credentials, premium needed) rests alone and the link goes at once to the next account;
   when every account rests, to the next provider.
5. A link resolved a moment ago, by any process sharing the state store, is answered from
   the link cache (:mod:`.linkcache`) unless a fresh answer is asked for; new ones are kept.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from hostermatch import HosterIndex, extract_links

from . import budget, checking, cooldowns, errors, linkcache, terms
from .accounts import Account, Accounts, single, stops_account
from .models import AccountInfo, CaptchaChallenge, LinkState, LinkStatus, ResolvedLink, Wait
from .outcomes import CheckOutcome, Outcome
from .provider import HosterSpec, HosterTerms, Provider, ResolveContext, lending_password, lent_password
from .retrying import ATTEMPTS, SHORT_REST, backoff, url_problem, worth_asking_again
from .running import run_all

if TYPE_CHECKING:
    import pluggy
    import requests

    from .cache import HosterListCache
    from .captcha import CaptchaCommand
    from .config import Config

log = logging.getLogger("linkresolver")
_T = TypeVar("_T")
OnDone = Callable[[int, Outcome], None]  # told each link's outcome as it ends: (position, outcome)


class Resolver:
    """Providers, their hoster index, and the resolve/check/accounts operations."""

    def __init__(
        self,
        config: Config,
        *,
        pm: pluggy.PluginManager,
        providers: Sequence[Provider],
        session: requests.Session,
        cache: HosterListCache,
        cooldowns: cooldowns.Cooldowns,
        captcha_command: CaptchaCommand | None = None,
        captcha_prompt: Callable[[CaptchaChallenge], str | None] | None = None,
        refresh_hosterlists: bool = False,
        named_providers: bool = False,
        link_password: str | None = None,
        links: linkcache.LinkCache | None = None,
        fresh: bool = False,
        accounts: Mapping[str, Sequence[Account]] | None = None,
    ) -> None:
        """Keeps what it is given and touches nothing else: build one with
        :func:`resolver_core.factory.build_resolver`, which makes these parts.

        ``accounts``: each provider's accounts, best first (the first one's instance is the
        one in ``providers``); by default each provider is its own single account."""
        self.config = config
        self.pm = pm
        #: The providers in the order of trying.
        self.providers = list(providers)
        self.session = session
        self.cache = cache
        #: Providers (or hosters at them) that said stop, shared by the workers and the runs.
        self.cooldowns = cooldowns
        #: Each provider's accounts, the choice among them and their rests.
        self.account_choice = Accounts(accounts or single(self.providers), cooldowns)
        self._captcha_command = captcha_command
        #: A last resort when no plugin and no command answers: asking a person on a terminal.
        self.captcha_prompt = captcha_prompt
        #: Shows a provider's reports on a long step (``ctx.report``): ``(url, message)``.
        self.on_report: Callable[[str, str], None] | None = None
        #: Shows a provider's waits (``ctx.report_wait``): ``(url, wait)``; else as reports.
        self.on_wait: Callable[[str, Wait], None] | None = None
        self.cancelled = threading.Event()
        self.refresh_hosterlists = refresh_hosterlists
        #: What the person gave for password-protected links, lent to every provider call.
        self.link_password = link_password
        #: Links resolved a moment ago, by any process sharing the store; ``fresh``: not read.
        self.links, self.fresh = links, fresh
        self._index: HosterIndex | None = None
        self._index_lock = threading.Lock()
        self._limits = {p.name: threading.BoundedSemaphore(p.max_concurrency) for p in self.providers}
        self._rank = {provider.name: position for position, provider in enumerate(self.providers)}
        #: Whether the user named the providers (``--provider A --provider B``): then their
        #: order is the order of trying, and priorities no longer rank them.
        self._named = named_providers
        #: Providers that serve links beyond their hoster patterns (``Provider.claims``).
        self._claimers = [p for p in self.providers if type(p).claims is not Provider.claims]
        #: Providers whose hoster list could not be had, with the reason (shown by the CLI).
        self.problems: dict[str, errors.ResolverError] = {}
        #: What each provider says about its hosters now (up, cost), kept for minutes.
        self.terms = terms.TermsBook(self._hoster_terms)

    # -- providers ------------------------------------------------------------------------

    def context(self, slot: threading.Semaphore | None = None, url: str | None = None) -> ResolveContext:
        """The context for one provider call; ``slot`` is the provider's semaphore it holds,
        ``url`` the link it works on (what its reports are about)."""
        return ResolveContext(
            session=self.session,
            cache=self.cache,
            captcha_solver=self._solve_captcha,
            cancelled=self.cancelled,
            refresh_hosterlists=self.refresh_hosterlists,
            slot=slot,
            reporter=(lambda message: self._report(url, message)) if url else None,
            wait_reporter=(lambda wait: self._report_wait(url, wait)) if url else None,
            link_password=lent_password() or self.link_password,
        )

    def _report_wait(self, url: str, wait: Wait) -> None:
        if self.on_wait is not None:
            self.on_wait(url, wait)
        else:
            self._report(url, wait.for_person())

    def _report(self, url: str, message: str) -> None:
        if self.on_report is not None:
            self.on_report(url, message)
        else:
            log.info("%s: %s", url, message)

    def index(self) -> HosterIndex:
        """Every enabled provider's hosters, best provider first; built once, when needed."""
        with self._index_lock:
            if self._index is None:
                index = HosterIndex()
                ctx = self.context()
                for provider in self.providers:
                    try:
                        with budget.calling_as(self.account_choice.lead(provider).key):
                            hosters = self._hosters_of(provider, ctx)
                        for hoster in hosters:
                            index.add(
                                hoster.name, hoster.patterns, owner=provider.name, domains=hoster.domains
                            )
                    except errors.ResolverError as exc:
                        if exc.fatal:
                            raise
                        log.info("%s; its hosters are left out", exc.for_person())
                        self.problems[provider.name] = exc
                self._index = index
            return self._index

    def _hosters_of(self, provider: Provider, ctx: ResolveContext) -> list[HosterSpec]:
        """``provider``'s hosters; a hoster list that did not arrive (a reset, a page that is
        not the API) is asked for again, up to :data:`ATTEMPTS` times: without it, every link
        of the provider would be "unsupported" for the whole run."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return list(provider.hosters(ctx))
            except errors.ResolverError as exc:
                if exc.fatal:
                    raise
                # A 509 or 429 on the hoster list rests the provider like one on a link: the
                # links that follow are not sent to it meanwhile.
                self.account_choice.note(self.account_choice.lead(provider), None, exc)
                if attempt >= ATTEMPTS or not cooldowns.is_silent(exc):
                    raise
                log.info("%s; asking again", exc.for_person())
                ctx.wait(backoff(attempt))

    def _hoster_terms(self, provider: Provider) -> Mapping[str, HosterTerms]:
        """``provider``'s terms, unless its list could not be had or it is resting (a call
        now would only add to what made it ask for a rest): then unknown."""
        lead = self.account_choice.lead(provider)
        if provider.name in self.problems or self.cooldowns.active(provider.name, None) is not None:
            return {}
        with budget.calling_as(lead.key):
            return lead.provider.hoster_terms(self.context())

    def provider(self, name: str) -> Provider:
        return next(p for p in self.providers if p.name == name)

    # -- resolve --------------------------------------------------------------------------

    def links_in(self, texts: Iterable[str]) -> list[str]:
        """Every link in the pasted texts, in order, once (scheme-less ones on known domains).

        A line that is only a BitTorrent info hash (40 hex digits) is read as its magnet link.
        """
        domains = self.index().domains()
        lines = []
        for text in texts:
            for line in text.splitlines():
                bare = line.strip()
                lines.append(f"magnet:?xt=urn:btih:{bare.lower()}" if _INFO_HASH.fullmatch(bare) else line)
        return extract_links("\n".join(lines), known_domains=domains)

    def resolve_many(
        self, urls: Sequence[str], on_done: OnDone | None = None, *, fresh: bool | None = None
    ) -> list[Outcome]:
        """Resolve ``urls`` concurrently; outcomes in input order.

        ``on_done(position, outcome)`` is called as each finishes, from a worker thread.
        ``fresh``: ask the providers even for links in the link cache (default :attr:`fresh`).
        """
        self.index()
        # Sized by the providers links go to first: a fallback (Offcloud for any link) that
        # may wait must not give every debrid batch hundreds of idle threads.
        # Each link is matched once: the candidates found here are the ones it is tried with.
        involved = {}
        found: dict[str, list[tuple[Provider, str]]] = {}
        for url in urls:
            found[url] = self.candidates(url)
        checking.cached_first(self, found)
        for candidates in found.values():
            if candidates:
                involved[candidates[0][0].name] = candidates[0][0]
        return run_all(
            lambda url: self.resolve_one(url, found[url], fresh=fresh),
            urls,
            on_done,
            list(involved.values()),
            self.cancelled,
        )

    def resolve_one(
        self,
        url: str,
        candidates: list[tuple[Provider, str]] | None = None,
        *,
        fresh: bool | None = None,
        password: str | None = None,
    ) -> Outcome:
        """How ``url`` ends, tried with ``candidates`` (the providers that serve it, best
        first; found here when not given): from the link cache when one of them resolved it
        a moment ago (unless ``fresh``, default :attr:`fresh`), else asked of them in turn.
        ``password`` (its package's) goes to the providers' calls instead of :attr:`link_password`."""
        if password is not None:
            return lending_password(password, lambda: self.resolve_one(url, candidates, fresh=fresh))
        if candidates is None:
            candidates = self.candidates(url)
        if not candidates:
            return Outcome(url, "unsupported", error=_unsupported(url))
        kept = None
        if self.links is not None and not (self.fresh if fresh is None else fresh):
            # Only a provider usable now answers: not one logged out since it resolved the link.
            kept = self.links.recall(url, [p.name for p, _ in candidates if p.enabled])
        if kept is not None:
            self._notify(kept.link)
            return kept.outcome()
        failures: list[errors.ResolverError] = []
        for provider, hoster in candidates:
            try:
                link, account = self._resolve_at(provider, hoster, url)
            except errors.ResolverError as exc:
                if exc.fatal:  # the shared state store failed: the run ends (every link would)
                    raise
                exc.link, exc.provider = exc.link or url, exc.provider or provider.name
                failures.append(exc)
                log.info("%s: %s", url, exc.for_person())
                if isinstance(exc, errors.DEFINITIVE) or not exc.try_other_provider:
                    break
                continue
            if self.links is not None:
                self.links.keep(url, link, provider.name, hoster, provider.direct_link_lifetime, account)
            self._notify(link)
            return Outcome(url, "ok", link=link, provider=provider.name, hoster=hoster, account=account)
        error = failures[-1] if len(failures) == 1 else errors.AllProvidersFailed(failures)
        # Every provider asked said it does not serve the link (Offcloud's "not supported"):
        # the link is unsupported, as when no provider claims it, not failed.
        status = "unsupported" if all(isinstance(f, errors.UnsupportedLink) for f in failures) else "error"
        if status == "unsupported" and len(failures) > 1:
            error = errors.UnsupportedLink(error.message, link=url)
        return Outcome(url, status, error=error, provider=error.provider, hoster=candidates[0][1])

    def _resolve_at(self, provider: Provider, hoster: str, url: str) -> tuple[ResolvedLink, str | None]:
        """``url`` resolved by ``provider`` (see :meth:`_careful`), its direct links checked:
        the provider's answer is the one place where a link that is no URL may come in; and
        the label of the account that served it (None: the provider's single account)."""
        served: list[str | None] = []

        def resolve(account: Provider, ctx: ResolveContext) -> ResolvedLink:
            served.append(account.settings.account)  # the last account asked is the one that served
            return account.resolve(url, hoster, ctx)

        link = self._careful(provider, hoster, resolve, url)
        if link.limits is None:
            link = dataclasses.replace(link, limits=provider.download_limits(link.hoster))
        for direct in (link.url, *(item.url for item in link.files)):
            if (problem := url_problem(direct)) is not None:
                raise errors.InvalidDirectLink(f"gave a direct link that is not a valid URL ({problem})")
        return link, served[-1]

    def _careful(
        self,
        provider: Provider,
        hoster: str,
        call: Callable[[Provider, ResolveContext], _T],
        url: str | None = None,
    ) -> _T:
        """``call`` made with ``provider``'s slot and one of its accounts (the account's
        Provider instance is passed to it), minding their cooldowns: a short rest is waited
        out, and a call without an answer (or told to rest briefly) is made again, up to
        :data:`ATTEMPTS` times; an account that says stop about itself rests, and the next
        account is called at once. Raises the last failure, or :class:`errors.CoolingDown`."""
        slot = self._limits[provider.name]
        several = self.account_choice.several(provider.name)
        attempt = 0
        while True:
            self._await_cooldown(provider.name, hoster, provider.longest_rest_waited)
            account = self.account_choice.take(provider, hoster, self.context().wait)
            if account is None:
                continue  # every account rested briefly, and the rest was waited out
            with slot:
                if self.cooldowns.active(provider.name, hoster) is not None or (
                    several and self.cooldowns.active(account.key, hoster) is not None
                ):
                    continue  # a rest began while this call waited for its slot: mind it first
                attempt += 1
                try:
                    with budget.calling_as(account.key), budget.first_call():
                        result = call(account.provider, self.context(slot, url))
                except errors.RestedWhileWaiting:
                    attempt -= 1  # not made: the rest is minded above, as for any call
                    continue
                except errors.ResolverError as exc:
                    if exc.fatal:
                        raise
                    # Noted before the slot is let go: a call queued for it sees the rest first
                    # (a shared store takes a moment to write).
                    failure, rest = exc, self.account_choice.note(account, hoster, exc)
                else:
                    self.cooldowns.succeeded(provider.name)
                    if several:
                        log.info("%s: served by the account %s", url or provider.name, account.name)
                    return result
            if several and stops_account(failure):
                attempt -= 1  # not this link's fault: the next account is asked at once
                log.info("%s: %s; asking another account", url or account.name, account.about(failure))
                continue
            if attempt >= ATTEMPTS or not worth_asking_again(failure, rest, provider.longest_rest_waited):
                raise failure
            log.info("%s: %s; asking again", url or provider.name, failure.for_person())
            if rest is None:
                self.context().wait(backoff(attempt))

    def _await_cooldown(self, provider: str, hoster: str | None, longest: float = SHORT_REST) -> None:
        """Return when ``provider`` (for ``hoster``) may be asked: at once, or after a rest of
        at most ``longest`` seconds; raise :class:`errors.CoolingDown` when the rest is longer."""
        while (cooldown := self.cooldowns.active(provider, hoster)) is not None:
            remaining = cooldown.remaining()
            if remaining > longest:
                raise cooldown.error()
            self.context().wait(remaining)

    def candidates(self, url: str) -> list[tuple[Provider, str]]:
        """The providers that serve ``url``, best first (:meth:`ranked`): those whose hoster
        patterns match, and those that claim it otherwise (any link, magnets)."""
        seen: set[str] = set()
        found: list[tuple[Provider, str, bool]] = []
        for match in self.index().match(url):
            if match.owner not in seen:
                seen.add(match.owner)
                found.append((self.provider(match.owner), match.hoster, False))
        found += [
            (provider, hoster, True)
            for provider in self._claimers
            if provider.name not in seen and (hoster := provider.claims(url)) is not None
        ]
        return self.ranked(found)

    def ranked(self, found: Sequence[tuple[Provider, str, bool]]) -> list[tuple[Provider, str]]:
        """``found`` (provider, hoster, whether claimed beyond its patterns) in the order of
        trying: by standing (:meth:`_standing`); among equals, patterns before claims (a
        claim like Offcloud's "any link" comes after every provider whose patterns name the
        link) and one-call routes before download tickets; among those still equal, by what
        the providers say about the hoster (:func:`.terms.preference`: asked only then);
        last, the providers' order."""

        def group(entry: tuple[Provider, str, bool]) -> tuple[int, bool, bool]:
            return (self._standing(entry[0]), entry[2], entry[0].ticket_flow)

        sizes = Counter(group(entry) for entry in found)

        def key(entry: tuple[Provider, str, bool]) -> tuple[Any, ...]:
            provider, hoster, _ = entry
            tie = terms.UNKNOWN
            if sizes[group(entry)] > 1:
                tie = terms.preference(self.terms.of(provider).get(hoster))
            return (group(entry), tie, self._rank[provider.name])

        return [(provider, hoster) for provider, hoster, _ in sorted(found, key=key)]

    def _standing(self, provider: Provider) -> int:
        """What ranks ``provider`` first: the user's ``--provider`` order, else its priority."""
        return self._rank[provider.name] if self._named else provider.priority

    def _notify(self, link: ResolvedLink) -> None:
        # Each observer on its own: pluggy stops a hook call at the first exception, and one
        # observer's bug must neither fail the link nor silence the other observers.
        for implementation in self.pm.hook.link_resolved.get_hookimpls():
            try:
                implementation.function(link=link)
            except Exception:
                log.exception("the link_resolved observer of plugin %s failed", implementation.plugin_name)

    # -- check, accounts ------------------------------------------------------------------

    def check_many(
        self, urls: Sequence[str], on_done: Callable[[int, CheckOutcome], None] | None = None
    ) -> list[CheckOutcome]:
        """Check ``urls``; outcomes in input order (:mod:`.checking`: who is asked, batches,
        magnets asked of every provider that can tell)."""
        return checking.check_many(self, urls, on_done)

    def check_one(self, url: str) -> CheckOutcome:
        return self.check_many([url])[0]

    def unsupported_check(self, url: str) -> CheckOutcome:
        return CheckOutcome(url, "unsupported", error=_unsupported(url))

    def check_batch(self, provider: Provider, hoster: str, urls: list[str]) -> list[CheckOutcome]:
        """Check ``urls`` (all served by ``provider`` as ``hoster``) in one call of its
        :meth:`Provider.check`, through :meth:`_careful`; an error becomes each link's outcome."""

        def check(account: Provider, ctx: ResolveContext) -> list[LinkStatus | errors.ResolverError]:
            answers = account.check(urls, hoster, ctx)
            if len(answers) != len(urls):
                raise errors.ProviderOutage(
                    f"answered {len(answers)} checks for {len(urls)} links", provider=provider.name
                )
            return answers

        try:
            answers = self._careful(provider, hoster, check)
        except errors.ResolverError as exc:
            if exc.fatal:
                raise
            exc.provider = exc.provider or provider.name
            answers = [exc] * len(urls)
        results = []
        for url, answer in zip(urls, answers, strict=True):
            if isinstance(answer, errors.ResolverError):
                answer.provider = answer.provider or provider.name
                results.append(CheckOutcome(url, "error", provider.name, hoster, error=answer))
            else:
                results.append(CheckOutcome(url, answer.state.value, provider.name, hoster, info=answer))
        return results

    def accounts(self) -> list[tuple[Account, AccountInfo | None, errors.ResolverError | None]]:
        """Every account of every provider, with what its account API says (or its error)."""
        return self.account_choice.states(self.providers, self.context())

    def _solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
        answer: str | None = self.pm.hook.solve_captcha(challenge=challenge)
        if answer is None and self._captcha_command is not None:
            answer = self._captcha_command.solve(challenge, self.session)
        if answer is None and self.captcha_prompt is not None:
            answer = self.captcha_prompt(challenge)
        return answer


_INFO_HASH = re.compile(r"[0-9A-Fa-f]{40}")


def _unsupported(url: str) -> errors.UnsupportedLink:
    return errors.UnsupportedLink("no enabled provider serves this link", link=url)


__all__ = ["CheckOutcome", "LinkState", "Outcome", "Resolver"]
