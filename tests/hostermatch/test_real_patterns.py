"""HosterIndex against a plain ``re`` loop, on the 548 published hoster patterns."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hostermatch import HosterIndex
from hostermatch.analysis import analyse
from hostermatch.samples import sample_urls
from hostermatch.urls import split_url

Loop = list[tuple[str, str, re.Pattern[str]]]

# Links that the generator cannot write for patterns built of look-arounds.
HAND_WRITTEN = [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtu.be/dQw4w9WgXcQ",
    "https://rapidgator.net/file/0123456789abcdef0123456789abcdef/name.rar.html",
    "https://www.dailymotion.com/video/x7tgad0",
]


def loop_answer(loop: Loop, url: str) -> set[tuple[str, str]]:
    split = split_url(url)
    assert split is not None, url
    return {(owner, hoster) for owner, hoster, pattern in loop if pattern.search(split.url)}


def index_answer(index: HosterIndex, url: str) -> set[tuple[str, str]]:
    return {(m.owner, m.hoster) for m in index.match(url)}


def generated_urls(real_patterns: list[dict[str, Any]]) -> list[tuple[str, str]]:
    urls: list[tuple[str, str]] = []
    for entry in real_patterns:
        urls.extend((entry["name"], url) for url in sample_urls(entry["pattern"], 3))
    return urls


def test_every_compilable_pattern_is_indexed(real_index: HosterIndex, plain_loop: Loop) -> None:
    assert len(real_index) == len(plain_loop) == 547
    # The one pattern that compiles nowhere is skipped with a reason naming it.
    assert [r.hoster for r in real_index.rejected] == ["VideoZooResolver"]
    assert "does not compile" in real_index.rejected[0].reason


def test_nearly_every_pattern_gets_sample_urls(real_patterns: list[dict[str, Any]]) -> None:
    without = [e["name"] for e in real_patterns if not sample_urls(e["pattern"], 1)]
    assert without == ["VideoZooResolver", "YouTubeResolver"]


def test_same_answer_as_plain_loop_on_generated_urls(
    real_patterns: list[dict[str, Any]], real_index: HosterIndex, plain_loop: Loop
) -> None:
    urls = generated_urls(real_patterns) + [("hand", url) for url in HAND_WRITTEN]
    assert len(urls) > 1500
    differences = []
    own_hoster_found = 0
    for name, url in urls:
        expected = loop_answer(plain_loop, url)
        got = index_answer(real_index, url)
        # A few samples stop matching their own pattern once the host is lower-cased, as a
        # browser does (ResolveURL's "cd189Tryo7" is matched with re.I there, not here).
        own_hoster_found += any(hoster == name for _, hoster in expected)
        if got != expected:
            differences.append((url, sorted(got ^ expected)))
    assert differences == []
    assert own_hoster_found > 0.97 * len(urls)


def test_owner_order_is_insertion_order(real_index: HosterIndex) -> None:
    owners = [m.owner for m in real_index.match("https://rapidgator.net/file/abc123")]
    assert owners == ["pyload", "resolveurl"]


LOOK_ALIKES = [
    "https://{host}.evil.com/{path}",
    "https://not{host}/{path}",
    "https://evil.com/?ref={host}/{path}",
    "https://evil.com/?ref=https://{host}/{path}",
    "https://evil.com/{host}/{path}",
    "https://{host}evil.com/{path}",
]


@pytest.mark.parametrize("shape", LOOK_ALIKES)
def test_look_alike_hosts_do_not_match(
    shape: str, real_patterns: list[dict[str, Any]], real_index: HosterIndex
) -> None:
    checked = 0
    for entry in real_patterns:
        try:
            hosts = analyse(entry["pattern"]).hosts
        except ValueError:
            continue
        if hosts is None:
            continue  # host unknown: the pattern itself decides, for every URL
        for url in sample_urls(entry["pattern"], 1):
            split = split_url(url)
            assert split is not None
            path = split.url.split("/", 3)[3] if split.url.count("/") >= 3 else ""
            # The name the pattern is about (for "*.xup.pl", "xup.pl": "nota.xup.pl" is real).
            named = [h for h in hosts.suffixes if split.host == h or split.host.endswith("." + h)]
            host = min(named, key=len) if named else split.host
            look_alike = shape.format(host=host, path=path)
            assert entry["name"] not in {m.hoster for m in real_index.match(look_alike)}, look_alike
            checked += 1
    assert checked > 450


@pytest.mark.parametrize(
    "url",
    [
        "https://rapidgator.net.evil.com/file/abc123",
        "https://notrapidgator.net/file/abc123",
        "https://evil.com/?ref=rapidgator.net/file/abc123",
        "https://evil.com/?ref=https://rapidgator.net/file/abc123",
    ],
)
def test_issue_look_alikes_match_no_rapidgator(url: str, real_index: HosterIndex) -> None:
    assert not {m.hoster for m in real_index.match(url)} & {"RapidgatorNet", "RapidgatorResolver"}


def test_www_subdomains_ports_and_case(real_index: HosterIndex) -> None:
    for url in [
        "https://www.rapidgator.net/file/abc123",
        "HTTPS://RapidGator.NET/file/abc123",
        "https://rapidgator.net:443/file/abc123",
        "https://user@www.rapidgator.net/file/abc123".replace("user@", ""),
    ]:
        assert "RapidgatorNet" in {m.hoster for m in real_index.match(url)}, url
