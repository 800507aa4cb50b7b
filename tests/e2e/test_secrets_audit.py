"""The secrets audit (issue 9) checked itself: it finds every form of every secret wherever
it was let out, fails the test that let it out without printing it, and the sandbox's
secrets are sentinels. And the places that keep secrets on disk keep them private: the
config file's permissions are checked, the files linkresolver writes are 0600."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from linkresolver.plugins.alldebrid.sandbox import API_PATH
from linkresolver.plugins.debridlink.sandbox_oauth import CLIENT_ID, OAUTH_PATH
from linkresolver.plugins.offcloud.sandbox import KEY, PASSWORD
from linkresolver.plugins.offcloud.session import StoredSession, load_session, save_session
from linkresolver.plugins.openload_family.sandbox import MOUNTS
from linkresolver.plugins.premiumize.sandbox import LOGIN, PIN
from resolver_core.config import load_config
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.redact import register_secrets
from resolver_core.sandbox import Sandbox
from resolver_core.web import app as web

from .conftest import CLI, REPO, SENTINEL, Detector, Leak, Secret, SecretsAudit, sandbox_secrets

COOKIE = "s%3AS3NT1NEL-offcloud-cookie.c2lnbmVk"  # as Express sets connect.sid: URL-encoded


# -- the detector -----------------------------------------------------------------------------


def test_the_sandbox_accounts_credentials_are_sentinels() -> None:
    for secret in (PIN, KEY, PASSWORD, *(mount.key for mount in MOUNTS)):
        assert secret.startswith(f"{SENTINEL}-")
    # The other Premiumize accounts' PINs are plain (tests type them), and searched all the same.
    owners = {secret.owner for secret in sandbox_secrets()}
    assert "the Premiumize PIN of account 200000002" in owners and "the Offcloud password" in owners


@pytest.mark.parametrize(
    ("text", "form"),
    [
        (f"GET /pm-api/v1.php?params[login]={LOGIN}&params[pass]={PIN} HTTP/1.1", "as is"),
        (f"cookie={COOKIE}; Path=/", "as is"),
        (f"cookie={quote(COOKIE, safe='')}", "URL-encoded"),
        ("session s:S3NT1NEL-offcloud-cookie.c2lnbmVk", "URL-decoded"),
        *(
            (base64.b64encode(f"{prefix}{LOGIN}:{COOKIE}".encode()).decode(), "base64")
            for prefix in ("", "a", "ab")  # every alignment inside a longer base64 text
        ),
        (base64.urlsafe_b64encode(f"Basic {COOKIE}?".encode()).decode(), "base64"),
    ],
)
def test_every_form_of_a_secret_is_found_and_masked(text: str, form: str) -> None:
    detector = Detector([Secret("the PIN", PIN), Secret("the cookie", COOKIE)])
    [(owner, found_form)] = detector.find(text)
    assert found_form == form and owner in ("the PIN", "the cookie")
    assert detector.find(detector.mask(text)) == []


def test_a_sentinel_nobody_registered_is_found_and_named_by_its_owner_part() -> None:
    detector = Detector([Secret("the PIN", PIN)])
    assert detector.find("token S3NT1NEL-web-token-9f2 refused") == [
        ("an unknown web sentinel secret", "as is")
    ]
    assert detector.find(base64.b64encode(b"xS3NT1NEL-web-token").decode()) == [
        ("an unknown sentinel secret", "base64")
    ]
    assert detector.find("nothing secret here, not even S3NT1NE") == []
    assert "S3NT1NEL" not in detector.mask("token S3NT1NEL-web-token-9f2 refused")


# -- the audit, through a test's own fixture -------------------------------------------------


def test_the_audit_catches_leaks_in_runs_records_and_files(
    cli: CLI, secrets_audit: SecretsAudit, tmp_path: Path
) -> None:
    """Leak on purpose everywhere the audit looks, see each one reported with its owner and
    where, never its value; then count them as reported, so that this test passes."""
    cli("resolve", "--provider", "S3NT1NEL-meta-provider-name", "https://rg.to/file/meta1")
    # Records straight to the audit's collector: through the root logger, pytest would keep
    # them too, and print them (a leak this test cannot forgive; the next test shows it).
    warning = {"name": "tests.leaky", "levelno": logging.WARNING, "levelname": "WARNING"}
    secrets_audit.records.handle(logging.makeLogRecord({**warning, "msg": "calling with %s", "args": (PIN,)}))
    try:
        raise RuntimeError(f"refused key {KEY}")
    except RuntimeError:
        record = {**warning, "msg": "it failed", "exc_info": sys.exc_info()}
        secrets_audit.records.handle(logging.makeLogRecord(record))
    (tmp_path / "notes.txt").write_text(base64.b64encode(f"{LOGIN}:{PIN}".encode()).decode(), "utf-8")
    (tmp_path / "config.toml").write_text(f'[providers.premiumize]\nkey = "{PIN}"\n', "utf-8")  # its place
    detector = Detector(secrets_audit.secrets())
    leaks = secrets_audit.leaks(detector)
    assert set(leaks) == {
        Leak(
            "an unknown meta sentinel secret",
            "as is",
            "the stderr of `linkresolver resolve --provider *** https://rg.to/file/meta1`",
        ),
        Leak("the Premiumize PIN of account 123456789", "as is", "a WARNING log record of tests.leaky"),
        Leak("the Offcloud API key", "as is", "a WARNING log record of tests.leaky"),
        Leak("the Premiumize PIN of account 123456789", "base64", f"the file {tmp_path / 'notes.txt'}"),
    }
    assert all(SENTINEL not in str(leak) for leak in leaks)
    secrets_audit.reported.update(leaks)  # seen: the test passes


def test_secrets_given_to_runs_are_searched_for_too(cli: CLI, secrets_audit: SecretsAudit) -> None:
    """A secret a test makes up (an aria2 --aria2-secret, a key in the config) is audited."""
    cli.config.write_text('[providers.backup]\nkey = "Backup-Key-Audit-1"\n', encoding="utf-8")
    cli(
        "download",
        "--to",
        "aria2",
        "--aria2-secret",
        "made-up-aria2-secret",
        "--aria2-rpc",
        "http://127.0.0.1:9/x",
    )
    owners = {secret.value: secret.owner for secret in secrets_audit.secrets()}
    assert owners["made-up-aria2-secret"] == "the --aria2-secret given to a run"
    assert owners["Backup-Key-Audit-1"] == "the key of [providers.backup] in the config file"
    assert owners[PIN] == "the Premiumize PIN of account 123456789"  # the sandbox's name wins


def test_a_web_token_given_in_process_is_searched_for(
    sandbox: Sandbox, secrets_audit: SecretsAudit, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    resolver = build_resolver(
        load_config(config, env=sandbox.env()), pm=make_plugin_manager(load_entry_points=False)
    )
    with web.create_app(resolver, token="made-up-web-token").test_client() as client:
        assert client.get("/api/session").status_code == 401
    owners = {secret.value: secret.owner for secret in secrets_audit.secrets()}
    assert owners["made-up-web-token"] == "the web API's token"


LEAKY_TESTS = """
import base64
import logging

