"""Real-Debrid's 250 requests a minute, refused ones included: the emulation refuses the
one too many with code 34 (HTTP 429), and linkresolver reads that as "too many requests",
rests the provider for as long as it implies and sends nothing more its way meanwhile. (That
the default pace never meets the limit over 1,000 links is bench/resolve_bench.py's
``--realdebrid`` run: four minutes.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from linkresolver.plugins.realdebrid.provider import RealDebridProvider
from linkresolver.plugins.realdebrid.sandbox import REQUESTS_PER_MINUTE, RealDebridEmulation
from resolver_core.config import ProviderSettings
from resolver_core.sandbox import Sandbox

from .conftest import CLI


@pytest.fixture
def emulation(sandbox: Sandbox) -> Iterator[RealDebridEmulation]:
    found = sandbox.emulations["realdebrid"]
    assert isinstance(found, RealDebridEmulation)
    found.requests_per_minute = 5  # a limit a test reaches at once
    try:
        yield found
    finally:
        found.requests_per_minute = 0  # as the session's sandbox has it


def test_the_default_pace_stays_within_the_documented_limit() -> None:
    provider = RealDebridProvider(ProviderSettings("realdebrid", key="k"))
    assert REQUESTS_PER_MINUTE == 250
    assert provider.request_burst + 60 * provider.requests_per_second <= REQUESTS_PER_MINUTE - 2


def test_one_request_too_many_is_refused_and_the_provider_rests(
    cli: CLI, emulation: RealDebridEmulation
) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.realdebrid]\nrequests_per_second = 0\n")  # no pacing: meet the limit
    links = [f"https://katfile.com/lim{i:09d}/f{i}.bin" for i in range(60)]
    refused_before = emulation.refused_for_rate
    run = cli("resolve", "--json", "--provider", "realdebrid", *links)
    lines = run.json_lines()
    assert run.returncode == 1 and "Traceback" not in run.stderr
    failed = [line for line in lines if line["status"] == "error"]
    assert len(failed) >= len(links) - 5 and all("too many requests" in line["error"] for line in failed)
    # Once refused, Real-Debrid rests: only the calls already under way (a link's status check
    # and its unrestrict, in each of its concurrent slots) meet the refusal too, not one call
    # for each of the 60 links.
    assert 1 <= emulation.refused_for_rate - refused_before <= 4 * RealDebridProvider.max_concurrency
    resting = {row["provider"]: row for row in cli("accounts", "--json").json_lines()}["realdebrid"][
        "resting"
    ]
    assert resting and resting[0]["code"] in (34, 429)
