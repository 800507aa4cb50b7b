"""A provider plugin written as a third-party package works wherever a built-in one does.

tinydebrid (``tests/e2e/third_party/tinydebrid/``) is a made-up debrid service's plugin,
written as an author outside the project writes one: it imports ``linkresolver.api`` alone
(besides the standard library, requests, and werkzeug for its emulation), and brings its
own typed client, its hoster list (tinyhost.example, which no built-in provider serves), a
provider that checks links and tells the account, a command group, its sandbox emulation and
a demo sample. It is a folder of real modules, not strings written by the test, so that it
reads as the example of a third-party plugin and is held to ruff and strict mypy like any
code here; the test copies it out of the repository before loading it.

Loaded as a user loads a plugin (a package on ``PYTHONPATH`` named in ``LINKRESOLVER_PLUGINS``,
or installed: a ``.dist-info`` whose ``entry_points.txt`` puts it in the ``linkresolver``
group), the real command line runs against the environment ``linkresolver sandbox`` prints
with it: resolve, check, hosts, accounts, its own command, download, the web API
(``serve --sandbox``) and the demo, with nothing of the core changed for it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
import requests

import linkresolver.api
from resolver_core.sandbox import Sandbox

from .conftest import CLI, REPO, SecretsAudit
from .test_startup_and_sandbox import read_exports
from .test_web_api import serving

#: The plugin's source, as its author keeps it.
SOURCE: Final = Path(__file__).resolve().parent / "third_party" / "tinydebrid"
LINK: Final = "https://tinyhost.example/d/tiny01/Holiday.Tiny.part1.rar"
#: A file tinydebrid's emulation says was deleted.
GONE: Final = "https://tinyhost.example/d/gone404/Old.Tiny.rar"
USER: Final = "demo@tinydebrid.example"
#: What the plugin may import besides the standard library and its own modules.
ALLOWED_IMPORTS: Final = frozenset({"linkresolver.api", "requests", "werkzeug", "werkzeug.wrappers"})


@dataclass(frozen=True)
class Copies:
    """The plugin copied out of the repository, as the two ways a user has it."""

    #: A folder holding the package only: on PYTHONPATH, named in LINKRESOLVER_PLUGINS.
    on_path: Path
    #: A folder holding the package and its distribution's metadata, with the entry point.
    installed: Path


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Copies:
    ignore = shutil.ignore_patterns("__pycache__")
    on_path = tmp_path_factory.mktemp("plugin-on-path")
    shutil.copytree(SOURCE, on_path / "tinydebrid", ignore=ignore)
    installed = tmp_path_factory.mktemp("site-packages")
    shutil.copytree(SOURCE, installed / "tinydebrid", ignore=ignore)
    # What pip leaves of a distribution, as far as importlib.metadata reads it: a
    # NAME-VERSION.dist-info folder on a sys.path directory, its METADATA and entry points.
    info = installed / "tinydebrid-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tinydebrid\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text("[linkresolver]\ntinydebrid = tinydebrid\n", encoding="utf-8")
    return Copies(on_path, installed)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without linkresolver's variables, and ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("LINKRESOLVER_")}, **extra}


@pytest.fixture(scope="module")
def exports(copies: Copies) -> Iterator[dict[str, str]]:
    """``linkresolver sandbox`` run with the plugin: the environment lines it prints."""
    env = clean_env(
        PYTHONPATH=os.pathsep.join([str(copies.on_path), str(REPO)]), LINKRESOLVER_PLUGINS="tinydebrid"
    )
    with subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=copies.on_path,
        env=env,
    ) as process:
        try:
            yield read_exports(process)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def cli(
    sandbox: Sandbox, exports: dict[str, str], copies: Copies, tmp_path: Path, secrets_audit: SecretsAudit
) -> CLI:
    """The command line with the plugin named in LINKRESOLVER_PLUGINS, pointed at the
    ``linkresolver sandbox`` run with it (the other tests' in-process sandbox has no
    tinydebrid: every variable of its is replaced by those the command printed)."""
    runner = CLI(sandbox, tmp_path, secrets_audit)
    runner.env = {name: value for name, value in runner.env.items() if name not in sandbox.env()}
    runner.env.update(exports)
    runner.env["PYTHONPATH"] = os.pathsep.join([str(copies.on_path), str(REPO)])
    runner.env["LINKRESOLVER_PLUGINS"] = "tinydebrid"
    return runner


def test_the_sandbox_command_points_tinydebrid_at_its_emulation(exports: dict[str, str]) -> None:
    api_base = exports["LINKRESOLVER_TINYDEBRID_API_BASE"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/tinydebrid/api", api_base)
    token = exports["LINKRESOLVER_TINYDEBRID_KEY"]
    account = requests.get(f"{api_base}/account", params={"token": token}, timeout=10)
    assert account.status_code == 200 and account.json()["user"] == USER
    assert requests.get(f"{api_base}/account", params={"token": "wrong"}, timeout=10).status_code == 401


def test_resolve_takes_its_hosters_links_to_tinydebrid(cli: CLI, exports: dict[str, str]) -> None:
    run = cli("resolve", "--json", LINK, GONE, "https://rapidgator.net/file/tp01/A.rar")
    lines = {line["input"]: line for line in run.json_lines()}
    tiny = lines[LINK]
    assert tiny["status"] == "ok", run.stderr
    assert (tiny["provider"], tiny["hoster"]) == ("tinydebrid", "tinyhost.example")
    sandbox_url = exports["LINKRESOLVER_TINYDEBRID_API_BASE"].removesuffix("/tinydebrid/api")
    assert tiny["url"].startswith(f"{sandbox_url}/files/") and tiny["filename"] == "Holiday.Tiny.part1.rar"
    assert 65_536 <= tiny["size"] < 196_608 and re.fullmatch(r"[0-9a-f]{40}", tiny["sha1"])
    gone = lines[GONE]
    assert (gone["status"], gone["provider"]) == ("error", "tinydebrid")
    assert gone["error"].startswith('tinydebrid says the file is gone (it said "file not found")')
    # The built-in providers go on beside it.
    assert lines["https://rapidgator.net/file/tp01/A.rar"]["provider"] == "premiumize"
    assert run.returncode == 1  # the deleted file


def test_check_asks_tinydebrid(cli: CLI) -> None:
    run = cli("check", "--json", LINK, GONE)
    online, offline = run.json_lines()
    assert (online["status"], online["provider"], online["hoster"]) == (
        "online",
        "tinydebrid",
        "tinyhost.example",
    )
    assert online["filename"] == "Holiday.Tiny.part1.rar" and online["size"] >= 65_536
    assert (offline["status"], offline["provider"]) == ("offline", "tinydebrid")
    assert run.returncode == 1


def test_hosts_and_accounts_show_its_rows(cli: CLI) -> None:
    hosts = cli("hosts", "--json")
    assert hosts.returncode == 0, hosts.stderr
    rows = [row for row in hosts.json_lines() if row["provider"] == "tinydebrid"]
    assert [(row["hoster"], row["claim"]) for row in rows] == [("tinyhost.example", None)]
    (row,) = rows
    assert "tinyhost.example" in row["domains"] and all(
        d.endswith("tinyhost.example") for d in row["domains"]
    )
    assert row["patterns"] and all("tinyhost" in pattern for pattern in row["patterns"])
    # The list went through the core's cache, as a built-in provider's does.
    cached = cli.home / "cache" / "hosterlist-tinydebrid.json"
    assert "tinyhost.example" in cached.read_text(encoding="utf-8")

    accounts = cli("accounts", "--json")
    assert accounts.returncode == 0, accounts.stderr
    row = next(line for line in accounts.json_lines() if line["provider"] == "tinydebrid")
    assert row["kind"] == "debrid" and row["login"] == USER and row["type"] == "premium"
    assert row["can_download"] is True and row["fair_use_left"] == 0.75 and row["error"] is None
    assert row["expires"] > time.time() + 29 * 86400


def test_its_command_group_runs_with_the_built_in_commands_options(cli: CLI) -> None:
    listed = cli("--help")
    assert re.search(r"^\s+tinydebrid\s+tinydebrid: the account$", listed.stdout, re.MULTILINE), listed.stdout
    text = cli("tinydebrid", "status")
    assert text.returncode == 0, text.stderr
    assert re.fullmatch(
        rf"tinydebrid: {USER}, premium until \d{{4}}-\d\d-\d\d, traffic left 75%\n", text.stdout
    ), text.stdout
    record = cli("tinydebrid", "status", "--json").json_lines()
    assert [(r["user"], r["plan"], r["traffic_left"]) for r in record] == [(USER, "premium", 0.75)]
    # Its errors are the core's: one line naming the provider and what went wrong.
    refused = cli("tinydebrid", "status", env={"LINKRESOLVER_TINYDEBRID_KEY": "wrong"})
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr == (
        'linkresolver: tinydebrid refused the token (it said "bad token");'
        " check the login and key in the configuration\n"
    )


def test_download_saves_its_file_verified(cli: CLI, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    run = cli("download", "--json", "-o", str(folder), LINK)
    assert run.returncode == 0, run.stderr
    (line,) = run.json_lines()
    assert line["status"] == "ok" and line["provider"] == "tinydebrid" and line["verified"] is True
    saved = Path(str(line["path"]))
    assert saved.parent == folder and saved.name == "Holiday.Tiny.part1.rar"
    data = saved.read_bytes()
    assert len(data) == line["size"] and hashlib.sha1(data).hexdigest() == line["sha1"]


def test_the_web_api_resolves_and_lists_its_rows(cli: CLI) -> None:
    """``serve --sandbox`` builds its own sandbox: the plugin's emulation is in it too."""
    with serving(cli) as served:
        session = requests.Session()
        token = session.get(f"{served.url}/api/session", timeout=10).json()["csrf"]
        answer = session.post(
            f"{served.url}/api/resolve",
            json={"text": f"Part 1, tinydebrid mirror: {LINK}"},
            headers={"X-CSRF-Token": token},
            timeout=10,
        )
        assert answer.status_code == 202
        job: dict[str, Any] = answer.json()
        deadline = time.monotonic() + 20
        while not job["done"]:
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = session.get(f"{served.url}/api/jobs/{job['id']}", timeout=10).json()
        (row,) = job["links"]
        assert (row["state"], row["provider"], row["hoster"]) == (
            "resolved",
            "tinydebrid",
            "tinyhost.example",
        )
        assert row["sha1"] and row["filename"] == "Holiday.Tiny.part1.rar"
        accounts = session.get(f"{served.url}/api/accounts", timeout=10).json()["accounts"]
        mine = [a for a in accounts if a["provider"] == "tinydebrid"]
        assert [(a["type"], a["login"], a["error"]) for a in mine] == [("premium", USER, None)]
        hosters = session.get(f"{served.url}/api/hosts", timeout=10).json()["hosters"]
        listed = [(h["hoster"], h["claim"]) for h in hosters if h["provider"] == "tinydebrid"]
        assert listed == [("tinyhost.example", None)]


