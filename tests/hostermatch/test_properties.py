"""Property tests: extraction and matching never raise and never hang, on any text."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostermatch import HosterIndex, extract_links
from hostermatch.urls import split_url

FAST = settings(
    deadline=timedelta(seconds=1),
    max_examples=300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

URLISH = st.text(
    alphabet=st.sampled_from([*"ab:/.?#=&%@[]()<>\"' \n\tx-_~hHtpsw", "é", "é", "\u3002", "\x00"]),
    max_size=300,
)


@FAST
@given(st.text(max_size=2_000))
def test_extract_links_never_raises_on_any_text(text: str) -> None:
    links = extract_links(text, known_domains=["rapidgator.net", "rg.to"])
    assert len(links) == len(set(links))


@FAST
@given(URLISH)
def test_extract_links_on_url_like_noise(text: str) -> None:
    for link in extract_links(text, known_domains=["a.b"]):
        assert link.lower().startswith(("http://", "https://", "magnet:?"))
        assert not any(ch.isspace() for ch in link)
        assert link[-1] not in ".,;:!?'\""


@FAST
@given(
    st.lists(
        st.sampled_from(
            [
                "https://rapidgator.net/file/abc",
                "http://rg.to/file/x",
                "magnet:?xt=urn:btih:" + "a" * 40,
            ]
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from([" ", "\n", ", ", " | ", "<br>", "\t"]),
)
def test_joined_links_come_back_in_order(links: list[str], separator: str) -> None:
    unique = list(dict.fromkeys(links))
    assert extract_links(separator.join(links)) == unique


@FAST
@given(st.text(max_size=500))
def test_match_never_raises_on_any_text(real_index: HosterIndex, text: str) -> None:
    assert isinstance(real_index.match(text), list)


@FAST
@given(URLISH)
def test_match_never_raises_on_url_like_noise(real_index: HosterIndex, text: str) -> None:
    for prefix in ("https://", "https://rapidgator.net/", "magnet:?"):
        real_index.match(prefix + text)


@FAST
@given(st.text(max_size=200))
def test_split_url_never_raises(text: str) -> None:
    split = split_url("https://" + text)
    if split is not None:
        assert split.url.isascii()
        assert split.host == split.host.lower()


SIMPLE_SHAPES = [
    r"https?://(?:www\.)?rapidgator\.net/file/(?P<ID>\w+)",
    r"(?://|\.)(vidoza\.(?:net|co))/(?:embed-)?([0-9a-zA-Z]+)",
    r"https?://(?:www\.)?(?:openload\.co|oload\.tv)/(?:f|embed)/(?P<ID>[\w-]+)",
]


@pytest.mark.parametrize("pattern", SIMPLE_SHAPES)
def test_index_agrees_with_re_on_generated_links(pattern: str) -> None:
    index = HosterIndex()
    index.add("h", [pattern], owner="p")
    compiled = re.compile(pattern)

    @FAST
    @given(st.from_regex(pattern, fullmatch=True))
    def check(text: Any) -> None:
        url = (
            ("https:" + text) if text.startswith("//") else ("https://www" + text) if text[0] == "." else text
        )
        split = split_url(url)
        if split is None:
            return
        assert bool(index.match(url)) == bool(compiled.search(split.url))

    check()
