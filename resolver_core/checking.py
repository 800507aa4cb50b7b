"""Checking links: who is asked, in batches, and for magnets every provider's cache.

A link is checked by the file host's own API when one serves it (the authority on its
files, whatever goes first for resolving), else by the best provider that can ask its
service. A magnet is different: whether a torrent is ready at once is each debrid service's
own cache, so every provider that can tell is asked, and the outcome says which of them
have it (``cached_at``). ``resolve`` asks the same question of a magnet that several
providers serve, and tries those that have it cached before those that would first have to
fetch it (:func:`cached_first`).

Checks are sent in batches per provider (the Openload family answers 50 ids a call): 120
links cost 3 calls, not 120.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from .models import ProviderKind
from .outcomes import CheckOutcome

if TYPE_CHECKING:
    from .provider import Provider

#: Checks sent at once, over all providers.
MAX_CHECKERS = 32
#: What a check that found the link's state says, beside "unknown" and "error".
_KNOWN_STATES = ("online", "offline", "legal")

Candidate = tuple["Provider", str]


class Resolver(Protocol):
    """What checking needs of :class:`resolver_core.pipeline.Resolver`."""

    cancelled: threading.Event

    def index(self) -> Any: ...
    def candidates(self, url: str) -> list[Candidate]: ...
    def provider(self, name: str) -> Provider: ...
    def unsupported_check(self, url: str) -> CheckOutcome: ...
    def check_batch(self, provider: Provider, hoster: str, urls: list[str]) -> list[CheckOutcome]: ...


def is_magnet(url: str) -> bool:
    return url[:7].lower() == "magnet:"


def checkers_of(url: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Who checks ``url`` among its ``candidates`` (best first): every provider that can
    tell for a magnet, else one, the file host's own API first."""
    able = [(provider, hoster) for provider, hoster in candidates if provider.checks(hoster)]
    if is_magnet(url) and len(able) > 1:
        return able
    own = [(provider, hoster) for provider, hoster in able if provider.kind is ProviderKind.FILEHOST]
    return (own or able or list(candidates))[:1]


def merged(answers: Sequence[CheckOutcome]) -> CheckOutcome:
    """One outcome from the answers of every provider asked about one link: the first that
    has it cached, else the first that knows its state, else the first that answered, and
    in ``cached_at`` every provider that has it cached."""
    cached_at = tuple(a.provider for a in answers if a.provider and a.info is not None and a.info.cached)
    best = (
        next((a for a in answers if a.provider in cached_at), None)
        or next((a for a in answers if a.status in _KNOWN_STATES), None)
        or next((a for a in answers if a.status != "error"), None)
        or answers[0]
    )
    return dataclasses.replace(best, cached_at=cached_at) if cached_at else best


def check_many(
    resolver: Resolver, urls: Sequence[str], on_done: Callable[[int, CheckOutcome], None] | None = None
) -> list[CheckOutcome]:
    """Check ``urls`` through ``resolver``'s providers; outcomes in input order.
    ``on_done(position, outcome)`` is called as each link's last answer arrives."""
    resolver.index()
    outcomes: list[CheckOutcome | None] = [None] * len(urls)
    answers: dict[int, list[CheckOutcome | None]] = {}
    batches: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for position, url in enumerate(urls):
        chosen = checkers_of(url, resolver.candidates(url))
        if not chosen:
            unsupported = outcomes[position] = resolver.unsupported_check(url)
            if on_done is not None:
                on_done(position, unsupported)
            continue
        answers[position] = [None] * len(chosen)
        for slot, (provider, hoster) in enumerate(chosen):
            batches.setdefault((provider.name, hoster), []).append((position, slot))
    jobs: list[tuple[Provider, str, list[tuple[int, int]]]] = []
    for (name, hoster), items in batches.items():
        provider = resolver.provider(name)
        size = max(1, provider.check_batch_size)
        jobs.extend((provider, hoster, items[i : i + size]) for i in range(0, len(items), size))
    lock = threading.Lock()

    def run(job: tuple[Provider, str, list[tuple[int, int]]]) -> None:
        provider, hoster, items = job
        checked = resolver.check_batch(provider, hoster, [urls[position] for position, _ in items])
        for (position, slot), outcome in zip(items, checked, strict=True):
            with lock:
                answers[position][slot] = outcome
                mine = answers[position]
                if any(answer is None for answer in mine):
                    continue
                whole = outcomes[position] = merged([answer for answer in mine if answer is not None])
            if on_done is not None:
                on_done(position, whole)

    if jobs:
        workers = max(1, min(MAX_CHECKERS, len(jobs)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:
            futures = [pool.submit(run, job) for job in jobs]
            try:
                for future in futures:
                    future.result()
            except BaseException:  # Ctrl-C, or an error that ends the run (the state store's)
                resolver.cancelled.set()
                for future in futures:
                    future.cancel()
                raise
    return [outcome for outcome in outcomes if outcome is not None]


def cached_first(resolver: Resolver, found: dict[str, list[Candidate]]) -> None:
    """Put first, for each magnet that several providers can check, the providers that have
    it cached (``found``: each link's candidates, best first; changed in place). One check
    per provider for all such magnets, batched; a provider that cannot answer keeps its place."""
    magnets = [url for url, candidates in found.items() if len(checkers_of(url, candidates)) > 1]
    if not magnets:
        return
    for url, outcome in zip(magnets, check_many(resolver, magnets), strict=True):
        if outcome.cached_at:
            found[url] = sorted(found[url], key=lambda candidate: candidate[0].name not in outcome.cached_at)
