"""Notifications end to end: the plugin, as the product's plugin manager loads it, sends
through the real Apprise to a loopback receiver (Apprise's own ``json://`` and ``form://``
targets), never holds up the package, and never shows a URL's secret."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

import pluggy
import pytest

from linkresolver.api import ConfigError, load_config, redact
from linkresolver.cli.parser import main
from linkresolver.plugins.notify import notifier
from linkresolver.plugins.notify.services import load_services
from resolver_core.manager import make_plugin_manager
from tests.notify_receiver import Receiver, receiver

PASSWORD = "Rcv-pass-8d1f0c2b"


@pytest.fixture(autouse=True)
def _fresh_plugin_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test parses its URLs and gives its warnings anew (the process keeps both)."""
    monkeypatch.setattr(notifier, "_loaded", {})
    monkeypatch.setattr(notifier, "_warned", set())


@pytest.fixture
def service() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


def config_for(tmp_path: Path, urls: list[str], on: list[str] | None = None) -> Any:
    path = tmp_path / "config.toml"
    lines = ["[notify]", f"urls = {json.dumps(urls)}"]
    if on is not None:
        lines.append(f"on = {json.dumps(on)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return load_config(path, env={})


def plugin_manager() -> pluggy.PluginManager:
    return make_plugin_manager(env={})


def summary(state: str, **changes: Any) -> dict[str, Any]:
    ok = state == "done"
    package: dict[str, Any] = {
        "id": "pk1",
        "name": "Linux.ISOs",
        "origin": "paste",
        "state": state,
        "created": time.time() - 30,
        "finished": time.time(),
        "counts": {"total": 3, "ok": 3 if ok else 1, "failed": 0 if ok else 2},
        "failures": []
        if ok
        else [
            {"link": "https://rapidgator.net/file/a1", "reason": "the file is offline"},
            {"link": "https://nitroflare.com/view/B2", "reason": "the hoster is down"},
        ],
        "password": "forum-pw-123",
    }
    package.update(changes)
    return package


def test_a_done_and_a_failed_package_reach_json_and_form_services(service: Receiver, tmp_path: Path) -> None:
    port = service.port
    config = config_for(tmp_path, [f"json://127.0.0.1:{port}/json", f"form://127.0.0.1:{port}/form"])
    pm = plugin_manager()

    pm.hook.package_ended(package=summary("done"), config=config)
    got = {received.path: received for received in (service.next(), service.next())}
    sent = json.loads(got["/json"].body)
    assert got["/json"].content_type == "application/json"
    assert sent["title"] == "linkresolver: Linux.ISOs done"
    assert sent["message"] == "3 of 3 links ok, 0 failed."
    assert sent["type"] == "success"
    form = {key: values[0] for key, values in parse_qs(got["/form"].body.decode()).items()}
    assert (form["title"], form["message"], form["type"]) == (sent["title"], sent["message"], "success")

    pm.hook.package_ended(package=summary("failed"), config=config)
    got = {received.path: received for received in (service.next(), service.next())}
    sent = json.loads(got["/json"].body)
    assert sent["title"] == "linkresolver: Linux.ISOs failed"
    assert sent["type"] == "failure"
    assert sent["message"].splitlines() == [
        "1 of 3 links ok, 2 failed.",
        "- https://rapidgator.net/file/a1: the file is offline",
        "- https://nitroflare.com/view/B2: the hoster is down",
    ]
    form = {key: values[0] for key, values in parse_qs(got["/form"].body.decode()).items()}
    assert form["message"] == sent["message"]
    for received in got.values():
        assert b"forum-pw-123" not in received.body
    assert service.nothing_more(within=0.5)


def test_an_xml_service_gets_the_failed_package_too(service: Receiver, tmp_path: Path) -> None:
    config = config_for(tmp_path, [f"xml://127.0.0.1:{service.port}/xml"])
    plugin_manager().hook.package_ended(package=summary("failed"), config=config)
    received = service.next()
    notification = ElementTree.fromstring(received.body).find(".//Notification")
    assert notification is not None and received.content_type == "application/xml"
    assert notification.findtext("Subject") == "linkresolver: Linux.ISOs failed"
    assert notification.findtext("MessageType") == "failure"
    assert (notification.findtext("Message") or "").splitlines()[0] == "1 of 3 links ok, 2 failed."


def test_only_the_endings_asked_for_are_sent(service: Receiver, tmp_path: Path) -> None:
    config = config_for(tmp_path, [f"json://127.0.0.1:{service.port}/only-failed"], on=["failed"])
    pm = plugin_manager()
    pm.hook.package_ended(package=summary("done"), config=config)
    pm.hook.package_ended(package=summary("failed", name="second"), config=config)
    assert json.loads(service.next().body)["title"] == "linkresolver: second failed"
    assert service.nothing_more(within=0.5)


def test_a_slow_service_never_holds_up_the_package(service: Receiver, tmp_path: Path) -> None:
    service.delay = 3.0
    config = config_for(tmp_path, [f"json://127.0.0.1:{service.port}/slow"])
    pm = plugin_manager()
    load_services(
        config_for(tmp_path, [f"json://127.0.0.1:{service.port}/slow"]).section("notify")["urls"], ""
    )
    started = time.monotonic()
    pm.hook.package_ended(package=summary("done"), config=config)
    assert time.monotonic() - started < 1.0
    assert json.loads(service.next().body)["title"] == "linkresolver: Linux.ISOs done"


def wait_for_records(caplog: pytest.LogCaptureFixture, words: str, timeout: float = 15.0) -> list[str]:
    """linkresolver's records with ``words``, once there are some (pytest's capture also
    shows Apprise's own, which reach no handler of the program's)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            record.getMessage()
            for record in caplog.records
            if record.name == "linkresolver" and words in record.getMessage()
        ]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no log record with {words!r}: {caplog.messages}")


def test_a_refusing_service_is_one_warning_without_its_password(
    service: Receiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service.status = 500
    config = config_for(tmp_path, [f"json://robot:{PASSWORD}@127.0.0.1:{service.port}/hook"])
    with caplog.at_level(logging.DEBUG):
        plugin_manager().hook.package_ended(package=summary("done"), config=config)
        received = service.next()
        [warning] = wait_for_records(caplog, "notification to")
        time.sleep(0.3)  # anything Apprise would add about it has been logged by now
    assert received.authorization is not None  # the password went to the service, and only there
    assert warning.startswith(f"notification to json://robot:****@127.0.0.1:{service.port}/hook failed: ")
    assert "500" in warning
    assert [r.getMessage() for r in caplog.records if r.name == "linkresolver"] == [warning]
    assert logging.getLogger("apprise").propagate is False  # Apprise's own words stay in Apprise
    assert PASSWORD not in caplog.text


def test_an_unreachable_service_is_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with receiver() as gone:
        port = gone.port
    config = config_for(tmp_path, [f"json://127.0.0.1:{port}/nobody"])
    plugin_manager().hook.package_ended(package=summary("failed"), config=config)
    [warning] = wait_for_records(caplog, "notification to")
    assert warning.startswith(f"notification to json://127.0.0.1:{port}/nobody failed: A Connection error")


def test_the_tokens_of_a_services_url_are_registered_as_secrets(tmp_path: Path) -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    [telegram] = load_services((f"tgram://{token}/-1001234567",), "[notify]")
    assert token not in telegram.shown and telegram.shown.startswith("tgram://")
    assert redact(f"a URL: https://api.telegram.org/bot{token}/sendMessage") == (
        "a URL: https://api.telegram.org/bot***/sendMessage"
    )
    [discord] = load_services(("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",), "[notify]")
    assert "JHMHI8qBe7bk2ZwO5U711o3dV_js" not in discord.shown
    assert redact("JHMHI8qBe7bk2ZwO5U711o3dV_js") == "***"


@pytest.mark.parametrize(
    ("urls", "named"),
    [
        (["json://127.0.0.1/ok", "nonsense://secret-token/x"], "URL 2 ('nonsense://...')"),
        (["json://"], "URL 1 ('json://...')"),
        (["just-a-token-here"], "URL 1 (a text with no '://')"),
    ],
)
def test_a_url_apprise_cannot_use_is_one_line_naming_it(
    tmp_path: Path, urls: list[str], named: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_services(tuple(urls), "config.toml: [notify]")
    message = str(caught.value)
    assert message.startswith(f"config.toml: [notify] urls: {named} is not a URL Apprise can send to")
    assert "secret-token" not in message and "just-a-token" not in message and "\n" not in message
    # A package ending with that configuration is told once, and goes on.
    config = config_for(tmp_path, urls)
    pm = plugin_manager()
    for _ in range(3):
        pm.hook.package_ended(package=summary("done"), config=config)
    wait_for_records(caplog, "notifications are not sent")
    time.sleep(0.3)  # the other packages' threads have ended: nothing more is told
    [warning] = [r.getMessage() for r in caplog.records if r.name == "linkresolver"]
    assert warning.startswith(
        f"notifications are not sent: {tmp_path / 'config.toml'}: [notify] urls: {named}"
    )


def test_without_apprise_a_configured_notify_is_one_warning_saying_what_to_install(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # import apprise fails
    config = config_for(tmp_path, ["json://127.0.0.1:9/none"])
    pm = plugin_manager()
    for state in ("done", "failed"):
        pm.hook.package_ended(package=summary(state), config=config)
    wait_for_records(caplog, "notifications are not sent")
    time.sleep(0.3)  # the other packages' threads have ended: nothing more is told
    [warning] = [r.getMessage() for r in caplog.records if r.name == "linkresolver"]
    assert "Apprise is not installed: pip install 'linkresolver[notify]'" in warning


def run(*argv: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=stdout, stderr=stderr, stdin=io.StringIO())
    return status, stdout.getvalue(), stderr.getvalue()


def test_notify_test_sends_to_each_service_and_fails_when_one_does(service: Receiver, tmp_path: Path) -> None:
    with receiver() as gone:
        dead = gone.port
    good = f"json://robot:{PASSWORD}@127.0.0.1:{service.port}/hook"
    config_for(tmp_path, [good])
    status, out, err = run("notify", "test", "--config", str(tmp_path / "config.toml"))
    assert (status, err) == (0, "")
    assert out == f"sent: json://robot:****@127.0.0.1:{service.port}/hook\n"
    assert json.loads(service.next().body)["title"] == "linkresolver: test notification"

    config_for(tmp_path, [good, f"form://127.0.0.1:{dead}/gone"])
    status, out, _ = run("notify", "test", "--json", "--config", str(tmp_path / "config.toml"))
    assert status == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["service"], r["sent"]) for r in records] == [
        (f"json://robot:****@127.0.0.1:{service.port}/hook", True),
        (f"form://127.0.0.1:{dead}/gone", False),
    ]
    assert "Connection error" in records[1]["problem"]
    assert PASSWORD not in out


def test_notify_test_without_apprise_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # import apprise fails
    config_for(tmp_path, ["json://127.0.0.1:9/none"])
    status, out, err = run("notify", "test", "--config", str(tmp_path / "config.toml"))
    assert (status, out) == (2, "")
    assert err == (
        "linkresolver: notifications are configured ([notify] urls) but Apprise is not installed:"
        " pip install 'linkresolver[notify]'\n"
    )


def test_notify_test_without_services_says_how_to_add_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    status, out, err = run("notify", "test", "--config", str(path))
    assert status == 2 and out == ""
    assert err.strip().endswith(
        '[notify] names no service: add urls = ["json://host/path"] (one Apprise URL per service)'
    )
    assert len(err.strip().splitlines()) == 1
