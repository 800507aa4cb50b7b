"""End to end: what the providers say about their hosters now (up or down, cost, quotas),
over real sockets against the sandbox's emulations: ``hosts`` lists each hoster once with
its providers in the order ``resolve`` tries them, and ``resolve`` tries first, among
providers of equal priority, one that does not say the hoster is down and costs least.

In the sandbox, dropapk.to is in maintenance at Debrid-Link and up at TorBox; nitroflare.com
costs four times the fair use at Premiumize (its current API) and is up at TorBox. Without
what they say, Debrid-Link and Premiumize would go first (registered first).
"""

from __future__ import annotations

from typing import Any

from linkresolver.plugins.debridlink.sandbox import DebridLinkEmulation
from linkresolver.plugins.premiumize.current_sandbox import API_PATH, KEY
from resolver_core.sandbox import Sandbox

from .conftest import CLI

DROPAPK = "https://dropapk.to/dr0p4pkf1l3/Film.mkv"
NITROFLARE = "https://nitroflare.com/view/N1TR0F1L3/Film.mkv"


def groups(stdout: str) -> dict[str, list[str]]:
    """``hosts``' text: each hoster's line, then its providers' lines (indented)."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in stdout.splitlines():
        if line.startswith(" "):
            current.append(line.strip())
        else:
            current = found.setdefault(line.split()[0], [])
    return found


def current_api(cli: CLI, sandbox: Sandbox) -> CLI:
    cli.env.pop("LINKRESOLVER_PREMIUMIZE_LOGIN")
    cli.env["LINKRESOLVER_PREMIUMIZE_KEY"] = KEY
    cli.env["LINKRESOLVER_PREMIUMIZE_API_BASE"] = sandbox.url + API_PATH
    return cli


def test_hosts_lists_each_hoster_once_with_its_providers_in_the_order_of_trying(cli: CLI) -> None:
    run = cli("hosts")
    assert run.returncode == 0, run.stderr
    listed = groups(run.stdout)
    # Debrid-Link names it "dropapk": listed under its domain, with the name it gives.
    assert listed["dropapk.to"] == ["torbox       up", "debridlink   (as dropapk) down, in maintenance"]
    assert listed["turbobit.net"] == ["premiumize", "realdebrid   down"]
    assert listed["gofile.io"] == ["torbox       up, 3 of 25 links left today"]
    assert listed["alfafile.net"] == ["alldebrid    up, 4096 of 5000 MB left"]
    names = [line.split()[0] for line in run.stdout.splitlines() if not line.startswith(" ")]
    hosters = names[: names.index("magnet")]
    assert hosters == sorted(hosters) and len(set(names)) == len(names)  # each hoster once, sorted
    assert names[-2:] == ["magnet", "(any"]  # then what is served beyond lists


def test_a_hosters_line_shows_its_domains_short_and_json_has_them_all(cli: CLI) -> None:
    """www. forms beside the bare domain are left out, six domains at most, then how many
    more: the Openload family's dozens of domains fit a line; JSON keeps every one."""
    lines = {line.split()[0]: line for line in cli("hosts").stdout.splitlines() if not line.startswith(" ")}
    assert lines["ddownload.com"] == "ddownload.com  ddownload.com ddl.to"
    name, *shown, counted, word = lines["openload.co"].split()
    assert (name, len(shown), counted[:2], word) == ("openload.co", 6, "(+", "more)")
    assert not any(domain.startswith("www.") for domain in shown)
    rows = [row for row in cli("hosts", "--json").json_lines() if row["hoster"] == "openload.co"]
    domains = {domain for row in rows for domain in row["domains"]}
    bare = {domain for domain in domains if not (domain.startswith("www.") and domain[4:] in domains)}
    assert len(bare) == 6 + int(counted[2:]) and set(shown) <= bare
    assert domains - bare  # the www. forms are there, in JSON


def test_resolve_tries_first_the_provider_that_says_the_hoster_is_up(cli: CLI, sandbox: Sandbox) -> None:
    dl = sandbox.emulations["debridlink"]
    assert isinstance(dl, DebridLinkEmulation)
    before = len(dl.calls)
    run = cli("resolve", "--json", "-v", DROPAPK)
    line = only_line(run.json_lines())
    assert (line["status"], line["provider"], line["hoster"]) == ("ok", "torbox", "dropapk.to"), line
    # Not tried first and refused: not tried at all, since the link resolved at once.
    assert "maintenance" not in run.stderr, run.stderr
    assert "downloader/add" not in dl.calls[before:]


def test_resolve_tries_first_the_provider_where_a_link_costs_less(cli: CLI, sandbox: Sandbox) -> None:
    current_api(cli, sandbox)
    listed = groups(cli("hosts").stdout)
    assert listed["nitroflare.com"] == ["torbox       up", "premiumize   fair use x4"]
    assert listed["uploaded.net"] == ["premiumize   fair use x2"]
    line = only_line(cli("resolve", "--json", NITROFLARE).json_lines())
    assert (line["status"], line["provider"]) == ("ok", "torbox"), line


def test_the_provider_order_given_is_kept_whatever_the_providers_say(cli: CLI) -> None:
    run = cli("resolve", "--json", "-v", "--provider", "debridlink", "--provider", "torbox", DROPAPK)
    line = only_line(run.json_lines())
    assert (line["status"], line["provider"]) == ("ok", "torbox"), line
    assert "has dropapk in maintenance right now" in run.stderr  # asked first, as told


def test_hosts_json_says_up_cost_and_terms_on_every_row(cli: CLI, sandbox: Sandbox) -> None:
    current_api(cli, sandbox)
    rows = cli("hosts", "--json").json_lines()
    assert all({"up", "cost", "terms"} <= set(row) for row in rows)
    by_key = {(row["provider"], row["hoster"]): row for row in rows}
    nitroflare = by_key["premiumize", "nitroflare.com"]
    assert (nitroflare["up"], nitroflare["cost"], nitroflare["terms"]) == (None, 4.0, "fair use x4")
    assert (by_key["debridlink", "dropapk"]["up"], by_key["debridlink", "dropapk"]["terms"]) == (
        False,
        "in maintenance",
    )
    assert by_key["realdebrid", "turbobit.net"]["up"] is False
    assert by_key["offcloud", None]["claim"] == "any_link" and by_key["offcloud", None]["up"] is None


def only_line(lines: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(lines) == 1, lines
    return lines[0]
