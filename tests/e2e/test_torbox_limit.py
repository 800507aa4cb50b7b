"""TorBox's documented limit on new downloads (``createtorrent``, ``createwebdownload``: 60
an hour, 10 a minute), over real sockets: when the hour's are spent, TorBox rests (the
provider counts its own, or TorBox refuses with HTTP 429 and ``Retry-After``) and the link
goes to the next provider, with the reason kept for ``accounts``; within its count TorBox
is never refused.

This module runs its own sandbox: the session's has the limits lifted. The hour's 60 are 3
here (the same knob on both sides), so that a test spends them in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from linkresolver.plugins.torbox.creations import PER_HOUR, PER_MINUTE, CreationBudget
from linkresolver.plugins.torbox.provider import TorBoxProvider
from linkresolver.plugins.torbox.sandbox import CREATIONS_PER_HOUR, CREATIONS_PER_MINUTE, TorBoxEmulation
from resolver_core import errors
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver
from resolver_core.sandbox import Sandbox, build_sandbox
from resolver_core.sandbox.resolver import sandbox_resolver

HOURS_WORTH = 3


@pytest.fixture(scope="module")
def own_sandbox() -> Iterator[Sandbox]:
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as running:
        yield running


@pytest.fixture
def emulation(own_sandbox: Sandbox) -> Iterator[TorBoxEmulation]:
    found = own_sandbox.emulations["torbox"]
    assert isinstance(found, TorBoxEmulation)
    assert (found.creations_per_hour, found.creations_per_minute) == (
        CREATIONS_PER_HOUR,
        CREATIONS_PER_MINUTE,
    )
    found.creations_per_hour = HOURS_WORTH
    found._creations.clear()  # a fresh hour
    try:
        yield found
    finally:
        found.creations_per_hour = CREATIONS_PER_HOUR


def torbox_then_debridlink(sandbox: Sandbox, work: Path, budget: CreationBudget) -> Resolver:
    resolver = sandbox_resolver(
        sandbox.env(),
        work,
        pm=make_plugin_manager(load_entry_points=False),
        provider_names=("torbox", "debridlink"),
        timeout=10,
    )
    torbox = resolver.provider("torbox")
    assert isinstance(torbox, TorBoxProvider)
    torbox.creations = budget
    return resolver


def magnets(tag: str, count: int) -> list[str]:
    # Info hashes with a digit 0-7 first: cached at both, ready at once.
    return [
        f"magnet:?xt=urn:btih:{n % 8}{tag}{n:03d}{'0' * (36 - len(tag))}&dn={tag}{n}" for n in range(count)
    ]


def test_the_provider_counts_as_the_documentation_says() -> None:
    assert (PER_HOUR, PER_MINUTE) == (CREATIONS_PER_HOUR, CREATIONS_PER_MINUTE) == (60, 10)


def test_the_hours_new_downloads_spent_torbox_rests_and_the_next_provider_serves(
    own_sandbox: Sandbox, emulation: TorBoxEmulation, tmp_path: Path
) -> None:
    resolver = torbox_then_debridlink(own_sandbox, tmp_path, CreationBudget(per_hour=HOURS_WORTH))
    refused_before = emulation.refused_for_rate
    outcomes = resolver.resolve_many(magnets("a0", 6))
    assert [o.status for o in outcomes] == ["ok"] * 6, [o.error for o in outcomes]
    by = [o.provider for o in outcomes]
    assert by.count("torbox") == HOURS_WORTH and by.count("debridlink") == 6 - HOURS_WORTH
    # Counted before asking: TorBox never had to refuse one.
    assert emulation.refused_for_rate == refused_before
    resting = resolver.cooldowns.active("torbox")
    assert resting is not None and "new downloads an hour" in resting.reason
    assert 3000 < resting.remaining() <= 3600


def test_torboxs_own_refusal_is_read_the_same_way(
    own_sandbox: Sandbox, emulation: TorBoxEmulation, tmp_path: Path
) -> None:
    # Another program of the same key spent the hour: this one counted nothing.
    resolver = torbox_then_debridlink(own_sandbox, tmp_path, CreationBudget(per_hour=0, per_minute=0))
    refused_before = emulation.refused_for_rate
    outcomes = resolver.resolve_many(magnets("b1", 6))
    assert [o.status for o in outcomes] == ["ok"] * 6, [o.error for o in outcomes]
    assert {o.provider for o in outcomes} == {"torbox", "debridlink"}
    # Refused once (or once per call already under way), then TorBox rests for the hour
    # its Retry-After gives: not one refusal for each later link.
    refused = emulation.refused_for_rate - refused_before
    assert 1 <= refused <= TorBoxProvider.max_concurrency
    resting = resolver.cooldowns.active("torbox")
    assert resting is not None and resting.remaining() > 3000


def test_a_link_only_torbox_serves_ends_with_the_reason_and_the_time(
    own_sandbox: Sandbox, emulation: TorBoxEmulation, tmp_path: Path
) -> None:
    resolver = torbox_then_debridlink(own_sandbox, tmp_path, CreationBudget(per_hour=HOURS_WORTH))
    links = [f"https://krakenfiles.com/view/lim{n}/f{n}.bin" for n in range(HOURS_WORTH + 2)]
    outcomes = resolver.resolve_many(links)
    assert sum(o.status == "ok" for o in outcomes) == HOURS_WORTH
    for outcome in outcomes:
        if outcome.status != "ok":
            assert isinstance(outcome.error, errors.RateLimited | errors.CoolingDown), outcome.error
            said = outcome.error.for_person()
            assert "new downloads an hour" in said or "pause" in said, said
