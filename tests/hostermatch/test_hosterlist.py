"""Loading a debrid hosterlist (seed 002's shape) into the index, however it arrives."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from hostermatch import ConnectionSettings, HosterIndex, HosterList

# As the pm-api sends it: JSON-escaped slashes, unanchored PCRE-style regexes.
SEED_STYLE = json.loads(r"""{
  "hosters": {
    "rapidgator.net": {"tlds": ["rapidgator.net", "rg.to"],
                       "regexes": ["https?:\\/\\/(www\\.)?(rapidgator\\.net|rg\\.to)\\/file\\/.+"]},
    "uploaded.net": {"tlds": ["uploaded.net", "ul.to"],
                     "regexes": ["http:\\/\\/uploaded\\.net\\/file\\/.+", "http:\\/\\/ul\\.to\\/.+"]}
  },
  "regexlist": ["https?:\\/\\/(www\\.)?(rapidgator\\.net|rg\\.to)\\/file\\/.+"],
  "tldlist": ["rapidgator.net", "rg.to", "uploaded.net", "ul.to"],
  "hosterlist": ["rapidgator.net", "uploaded.net"],
  "connection_settings": {
    "rapidgator.net": {"max_connections_per_file": "4", "max_connections_per_hoster": 8, "resume": true},
    "uploaded.net": {"max_connections_per_file": 0, "resume": "0"}
  }
}""")


def test_whole_hosterlist_in_one_call() -> None:
    index = HosterIndex()
    parsed = index.add_hosterlist(SEED_STYLE, owner="premiumize")
    assert isinstance(parsed, HosterList)
    assert [(m.owner, m.hoster) for m in index.match("https://rg.to/file/abc")] == [
        ("premiumize", "rapidgator.net")
    ]
    assert [m.hoster for m in index.match("http://ul.to/abc")] == ["uploaded.net"]
    assert index.match("https://ul.to/abc") == []  # the list says http only
    assert parsed.tldlist == ("rapidgator.net", "rg.to", "uploaded.net", "ul.to")
    assert parsed.connection_settings == {
        "rapidgator.net": ConnectionSettings(4, 8, True),
        "uploaded.net": ConnectionSettings(None, None, False),
    }
    assert {"rapidgator.net", "rg.to", "ul.to"} <= index.domains()


def test_unanchored_patterns_still_need_their_host() -> None:
    index = HosterIndex()
    index.add_hosterlist(SEED_STYLE, owner="premiumize")
    assert index.match("https://evil.com/?u=https://rg.to/file/abc") == []


@pytest.mark.parametrize(
    "result",
    [
        None,
        [],
        "hosters",
        42,
        {"hosters": None},
        {"hosters": []},
        {"hosters": {"x": None}},
        {"hosters": {"x": {"regexes": 5}}},
        {"hosters": {"x": {"regexes": [None, 3, {"a": 1}]}}},
        {"hosters": {"": {"regexes": ["a"]}}},
        {"hosters": {"x" * 500: {"regexes": ["a"]}}},
        {"tldlist": {"a": 1}, "connection_settings": ["x"]},
        {"connection_settings": {"x": {"max_connections_per_file": "lots", "resume": "maybe"}}},
    ],
)
def test_malformed_lists_never_raise(result: Any, caplog: pytest.LogCaptureFixture) -> None:
    index = HosterIndex()
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        parsed = index.add_hosterlist(result, owner="premiumize")
    assert isinstance(parsed, HosterList)
    assert index.match("https://rg.to/file/abc") == []


def test_bad_regex_in_a_list_names_its_hoster(caplog: pytest.LogCaptureFixture) -> None:
    index = HosterIndex()
    result = {
        "hosters": {
            "broken.example": {"regexes": ["https?://broken\\.example/(("]},
            "good.example": {"regexes": ["https?://good\\.example/.+"]},
        }
    }
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index.add_hosterlist(result, owner="premiumize")
    assert any("broken.example" in message for message in caplog.messages)
    assert [m.hoster for m in index.match("https://good.example/f")] == ["good.example"]


def test_flat_regexlist_alone_is_used() -> None:
    index = HosterIndex()
    index.add_hosterlist({"regexlist": ["https?://only\\.example/.+"]}, owner="premiumize")
    assert [m.hoster for m in index.match("https://only.example/f")] == ["*"]


def test_huge_pattern_count_is_capped() -> None:
    index = HosterIndex()
    regexes = [f"https?://h\\.example/{i}/" for i in range(1_000)]
    index.add_hosterlist({"hosters": {"h.example": {"regexes": regexes}}}, owner="premiumize")
    assert len(index) == 256
    assert any("more than 256" in r.reason for r in index.rejected)
