"""TorBox's count of new downloads (linkresolver/plugins/torbox/creations.py): 10 a minute
and 60 an hour, each refusal saying how long until the next one may start."""

from __future__ import annotations

import time

import pytest

from linkresolver.plugins.torbox.creations import CreationBudget
from resolver_core import errors
from resolver_core.cooldowns import rest_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "monotonic", fake)
    return fake


def test_the_eleventh_of_a_minute_waits_for_the_first_to_be_a_minute_old(clock: Clock) -> None:
    budget = CreationBudget()
    for _ in range(10):
        budget.take("magnet:?xt=urn:btih:x")
        clock.now += 2
    with pytest.raises(errors.RateLimited) as caught:
        budget.take("magnet:?xt=urn:btih:x")
    # The first was 20 s ago: 40 s to go, a rest the core waits out when short enough.
    assert caught.value.retry_after == 40 and caught.value.retry_after_given
    assert rest_for(caught.value) == (True, 40)
    assert "10 new downloads a minute" in caught.value.for_person()
    assert caught.value.provider == "torbox" and caught.value.link == "magnet:?xt=urn:btih:x"
    clock.now += 40
    budget.take()  # refused ones were not counted: the eleventh starts now


def test_the_sixty_first_of_an_hour_waits_for_the_first_to_be_an_hour_old(clock: Clock) -> None:
    budget = CreationBudget()
    for _ in range(60):
        budget.take()
        clock.now += 7  # 8.6 a minute: within the minute's edge
    with pytest.raises(errors.RateLimited) as caught:
        budget.take()
    assert caught.value.retry_after == 3600 - 60 * 7
    said = caught.value.for_person()
    assert "60 new downloads an hour" in said and "can start at" in said and "another provider" in said
    clock.now += 3600 - 60 * 7
    budget.take()


def test_no_limit_at_zero(clock: Clock) -> None:
    budget = CreationBudget(per_hour=0, per_minute=0)
    for _ in range(500):
        budget.take()
