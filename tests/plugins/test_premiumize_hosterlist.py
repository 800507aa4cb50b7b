"""Loading Premiumize's hosterlist (seed 002's shape) into the index, however it arrives,
and the form the cache keeps it in."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from hostermatch import HosterIndex, analysis, parsing
from hostermatch.analysis import HostSpec
from hostermatch.untrusted import MAX_HOSTERS, MAX_PATTERNS
from linkresolver.plugins.premiumize.hosterlist import STORED_FORMAT, ConnectionSettings, HosterList

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
    parsed = add_hosterlist(index, SEED_STYLE, owner="premiumize")
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
    add_hosterlist(index, SEED_STYLE, owner="premiumize")
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
        parsed = add_hosterlist(index, result, owner="premiumize")
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
        add_hosterlist(index, result, owner="premiumize")
    assert any("broken.example" in message for message in caplog.messages)
    assert [m.hoster for m in index.match("https://good.example/f")] == ["good.example"]


def test_flat_regexlist_alone_is_used() -> None:
    index = HosterIndex()
    add_hosterlist(index, {"regexlist": ["https?://only\\.example/.+"]}, owner="premiumize")
    assert [m.hoster for m in index.match("https://only.example/f")] == ["*"]


def test_huge_pattern_count_is_capped() -> None:
    index = HosterIndex()
    regexes = [f"https?://h\\.example/{i}/" for i in range(1_000)]
    add_hosterlist(index, {"hosters": {"h.example": {"regexes": regexes}}}, owner="premiumize")
    assert len(index) == 256
    assert any("more than 256" in r.reason for r in index.rejected)


def add_hosterlist(index: HosterIndex, result: Any, *, owner: str) -> HosterList:
    """The list read, and its hosters added to ``index`` as the pipeline adds a provider's."""
    parsed = HosterList.from_result(result)
    for name, hoster in parsed.hosters.items():
        index.add(name, hoster.regexes, owner=owner, domains=hoster.tlds)
    return parsed


def huge_answer(hosters: int) -> dict[str, Any]:
    """A list far past the bounds: every hoster with a domain and a regex of its own."""
    return {
        "hosters": {
            f"h{number}.example": {
                "tlds": [f"h{number}.example"],
                "regexes": [rf"https?:\/\/(www\.)?h{number}\.example\/f\/\w+"],
            }
            for number in range(hosters)
        },
        "tldlist": [f"h{number}.example" for number in range(hosters)],
    }


def test_the_cache_keeps_a_huge_list_trimmed_and_already_read(caplog: pytest.LogCaptureFixture) -> None:
    """A list of 30,000 hosters is kept as the 20,000 a list may name: what a later run
    reads is what the bounds keep, not megabytes of hosters it would only skip."""
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        parsed = HosterList.from_result(huge_answer(MAX_HOSTERS + 10_000))
    stored = parsed.stored()
    assert stored["format"] == STORED_FORMAT
    assert len(stored["hosters"]) == MAX_HOSTERS
    assert len(stored["tldlist"]) <= MAX_PATTERNS
    patterns = {regex for hoster in stored["hosters"].values() for regex in hoster["regexes"]}
    assert set(stored["analyses"]["patterns"]) == patterns
    assert all("\\/" not in regex for regex in patterns)  # normalised as the index reads them


def test_a_cached_list_is_read_back_without_parsing_a_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next run (a fresh memo) takes the stored analyses: not one pattern goes through
    Python's regex parser, neither to read the list nor to index it."""
    stored = json.loads(json.dumps(HosterList.from_result(huge_answer(2_000)).stored()))
    monkeypatch.setattr(analysis, "_MEMO", {})  # as in a new process
    parsed = []
    real_parse = parsing.parse

    def counting_parse(pattern: str) -> Any:
        parsed.append(pattern)
        return real_parse(pattern)

    monkeypatch.setattr("hostermatch.analysis.parse", counting_parse)  # what analyse calls
    index = HosterIndex()
    listing = add_hosterlist(index, stored, owner="premiumize")
    assert len(listing.hosters) == 2_000
    assert parsed == []
    assert [m.hoster for m in index.match("https://www.h1999.example/f/abc")] == ["h1999.example"]


def test_analyses_of_another_analyser_are_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = json.loads(json.dumps(HosterList.from_result(huge_answer(50)).stored()))
    stored["analyses"]["made_by"] = "an older version"
    monkeypatch.setattr(analysis, "_MEMO", {})
    assert analysis.remember_analyses(stored["analyses"]) == 0
    index = HosterIndex()
    add_hosterlist(index, stored, owner="premiumize")
    assert [m.hoster for m in index.match("https://h7.example/f/abc")] == ["h7.example"]


@pytest.mark.parametrize(
    "entry",
    [
        ["not", "four", "items"],
        [["evil host!"], [], 0, False],
        [["h1.example"], [], "0", False],
        [["h1.example"], [], 0, "no"],
        [None, ["h1.example"], 0, False],
        {"exact": ["h1.example"]},
        17,
    ],
)
def test_malformed_stored_analyses_are_skipped(entry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "_MEMO", {})
    pattern = r"https?://(www\.)?h1\.example/f/\w+"
    made_by = analysis.analyser_fingerprint()
    assert analysis.remember_analyses({"made_by": made_by, "patterns": {pattern: entry}}) == 0
    assert analysis.analyse(pattern).hosts == HostSpec(
        frozenset({"h1.example", "www.h1.example"}), frozenset()
    )


def test_an_answer_cached_by_an_earlier_version_is_still_read() -> None:
    """A cache written before lists were stored read holds the answer as it came."""
    index = HosterIndex()
    listing = add_hosterlist(index, SEED_STYLE, owner="premiumize")
    assert set(listing.hosters) == {"rapidgator.net", "uploaded.net"}
    assert HosterList.from_result(json.loads(json.dumps(listing.stored()))) == listing


@pytest.mark.parametrize("tldlist", ["", [""], ["", "rg.to"]])
def test_an_empty_domain_is_no_domain(tldlist: Any) -> None:
    """Found by fuzzing: ``"tldlist": ""`` was read as one empty domain, and the stored
    list (which writes it as a list) read back differently."""
    parsed = HosterList.from_result({**SEED_STYLE, "tldlist": tldlist})
    assert "" not in parsed.tldlist
    assert HosterList.from_result(json.loads(json.dumps(parsed.stored()))) == parsed
