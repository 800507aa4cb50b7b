"""End to end: ``resolve --timeout`` bounds every API call, against a provider that drips.

Premiumize's API is played by a loopback server that sends its headers and then a byte every
half second: each read comes in time, the answer never does. The command asks again as it
does for any call that got no answer, and then says so, in a line naming the provider.
"""

from __future__ import annotations

import time

from resolver_core.retrying import ATTEMPTS
from tests.resolver_core.dripping import drip_headers, headers_then_drip, serving

from .conftest import CLI

TIMEOUT = 2
#: Every attempt within its deadline, with room for a slow machine and for starting Python.
LATEST = ATTEMPTS * (2 * TIMEOUT + 2)


def _premiumize_at(cli: CLI, port: int) -> None:
    cli.env["LINKRESOLVER_DISABLE_PLUGINS"] = "offcloud,openload_family"
    cli.env["LINKRESOLVER_PREMIUMIZE_API_BASE"] = f"http://127.0.0.1:{port}/pm-api/v1.php"


def test_resolve_timeout_bounds_an_answer_dripping_its_body(cli: CLI) -> None:
    with serving(headers_then_drip) as server:
        _premiumize_at(cli, server.port)
        started = time.monotonic()
        run = cli(
            "resolve", "--timeout", str(TIMEOUT), "https://rapidgator.net/file/aa11bb22/First.File.rar.html"
        )
        elapsed = time.monotonic() - started
    assert elapsed < LATEST, f"resolve took {elapsed:.1f} s with --timeout {TIMEOUT}"
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "premiumize" in run.stderr.lower()
    assert "did not answer in time" in run.stderr
    assert server.connections <= ATTEMPTS


def test_resolve_timeout_bounds_dripping_headers_in_json(cli: CLI) -> None:
    link = "https://rapidgator.net/file/aa11bb22/First.File.rar.html"
    with serving(drip_headers) as server:
        _premiumize_at(cli, server.port)
        started = time.monotonic()
        run = cli("resolve", "--json", "--timeout", str(TIMEOUT), link)
        elapsed = time.monotonic() - started
    assert elapsed < LATEST, f"resolve took {elapsed:.1f} s with --timeout {TIMEOUT}"
    assert "Traceback" not in run.stderr
    [line] = run.json_lines()
    assert line["input"] == link
    assert line["status"] != "ok"
    # The hoster list never came: the link has no provider, and the warning says why.
    assert "premiumize" in run.stderr.lower()
    assert "did not answer in time" in run.stderr
