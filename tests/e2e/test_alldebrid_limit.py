"""AllDebrid's documented limits, 12 requests a second and 600 a minute
(https://docs.alldebrid.com/#rate-limiting), over real sockets: the emulation refuses the
one too many with HTTP 429; linkresolver's default pace for AllDebrid (8 a second after a
burst of 2) never meets them over a few hundred calls; without a pace, the refusal is read
as "too many requests" and AllDebrid rests as long as its Retry-After says.

This module runs its own sandbox: the session's has AllDebrid's limits lifted, since it
serves every test's runs at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkresolver.plugins.alldebrid.provider import AllDebridProvider
from linkresolver.plugins.alldebrid.sandbox import (
    REQUESTS_PER_MINUTE,
    REQUESTS_PER_SECOND,
    AllDebridEmulation,
)
from resolver_core import errors
from resolver_core.config import ProviderSettings
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver
from resolver_core.sandbox import Sandbox, build_sandbox
from resolver_core.sandbox.resolver import sandbox_resolver


@pytest.fixture(scope="module")
def own_sandbox() -> Iterator[Sandbox]:
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as running:
        yield running


@pytest.fixture
def emulation(own_sandbox: Sandbox) -> AllDebridEmulation:
    found = own_sandbox.emulations["alldebrid"]
    assert isinstance(found, AllDebridEmulation)
    assert (found.requests_per_second, found.requests_per_minute) == (12, 600)
    time.sleep(1.1)  # a fresh second: what an earlier test asked does not count
    return found


def alldebrid_only(sandbox: Sandbox, work: Path, config_text: str = "") -> Resolver:
    return sandbox_resolver(
        sandbox.env(),
        work,
        pm=make_plugin_manager(load_entry_points=False),
        config_text=config_text,
        provider_names=("alldebrid",),
        timeout=10,
    )


def test_the_default_pace_is_within_the_documented_limits_on_paper() -> None:
    provider = AllDebridProvider(ProviderSettings("alldebrid", key="k"))
    assert (REQUESTS_PER_SECOND, REQUESTS_PER_MINUTE) == (12, 600)
    rate, burst = provider.requests_per_second, provider.request_burst
    assert rate == 8.0
    # A token bucket lets its whole burst through and then its rate in the same second: at
    # most burst + rate calls in any second, burst + 60 * rate in any minute (two calls to
    # spare a second, for calls that a busy machine delivers bunched).
    assert burst + rate <= REQUESTS_PER_SECOND - 2
    assert burst + 60 * rate <= REQUESTS_PER_MINUTE - 1


def test_the_default_pace_is_never_refused_over_a_few_hundred_calls(
    own_sandbox: Sandbox, emulation: AllDebridEmulation, tmp_path: Path
) -> None:
    resolver = alldebrid_only(own_sandbox, tmp_path)
    links = [f"https://hitfile.net/pace{i:06d}/f{i}.bin" for i in range(240)]
    refused_before, calls_before = emulation.refused_for_rate, len(emulation.calls)
    started = time.monotonic()
    outcomes = resolver.resolve_many(links)
    took = time.monotonic() - started
    assert [o.status for o in outcomes] == ["ok"] * len(links), [o.error for o in outcomes if o.error]
    calls = len(emulation.calls) - calls_before
    assert calls >= len(links)  # one link/unlock each (the hoster lists besides)
    assert emulation.refused_for_rate == refused_before
    # The pace held: no faster than the burst and the rate after it.
    pace = AllDebridProvider.default_requests_per_second
    assert took >= (calls - AllDebridProvider.request_burst) / pace - 0.5


def test_one_request_too_many_is_refused_and_alldebrid_rests(
    own_sandbox: Sandbox, emulation: AllDebridEmulation, tmp_path: Path
) -> None:
    # No pace and more threads than the limit: the 13th call within a second is refused.
    resolver = alldebrid_only(own_sandbox, tmp_path, "[providers.alldebrid]\nrequests_per_second = 0\n")
    links = [f"https://hitfile.net/fast{i:06d}/f{i}.bin" for i in range(60)]
    refused_before = emulation.refused_for_rate
    started = time.monotonic()
    outcomes = resolver.resolve_many(links)
    took = time.monotonic() - started
    assert emulation.refused_for_rate > refused_before
    # Every link still ends well: a refusal says wait a second (Retry-After), a short rest
    # that is waited out before AllDebrid is asked again; or, when the rest is long, a
    # clear "too many requests" error, never another kind.
    for outcome in outcomes:
        assert outcome.status == "ok" or isinstance(outcome.error, errors.RateLimited | errors.CoolingDown)
    assert sum(o.status == "ok" for o in outcomes) >= len(links) - 4
    # Once refused, AllDebrid rests: only calls already under way (one a slot) meet the
    # refusal too, not one call for each link after it. Each rest is a second, so there
    # are at most as many rests as seconds the run took (a slower machine: more of them).
    rests = math.ceil(took) + 1
    refused = emulation.refused_for_rate - refused_before
    assert refused <= rests * AllDebridProvider.max_concurrency, (refused, took)
    assert refused < len(links) // 2
