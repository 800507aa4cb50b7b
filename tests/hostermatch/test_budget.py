"""The ``regex`` engine's time per link is bounded in all, not only per pattern.

Patterns with look-arounds or back-references run on the backtracking ``regex`` module with
a timeout each; a list of many such patterns aimed at one host once made one link take
tens of seconds. Now a link's patterns share one budget, an owner that spends it is
switched off on that host (said once), identical patterns run once, and one owner may aim
only so many of them at one host.
"""

from __future__ import annotations

import logging
import time

import pytest

from hostermatch import HosterIndex
from hostermatch.buckets import SLOW_BUDGET
from hostermatch.engines import CompiledPattern
from hostermatch.index import MAX_SLOW_PATTERNS_PER_HOST

#: A back-reference pattern the ``regex`` module needs its whole timeout for on LINK.
HOSTILE = r"https?://rapidgator\.net/file/((\w|\w\w)*)*\1!{number}"
SAFE = r"https?://(?:www\.)?rapidgator\.net/file/(?P<ID>\w+)"
LINK = "https://rapidgator.net/file/" + "a" * 40 + "/name.rar"
#: Generous against the budget (0.1 s): the machine is shared and noisy.
BOUND = 1.0


def hostile_index(hosters: int = 16, per_hoster: int = 25) -> HosterIndex:
    index = HosterIndex()
    for hoster in range(hosters):
        patterns = [HOSTILE.format(number=hoster * per_hoster + n) for n in range(per_hoster)]
        index.add(f"mirror{hoster}", patterns, owner="hostile-list")
    index.add("rapidgator", [SAFE], owner="hostile-list")
    return index


def timed_match(index: HosterIndex, url: str) -> tuple[float, list[tuple[str, str]]]:
    start = time.perf_counter()
    found = [(match.owner, match.hoster) for match in index.match(url)]
    return time.perf_counter() - start, found


def test_many_back_reference_patterns_on_one_host_stay_within_the_budget() -> None:
    index = hostile_index()
    elapsed, found = timed_match(index, LINK)
    assert elapsed < BOUND, f"one link took {elapsed:.2f} s"
    assert found == [("hostile-list", "rapidgator")]


def test_after_spending_the_budget_the_host_costs_nothing_extra(caplog: pytest.LogCaptureFixture) -> None:
    index = hostile_index()
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        timed_match(index, LINK)
        later = [timed_match(index, LINK.replace("name", other)) for other in ("other", "third", "fourth")]
    # The quickest of the later links: one try slowed by a busy machine is not the budget's doing.
    elapsed = min(took for took, _ in later)
    assert elapsed < SLOW_BUDGET / 5, f"the later links took at least {elapsed * 1000:.0f} ms"
    assert all(found == [("hostile-list", "rapidgator")] for _, found in later)
    spent = [r.getMessage() for r in caplog.records if "took" in r.getMessage()]
    assert len(spent) == 1, spent
    assert spent[0].startswith("hostile-list: ")
    assert not [r for r in caplog.records if "timed out" in r.getMessage()]


def test_another_owners_look_around_pattern_still_matches_once_the_hostile_one_is_off() -> None:
    index = hostile_index(hosters=2, per_hoster=20)
    good = r"https?://rapidgator\.net/file/(?=\w{40})(\w+)/(?!x)"
    index.add("rapidgator", [good], owner="debrid")
    timed_match(index, LINK)  # the hostile list spends the budget, and is switched off
    elapsed, found = timed_match(index, LINK.replace("name", "other"))
    assert found == [("hostile-list", "rapidgator"), ("debrid", "rapidgator")]
    assert elapsed < SLOW_BUDGET / 5


def test_one_owner_may_aim_only_so_many_slow_patterns_at_one_host(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index = hostile_index()
    assert len(index) == MAX_SLOW_PATTERNS_PER_HOST + 1
    assert len(index.rejected) == 16 * 25 - MAX_SLOW_PATTERNS_PER_HOST
    assert all("look-arounds or back-references for host rapidgator.net" in r.reason for r in index.rejected)
    assert len(caplog.records) <= 21  # the usual cap on warnings per owner, and its notice
    # Another owner has its own allowance.
    added = index.add("rapidgator", [HOSTILE.format(number=n) for n in range(3)], owner="other")
    assert added == 3


def test_a_shared_slow_pattern_runs_once_and_names_every_hoster(monkeypatch: pytest.MonkeyPatch) -> None:
    index = HosterIndex()
    shared = r"https?://rapidgator\.net/file/(\w+)/(?!x)(\w+)\.rar"
    for hoster in ("rg-a", "rg-b"):
        index.add(hoster, [shared], owner="one-list")
    index.add("rg", [shared], owner="other-list")
    index.add("rg-c", [r"https?://rapidgator\.net/file/(\w+)/(?!y)"], owner="one-list")
    calls: list[str] = []
    original = CompiledPattern.search_within

    def counting(self: CompiledPattern, url: str, seconds: float) -> tuple[object, bool]:
        calls.append(self.source)
        return original(self, url, seconds)

    monkeypatch.setattr(CompiledPattern, "search_within", counting)
    found = index.match(LINK.replace("name", "other"))
    assert [(m.owner, m.hoster) for m in found] == [
        ("one-list", "rg-a"),
        ("one-list", "rg-b"),
        ("one-list", "rg-c"),
        ("other-list", "rg"),
    ]
    assert calls.count(shared) == 1
    assert found[1].groups == ("a" * 40, "other")


def test_shared_patterns_count_once_against_the_cap() -> None:
    index = HosterIndex()
    for hoster in range(MAX_SLOW_PATTERNS_PER_HOST + 8):
        index.add(f"mirror{hoster}", [HOSTILE.format(number=1)], owner="one-list")
    assert not index.rejected


def test_asking_again_about_a_link_does_not_run_its_slow_patterns_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The resolver asks about each link twice (to size its workers, then to resolve)."""
    index = HosterIndex()
    look_around = r"https?://rapidgator\.net/file/(?=\w{40})(\w+)"
    index.add("rapidgator", [look_around, SAFE], owner="one-list")
    calls: list[str] = []
    original = CompiledPattern.search_within

    def counting(self: CompiledPattern, url: str, seconds: float) -> tuple[object, bool]:
        calls.append(url)
        return original(self, url, seconds)

    monkeypatch.setattr(CompiledPattern, "search_within", counting)
    first = [(m.hoster, m.pattern) for m in index.match(LINK)]
    again = [(m.hoster, m.pattern) for m in index.match(LINK)]
    assert first == again == [("rapidgator", look_around), ("rapidgator", SAFE)]
    assert calls == [LINK]
    index.add("rapidgator", [r"https?://rapidgator\.net/file/(?!z)(\w+)"], owner="other-list")
    assert len(index.match(LINK)) == 3  # what was remembered is forgotten when patterns change


def test_a_pattern_shared_with_a_switched_off_owner_still_runs_for_the_other() -> None:
    index = hostile_index(hosters=2, per_hoster=20)
    shared = r"https?://rapidgator\.net/file/(?=\w{40})(\w+)/(?!x)"
    index.add("rapidgator", [shared], owner="hostile-list")
    index.add("rapidgator", [shared], owner="debrid")
    timed_match(index, LINK)  # the hostile list spends the budget, and is switched off
    _, found = timed_match(index, LINK.replace("name", "other"))
    assert found == [("hostile-list", "rapidgator"), ("debrid", "rapidgator")]
    assert [m.pattern for m in index.match(LINK.replace("name", "third"))] == [SAFE, shared]
