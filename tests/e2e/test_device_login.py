"""The device login end to end, over real sockets, against the sandbox's OAuth emulations.

Premiumize's runs as a user runs it (``linkresolver premiumize login`` in a subprocess,
against the session's sandbox). Real-Debrid's commands are driven in-process against a
sandbox of their own (its plugin's command group is wired when the plugin is complete):
the code shown, the polls, the token file (mode 600), the token used, renewed after it
lapsed, and the logout.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from linkresolver.plugins.premiumize import sandbox_oauth as pm_sandbox
from linkresolver.plugins.realdebrid import commands_login as rd_commands
from linkresolver.plugins.realdebrid import oauth as rd_oauth
from linkresolver.plugins.realdebrid import sandbox_oauth as rd_sandbox
from resolver_core.config import ProviderSettings
from resolver_core.device_login import LoginRequired
from resolver_core.groups import CommandGroup
from resolver_core.http import make_session
from resolver_core.sandbox import Sandbox

from .conftest import CLI

KATFILE = "https://katfile.com/k4t7f1l3m0v2/Holiday.Video.mkv"
PM_LINK = "https://rapidgator.net/file/a1b2c3d4/Holiday.Video.part1.rar.html"


@dataclass
class Streams:
    stdout: io.StringIO
    stderr: io.StringIO
    stdin: io.StringIO


@pytest.fixture
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state directory: outside the test's tmp_path, whose every file the secrets audit
    searches (a token file's job is to hold a token)."""
    return tmp_path_factory.mktemp("state")


