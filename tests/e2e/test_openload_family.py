"""End to end: the Openload family (openload, streamango, highload) through the real CLI,
against the sandbox's emulation: the download-ticket flow with waits and captchas, batched
link checks, failover to a debrid provider, and the account commands."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import pytest
import requests

from linkresolver.plugins.openload_family.sandbox import FamilyEmulation
from resolver_core.sandbox import Sandbox

from .conftest import CLI, Run

# A --captcha-command that reads the sandbox captcha's answer out of the PNG.
SOLVER = """\
import sys
from resolver_core.sandbox.captcha import read_answer
print(read_answer(open(sys.argv[-1], "rb").read()))
"""
# Wrong the first time, right afterwards; counts its calls in a file beside it.
WRONG_THEN_RIGHT = """\
import sys, pathlib
from resolver_core.sandbox.captcha import read_answer
calls = pathlib.Path(__file__).with_suffix(".calls")
count = int(calls.read_text()) + 1 if calls.exists() else 1
calls.write_text(str(count))
print("00000" if count == 1 else read_answer(open(sys.argv[-1], "rb").read()))
"""


def solver(cli: CLI, body: str = SOLVER, name: str = "solver.py") -> str:
    script = cli.home / name
    script.write_text(body, encoding="utf-8")
    return f"{sys.executable} {script}"


def emulation(sandbox: Sandbox, name: str) -> FamilyEmulation:
    found = sandbox.emulations[name]
    assert isinstance(found, FamilyEmulation)
    return found


def only(run: Run) -> dict[str, object]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


# -- the download-ticket flow ---------------------------------------------------------------


def test_ticket_flow_without_captcha_gives_a_verified_direct_link(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://openload.co/f/plainTicket1/Movie.mkv"))
    assert line["status"] == "ok" and line["provider"] == "openload" and line["hoster"] == "openload.co"
    assert line["filename"] == "plainTicket1.bin"
    body = requests.get(str(line["url"]), timeout=10).content
    assert len(body) == line["size"]
    assert hashlib.sha1(body).hexdigest() == line["sha1"]


def test_ticket_flow_with_captcha_answered_by_the_captcha_command(cli: CLI) -> None:
    run = cli("resolve", "--json", "--captcha-command", solver(cli), "https://oload.tv/embed/captchaOne")
    line = only(run)
    assert line["status"] == "ok", run.stderr
    assert line["provider"] == "openload"


def test_captcha_command_from_the_configuration_file(cli: CLI) -> None:
    config = cli.config.read_text(encoding="utf-8")
    cli.config.write_text(f"captcha_command = {solver(cli)!r}\n" + config, encoding="utf-8")
    assert only(cli("resolve", "--json", "https://streamango.com/f/captchaCfg/x"))["status"] == "ok"


def test_captcha_without_any_solver_says_how_to_supply_one(cli: CLI) -> None:
    run = cli("resolve", "--provider", "openload", "https://openload.co/f/captchaNobody/x")
    assert run.returncode == 1
    assert "captcha" in run.stderr and "--captcha-command" in run.stderr and "captcha_command" in run.stderr
    assert "Traceback" not in run.stderr


def test_wrong_captcha_gets_a_new_ticket_and_a_new_captcha(cli: CLI, sandbox: Sandbox) -> None:
    command = solver(cli, WRONG_THEN_RIGHT, "wrong_then_right.py")
    run = cli("resolve", "--json", "--captcha-command", command, "https://openload.co/f/captchaWrongOnce/x")
    assert only(run)["status"] == "ok", run.stderr
    assert (cli.home / "wrong_then_right.calls").read_text() == "2"
    assert emulation(sandbox, "openload").tickets_issued["captchaWrongOnce"] == 2


def test_always_wrong_captcha_gives_up_after_a_bounded_number_of_tickets(cli: CLI, sandbox: Sandbox) -> None:
    always_wrong = solver(cli, "print('99999x')\n", "wrong.py")
    link = "https://openload.co/f/captchaAlwaysWrong/x"
    run = cli("resolve", "--json", "--provider", "openload", "--captcha-command", always_wrong, link)
    line = only(run)
    assert line["status"] == "error"
    assert "refused the captcha answer 3 times" in str(line["error"])
    assert emulation(sandbox, "openload").tickets_issued["captchaAlwaysWrong"] == 3


def test_expired_ticket_gets_a_new_one(cli: CLI, sandbox: Sandbox) -> None:
    # The first ticket is valid for 1 second and asks for a 2-second wait.
    line = only(cli("resolve", "--json", "https://streamango.com/f/expireOnce/x"))
    assert line["status"] == "ok" and line["provider"] == "streamango"
    assert emulation(sandbox, "streamango").tickets_issued["expireOnce"] == 2


def test_the_wait_is_enforced_by_the_sandbox(sandbox: Sandbox) -> None:
    api = f"{sandbox.url}/openload/1"
    ticket = requests.get(f"{api}/file/dlticket", params={"file": "wait2Early"}, timeout=10).json()["result"]
    assert ticket["wait_time"] == 2 and ticket["captcha_url"] is False
    early = requests.get(
        f"{api}/file/dl", params={"file": "wait2Early", "ticket": ticket["ticket"]}, timeout=10
    )
    assert early.json()["status"] == 403 and "wait" in early.json()["msg"]
    time.sleep(2.05)
    late = requests.get(
        f"{api}/file/dl", params={"file": "wait2Early", "ticket": ticket["ticket"]}, timeout=10
    )
    assert late.json()["status"] == 200


@pytest.mark.parametrize(
    ("file_id", "kind", "code"),
    [("status404gone", "offline", 404), ("status451dmca", "legal", 451), ("status500boom", "outage", 500)],
)
def test_documented_statuses_on_resolve(cli: CLI, file_id: str, kind: str, code: int) -> None:
    line = only(cli("resolve", "--json", "--provider", "openload", f"https://openload.co/f/{file_id}/x"))
    assert line["status"] == "error" and line["code"] == code
    words = {"offline": "does not exist", "legal": "legal", "outage": "technical error"}[kind]
    assert words in str(line["error"])


def test_509_fails_over_to_a_debrid_provider_that_lists_the_host(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://openload.co/f/status509busy/Film.mkv"))
    assert line["status"] == "ok"
    assert line["provider"] == "premiumize" and line["hoster"] == "openload.co"
    alone = only(
        cli("resolve", "--json", "--provider", "openload", "https://openload.co/f/status509busy/Film.mkv")
    )
    assert alone["status"] == "error" and alone["code"] == 509
    assert "bandwidth" in str(alone["error"]) and "another provider" in str(alone["error"])


def test_waits_overlap_20_links_with_a_3_second_wait_take_under_8_seconds(cli: CLI) -> None:
    links = [f"https://openload.co/f/wait3n{i:02d}/x" for i in range(20)]
    started = time.monotonic()
    run = cli("resolve", "--json", *links)
    elapsed = time.monotonic() - started
    assert [line["status"] for line in run.json_lines()] == ["ok"] * 20, run.stderr
    assert 3 <= elapsed < 8, elapsed


# -- highload ---------------------------------------------------------------------------------


def test_highload_resolves_through_a_debrid_provider_that_lists_it(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://highload.to/f/hl0001/Video.mp4"))
    assert line["status"] == "ok" and line["provider"] == "premiumize" and line["hoster"] == "highload.to"


def test_highload_without_a_debrid_provider_says_exactly_that(cli: CLI) -> None:
    run = cli("resolve", "--provider", "highload", "https://highload.to/f/hl0002/Video.mp4")
    assert run.returncode == 1
    assert "highload has no download API" in run.stderr
    assert "debrid provider that lists highload.to" in run.stderr


def test_highload_links_are_checked_through_its_file_info(cli: CLI) -> None:
    run = cli("check", "--json", "https://highload.to/f/hlcheck1/a", "https://highload.to/e/status404x")
    assert [(line["status"], line["provider"]) for line in run.json_lines()] == [
        ("online", "highload"),
        ("offline", "highload"),
    ]


# -- link checks ------------------------------------------------------------------------------


def test_120_links_checked_with_at_most_3_file_info_calls(cli: CLI, sandbox: Sandbox) -> None:
    links = [f"https://openload.co/f/batch{i:03d}/x" for i in range(117)]
    links += [
        "https://openload.co/f/status404b/x",
        "https://openload.co/f/status451b/x",
        "https://openload.co/f/status500b/x",
    ]
    before = sandbox.request_counts["/openload/1/file/info"]
    run = cli("check", "--json", *links)
    calls = sandbox.request_counts["/openload/1/file/info"] - before
    lines = run.json_lines()
    assert calls <= 3
    assert [line["input"] for line in lines] == links
    assert [line["status"] for line in lines] == ["online"] * 117 + ["offline", "legal", "error"]
    assert all(line["sha1"] and line["size"] for line in lines[:117])
    assert lines[-1]["code"] == 500
    assert run.returncode == 1


# -- the account side: uploads, remote uploads, folders ------------------------------------


def test_upload_round_trip_then_resolve_and_compare(cli: CLI, tmp_path: Path) -> None:
    data = bytes(range(256)) * 300
    upload = tmp_path / "My Video.mp4"
    upload.write_bytes(data)
    for provider in ("openload", "streamango", "highload"):
        run = cli(provider, "upload", "--json", str(upload))
        assert run.returncode == 0, run.stderr
        line = only(run)
        assert line["sha1"] == hashlib.sha1(data).hexdigest() and line["size"] == len(data)
        assert line["name"] == "My Video.mp4"
        if provider != "highload":
            resolved = only(cli("resolve", "--json", str(line["url"])))
            assert resolved["status"] == "ok", resolved
            assert requests.get(str(resolved["url"]), timeout=10).content == data


def test_upload_of_a_missing_file_is_a_clear_usage_error(cli: CLI) -> None:
    run = cli("openload", "upload", "/nonexistent/file.bin")
    assert run.returncode == 2 and "is not a file" in run.stderr and "Traceback" not in run.stderr


def test_remote_upload_progresses_to_a_file(cli: CLI) -> None:
    added = only(cli("openload", "remote", "add", "--json", "http://example.com/files/big.iso"))
    upload_id = str(added["upload_id"])
    seen = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = only(cli("openload", "remote", "status", "--json", upload_id))
        seen.add(status["status"])
        if status["status"] == "finished":
            assert status["file_id"] and status["url"]
            resolved = only(cli("resolve", "--json", str(status["url"])))  # the file it became
            assert resolved["status"] == "ok" and resolved["size"] == status["bytes_total"]
            assert resolved["filename"] == "big.iso"
            break
        time.sleep(0.3)
    assert "finished" in seen and seen & {"new", "downloading"}


def test_highload_remote_upload_remove_and_restart(cli: CLI) -> None:
    failing = str(
        only(cli("highload", "remote", "add", "--json", "http://example.com/fail.bin"))["upload_id"]
    )
    time.sleep(1.1)
    assert only(cli("highload", "remote", "status", "--json", failing))["status"] == "error"
    assert cli("highload", "remote", "restart").returncode == 0
    assert only(cli("highload", "remote", "status", "--json", failing))["status"] in (
        "pending",
        "downloading",
    )
    refused = cli("highload", "remote", "remove", failing)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert cli("highload", "remote", "remove", "--yes", failing).returncode == 0
    gone = cli("highload", "remote", "status", failing)
    assert gone.returncode == 1 and "Traceback" not in gone.stderr


def test_highload_folder_listing_follows_every_page(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts["/highload/api/file/listfolder"]
    run = cli("highload", "ls", "--json", "3")
    files = [line for line in run.json_lines() if line["type"] == "file"]
    assert len(files) == 450 and len({f["file_id"] for f in files}) == 450
    assert sandbox.request_counts["/highload/api/file/listfolder"] - before == 3
    table = cli("highload", "ls")
    assert "folder" in table.stdout and "archive/" in table.stdout


def test_highload_folder_operations(cli: CLI, tmp_path: Path) -> None:
    folder = only(cli("highload", "mkdir", "--json", "Holiday"))["folder_id"]
    assert cli("highload", "rename-folder", str(folder), "Holiday 2026").returncode == 0
    upload = tmp_path / "clip.mp4"
    upload.write_bytes(b"clip" * 1000)
    file_id = str(only(cli("highload", "upload", "--json", str(upload)))["file_id"])
    assert cli("highload", "mv", file_id, str(folder)).returncode == 0
    assert (
        cli("highload", "rename", f"https://highload.to/f/{file_id}/clip.mp4", "clip-final.mp4").returncode
        == 0
    )
    listing = cli("highload", "ls", "--json", str(folder)).json_lines()
    assert [(f["file_id"], f["name"]) for f in listing if f["type"] == "file"] == [
        (file_id, "clip-final.mp4")
    ]
    root = cli("highload", "ls", "--json").json_lines()
    assert {"type": "folder", "folder_id": folder, "name": "Holiday 2026"} in root
    refused = cli("highload", "rm", file_id)
    assert refused.returncode == 2 and "without --yes" in refused.stderr
    assert cli("highload", "rm", "--yes", file_id).returncode == 0
    assert cli("highload", "rmdir", "--yes", str(folder)).returncode == 0
    assert cli("highload", "ls", "--json", str(folder)).returncode == 1


def test_convert_splash_account_and_what_a_service_lacks(cli: CLI) -> None:
    assert cli("openload", "convert", "UPPjeAk--30").returncode == 0
    converts = cli("openload", "converts", "--json").json_lines()
    assert any(c["file_id"] == "UPPjeAk--30" for c in converts)
    splash = cli("streamango", "splash", "https://streamango.com/f/AYgHe95d1E4/Sintel.mkv")
    assert splash.returncode == 0 and splash.stdout.strip().endswith("/AYgHe95d1E4.jpg")
    account = only(cli("highload", "account", "--json"))
    assert account["email"] and account["server_time"]
    no_mkdir = cli("openload", "mkdir", "x")
    assert no_mkdir.returncode == 2 and "invalid choice" in no_mkdir.stderr


def test_account_commands_need_credentials(cli: CLI) -> None:
    run = cli("openload", "ls", env={"LINKRESOLVER_OPENLOAD_KEY": ""})
    assert run.returncode == 2
    assert "LINKRESOLVER_OPENLOAD_LOGIN" in run.stderr and "Traceback" not in run.stderr


def test_on_a_terminal_the_captcha_is_asked_for(cli: CLI) -> None:
    """The image is saved, its path shown, and what the person types is the answer."""
    import fcntl
    import os
    import pty
    import re
    import select
    import struct
    import subprocess
    import termios

    from resolver_core.sandbox.captcha import read_answer

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "resolve", "https://openload.co/f/captchaTerminal/x"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={k: v for k, v in cli.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")},
        cwd=cli.home,
    )
    os.close(follower)
    terminal = b""
    answered = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not answered:
            ready, _, _ = select.select([leader], [], [], 1)
            if ready:
                terminal += os.read(leader, 65536)
            shown = re.search(rb"the image is at (\S+)", terminal)
            if shown and b"then Enter" in terminal:
                answer = read_answer(Path(shown.group(1).decode()).read_bytes())
                assert answer is not None
                os.write(leader, answer.encode() + b"\n")
                answered = True
        stdout, _ = process.communicate(timeout=60)
    finally:
        process.kill()
        os.close(leader)
    assert answered, terminal.decode(errors="replace")
    assert b"openload asks a captcha for https://openload.co/f/captchaTerminal/x" in terminal
    assert process.returncode == 0
    assert stdout.decode().startswith("http://127.0.0.1:")


def test_keys_never_appear_even_in_http_traces(cli: CLI) -> None:
    keys = ["sandbox-key-openload", "sandbox-key-streamango", "sandbox-key-highload"]
    runs = [
        cli("resolve", "-v", "-v", "https://openload.co/f/traceMe/x", "https://streamango.com/f/traceMe2/y"),
        cli("check", "-v", "-v", "https://highload.to/f/traceMe3/z"),
        cli("openload", "ls", "-v", "-v"),
        cli("highload", "account", "-v", "-v"),
        cli("openload", "rename", "-v", "-v", "doesNotExist", "x"),
    ]
    assert [run.returncode for run in runs] == [0, 0, 0, 0, 1]
    for run in runs:
        assert "DEBUG" in run.stderr
        for key in keys:
            assert key not in run.stdout and key not in run.stderr
    assert "/openload/1/file/dlticket" in runs[0].stderr and "/highload/api/file/info" in runs[1].stderr
    assert "no such file" in runs[4].stderr


def test_a_captcha_nobody_answers_fails_over_to_a_debrid_provider(cli: CLI) -> None:
    line = only(cli("resolve", "--json", "https://openload.co/f/captchaElsewhere/x"))
    assert line["status"] == "ok" and line["provider"] == "premiumize"


def test_upload_shows_a_progress_bar_on_a_terminal(cli: CLI, tmp_path: Path) -> None:
    upload = tmp_path / "big.bin"
    upload.write_bytes(b"\0" * 3_000_000)
    done, terminal = cli.on_terminal("openload", "upload", str(upload), columns=100)
    assert done.returncode == 0
    assert b"big.bin" in terminal and b"3.00M/3.00M" in terminal
    assert done.stdout.startswith("https://openload.co/f/")


def test_remote_upload_input_is_checked_before_the_service_is_asked(cli: CLI, sandbox: Sandbox) -> None:
    """Not a URL, a header without its colon: usage errors naming the value. An id the
    service does not know: said, exit 1, not an empty success."""
    before = sandbox.request_counts["/openload/api/remotedl/add"]
    not_a_url = cli("openload", "remote", "add", "notaurl")
    assert not_a_url.returncode == 2 and "'notaurl' is not an http, https or ftp URL" in not_a_url.stderr
    assert sandbox.request_counts["/openload/api/remotedl/add"] == before
    unknown = cli("openload", "remote", "status", "99999")
    assert unknown.returncode == 1 and "openload has no remote upload 99999" in unknown.stderr


def test_a_remote_upload_header_must_be_name_colon_value(cli: CLI) -> None:
    garbage = cli("openload", "remote", "add", "--header", "garbage", "http://example.com/a.bin")
    assert garbage.returncode == 2 and "give it as 'NAME: VALUE'" in garbage.stderr
    split = cli("openload", "remote", "add", "--header", "X-A: b\r\nX-B: c", "http://example.com/a.bin")
    assert split.returncode == 2 and "cannot hold a line break" in split.stderr


# -- which provider goes first ----------------------------------------------------------------


def test_by_default_a_debrid_account_goes_before_the_free_ticket(cli: CLI) -> None:
    cli.config.write_text("", encoding="utf-8")  # every provider at its default priority
    line = only(cli("resolve", "--json", "https://openload.co/f/wait5captcha/Movie.mkv"))
    # Premiumize serves openload.co in one call: no five-second wait, no captcha to answer.
    assert (line["status"], line["provider"]) == ("ok", "premiumize")


def test_provider_options_are_tried_in_the_order_given(cli: CLI) -> None:
    cli.config.write_text("", encoding="utf-8")
    link = "https://openload.co/f/plainTicket1/Movie.mkv"
    first = only(cli("resolve", "--json", "--provider", "openload", "--provider", "premiumize", link))
    assert first["provider"] == "openload"
    second = only(cli("resolve", "--json", "--provider", "premiumize", "--provider", "openload", link))
    assert second["provider"] == "premiumize"


def test_check_asks_the_file_host_though_a_debrid_account_resolves_first(cli: CLI) -> None:
    cli.config.write_text("", encoding="utf-8")
    line = only(cli("check", "--json", "https://openload.co/f/plainTicket1/Movie.mkv"))
    assert (line["status"], line["provider"]) == ("online", "openload")
