"""What people read: a provider's words reach the terminal without the controls hidden in
them (JSON keeps them exactly), ``demo`` lists a torrent's files as ``resolve`` does, and
``hosts`` says what a provider serves beyond hoster lists."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from .conftest import CLI, Run

EVIL_NAME = "evil\x1b[31mRED\x1b[0m.bin"
#: What a terminal is shown of it: the ESC bytes go, so no colour ever starts.
EVIL_SHOWN = "evil[31mRED[0m.bin"


def assert_no_controls(run: Run) -> None:
    """Nothing in the output that could drive the terminal or reorder what it shows."""
    for text in (run.stdout, run.stderr):
        hidden = {c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n"}
        assert not hidden, sorted(hidden)


def upload_evil_file(cli: CLI, tmp_path: Path, *options: str) -> Run:
    evil = tmp_path / EVIL_NAME
    evil.write_bytes(b"hello, terminal")
    run = cli("openload", "upload", *options, str(evil))
    assert run.returncode == 0, run.stderr
    return run


def test_upload_ls_and_check_show_a_hostile_name_without_its_escapes(cli: CLI, tmp_path: Path) -> None:
    uploaded = upload_evil_file(cli, tmp_path)
    assert_no_controls(uploaded)
    assert EVIL_SHOWN in uploaded.stdout
    listed = cli("openload", "ls")
    assert listed.returncode == 0, listed.stderr
    assert_no_controls(listed)
    assert EVIL_SHOWN in listed.stdout
    file_id = uploaded.stdout.split()[0].split("/f/")[1].split("/")[0]
    checked = cli("check", f"https://openload.co/f/{file_id}/x")
    assert checked.returncode == 0, checked.stderr
    assert_no_controls(checked)
    assert EVIL_SHOWN in checked.stdout


def test_json_keeps_the_hostile_name_exactly(cli: CLI, tmp_path: Path) -> None:
    line = json.loads(upload_evil_file(cli, tmp_path, "--json").stdout)
    assert line["name"] == EVIL_NAME
    checked = cli("check", "--json", str(line["url"])).json_lines()[0]
    assert checked["filename"] == EVIL_NAME


def test_a_name_with_a_newline_stays_on_its_line(cli: CLI) -> None:
    """The sandbox's ``hostile4`` file is called "new\\nline.txt": it must not print a
    line of its own that a script reading check's output would take for another link."""
    run = cli("check", "https://openload.co/f/hostile4-lines/x")
    assert_no_controls(run)
    assert len(run.stdout.splitlines()) == 1
    assert "newline.txt" in run.stdout


def test_demo_lists_exactly_the_files_of_a_torrent(cli: CLI) -> None:
    run = cli("demo")
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if "Holiday.Season.1 " in line)
    assert lines[row].rstrip().endswith("3 files:")
    following = []
    for line in lines[row + 1 :]:
        if not re.fullmatch(r"\s+http\S+", line):
            break
        following.append(line.strip().rsplit("/", 1)[-1])
    assert following == ["Holiday.Season.part1.mkv", "Holiday.Season.part2.mkv", "Holiday.Season.nfo"]


def test_the_demo_uses_premiumizes_current_api_and_the_provider_that_has_a_torrent_cached(cli: CLI) -> None:
    run = cli("demo")
    lines = run.stdout.splitlines()
    assert "  provider premiumize (debrid): premium account" in lines
    photos = next(line for line in lines if "Holiday.Photos.single.zip " in line)
    assert photos.split()[:3] == ["ok", "magnet", "premiumize"]  # only Premiumize has it cached
    season = next(line for line in lines if "Holiday.Season.1 " in line)
    assert season.split()[:3] == ["ok", "magnet", "offcloud"]  # nobody has it: the usual order


def test_hosts_says_what_offcloud_serves_beyond_hoster_lists(cli: CLI) -> None:
    run = cli("hosts", "--provider", "offcloud")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "magnet  magnet links (BitTorrent)",
        "    offcloud",
        "(any link)  any http(s) link (a catch-all, tried in priority order)",
        "    offcloud",
    ], run.stdout


def test_hosts_json_has_the_claims_in_the_same_shape(cli: CLI) -> None:
    rows = cli("hosts", "--provider", "offcloud", "--json").json_lines()
    unsaid = {"up": None, "cost": None, "terms": None}  # Offcloud says nothing of them
    assert rows == [
        {
            "provider": "offcloud",
            "hoster": "magnet",
            "domains": [],
            "patterns": [],
            "claim": "magnet",
            **unsaid,
        },
        {
            "provider": "offcloud",
            "hoster": None,
            "domains": [],
            "patterns": [],
            "claim": "any_link",
            **unsaid,
        },
    ]
    listed = cli("hosts", "--provider", "premiumize", "--json").json_lines()
    assert listed and all(
        set(row) == {"provider", "hoster", "domains", "patterns", "claim", "up", "cost", "terms"}
        for row in listed
    )
    assert all(row["claim"] is None for row in listed)


def test_hosts_without_the_catch_all_says_magnets_only(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[providers.offcloud]\ncatch_all = false\n")
    rows = cli("hosts", "--provider", "offcloud", "--json").json_lines()
    assert [row["claim"] for row in rows] == ["magnet"]
