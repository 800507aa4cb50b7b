"""Pasted texts as packages (each link with its text's password) and mirror groups resolved
until one link serves the file, with a stand-in resolver that answers from a table."""

from __future__ import annotations

import threading
from typing import Any

from resolver_core import errors
from resolver_core.mirrors import got_its_file, read_pasted, resolve_grouped
from resolver_core.models import ResolvedLink
from resolver_core.outcomes import Outcome


class TableResolver:
    """Answers each link as its table says (a size: ok with that size; None: offline),
    and remembers what it was asked, with which password."""

    def __init__(self, table: dict[str, int | None]) -> None:
        self.table = table
        self.asked: list[tuple[str, str | None]] = []
        self.cancelled = threading.Event()
        self._lock = threading.Lock()

    def index(self) -> None:
        return None

    def candidates(self, url: str) -> list[Any]:
        return []

    def resolve_one(self, url: str, candidates: Any = None, *, password: str | None = None) -> Outcome:
        with self._lock:
            self.asked.append((url, password))
        size = self.table[url]
        if size is None:
            return Outcome(url, "error", error=errors.FileOffline("gone", link=url))
        link = ResolvedLink(url, f"http://files.example/{size}", "stand-in", "h", size=size)
        return Outcome(url, "ok", link=link, provider="stand-in")


A, B, C, D = (f"https://h{n}.example/{n}/Film.mkv" for n in range(4))


def test_the_first_that_resolves_serves_and_the_rest_are_never_asked() -> None:
    resolver = TableResolver({A: None, B: 1000, C: 1000, D: 50})
    ended: list[tuple[int, str]] = []
    outcomes = resolve_grouped(
        resolver,  # type: ignore[arg-type]
        [A, B, C, D],
        [[A, B, C], [D]],
        on_done=lambda position, outcome: ended.append((position, outcome.status)),
    )
    assert [(o.status, o.mirror_of) for o in outcomes] == [
        ("error", B),
        ("ok", None),
        ("mirror", B),
        ("ok", None),
    ]
    assert sorted(url for url, _ in resolver.asked) == [A, B, D]
    assert sorted(ended) == [(0, "error"), (1, "ok"), (2, "mirror"), (3, "ok")]
    assert all(got_its_file(outcome) for outcome in outcomes)


def test_a_mirror_of_another_size_is_another_file_and_the_next_is_tried() -> None:
    resolver = TableResolver({A: 5000, B: 1010, C: 1000})
    outcomes = resolve_grouped(resolver, [A, B, C], [[A, B, C]], sizes={A: 1000})  # type: ignore[arg-type]
    # A is a file of its own (the post said 1000 bytes; it has 5000): B serves the group's.
    assert [(o.status, o.mirror_of) for o in outcomes] == [("ok", None), ("ok", None), ("mirror", B)]


def test_when_every_mirror_fails_none_is_a_mirror_of_another() -> None:
    resolver = TableResolver({A: None, B: None})
    outcomes = resolve_grouped(resolver, [A, B], [[A, B]])  # type: ignore[arg-type]
    assert [(o.status, o.mirror_of) for o in outcomes] == [("error", None), ("error", None)]
    assert not any(got_its_file(outcome) for outcome in outcomes)


def links_of(texts: list[str]) -> list[str]:
    return [word for text in texts for word in text.split() if "://" in word]


def test_each_link_is_lent_its_own_texts_password() -> None:
    texts = [f"first post {A} {B}\npw: one", f"second post {C} {A}\nPasswort: two", f"no password {D}"]
    pasted = read_pasted(
        texts, lambda found: [word for text in found for word in text.split() if "://" in word]
    )
    assert pasted.links == [A, B, C, D]
    assert pasted.passwords == {A: "one", B: "one", C: "two"}  # A keeps its first text's
    resolver = TableResolver(dict.fromkeys(pasted.links, 10))
    resolve_grouped(resolver, pasted.links, [[link] for link in pasted.links], passwords=pasted.passwords)  # type: ignore[arg-type]
    assert sorted(resolver.asked) == sorted([(A, "one"), (B, "one"), (C, "two"), (D, None)])


def test_sizes_beside_links_are_read_with_them() -> None:
    text = f"{A} (1 MB)\n{B} (1 MB)\n{C} (3 MB)"
    pasted = read_pasted([text], lambda found: [A, B, C])
    assert pasted.sizes == {A: 1 << 20, B: 1 << 20, C: 3 << 20}
    assert pasted.groups() == [[A, B], [C]]


def test_links_of_part_of_a_group_or_of_none_are_resolved_alone() -> None:
    """An expired link of a download is resolved again by itself, its mirrors not with it."""
    resolver = TableResolver({A: None, B: 10, C: 10, D: 20})
    outcomes = resolve_grouped(resolver, [B, D], [[A, B, C]])  # type: ignore[arg-type]
    assert [(o.input, o.status, o.mirror_of) for o in outcomes] == [(B, "ok", None), (D, "ok", None)]
    assert sorted(url for url, _ in resolver.asked) == [B, D]
