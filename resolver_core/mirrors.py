"""Pasted texts read as packages: each link with the password its text gives, and the links
grouped as mirrors of one file, resolved so that a file is got once.

A forum post lists one file on several hosters and gives its archive's password beside the
links. Resolving every mirror would spend a provider's fair use (and a download) per mirror
for one file; here a group's links are tried in the order given and the first that resolves
serves the file; the links after it are never asked (status ``"mirror"``, ``mirror_of`` the
link that served it). Kept apart from the pipeline, which resolves one link.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .checking import cached_first
from .outcomes import Outcome
from .paste import mirror_groups, password_in, same_size, sizes_in
from .running import run_all

if TYPE_CHECKING:
    from .pipeline import Resolver

#: ``on_done(position, outcome)``, as :meth:`Resolver.resolve_many` calls it.
OnDone = Callable[[int, Outcome], None]


@dataclass(frozen=True)
class Pasted:
    """The links of pasted texts (in order, once), the password each link's text gave, the
    size each text gave beside a link, and the links' mirror groups."""

    links: list[str]
    passwords: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    def groups(self) -> list[list[str]]:
        """The links as mirror groups (:func:`~.paste.mirror_groups`, sizes considered)."""
        return mirror_groups(self.links, self.sizes)


def read_pasted(texts: Iterable[str], links_in: Callable[[list[str]], list[str]]) -> Pasted:
    """Every text's links (``links_in``: the resolver's), each with its text's password and
    size. A link in two texts keeps its first text's (it is resolved once)."""
    links: list[str] = []
    passwords: dict[str, str] = {}
    sizes: dict[str, int] = {}
    seen: set[str] = set()
    for text in texts:
        found = [link for link in links_in([text]) if link not in seen]
        seen.update(found)
        links.extend(found)
        password = password_in(text)
        if password is not None:
            passwords.update(dict.fromkeys(found, password))
        sizes.update(sizes_in(text, found))
    return Pasted(links, passwords, sizes)


def resolve_grouped(
    resolver: Resolver,
    links: Sequence[str],
    groups: Sequence[Sequence[str]],
    *,
    passwords: Mapping[str, str] | None = None,
    sizes: Mapping[str, int] | None = None,
    on_done: OnDone | None = None,
) -> list[Outcome]:
    """Resolve ``links``, of each of the mirror ``groups`` only until one serves the file;
    outcomes in the order of ``links``. Groups run concurrently, a group's links one after
    the other. Each link's provider calls get its password (``passwords``; none given: the
    resolver's own :attr:`~Resolver.link_password`).

    A mirror that fails keeps its error, with ``mirror_of`` the link that then served the
    file (if one did). A link that resolves to a file whose size disagrees with the size
    known for the group (the text's, :func:`~.paste.same_size`) is another file: it stays
    ``ok`` on its own, and the group's next mirror is tried."""
    passwords = passwords or {}
    sizes = sizes or {}
    position = {link: n for n, link in enumerate(links)}
    outcomes: dict[str, Outcome] = {}
    lock = threading.Lock()

    def resolve(link: str) -> Outcome:
        return resolver.resolve_one(link, found[link], password=passwords.get(link))

    def report(ended: list[Outcome]) -> None:
        with lock:
            for outcome in ended:
                outcomes[outcome.input] = outcome
        if on_done is not None:
            for outcome in ended:
                on_done(position[outcome.input], outcome)

    def run_group(first: str) -> None:
        report(_group_outcomes(by_first[first], resolve, _known_size(by_first[first], sizes)))

    # The groups as far as ``links`` holds them (a link resolved again is one alone).
    wanted = set(links)
    kept = ([link for link in group if link in wanted] for group in groups)
    by_first = {group[0]: group for group in kept if group}
    grouped = {link for group in by_first.values() for link in group}
    by_first.update({link: [link] for link in links if link not in grouped})
    resolver.index()
    # Each link is matched once, magnets' cached providers first, as resolve_many does.
    found = {link: resolver.candidates(link) for link in links}
    cached_first(resolver, found)
    involved = {found[first][0][0].name: found[first][0][0] for first in by_first if found[first]}
    run_all(run_group, list(by_first), None, list(involved.values()), resolver.cancelled)
    return [outcomes[link] for link in links]


def _known_size(group: Sequence[str], sizes: Mapping[str, int]) -> int | None:
    """The group's size as the text gives it: its first link's that has one."""
    return next((sizes[link] for link in group if link in sizes), None)


def _group_outcomes(
    group: Sequence[str], resolve: Callable[[str], Outcome], known: int | None
) -> list[Outcome]:
    """Each of the group's links' outcome: tried in order until one serves the file."""
    tried: list[Outcome] = []
    for n, link in enumerate(group):
        outcome = resolve(link)
        size = outcome.link.size if outcome.link is not None else None
        if outcome.status == "ok" and same_size(known, size):
            failed = [
                replace(earlier, mirror_of=link) if earlier.status != "ok" else earlier for earlier in tried
            ]
            unspent = [Outcome(rest, "mirror", mirror_of=link) for rest in group[n + 1 :]]
            return [*failed, outcome, *unspent]
        tried.append(outcome)
    return tried


def got_its_file(outcome: Outcome) -> bool:
    """Whether the link's file was got: resolved, or a mirror of one that was."""
    return outcome.status == "ok" or outcome.mirror_of is not None
