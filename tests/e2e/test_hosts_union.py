"""`linkresolver hosts` with every debrid service's list at its real size, over real sockets.

Each debrid emulation lists, beside its own few hosters, a different share of some 290 real
hosters (``tests/real_sized_lists.py``: pyLoad's and ResolveURL's patterns, about 210 to each
list, most hosters in four lists or more), written in its API's own format. What the output
must be is worked out here from the shares alone (how each service names its hosters, the
domains a pattern names), never by the plugins' readers: every (provider, hoster) once, with
its domains, nothing else beyond what the same sandbox lists without the shares; the same
bytes again from the cache and after ``--refresh``; and real links of the hosters go to
exactly the providers whose lists name them.

Premiumize has one provider and two APIs (the configuration picks one): the test runs once
with each, so all six lists are read.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from linkresolver.plugins.premiumize.client import PROVIDER as PREMIUMIZE
from resolver_core.manager import make_plugin_manager
from resolver_core.sandbox import Sandbox, build_sandbox
from resolver_core.sandbox.resolver import sandbox_resolver
from tests.real_sized_lists import RealHoster, assign, extra_hosters, real_hosters

from .conftest import _SANDBOXES, CLI, PREFER_FILE_HOSTS, SecretsAudit

#: The emulations each run lists from, and the provider that reads each list.
LISTS: Final = {
    "legacy": {
        "realdebrid": "realdebrid",
        "premiumize": PREMIUMIZE,
        "alldebrid": "alldebrid",
        "torbox": "torbox",
        "debridlink": "debridlink",
    },
    "current": {
        "realdebrid": "realdebrid",
        "premiumize-current": PREMIUMIZE,
        "alldebrid": "alldebrid",
        "torbox": "torbox",
        "debridlink": "debridlink",
    },
}
#: Lists that name a hoster by its name (Debrid-Link's ``name``); the others by its first domain.
NAMED_BY_NAME: Final = frozenset({"debridlink"})
#: Hosters whose sample links (three each) are matched in each run.
SAMPLED: Final = 120
Row = tuple[str, str | None, str | None]  # provider, hoster, claim


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox of this module's own: the shares it lists would change other tests' lists."""
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as running:
        _SANDBOXES.append(running)
        try:
            yield running
        finally:
            _SANDBOXES.remove(running)


def hosts_json(cli: CLI, *options: str) -> tuple[str, list[dict[str, Any]]]:
    run = cli("hosts", "--json", *options)
    assert run.returncode == 0, run.stderr
    return run.stdout, [json.loads(line) for line in run.stdout.splitlines()]


def make_cli(sandbox: Sandbox, home: Path, audit: SecretsAudit, api: str) -> CLI:
    """The command line in its own ``home``, pointed at Premiumize's ``api``: the legacy
    pm-api (the sandbox's exports) or the current API (the demo's)."""
    home.mkdir()
    cli = CLI(sandbox, home, audit)
    if api == "current":
        demo = {k: v for k, v in sandbox.env(demo=True).items() if k.startswith("LINKRESOLVER_PREMIUMIZE_")}
        cli.env = {k: v for k, v in cli.env.items() if not k.startswith("LINKRESOLVER_PREMIUMIZE_")} | demo
    return cli


def expected_rows(shares: dict[str, list[RealHoster]], lists: dict[str, str]) -> dict[Row, list[str]]:
    """Each (provider, hoster) the shares make, with the domains it must show."""
    rows: dict[Row, list[str]] = {}
    for emulation, provider in lists.items():
        for real in shares[emulation]:
            hoster = real.hoster.name if emulation in NAMED_BY_NAME else real.hoster.domains[0]
            rows[(provider, hoster, None)] = list(real.shown_domains)
    return rows


#: The endpoints that say the hosters' state now (asked for `hosts`' up, down and terms).
STATE_NOW: Final = frozenset(
    {"/realdebrid/rest/1.0/hosts/status", "/alldebrid/v4.1/user/hosts", "/torbox/v1/api/webdl/hosters"}
)


def row_key(row: dict[str, Any]) -> Row:
    return (row["provider"], row["hoster"], row["claim"])


@pytest.mark.parametrize("api", ["legacy", "current"])
def test_hosts_with_every_list_at_real_size(
    api: str, sandbox: Sandbox, tmp_path: Path, secrets_audit: SecretsAudit
) -> None:
    lists = LISTS[api]
    sandbox.extra_hosters = {}
    _, own = hosts_json(make_cli(sandbox, tmp_path / "own", secrets_audit, api))
    shares = assign(
        real_hosters(
            excluded_domains={d for row in own for d in row["domains"]},
            excluded_names={row["hoster"] for row in own if row["hoster"]},
        )
    )
    assert all(len(shares[emulation]) >= 200 for emulation in lists)
    sandbox.extra_hosters = extra_hosters(shares)
    cli = make_cli(sandbox, tmp_path / "all", secrets_audit, api)
    try:
        fetched, rows = hosts_json(cli)
        asked = sandbox.request_counts.copy()
        cached, _ = hosts_json(cli)
        again = {path for path, count in sandbox.request_counts.items() if count != asked[path]}
        # What providers say about their hosters now (up, down, quotas) is asked on every run;
        # TorBox says it in its list itself. Every other list comes from the cache.
        assert again - STATE_NOW == set(), "the lists were fetched again, not read from the cache"
        refreshed, _ = hosts_json(cli, "--refresh")
    finally:
        sandbox.extra_hosters = {}

    keys = [row_key(row) for row in rows]
    assert len(keys) == len(set(keys)), "a (provider, hoster) is listed twice"
    expected = expected_rows(shares, lists) | {row_key(row): row["domains"] for row in own}
    assert set(keys) == set(expected)
    wrong = {
        key: row["domains"] for key, row in zip(keys, rows, strict=True) if row["domains"] != expected[key]
    }
    assert wrong == {}
    assert all(row["patterns"] for row in rows if row["claim"] is None)
    assert cached == fetched, "the list read from the cache shows differently"
    assert refreshed == fetched, "the list fetched again shows differently"

    # Real links of the hosters: matched by exactly the providers whose lists name them, in
    # a resolver of the same configuration and cache (the lists the command line cached).
    resolver = sandbox_resolver(cli.env, cli.home, pm=make_plugin_manager(load_entry_points=False),
                                config_text=PREFER_FILE_HOSTS)  # fmt: skip
    asked = sandbox.request_counts.copy()
    resolver.index()
    assert sandbox.request_counts == asked
    by_domain = {real.hoster.domains[0]: real for share in shares.values() for real in share}
    mismatched = {}
    for real in random.Random(8).sample(sorted(by_domain.values(), key=lambda r: r.hoster.name), SAMPLED):
        want = {
            (provider, real.hoster.name if emulation in NAMED_BY_NAME else real.hoster.domains[0])
            for emulation, provider in lists.items()
            if real in shares[emulation]
        }
        for url in real.samples:
            got = {(match.owner, match.hoster) for match in resolver.index().match(url)}
            offered = {(provider.name, hoster) for provider, hoster in resolver.candidates(url)}
            if got != want or not want <= offered:
                mismatched[url] = (sorted(got), sorted(want))
    assert mismatched == {}
    assert resolver.problems == {}
