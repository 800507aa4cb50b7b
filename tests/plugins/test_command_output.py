"""The plugins' command groups print what a service says (file names, statuses, messages)
without the terminal controls hidden in it; with ``--json`` they give it exactly."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Final

import pytest
import responses

from linkresolver.cli.parser import main

API: Final = "https://offcloud.com/api"
KEY: Final = "offcloud-test-key-0123456789"
SECRETS: Final = [KEY]
REQUEST_ID: Final = "5a1d2b3c4d5e6f7a8b9c0d1e"
EVIL_NAME: Final = "evil\x1b[31mRED\x1b[0m.bin"
EVIL_MESSAGE: Final = "gone\x1b[2J\u202eexe.txt"


@pytest.fixture
def offcloud_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An Offcloud key and an empty configuration file of the test's own."""
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    for name in (
        "LINKRESOLVER_OFFCLOUD_API_BASE",
        "LINKRESOLVER_OFFCLOUD_LOGIN",
        "LINKRESOLVER_OFFCLOUD_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LINKRESOLVER_CONFIG", str(config))
    monkeypatch.setenv("LINKRESOLVER_OFFCLOUD_KEY", KEY)


def run(*argv: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=stdout, stderr=stderr, stdin=io.StringIO())
    return status, stdout.getvalue(), stderr.getvalue()


def answer_cloud_status(api: responses.RequestsMock) -> None:
    body = {
        "status": {
            "requestId": REQUEST_ID,
            "status": "error",
            "fileName": EVIL_NAME,
            "errorMessage": EVIL_MESSAGE,
        }
    }
    api.add(responses.POST, f"{API}/cloud/status", json=body)


@pytest.mark.usefixtures("offcloud_env")
def test_offcloud_cloud_status_prints_the_name_and_reason_without_escapes(
    api: responses.RequestsMock,
) -> None:
    answer_cloud_status(api)
    status, out, _ = run("offcloud", "cloud", "status", REQUEST_ID)
    assert status == 1  # the download failed
    assert "\x1b" not in out and "\u202e" not in out
    assert "evil[31mRED[0m.bin" in out
    assert "gone[2Jexe.txt" in out


@pytest.mark.usefixtures("offcloud_env")
def test_offcloud_cloud_status_json_keeps_the_name_exactly(api: responses.RequestsMock) -> None:
    answer_cloud_status(api)
    _, out, _ = run("offcloud", "cloud", "status", "--json", REQUEST_ID)
    record = json.loads(out)
    assert record["file_name"] == EVIL_NAME
    assert "\\u001b" in out  # escaped by json.dumps, not raw