def test_the_demo_shows_its_sample(cli: CLI) -> None:
    run = cli("demo")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "provider tinydebrid (debrid): premium account" in run.stdout
    assert "Mirror (tinydebrid): https://tinyhost.example/d/tiny42/Holiday.Video.Tiny.mkv" in run.stdout
    assert re.search(
        r"^\s+ok\s+tinyhost\.example\s+tinydebrid\s+Holiday\.Video\.Tiny\.mkv\s", run.stdout, re.M
    )
    assert re.search(r"saved Holiday\.Video\.Tiny\.mkv \([\d,]+ bytes, sha1 verified\)", run.stdout)


def test_an_installed_entry_point_loads_it(cli: CLI, copies: Copies) -> None:
    """No LINKRESOLVER_PLUGINS: found as an installed distribution's entry point alone."""
    (found,) = importlib.metadata.distributions(name="tinydebrid", path=[str(copies.installed)])
    assert [(ep.group, ep.name, ep.value) for ep in found.entry_points] == [
        ("linkresolver", "tinydebrid", "tinydebrid")
    ]
    del cli.env["LINKRESOLVER_PLUGINS"]
    # On PYTHONPATH, neither named nor installed: not loaded, and the link goes where it went
    # without tinydebrid, to Offcloud's catch-all (any link, after every provider's list).
    absent = cli("resolve", "--json", LINK)
    assert [(line["status"], line["provider"]) for line in absent.json_lines()] == [("ok", "offcloud")]
    installed = {"PYTHONPATH": os.pathsep.join([str(copies.installed), str(REPO)])}
    # Fresh: Offcloud's link from the run above is in the link cache, and Offcloud is still
    # a candidate; this run must go where the installed plugin sends it.
    run = cli("resolve", "--json", "--fresh", LINK, env=installed)
    (line,) = run.json_lines()
    assert (line["status"], line["provider"]) == ("ok", "tinydebrid"), run.stderr
    status = cli("tinydebrid", "status", "--json", env=installed)
    assert status.returncode == 0 and status.json_lines()[0]["user"] == USER, status.stderr


def plugin_imports() -> Iterator[tuple[str, int, str]]:
    """(file, line, module) of every absolute import in the plugin's files."""
    for path in sorted(SOURCE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((path.name, node.lineno, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                yield path.name, node.lineno, node.module


def test_the_plugin_imports_nothing_but_the_plugin_api() -> None:
    imported = list(plugin_imports())
    assert {module for _, _, module in imported} >= {"linkresolver.api", "requests", "werkzeug.wrappers"}
    outside = [
        f"{name}:{line} imports {module}"
        for name, line, module in imported
        if module not in ALLOWED_IMPORTS and module.partition(".")[0] not in sys.stdlib_module_names
    ]
    assert outside == []


def test_every_name_it_takes_from_the_api_is_public() -> None:
    """What it imports from linkresolver.api is in ``__all__``, not reached through it."""
    taken = {
        (path.name, alias.name)
        for path in SOURCE.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "linkresolver.api"
        for alias in node.names
    }
    assert len(taken) > 20
    assert sorted(f"{file}: {name}" for file, name in taken if name not in linkresolver.api.__all__) == []
