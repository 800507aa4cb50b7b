"""The real command line, run as a user runs it, against the sandbox over real sockets.

Every test here runs under the secrets audit (issue 9): the sandbox's credentials are
sentinels (they contain ``S3NT1NEL``), linkresolver logs at DEBUG in the test's process and
into a log file for each command run (``LINKRESOLVER_LOG_FILE``), and after the test every
place a secret could have reached is searched for every secret, as it is, URL-encoded and
base64-encoded: the commands' stdout and stderr, their DEBUG logs, every log record, what
pytest captured, the failure report, and every file written under the test's tmp_path
(except the files whose job is to hold credentials, ``CREDENTIAL_FILES``). A hit fails the
test, naming whose secret it was and where it was seen, never the secret itself.
"""

from __future__ import annotations

import base64
import fcntl
import itertools
import json
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import tomllib
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, quote_plus, unquote

import pytest

from linkresolver.cli.parser import LOG_FILE_ENV
from resolver_core import redact as redaction
from resolver_core.manager import make_plugin_manager
from resolver_core.sandbox import Sandbox, build_sandbox

REPO = Path(__file__).resolve().parents[2]


#: A configuration that tries the Openload family's own APIs before debrid services.
PREFER_FILE_HOSTS: Final = "".join(
    f"[providers.{name}]\npriority = 10\n" for name in ("openload", "streamango", "highload")
)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as running:
        _SANDBOXES.append(running)  # the audit asks it for the session cookies it issued
        # Real-Debrid's 250 calls a minute hold per process (each run's own budget); this one
        # sandbox serves every test's runs at once. tests/e2e/test_realdebrid_limit.py has it.
        running.emulations["realdebrid"].requests_per_minute = 0  # type: ignore[attr-defined]
        running.emulations["torbox"].requests_per_minute = 0  # type: ignore[attr-defined]  # TorBox's 300 a minute alike
        running.emulations["torbox"].creations_per_hour = 0  # type: ignore[attr-defined]
        running.emulations["torbox"].creations_per_minute = 0  # type: ignore[attr-defined]
        # AllDebrid's 12 a second and 600 a minute alike (tests/e2e/test_alldebrid_limit.py).
        running.emulations["alldebrid"].requests_per_second = 0  # type: ignore[attr-defined]
        running.emulations["alldebrid"].requests_per_minute = 0  # type: ignore[attr-defined]
        try:
            yield running
        finally:
            _SANDBOXES.remove(running)