from linkresolver.plugins.premiumize.sandbox import LOGIN, PIN


def test_logs_it():
    logging.getLogger("leaky").warning("pin %s", PIN)


def test_prints_it():
    print("the pin:", PIN)


def test_writes_it(tmp_path):
    (tmp_path / "auth.txt").write_text(base64.b64encode(f"{LOGIN}:{PIN}".encode()).decode())


def test_raises_it():
    raise RuntimeError("failed with " + PIN)


def test_runs_a_command_that_prints_it(cli):
    cli("resolve", "--provider", "S3NT1NEL-meta-cli-output", "https://rg.to/file/x")


def test_keeps_it(cli):
    cli.config.write_text('[providers.premiumize]\\nkey = "' + PIN + '"\\n')
    assert cli("hosts").returncode == 0
"""


def test_a_leaking_test_fails_and_its_report_shows_no_secret(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Tests that leak, under the audit as every test here is: each fails, naming the owner
    and the place, and nothing pytest prints holds the secret."""
    tmp_path = tmp_path_factory.mktemp("leaky")  # not this test's tmp_path: its files are audited
    (tmp_path / "conftest.py").write_text("from tests.e2e.conftest import *  # noqa: F403\n", "utf-8")
    (tmp_path / "test_leaky.py").write_text(textwrap.dedent(LEAKY_TESTS), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert "5 failed, 1 passed" in output, output
    for where in (
        "in a WARNING log record of leaky",
        "in pytest's captured log call",
        "in pytest's captured stdout call",
        "auth.txt",
        "in the test's failure report",
        "in the stderr of `linkresolver resolve --provider *** https://rg.to/file/x`",
    ):
        assert where in output, where
    assert "the Premiumize PIN of account 123456789 (base64) in the file" in output
    assert "an unknown meta sentinel secret (as is)" in output
    assert PIN not in output and SENTINEL not in output
    assert "PASSED test_leaky.py::test_keeps_it" in output  # the config file is its place


# -- record-level redaction, the DEBUG log file ------------------------------------------------


def test_records_are_redacted_where_they_are_made(caplog: pytest.LogCaptureFixture) -> None:
    """urllib3 logs every URL at debug level; a program that embeds linkresolver (pyLoad,
    yt-dlp) sends those records to handlers of its own, which redact nothing."""
    register_secrets(["S3NT1NEL-meta-registered-key"])
    with caplog.at_level(logging.DEBUG, logger="urllib3"):
        logging.getLogger("urllib3.connectionpool").debug(
            '%s "%s %s"', "http://127.0.0.1", "GET", "/api?key=S3NT1NEL-meta-registered-key&x=1"
        )
        logging.getLogger("urllib3.connectionpool").debug("GET /x?params[pass]=unregistered-pin")
        try:
            raise ConnectionError("Max retries exceeded with url: /api?key=S3NT1NEL-meta-registered-key")
        except ConnectionError:
            logging.getLogger("linkresolver.http").debug("the request failed", exc_info=True)
    messages = [record.getMessage() for record in caplog.records]
    assert messages[:2] == ['http://127.0.0.1 "GET /api?key=***&x=1"', "GET /x?params[pass]=***"]
    assert "ConnectionError: Max retries exceeded with url: /api?key=***" in caplog.text
    assert "S3NT1NEL" not in caplog.text


def test_the_log_file_gets_debug_redacted_while_stderr_stays_as_it_was(cli: CLI, tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "debug.log"
    log_file.parent.mkdir()
    link = "https://rapidgator.net/file/logfile01/x"
    quiet = cli("resolve", "--provider", "premiumize", link)
    # Fresh: the first run's link is in the link cache, and this run's log must show the API call.
    logged = cli(
        "resolve", "--fresh", "--provider", "premiumize", link, env={"LINKRESOLVER_LOG_FILE": str(log_file)}
    )
    assert (logged.returncode, logged.stdout.count("\n"), logged.stderr) == (0, 1, quiet.stderr)
    text = log_file.read_text(encoding="utf-8")
    assert " DEBUG urllib3.connectionpool: " in text and " DEBUG linkresolver.http: " in text
    assert "params%5Bpass%5D=***" in text and PIN not in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    nowhere = cli("hosts", env={"LINKRESOLVER_LOG_FILE": str(tmp_path / "no" / "such" / "dir.log")})
    assert nowhere.returncode == 0 and "cannot write the log file" in nowhere.stderr


# -- files that hold secrets --------------------------------------------------------------------


def config_with(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_a_config_with_a_key_readable_by_others_draws_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = config_with(tmp_path, f'[providers.premiumize]\nlogin = "{LOGIN}"\nkey = "{PIN}"\n', 0o644)
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        load_config(path, env={})
    [warning] = [record.getMessage() for record in caplog.records]
    assert warning == f"{path} holds keys and can be read by other users; run: chmod 600 {path}"


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        (f'[providers.premiumize]\nkey = "{PIN}"\n', 0o600),  # private
        (f'[providers.premiumize]\nlogin = "{LOGIN}"\npriority = 5\n', 0o644),  # nothing secret in it
        ("", 0o644),  # the key from the environment only
    ],
    ids=["private", "no-secrets", "key-from-env"],
)
def test_no_warning_for_a_private_file_or_one_without_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, mode: int
) -> None:
    path = config_with(tmp_path, text, mode)
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        config = load_config(path, env={"LINKRESOLVER_PREMIUMIZE_KEY": PIN})
    assert config.provider("premiumize").key == PIN
    assert caplog.records == []


