"""The command line on first contact: a file of links, no provider configured, output that
is the same from run to run, columns that line up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from resolver_core.sandbox import Sandbox

from .conftest import CLI, REPO

LINKS = ["https://rapidgator.net/file/aa11bb22/First.File.rar.html", "https://rg.to/file/cc33dd44"]


def test_an_argument_that_names_a_file_is_read_as_a_file_of_links(cli: CLI) -> None:
    listing = cli.home / "links.txt"
    listing.write_text("From the forum:\n" + "\n".join(LINKS) + "\n", encoding="utf-8")
    run = cli("resolve", "--json", "--provider", "premiumize", "links.txt")  # relative to the cwd
    assert run.returncode == 0, run.stderr
    assert [line["input"] for line in run.json_lines()] == LINKS


def test_a_dash_is_standard_input_beside_other_arguments(cli: CLI) -> None:
    run = cli("resolve", "--json", "--provider", "premiumize", LINKS[0], "-", stdin=f"mirror: {LINKS[1]}\n")
    assert run.returncode == 0, run.stderr
    assert [line["input"] for line in run.json_lines()] == LINKS


def test_a_folder_or_an_unreadable_file_is_a_usage_error(cli: CLI) -> None:
    folder = cli("resolve", str(cli.home))
    assert folder.returncode == 2
    assert folder.stderr == f"linkresolver: {cli.home} is a folder; give a file of links, links, or text\n"
    if os.geteuid() == 0:
        return  # root reads any file: the unreadable case cannot be made here
    locked = cli.home / "locked.txt"
    locked.write_text(LINKS[0], encoding="utf-8")
    locked.chmod(0)
    run = cli("check", str(locked))
    assert run.returncode == 2 and "cannot read the file" in run.stderr


def test_help_says_how_inputs_are_read(cli: CLI) -> None:
    for command in ("resolve", "check", "download"):
        text = " ".join(cli(command, "--help").stdout.split())
        assert "an existing path is read as a file" in text and "- or nothing: standard input" in text


def unconfigured(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``linkresolver ARGS`` as on a machine where nothing is configured yet."""
    (home / "xdg").mkdir(exist_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LINKRESOLVER_", "XDG_"))},
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "xdg" / "config"),
        "XDG_CACHE_HOME": str(home / "xdg" / "cache"),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "linkresolver", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("resolve", LINKS[0]),
        ("check", LINKS[0]),
        ("download", "-o", "out", LINKS[0]),
        ("accounts",),
        ("hosts",),
        ("serve", "--port", "0"),
    ],
    ids=lambda args: args[0],
)
def test_with_no_provider_every_command_says_so(tmp_path: Path, args: tuple[str, ...]) -> None:
    run = unconfigured(tmp_path, *args)
    assert run.returncode == 2, run.stdout + run.stderr
    config = tmp_path / "xdg" / "config" / "linkresolver" / "config.toml"
    assert run.stderr == (
        f"linkresolver: no provider is configured: add your account to {config} (a [providers.NAME]"
        " table with its key, or LINKRESOLVER_<NAME>_KEY in the environment); `linkresolver demo`"
        " shows it working without one\n"
    )
    assert not (tmp_path / "out").exists()


def test_hosts_prints_the_same_bytes_on_every_run(cli: CLI) -> None:
    runs = [cli("hosts", env={"PYTHONHASHSEED": seed}) for seed in ("1", "2", "3")]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    json_runs = [cli("hosts", "--json", env={"PYTHONHASHSEED": seed}).stdout for seed in ("4", "5")]
    assert json_runs[0] == json_runs[1]
    assert "www.openload.co" in json_runs[0]  # hosts derived from patterns are listed too


def test_accounts_columns_line_up_whatever_the_account_types(cli: CLI, sandbox: Sandbox) -> None:
    # A free Premiumize account ("free") beside the file hosts' ("registered").
    free = {"LINKRESOLVER_PREMIUMIZE_LOGIN": "200000002", "LINKRESOLVER_PREMIUMIZE_KEY": "free-pin-0002"}
    for env in (None, free):
        run = cli("accounts", env=env)
        lines = [line for line in run.stdout.splitlines() if "download" in line]
        assert len(lines) >= 4, run.stdout + run.stderr
        types = {line.split()[1] for line in lines}
        assert len({len(kind) for kind in types}) > 1  # types of different lengths...
        for column in (r"(can|cannot) download", r"expires ", r"fair use left"):
            starts = {re.search(column, line).start() for line in lines}  # type: ignore[union-attr]
            assert len(starts) == 1, (column, run.stdout)  # ...and yet every column starts at one place