class CLI:
    """``linkresolver ARGS`` in a subprocess, with its own config file and cache directory."""

    def __init__(self, sandbox: Sandbox, home: Path, audit: SecretsAudit | None = None) -> None:
        self.home = home
        self.config = home / "config.toml"
        # The user of these tests prefers the file hosts' own APIs (they give each file's
        # sha1, which the download tests verify); by default a debrid account that serves
        # the same hoster goes first, which the ordering tests show with an empty file.
        self.config.write_text(PREFER_FILE_HOSTS, encoding="utf-8")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LINKRESOLVER_")},
            **sandbox.env(),
            "LINKRESOLVER_CONFIG": str(self.config),
            "LINKRESOLVER_CACHE_DIR": str(home / "cache"),
            "LINKRESOLVER_STATE_DIR": str(home / "state"),
            "PYTHONPATH": str(REPO),
        }
        self.audit = audit
        if audit is not None:
            audit.clis.append(self)
            # Runs a test starts itself with this environment (serve, a killed download...).
            self.env[LOG_FILE_ENV] = str(audit.log_file("the runs the test started itself"))

    def _run_env(self, args: Sequence[str], env: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of one run: with its own DEBUG log file under the audit."""
        merged = {**self.env, **(env or {})}
        if self.audit is not None and LOG_FILE_ENV not in (env or {}):
            merged[LOG_FILE_ENV] = str(self.audit.log_file(_command_line(args)))
        return merged

    def with_backup(self, priority: int = 90) -> CLI:
        """Load the test's third-party plugin and enable its provider."""
        self.env["LINKRESOLVER_PLUGINS"] = "tests.e2e.backup_plugin"
        with self.config.open("a", encoding="utf-8") as handle:
            handle.write(f"[providers.backup]\nenabled = true\npriority = {priority}\n")
        return self

    def on_terminal(self, *args: str, columns: int = 80) -> tuple[Run, bytes]:
        """``linkresolver ARGS`` with stderr on a pseudo-terminal: the run, and what the
        terminal showed (stdout stays a pipe)."""
        leader, follower = pty.openpty()
        # A fresh pty has no width, and tqdm draws nothing in zero columns.
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        env = self._run_env(args)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "linkresolver", *args],
                stdout=subprocess.PIPE,
                stderr=follower,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.home,
                timeout=120,
                check=False,
            )
            os.close(follower)
            terminal = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the other side closed
                    break
                if not chunk:
                    break
                terminal += chunk
        finally:
            os.close(leader)
        run = Run(done.returncode, done.stdout.decode(), "")
        if self.audit is not None:
            self.audit.saw_run(args, env, self.config, run, terminal.decode("utf-8", "replace"))
        return run, terminal

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
        run_env = self._run_env(args, env)
        done = subprocess.run(
            [sys.executable, "-m", "linkresolver", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=run_env,
            cwd=self.home,
            timeout=120,
            check=False,
        )
        run = Run(done.returncode, done.stdout, done.stderr)
        if self.audit is not None:
            self.audit.saw_run(args, run_env, self.config, run)
        return run


@pytest.fixture
def cli(sandbox: Sandbox, tmp_path: Path, secrets_audit: SecretsAudit) -> CLI:
    return CLI(sandbox, tmp_path, secrets_audit)


# -- the secrets audit ------------------------------------------------------------------------

#: What every sandbox secret contains: a leak of a secret nobody registered is caught by it.
SENTINEL: Final = "S3NT1NEL"
#: Files whose job is to hold credentials: the config dir's (the config file, Offcloud's
#: session), and the netrc a test writes for yt-dlp. Every other file is searched.
CREDENTIAL_FILES: Final = frozenset(
    {
        "config.toml",
        "offcloud-session.json",
        ".netrc",
        "realdebrid-token.json",
        "premiumize-token.json",
        "debridlink-token.json",
        "torbox-token.json",
    }
)
#: Values given by tests (on a command line, in the environment) shorter than this are not
#: searched for: "nope" and "x" would be found in innocent text.
MIN_SECRET_LENGTH: Final = 8
#: The loggers that run at DEBUG during a test, in the test's own process.
DEBUG_LOGGERS: Final = ("linkresolver", "hostermatch", "urllib3", "werkzeug")
_MASK: Final = "***"
_SECRET_ENV: Final = re.compile(r"LINKRESOLVER_\w+_(?:KEY|PASSWORD|SECRET|TOKEN|PIN)")
_SECRET_OPTIONS: Final = ("--aria2-secret", "--token", "--password", "--key")
_UNKNOWN_SENTINEL: Final = re.compile(SENTINEL + r"[-_.~%+\w]*")
_URLSAFE: Final = str.maketrans("+/", "-_")
_SENTINEL_OWNER: Final = re.compile(SENTINEL + r"-([A-Za-z0-9]+)-")
_SANDBOXES: list[Sandbox] = []
AUDIT: Final = pytest.StashKey["SecretsAudit"]()


@dataclass(frozen=True)
class Secret:
    owner: str  # whose secret, in words: what a report names instead of the value
    value: str


@dataclass(frozen=True)
class Leak:
    owner: str
    form: str  # "as is", "URL-encoded", "URL-decoded", "base64"
    where: str

    def __str__(self) -> str:
        return f"{self.owner} ({self.form}) in {self.where}"


def forms_of(value: str) -> dict[str, str]:
    """Every form ``value`` may travel in, each with its name: as it is, URL-encoded (and
    URL-decoded: a cookie as Express sets it is encoded already), and base64-encoded at each
    of the three alignments it can have inside a longer base64 text (a Basic auth header,
    a JSON blob), keeping the characters that depend on ``value`` alone."""
    forms = {value: "as is"}
    for encoded in (quote(value, safe=""), quote_plus(value), quote(value)):
        forms.setdefault(encoded, "URL-encoded")
    forms.setdefault(unquote(value), "URL-decoded")
    raw = value.encode()
    for shift in range(3):
        text = base64.b64encode(b"\0" * shift + raw).decode()
        fragment = text[-(-shift * 8 // 6) : (shift + len(raw)) * 8 // 6]
        if len(fragment) >= MIN_SECRET_LENGTH:
            forms.setdefault(fragment, "base64")
            forms.setdefault(fragment.translate(_URLSAFE), "base64")
    return forms


class Detector:
    """Finds (and masks) every form of every secret in a text."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        self._forms: list[tuple[str, str, str, bool]] = []  # form, owner, form's name, sentinel?
        for secret in secrets:
            marked = SENTINEL in secret.value
            for form, name in forms_of(secret.value).items():
                self._forms.append((form, secret.owner, name, marked))
        self._forms.sort(key=lambda entry: len(entry[0]), reverse=True)  # longest first
        self._markers = list(forms_of(SENTINEL))
        self._base64_markers = [form for form, name in forms_of(SENTINEL).items() if name == "base64"]
        #: Which secrets it knows: a file scanned by another detector is scanned again.
        self.signature = hash(tuple(form for form, *_ in self._forms))

    def find(self, text: str) -> list[tuple[str, str]]:
        """(owner, form) of every secret in ``text``; sentinels that belong to no known
        secret too. Texts without a sentinel are only searched for the other secrets."""
        found: dict[tuple[str, str], None] = {}
        marked = any(marker in text for marker in self._markers)
        for form, owner, name, is_marked in self._forms:
            if (marked or not is_marked) and form in text:
                found[owner, name] = None
                text = text.replace(form, _MASK)
        if marked:  # what is left: a sentinel nobody told the audit about
            for match in _UNKNOWN_SENTINEL.finditer(text):
                whose = _SENTINEL_OWNER.match(match.group())  # S3NT1NEL-<owner>-...: the owner only
                found[f"an unknown {whose.group(1) + ' ' if whose else ''}sentinel secret", "as is"] = None
            if any(marker in text for marker in self._base64_markers):
                found["an unknown sentinel secret", "base64"] = None
        return list(found)

    def mask(self, text: str) -> str:
        for form, *_ in self._forms:
            if form in text:
                text = text.replace(form, _MASK)
        if SENTINEL in text:
            text = _UNKNOWN_SENTINEL.sub(_MASK, text)
        return text


def sandbox_secrets() -> list[Secret]:
    """Every credential the sandbox accepts, named."""
    from linkresolver.plugins.alldebrid import sandbox as alldebrid
    from linkresolver.plugins.debridlink import sandbox as debridlink
    from linkresolver.plugins.offcloud import sandbox as offcloud
    from linkresolver.plugins.openload_family.sandbox import MOUNTS
    from linkresolver.plugins.premiumize import current_sandbox
    from linkresolver.plugins.premiumize.sandbox import PremiumizeEmulation
    from linkresolver.plugins.realdebrid import sandbox as realdebrid
    from linkresolver.plugins.torbox import sandbox as torbox

    secrets = [
        Secret(f"the Premiumize PIN of account {login}", account.pin)
        for login, account in PremiumizeEmulation().accounts.items()
    ]
    secrets += [
        Secret(f"the Premiumize API key of account {account.customer_id}", key)
        for key, account in current_sandbox.CurrentApiEmulation().accounts.items()
    ]
    secrets += [
        Secret("the Offcloud API key", offcloud.KEY),
        Secret("the Offcloud password", offcloud.PASSWORD),
        Secret("the Real-Debrid API token", realdebrid.TOKEN),
        Secret("the AllDebrid API key", alldebrid.KEY),
        Secret("the TorBox API key", torbox.KEY),
        Secret("the Debrid-Link API key", debridlink.TOKEN),
    ]
    secrets += [Secret(f"the {mount.service.name} API key", mount.key) for mount in MOUNTS]
    return secrets


def _command_line(args: Sequence[str]) -> str:
    line = " ".join(args)
    return f"`linkresolver {line[:100]}{'...' if len(line) > 100 else ''}`"


class _RecordCollector(logging.Handler):
    """Every log record of the test's process, as text: its message, and its traceback and
    stack as a formatter prints them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[tuple[str, str]] = []
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 (a broken record is still searched)
            text = f"{record.msg} {record.args}"
        if record.exc_info:
            text += "\n" + (record.exc_text or self._formatter.formatException(record.exc_info))
        if record.stack_info:
            text += "\n" + record.stack_info
        self.texts.append((f"a {record.levelname} log record of {record.name}", text))


class SecretsAudit:
    """What one test let out, and the judgement on it (see the module's docstring)."""

    def __init__(self, roots: Sequence[Path], log_dir: Path) -> None:
        self.roots = list(roots)
        self.log_dir = log_dir
        self.clis: list[CLI] = []
        self.outputs: list[tuple[str, str]] = []  # (where, text)
        self.records = _RecordCollector()
        self.reported: set[Leak] = set()
        self._given: dict[str, str] = {}  # value -> owner: secrets the test gave to runs
        self._logs: dict[Path, str] = {}
        self._scanned: dict[tuple[str, int, int, int], list[tuple[str, str]]] = {}
        #: What linkresolver registered in this process during the test, kept when the test's
        #: registrations are forgotten (tests/conftest.py), which happens before the judgement.
        self.registered: set[str] = set()

    # -- what the test did --------------------------------------------------------------------

    def log_file(self, what: str) -> Path:
        """A fresh DEBUG log file for ``what`` (LINKRESOLVER_LOG_FILE)."""
        path = self.log_dir / f"run-{len(self._logs) + 1:03d}.log"
        self._logs[path] = f"the DEBUG log of {what}"
        return path

    def saw_run(
        self, args: Sequence[str], env: dict[str, str], config: Path, run: Run, terminal: str = ""
    ) -> None:
        command = _command_line(args)
        self.outputs += [(f"the stdout of {command}", run.stdout), (f"the stderr of {command}", run.stderr)]
        if terminal:
            self.outputs.append((f"the terminal of {command}", terminal))
        self._learn_from(args, env, config)

    def given(self, value: str, owner: str) -> None:
        """A secret the test handed to linkresolver some other way (in this process)."""
        self._given.setdefault(value, owner)

    def _learn_from(self, args: Sequence[str], env: dict[str, str], config: Path) -> None:
        for name, value in env.items():
            if _SECRET_ENV.fullmatch(name):
                self._given.setdefault(value, f"the {name} given to a run")
        for option, value in itertools.pairwise(args):
            if option in _SECRET_OPTIONS:
                self._given.setdefault(value, f"the {option} given to a run")
        for arg in args:
            option, _, value = arg.partition("=")
            if option in _SECRET_OPTIONS and value:
                self._given.setdefault(value, f"the {option} given to a run")
        try:
            tables = tomllib.loads(config.read_text(encoding="utf-8")).get("providers", {})
        except (OSError, ValueError):
            return
        for name, table in tables.items() if isinstance(tables, dict) else ():
            for key in ("key", "password"):
                if isinstance(table, dict) and isinstance(table.get(key), str):
                    self._given.setdefault(table[key], f"the {key} of [providers.{name}] in the config file")

    def secrets(self) -> list[Secret]:
        """Every secret known now: the sandbox's, the session cookies it issued, those the
        test gave to runs, and those linkresolver registered in this process."""
        owners = {secret.value: secret.owner for secret in sandbox_secrets()}
        for running in _SANDBOXES:
            for cookie in getattr(running.emulations.get("offcloud"), "sessions", ()):
                owners.setdefault(cookie, "an Offcloud session cookie the sandbox issued")
        for cli in self.clis:
            self._learn_from([], cli.env, cli.config)
        for value, owner in self._given.items():
            owners.setdefault(value, owner)
        self.registered.update(redaction._secrets)
        for value in sorted(self.registered, key=len, reverse=True):
            owners.setdefault(value, "a secret linkresolver registered in the test's process")
        return [Secret(owner, value) for value, owner in owners.items() if len(value) >= MIN_SECRET_LENGTH]

    # -- the judgement --------------------------------------------------------------------------

    def leaks(self, detector: Detector, extra: Iterable[tuple[str, str]] = ()) -> list[Leak]:
        """Every leak there is now, reported before or not."""
        texts = [*self.outputs, *self.records.texts, *extra]
        for path, where in self._logs.items():
            if path.exists():
                texts.append((where, path.read_text(encoding="utf-8", errors="replace")))
        found = [
            Leak(owner, form, detector.mask(where))
            for where, text in texts
            for owner, form in detector.find(text)
        ]
        for path in self._written_files():
            found += [
                Leak(owner, form, f"the file {detector.mask(str(path))}")
                for owner, form in self._scan(path, detector)
            ]
        return list(dict.fromkeys(found))

    def _written_files(self) -> Iterator[Path]:
        for root in self.roots:
            for folder, _, names in os.walk(root):
                for name in names:
                    path = Path(folder, name)
                    if name not in CREDENTIAL_FILES and path.is_file() and not path.is_symlink():
                        yield path

    def _scan(self, path: Path, detector: Detector) -> list[tuple[str, str]]:
        try:
            status = path.stat()
            key = (str(path), status.st_size, status.st_mtime_ns, detector.signature)
            if key not in self._scanned:
                # latin-1: one character a byte, so that ASCII secrets match in any file.
                self._scanned[key] = detector.find(path.read_bytes().decode("latin-1"))
        except OSError:  # gone meanwhile (a temporary file)
            return []
        return self._scanned[key]

    def judge(self, report: pytest.TestReport) -> None:
        """Fail ``report`` for every leak not reported before, and mask the secrets in what
        pytest will print of it."""
        detector = Detector(self.secrets())
        sections = [(f"pytest's {title.lower()}", content) for title, content in report.sections]
        failure = report.longreprtext if report.longrepr is not None else ""
        if failure:
            sections.append(("the test's failure report (its exception)", failure))
        new = [leak for leak in self.leaks(detector, sections) if leak not in self.reported]
        self.reported.update(new)
        report.sections = [(title, detector.mask(content)) for title, content in report.sections]
        masked_failure = detector.mask(failure)
        if masked_failure != failure:
            report.longrepr = masked_failure
        if not new:
            return
        message = "\n".join(
            [
                f"secrets audit: {len(new)} leak{'s' if len(new) > 1 else ''} (the values are not shown):",
                *(f"  - {leak}" for leak in new),
            ]
        )
        if report.failed and masked_failure:
            report.longrepr = f"{masked_failure}\n\n{message}"
        else:
            report.outcome = "failed"
            report.longrepr = message


@pytest.fixture(autouse=True)
def secrets_audit(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SecretsAudit]:
    """The audit of this test: DEBUG logging in this process, its records collected; judged
    when the test's call and teardown are reported (``pytest_runtest_makereport``)."""
    audit = SecretsAudit([tmp_path], tmp_path_factory.mktemp("secrets-audit-logs"))
    request.node.stash[AUDIT] = audit
    _learn_web_tokens(audit, request.module, monkeypatch)
    loggers = [logging.getLogger(name) for name in DEBUG_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(audit.records)
    try:
        yield audit
    finally:
        audit.registered.update(redaction._secrets)
        root.removeHandler(audit.records)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _learn_web_tokens(audit: SecretsAudit, module: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The web API's token, when a test gives one to ``create_app`` in this process (a
    ``serve --token`` run is learned from its arguments)."""
    web = sys.modules.get("resolver_core.web.app")
    if web is None:  # not imported: nobody here makes the app in-process
        return
    original = web.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("token"):
            audit.given(kwargs["token"], "the web API's token")
        return original(*args, **kwargs)

    monkeypatch.setattr(web, "create_app", create_app)
    if getattr(module, "create_app", None) is original:  # `from resolver_core.web.app import create_app`
        monkeypatch.setattr(module, "create_app", create_app)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    audit = item.stash.get(AUDIT, None)
    if audit is not None and report.when in ("call", "teardown"):
        audit.judge(report)
    return report
