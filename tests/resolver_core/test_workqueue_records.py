"""A worker's outcome survives the trip through Redis as it was: the link with every
field, an error as its own class saying the same words (the page, the exports and the exit
codes cannot tell it from one met here)."""

from __future__ import annotations

import json

import pytest

from resolver_core import errors
from resolver_core.models import DownloadLimits, FileLink, ResolvedLink
from resolver_core.outcomes import Outcome
from resolver_core.records import outcome_json
from resolver_core.state.store import StateStoreError
from resolver_core.workqueue_records import RemoteError, error_of, error_record, outcome_of, result_record

LINK = "https://rapidgator.net/file/abc/part1.rar.html"


def trip(outcome: Outcome) -> Outcome:
    """Through JSON text, as the results stream carries it."""
    return outcome_of(json.loads(json.dumps(result_record(outcome))), outcome.input)


def test_a_resolved_link_comes_back_whole() -> None:
    link = ResolvedLink(
        input=LINK,
        url="https://dl.example/x/part1.rar",
        provider="premiumize",
        hoster="rapidgator",
        filename="part1.rar",
        size=1234,
        sha1="a" * 40,
        content_type="application/x-rar",
        files=(FileLink("https://dl.example/x/a", "a", 1), FileLink("https://dl.example/x/b", "b", None)),
        limits=DownloadLimits(2, True),
        valid_until=1_900_000_000.5,
    )
    outcome = Outcome(LINK, "ok", link=link, provider="premiumize", hoster="rapidgator", account="second")
    assert trip(outcome) == outcome
    cached = Outcome(LINK, "ok", link=link, provider="premiumize", hoster="rapidgator", from_cache=True)
    assert trip(cached) == cached


@pytest.mark.parametrize(
    "error",
    [
        errors.FileOffline("says the file is offline", link=LINK, provider="premiumize", code=404),
        errors.QuotaExhausted("says the fair use is used up", provider="pm", code=509, retry_after=42),
        errors.QuotaExhausted("says the fair use is used up", provider="premiumize", code=509),
        errors.CaptchaWrong("nobody answered the captcha", provider="openload"),
        errors.RestedWhileWaiting("was put to rest", provider="realdebrid"),
        errors.UnsupportedLink(f"no provider serves {LINK}", link=LINK),
        errors.AllProvidersFailed(
            [
                errors.HosterUnavailable("says the hoster is down", provider="premiumize", code=428),
                errors.Refused("refused: not today", provider="offcloud"),
            ]
        ),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_comes_back_as_its_own_class_saying_the_same(error: errors.ResolverError) -> None:
    outcome = Outcome(LINK, "error", error=error, provider=error.provider, hoster="rapidgator")
    back = trip(outcome)
    assert type(back.error) is type(error)
    assert back.error is not None
    assert back.error.for_person() == error.for_person()
    assert (back.error.kind, back.error.code, back.error.provider, back.error.link) == (
        error.kind,
        error.code,
        error.provider,
        error.link,
    )
    assert back.error.retry_after == error.retry_after
    assert back.error.retry_after_given == error.retry_after_given
    assert back.error.try_other_provider == error.try_other_provider
    assert outcome_json(back) == outcome_json(outcome)


def test_an_outage_without_an_answer_keeps_its_advice() -> None:
    error = errors.ProviderOutage("could not be reached", provider="premiumize")
    error.no_answer = True
    back = error_of(json.loads(json.dumps(error_record(error))))
    assert back.no_answer and back.for_person() == error.for_person()
    assert "check the network" in back.for_person()


def test_a_state_store_failure_stays_fatal_and_names_its_store() -> None:
    error = StateStoreError("the state store /x/state.sqlite3 is damaged", store="/x/state.sqlite3")
    back = error_of(error_record(error))
    assert isinstance(back, StateStoreError) and back.fatal and back.store == "/x/state.sqlite3"
    assert back.for_person() == error.for_person()


def test_an_error_of_a_class_unknown_here_keeps_its_kind_and_words() -> None:
    record = error_record(errors.FileOffline("says the file is offline", provider="premiumize", code=404))
    record.update({"class": "some_plugin.errors:Exotic", "kind": "exotic", "shown": "exotic words; do this"})
    back = error_of(record)
    assert isinstance(back, RemoteError)
    assert (back.kind, back.for_person(), back.code) == ("exotic", "exotic words; do this", 404)


@pytest.mark.parametrize("data", [None, "text", {"v": 99}, {"v": 1, "input": LINK}])
def test_a_result_that_cannot_be_read_is_an_error_of_its_link(data: object) -> None:
    outcome = outcome_of(data, LINK)
    assert outcome.input == LINK and outcome.status == "error"
    assert "cannot be read" in str(outcome.error)
