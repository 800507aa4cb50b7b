"""Numbers on the command line are bounded both ways, and said wrong in words, not a traceback:
a timeout of 1e10 s overflowed the socket's clock, a port of 70000 wrapped around to 4464."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from linkresolver.cli.parser import main


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["resolve", "--timeout", "inf", "x"], "--timeout: must be more than 0 and at most 3600 seconds"),
        (["resolve", "--timeout", "1e10", "x"], "at most 3600 seconds"),
        (["resolve", "--timeout", "nan", "x"], "at most 3600 seconds"),
        (["resolve", "--timeout", "0", "x"], "must be more than 0"),
        (["check", "--timeout", "soon", "x"], "'soon' is not a number of seconds"),
        (["serve", "--port", "70000"], "--port: must be from 0 to 65,535, not 70,000"),
        (["serve", "--cnl-port", "-1"], "--cnl-port: must be from 0 to 65,535"),
        (["sandbox", "--port", "http"], "'http' is not a port number"),
        (["sandbox", "--latency", "1e9"], "--latency: must be from 0 and at most 60 seconds"),
        (["download", "--files", "100000", "x"], "--files: must be from 1 to 32"),
        (["download", "--connections", "0", "x"], "--connections: must be from 1 to 16"),
        (["download", "--max-per-hoster", "33", "x"], "--max-per-hoster: must be from 0 to 32, not 33"),
        (["download", "--limit-rate", "1e9", "x"], "--limit-rate: '1e9' is not a rate: give a number"),
        (["download", "--limit-rate", "5T", "x"], "'5T' is not a rate"),
        (["serve", "--limit-rate", "99"], "--limit-rate: '99' is below the lowest limit, 1K"),
        (["resolve", "--retries", "1000000", "x"], "--retries: must be from 0 to 10"),
        (["openload", "account", "--timeout", "inf"], "--timeout: must be more than 0"),
    ],
)
def test_a_number_out_of_bounds_is_a_usage_error(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO(), stdin=io.StringIO()) == 2
    said = capsys.readouterr().err
    assert words in said
    assert "Traceback" not in said


def test_the_bounds_themselves_are_accepted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The largest values parse: the refusal is of the value, not of the option."""
    argv = ["resolve", "--timeout", "3600", "--retries", "10", "--connections", "16", "--help"]
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO(), stdin=io.StringIO()) == 0


def test_serve_refuses_a_download_folder_that_is_a_file(tmp_path: Path) -> None:
    """Said at the start, not by the first download an hour later in a browser."""
    afile = tmp_path / "notes.txt"
    afile.write_text("mine", encoding="utf-8")
    stderr = io.StringIO()
    assert main(["serve", "-o", str(afile)], stdout=io.StringIO(), stderr=stderr, stdin=io.StringIO()) == 2
    assert "is not a directory (serve -o DIR)" in stderr.getvalue()
    assert afile.read_text(encoding="utf-8") == "mine"


def test_an_unreachable_provider_is_said_once_with_advice_about_the_way_there(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused connection: no urllib3 "Retrying ..." lines at the default verbosity (the
    link's own message says what came of the retries), and advice that fits a wrong address
    rather than "try again in 3 minutes" alone."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[providers.premiumize]\nlogin = "1"\nkey = "2"\napi_base = "http://127.0.0.1:1/pm-api/v1.php"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    monkeypatch.setenv("LINKRESOLVER_CACHE_DIR", str(tmp_path / "cache"))
    stderr = io.StringIO()
    argv = ["resolve", "--config", str(config), "--timeout", "2", "https://rapidgator.net/file/abc"]
    assert main(argv, stdout=io.StringIO(), stderr=stderr, stdin=io.StringIO()) == 1
    said = stderr.getvalue() + capsys.readouterr().err
    assert "Retrying" not in said
    assert "premiumize cannot be reached" in said
    assert "check the network (and the api_base, if you set one)" in said