@pytest.fixture
def rd(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[rd_sandbox.RealDebridOAuthEmulation]:
    with Sandbox() as sandbox:
        emulation = rd_sandbox.install(sandbox)
        for name, value in sandbox.env().items():
            monkeypatch.setenv(name, value)
        config = tmp_path / "config.toml"
        config.write_text("", encoding="utf-8")
        monkeypatch.setenv("LINKRESOLVER_CONFIG", str(config))
        monkeypatch.setenv("LINKRESOLVER_STATE_DIR", str(state))
        yield emulation


def realdebrid(*argv: str) -> tuple[int, str, str]:
    """``linkresolver realdebrid ARGV`` through the commands' own parser and handlers."""
    parser = argparse.ArgumentParser(prog="linkresolver")
    group = CommandGroup(parser.add_subparsers(dest="command", required=True))
    rd_commands.add_login_commands(group.add_group("realdebrid", help="Real-Debrid"))
    args = parser.parse_args(["realdebrid", *argv])
    streams = Streams(io.StringIO(), io.StringIO(), io.StringIO())
    code = args.handler(args, streams)
    return code, streams.stdout.getvalue(), streams.stderr.getvalue()


def whoami(token: str) -> int:
    """The sandbox's answer to a call made with ``token`` (its URL is in the environment)."""
    base = os.environ[rd_oauth.OAUTH_BASE_ENV].removesuffix(rd_sandbox.OAUTH_PATH)
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(base + rd_sandbox.WHOAMI_PATH, headers=headers, timeout=10).status_code


def test_realdebrid_login_use_renewal_and_logout(
    rd: rd_sandbox.RealDebridOAuthEmulation, state: Path
) -> None:
    rd.access_lifetime = 2.0  # lapses within the test, so the renewal is real
    started = time.monotonic()
    code, out, err = realdebrid("login")
    assert code == 0, err
    assert time.monotonic() - started < 10
    prompt, done = out.splitlines()
    assert prompt.startswith("Open https://real-debrid.com/device and enter the code ")
    token_file = state / "realdebrid-token.json"
    assert done == f"logged in to Real-Debrid; the token is kept in {token_file} (readable by you only)"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.stat().st_uid == os.getuid()
    stored = json.loads(token_file.read_text())
    assert stored["client_id"].startswith("RD") and stored["client_secret"] in rd.issued
    assert all(secret not in out + err for secret in rd.issued)

    session, settings = make_session(), ProviderSettings("realdebrid")
    first = rd_oauth.access_token(session, settings)
    assert first == stored["access_token"]  # the login's own token, not renewed yet
    assert whoami(first) == 200
    time.sleep(2.1)
    assert whoami(first) == 401
    renewed = rd_oauth.access_token(session, settings)
    assert renewed != first
    assert whoami(renewed) == 200
    assert json.loads(token_file.read_text())["access_token"] == renewed
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    code, out, _ = realdebrid("logout", "--json")
    assert code == 0
    assert json.loads(out) == {"logged_out": True, "provider": "realdebrid", "token_file": str(token_file)}
    assert not token_file.exists()
    with pytest.raises(LoginRequired, match="realdebrid is not logged in"):
        rd_oauth.access_token(session, settings)
    code, out, _ = realdebrid("logout")
    assert (code, out.strip()) == (0, f"no Real-Debrid login was stored ({token_file} does not exist)")


def test_realdebrid_slow_down_is_honoured(rd: rd_sandbox.RealDebridOAuthEmulation, state: Path) -> None:
    rd.slow_down_polls = 1  # answered 429 with Retry-After: 1
    started = time.monotonic()
    code, out, _ = realdebrid("login", "--json")
    elapsed = time.monotonic() - started
    assert code == 0
    shown, done = (json.loads(line) for line in out.splitlines())
    assert shown["user_code"] and shown["verification_url"] == "https://real-debrid.com/device"
    assert done["logged_in"] is True
    # 0.2 s before the first poll (answered 429, Retry-After: 1), then 1 s before the second,
    # which approves; without the slow-down honoured, 0.4 s in all.
    assert 1.15 <= elapsed < 8


def test_realdebrid_code_that_is_never_entered_expires(
    rd: rd_sandbox.RealDebridOAuthEmulation, state: Path
) -> None:
    rd.approve_after_polls, rd.code_lifetime = None, 1.0
    with pytest.raises(LoginRequired, match="expired before it was entered") as caught:
        realdebrid("login")
    assert "log in with `linkresolver realdebrid login`" in caught.value.for_person()
    assert list(state.iterdir()) == []


def test_realdebrid_revoked_login_asks_for_a_new_one(
    rd: rd_sandbox.RealDebridOAuthEmulation, state: Path
) -> None:
    rd.access_lifetime = 1.0
    assert realdebrid("login")[0] == 0
    rd.revoke()
    time.sleep(1.1)
    with pytest.raises(
        LoginRequired, match=r"refused to renew the login \(refused the token \(HTTP 400: invalid_grant\)\)"
    ):
        rd_oauth.access_token(make_session(), ProviderSettings("realdebrid"))
    assert (state / "realdebrid-token.json").exists()  # kept until the person logs out or in


# -- Premiumize, the real command line ----------------------------------------------------------


def test_premiumize_login_and_logout_on_the_command_line(cli: CLI, sandbox: Sandbox, state: Path) -> None:
    env = {"LINKRESOLVER_STATE_DIR": str(state)}
    run = cli("premiumize", "login", env=env)
    assert run.returncode == 0, run.stderr
    prompt, done = run.stdout.splitlines()
    assert prompt.startswith("Open https://www.premiumize.me/device and enter the code ")
    token_file = state / "premiumize-token.json"
    assert done.endswith(f"the token is kept in {token_file} (readable by you only)")
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    stored = json.loads(token_file.read_text())
    emulation = sandbox.emulations[pm_sandbox.EMULATION]
    assert isinstance(emulation, pm_sandbox.PremiumizeOAuthEmulation)
    assert emulation.accepts(stored["access_token"])
    assert stored["access_token"] not in run.stdout + run.stderr
    headers = {"Authorization": f"Bearer {stored['access_token']}"}
    assert requests.get(sandbox.url + pm_sandbox.WHOAMI_PATH, headers=headers, timeout=10).status_code == 200

    run = cli("premiumize", "logout", "--json", env=env)
    assert run.returncode == 0
    assert run.json_lines() == [{"logged_out": True, "provider": "premiumize", "token_file": str(token_file)}]
    assert not token_file.exists()


def test_premiumize_login_without_a_client_id_says_where_to_set_one(cli: CLI, state: Path) -> None:
    run = cli(
        "premiumize",
        "login",
        env={"LINKRESOLVER_STATE_DIR": str(state), "LINKRESOLVER_PREMIUMIZE_CLIENT_ID": ""},
    )
    assert run.returncode == 2
    assert "set client_id in [providers.premiumize]" in run.stderr
    assert "Traceback" not in run.stderr


def test_premiumize_declined_login_fails_cleanly(cli: CLI, sandbox: Sandbox, state: Path) -> None:
    emulation = sandbox.emulations[pm_sandbox.EMULATION]
    assert isinstance(emulation, pm_sandbox.PremiumizeOAuthEmulation)
    emulation.deny = True
    try:
        run = cli("premiumize", "login", env={"LINKRESOLVER_STATE_DIR": str(state)})
    finally:
        emulation.deny = False
    assert run.returncode == 1
    assert "the login was declined at Premiumize" in run.stderr
    assert "Traceback" not in run.stderr
    assert list(state.iterdir()) == []


def test_ctrl_c_while_waiting_stops_cleanly_and_stores_nothing(
    cli: CLI, sandbox: Sandbox, state: Path
) -> None:
    emulation = sandbox.emulations[pm_sandbox.EMULATION]
    assert isinstance(emulation, pm_sandbox.PremiumizeOAuthEmulation)
    emulation.approve_after_polls = None  # the person never enters the code
    env = {**cli._run_env(["premiumize", "login"]), "LINKRESOLVER_STATE_DIR": str(state)}
    try:
        with subprocess.Popen(
            [sys.executable, "-m", "linkresolver", "premiumize", "login"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cli.home,
            text=True,
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            prompt = process.stdout.readline()
            assert prompt.startswith("Open https://www.premiumize.me/device and enter the code ")
            time.sleep(0.5)  # a poll or two
            process.send_signal(signal.SIGINT)
            try:
                returncode = process.wait(timeout=30)
            finally:
                process.kill()  # a failure here must not hang the run in Popen's exit
            stderr = process.stderr.read()
    finally:
        emulation.approve_after_polls = 2
    assert returncode == 130
    assert stderr.splitlines() == ["login cancelled: nothing was stored", "interrupted"]
    assert list(state.iterdir()) == []


# -- a login instead of a key, used by the commands -------------------------------------------


def test_a_realdebrid_login_is_what_resolve_and_accounts_use_and_it_is_renewed_after_it_lapses(
    cli: CLI, sandbox: Sandbox, state: Path
) -> None:
    emulation = sandbox.emulations[rd_sandbox.EMULATION]
    assert isinstance(emulation, rd_sandbox.RealDebridOAuthEmulation)
    emulation.access_lifetime = 2.0  # lapses within the test: the renewal is real
    env = {"LINKRESOLVER_STATE_DIR": str(state), "LINKRESOLVER_REALDEBRID_KEY": ""}
    try:
        assert cli("realdebrid", "login", env=env).returncode == 0
        first = json.loads((state / "realdebrid-token.json").read_text())["access_token"]
        rows = {row["provider"]: row for row in cli("accounts", "--json", env=env).json_lines()}
        assert rows["realdebrid"]["error"] is None and rows["realdebrid"]["type"] == "premium"
        time.sleep(2.2)  # the access token lapses; the next run renews it before its first call
        (line,) = cli("resolve", "--json", "--provider", "realdebrid", KATFILE, env=env).json_lines()
        assert (line["status"], line["provider"]) == ("ok", "realdebrid")
        renewed = json.loads((state / "realdebrid-token.json").read_text())["access_token"]
        assert renewed != first and emulation.accepts(renewed) and not emulation.accepts(first)
        assert cli("realdebrid", "logout", env=env).returncode == 0
        run = cli("resolve", "--provider", "realdebrid", KATFILE, env=env)
        assert run.returncode != 0 and "realdebrid" in run.stderr
    finally:
        emulation.access_lifetime = rd_sandbox.RealDebridOAuthEmulation().access_lifetime


def test_a_premiumize_login_is_what_the_current_api_is_called_with(
    cli: CLI, sandbox: Sandbox, state: Path
) -> None:
    env = {
        "LINKRESOLVER_STATE_DIR": str(state),
        "LINKRESOLVER_PREMIUMIZE_LOGIN": "",
        "LINKRESOLVER_PREMIUMIZE_KEY": "",
        "LINKRESOLVER_PREMIUMIZE_API_BASE": sandbox.url + "/premiumize/api",
    }
    assert cli("premiumize", "login", env=env).returncode == 0
    rows = {row["provider"]: row for row in cli("accounts", "--json", env=env).json_lines()}
    assert rows["premiumize"]["error"] is None and rows["premiumize"]["type"] == "premium"
    (line,) = cli("resolve", "--json", "--provider", "premiumize", PM_LINK, env=env).json_lines()
    assert (line["status"], line["provider"]) == ("ok", "premiumize")