def test_the_command_line_warns_about_a_readable_config(cli: CLI) -> None:
    cli.config.write_text(f'[providers.premiumize]\nkey = "{PIN}"\n', encoding="utf-8")
    cli.config.chmod(0o640)
    warned = cli("accounts")
    assert (
        f"{cli.config} holds keys and can be read by other users; run: chmod 600 {cli.config}"
        in warned.stderr
    )
    cli.config.chmod(0o600)
    assert "can be read by other users" not in cli("accounts").stderr


def test_the_offcloud_session_is_private_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "new-config-dir" / "offcloud-session.json"
    save_session(path, StoredSession("me@example.invalid", COOKIE, KEY))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert json.loads(path.read_text(encoding="utf-8"))["session"] == COOKIE
    assert load_session(path) == StoredSession("me@example.invalid", COOKIE, KEY)


def test_alldebrid_torbox_and_debridlink_secrets_are_audited(
    sandbox: Sandbox, secrets_audit: SecretsAudit, tmp_path: Path
) -> None:
    """Their API keys are searched for by name; what their logins issue (AllDebrid's PIN
    check id, which fetches the key, and the key; Debrid-Link's device code and tokens) are
    sentinels, found wherever they are let out. The runs that use them (login, resolve,
    magnets, errors: tests/e2e/test_alldebrid.py, test_torbox.py, test_debridlink.py) are
    audited as every test's are."""
    owners = {secret.owner: secret.value for secret in secrets_audit.secrets()}
    for owner in ("the AllDebrid API key", "the TorBox API key", "the Debrid-Link API key"):
        assert owners[owner].startswith(f"{SENTINEL}-"), owner
    pin = requests.get(f"{sandbox.url}{API_PATH}/pin/get", timeout=10).json()["data"]
    for _ in range(3):
        answer = requests.post(
            f"{sandbox.url}{API_PATH}/pin/check", data={"pin": pin["pin"], "check": pin["check"]}, timeout=10
        ).json()["data"]
    device = requests.post(
        f"{sandbox.url}{OAUTH_PATH}/device/code", data={"client_id": CLIENT_ID}, timeout=10
    ).json()
    issued = {"check": pin["check"], "key": answer["apikey"], "device": device["device_code"]}
    assert all(value.startswith(f"{SENTINEL}-") for value in issued.values()), issued.keys()
    for name, value in issued.items():
        (tmp_path / f"{name}.txt").write_text(f"let out: {value}", "utf-8")
    leaks = secrets_audit.leaks(Detector(secrets_audit.secrets()))
    # Each is found (as the sentinel it is, or as a secret the process registered: the
    # sandbox runs in this process and masks them in its request log).
    for name in issued:
        assert any(leak.where == f"the file {tmp_path / f'{name}.txt'}" for leak in leaks), name
    assert all(SENTINEL not in str(leak) for leak in leaks)
    secrets_audit.reported.update(leaks)  # seen: the test passes
