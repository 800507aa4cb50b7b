"""Hostile input on the command line, as a user pastes it: ``linkresolver resolve URL`` and
text on standard input, against the sandbox. Every link ends in a clear message of its own,
never a traceback; the exit code is DESIGN.md's (0 all resolved, 1 a link failed); and no
control character or bidirectional override from the input reaches the terminal."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata

import pytest

from .conftest import CLI, Run

LINK = "https://rapidgator.net/file/aa11bb22"
LONG_LINK = "https://rapidgator.net/file/" + "a" * (10_000 - len("https://rapidgator.net/file/"))
UNSUPPORTED = "no enabled provider serves this link"


@pytest.fixture
def cli(cli: CLI) -> CLI:
    """Premiumize's sandbox only: Offcloud would claim every link that nobody else serves."""
    cli.env["LINKRESOLVER_DISABLE_PLUGINS"] = "offcloud"
    return cli


def run_bytes(cli: CLI, *args: str, stdin: bytes, env: dict[str, str] | None = None) -> Run:
    """``linkresolver ARGS`` with raw bytes on standard input (not necessarily UTF-8)."""
    done = subprocess.run(
        [sys.executable, "-m", "linkresolver", *args],
        input=stdin,
        capture_output=True,
        env={**cli.env, **(env or {})},
        cwd=cli.home,
        timeout=120,
        check=False,
    )
    return Run(
        done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def assert_clean(run: Run) -> None:
    """No traceback, and nothing that could rewrite or reorder what a terminal shows."""
    assert "Traceback" not in run.stderr, run.stderr
    for text in (run.stdout, run.stderr):
        hidden = {c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t"}
        assert not hidden, sorted(hidden)


def test_a_ten_thousand_character_link(cli: CLI) -> None:
    run = cli("resolve", "--json", LONG_LINK)
    assert_clean(run)
    assert run.returncode in (0, 1)
    [line] = run.json_lines()
    assert line["input"] == LONG_LINK
    assert line["hoster"] == "rapidgator.net"
    assert (line["status"] == "ok") == (run.returncode == 0)
    assert line["status"] == "ok" or line["error"]


def test_control_characters_in_pasted_text(cli: CLI) -> None:
    pasted = (
        f"{LINK}\x1b[2J\x1b]0;pwned\x07 and\x00https://rg.to/file/cc33dd44\u202eexe.txt\r\n"
        f"https://uploaded.net/file/ee55ff66\x85\x9b31m\u2066\ufeff"
    )
    run = cli("resolve", "--json", stdin=pasted)
    assert_clean(run)
    lines = run.json_lines()
    assert [line["input"] for line in lines] == [
        LINK,
        "https://rg.to/file/cc33dd44",
        "https://uploaded.net/file/ee55ff66",
    ]
    assert [line["status"] for line in lines] == ["ok", "ok", "ok"]
    assert run.returncode == 0


def test_control_characters_in_arguments(cli: CLI) -> None:
    run = cli("resolve", f"{LINK}\x1b[2J\u202e", "https://rg.to/file/cc33dd44\t\x7f")
    assert_clean(run)
    assert run.returncode == 0
    assert len(run.stdout.split()) == 2  # a direct link for each, and nothing else


def test_bytes_that_are_not_utf8_on_stdin(cli: CLI) -> None:
    run = run_bytes(
        cli, "resolve", stdin=b"https://rapidgator.net/file/aa11bb22\xff\xfe\n" + LINK.encode() + b"\n"
    )
    assert_clean(run)
    # The bytes that are not text end the link (as a control character would): what is left
    # is LINK, twice, and each link is resolved once.
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.split()) == 1


def test_bytes_that_are_not_utf8_with_json(cli: CLI) -> None:
    run = run_bytes(cli, "resolve", "--json", stdin=b"https://rapidgator.net/file/aa11bb22\xc3(\n")
    assert_clean(run)
    assert run.returncode == 0
    [line] = [json.loads(text) for text in run.stdout.splitlines()]
    assert line["status"] == "ok" and line["input"] == LINK


@pytest.mark.parametrize("option", ["--json", "--format=lines"])
def test_bytes_that_are_not_utf8_under_a_strict_utf8_locale(cli: CLI, option: str) -> None:
    """A desktop's en_US.UTF-8 locale decodes stdin strictly (the C locale of CI does not);
    PYTHONIOENCODING=utf-8:strict stands for it."""
    run = run_bytes(
        cli,
        "resolve",
        option,
        stdin=b"https://rapidgator.net/file/aa11bb22\xff\n",
        env={"PYTHONIOENCODING": "utf-8:strict"},
    )
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0
    assert LINK in run.stdout or "127.0.0.1" in run.stdout


HOMOGRAPHS = [
    "https://r\u0430pidgator.net/file/aa11bb22",  # Cyrillic a
    "https://xn--rpidgator-0yh.net/file/aa11bb22",  # the same, as punycode
    "https://rapidgat\u03bfr.net/file/aa11bb22",  # Greek omicron
    "https://rapid\u200dgator.net/file/aa11bb22",  # an invisible joiner
    "https://rapidgator.net.evil.example/file/aa11bb22",
]


def test_homographs_are_never_the_hoster(cli: CLI) -> None:
    run = cli("resolve", *HOMOGRAPHS)
    assert "Traceback" not in run.stderr
    assert run.returncode == 1
    assert run.stdout == ""
    reported = [line for line in run.stderr.splitlines() if UNSUPPORTED in line]
    assert len(reported) == len(HOMOGRAPHS), run.stderr


def test_equivalent_spellings_are_the_hoster(cli: CLI) -> None:
    """Upper case and full-width dots are rapidgator.net to browsers and here."""
    run = cli(
        "resolve",
        "--json",
        "HTTPS://RAPIDGATOR.NET/file/aa11bb22",
        "https://rapidgator\uff0enet/file/aa11bb22",
    )
    assert "Traceback" not in run.stderr
    assert [line["hoster"] for line in run.json_lines()] == ["rapidgator.net", "rapidgator.net"]
