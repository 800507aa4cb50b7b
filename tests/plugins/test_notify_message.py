"""The notification plugin's pure parts: the ``[notify]`` table's checks and the message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from linkresolver.api import ConfigError, load_config, register_secrets
from linkresolver.plugins.notify.message import notification_for, package_name
from linkresolver.plugins.notify.settings import NotifySettings, read_settings


def config_with(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return load_config(path, env={})


def package(state: str = "done", **changes: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": "Ab3dE5fG",
        "name": "Holiday.Videos.2026",
        "origin": "paste",
        "state": state,
        "created": 1_800_000_000.0,
        "finished": 1_800_000_060.0,
        "counts": {"total": 5, "ok": 5, "failed": 0},
        "failures": [],
    }
    summary.update(changes)
    return summary


# -- [notify] ---------------------------------------------------------------------------------


def test_no_table_or_no_urls_sends_nothing(tmp_path: Path) -> None:
    assert read_settings(config_with(tmp_path, "")) is None
    assert read_settings(config_with(tmp_path, "[notify]\nurls = []\n")) is None


def test_urls_and_endings_are_read(tmp_path: Path) -> None:
    config = config_with(tmp_path, '[notify]\nurls = ["json://h/a", " tgram://t/c "]\non = ["failed"]\n')
    assert read_settings(config) == NotifySettings(("json://h/a", "tgram://t/c"), frozenset({"failed"}))
    both = read_settings(config_with(tmp_path, '[notify]\nurls = "json://h/a"\n'))
    assert both is not None and both.on == frozenset({"done", "failed"})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('url = ["json://h"]', "[notify] has no key 'url' (did you mean 'urls'?)"),
        ("colour = 1", "[notify] has no key 'colour' (its keys: urls, on)"),
        ("urls = 5", "[notify] urls must be a list of Apprise URLs, one per service"),
        ('urls = ["json://h", 3]', "[notify] urls must be a list of Apprise URLs"),
        ('urls = ["json://h", " "]', "[notify] urls must be a list of Apprise URLs"),
        ('urls = ["json://h"]\non = "sometimes"', "[notify] on: 'sometimes' is no ending of a package"),
        ('urls = ["json://h"]\non = [1]', "[notify] on must be a list of endings"),
    ],
)
def test_a_wrong_table_is_one_line_naming_the_key(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_settings(config_with(tmp_path, f"[notify]\n{table}\n"))
    text = str(caught.value)
    assert message in text
    assert text.startswith(str(tmp_path / "config.toml"))
    assert "\n" not in text


# -- the message ------------------------------------------------------------------------------


def test_a_package_done_says_so_with_its_counts() -> None:
    note = notification_for(package())
    assert note.title == "linkresolver: Holiday.Videos.2026 done"
    assert note.body == "5 of 5 links ok, 0 failed."
    assert note.kind == "success"


def test_a_failed_package_lists_the_first_failures_reasons() -> None:
    failures = [
        {"link": f"https://rapidgator.net/file/{n}", "reason": f"file {n} is offline"} for n in range(5)
    ]
    note = notification_for(package("failed", counts={"total": 9, "ok": 4, "failed": 5}, failures=failures))
    assert note.title == "linkresolver: Holiday.Videos.2026 failed"
    assert note.kind == "failure"
    assert note.body.splitlines() == [
        "4 of 9 links ok, 5 failed.",
        "- https://rapidgator.net/file/0: file 0 is offline",
        "- https://rapidgator.net/file/1: file 1 is offline",
        "- https://rapidgator.net/file/2: file 2 is offline",
        "... and 2 more.",
    ]


def test_a_long_or_multi_line_reason_is_cut_to_one_short_line() -> None:
    failures = [{"link": "https://x.example/f", "reason": "<html>\n" + "x" * 500}]
    note = notification_for(package("failed", counts={"total": 1, "ok": 0, "failed": 1}, failures=failures))
    [_, line] = note.body.splitlines()
    assert line.startswith("- https://x.example/f: <html> xxx")
    assert len(line) < 240 and line.endswith("…")


def test_the_packages_password_and_registered_secrets_are_never_in_it() -> None:
    register_secrets(["apikey-0123456789"])
    failures = [{"link": "https://x.example/f", "reason": "wrong password s3cret-pw; key apikey-0123456789"}]
    note = notification_for(
        package(
            "failed",
            name="archive s3cret-pw",
            password="s3cret-pw",
            counts={"total": 1, "ok": 0, "failed": 1},
            failures=failures,
        )
    )
    text = note.title + note.body
    assert "s3cret-pw" not in text and "apikey-0123456789" not in text
    assert "wrong password ***" in note.body


def test_a_package_without_a_name_is_named_by_its_id() -> None:
    assert package_name(package(name=None)) == "package Ab3dE5fG"
    assert package_name(package(name="  two\nlines ")) == "two lines"
    assert notification_for(package(name="")).title == "linkresolver: package Ab3dE5fG done"
