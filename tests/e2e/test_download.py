"""End to end: `linkresolver download` against the sandbox's misbehaving file server. Files
arrive whole and verified, or not at all; part files resume; names stay inside the output
directory."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkresolver.plugins.openload_family.sandbox import FamilyEmulation
from resolver_core.config import load_config
from resolver_core.download import download_many
from resolver_core.download.state import PartState, Segment, StateWriter
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver
from resolver_core.sandbox import Sandbox

from .conftest import CLI, Run


def only(run: Run) -> dict[str, object]:
    lines = run.json_lines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def sha1_of(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def openload_resolver(sandbox: Sandbox, tmp_path: Path) -> Resolver:
    """An in-process resolver with only the sandbox's Openload (for the library's own tests)."""
    config_path = tmp_path / "config.toml"
    config_path.write_text("", encoding="utf-8")
    return build_resolver(
        load_config(config_path, env=sandbox.env()),
        pm=make_plugin_manager(load_entry_points=False),
        provider_names=["openload"],
        cache_dir=tmp_path / "cache",
    )


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith((".part", ".state", ".lock")))


@pytest.mark.parametrize("connections", ["1", "4"])
def test_a_20_mb_file_cut_three_times_arrives_verified(cli: CLI, tmp_path: Path, connections: str) -> None:
    out = tmp_path / "out"
    link = f"https://openload.co/f/size20m-cut3-c{connections}/Film.mkv"
    line = only(cli("download", "--json", "-o", str(out), "--connections", connections, link))
    assert line["status"] == "ok", line
    assert line["verified"] is True and line["size"] == 20 << 20
    path = Path(str(line["path"]))
    assert path.parent == out.resolve() and path.stat().st_size == 20 << 20
    assert sha1_of(path) == line["sha1"]
    assert leftovers(out) == []


def test_a_killed_download_resumes_on_the_next_run(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    link = "https://openload.co/f/size12m-slow3-killed/Film.mkv"
    process = subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "download", "-o", str(out), "--connections", "1", link],
        env=cli.env,
        cwd=cli.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    part = out / "size12m-slow3-killed.bin.part"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (part.exists() and part.stat().st_size > 5 << 20):
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert part.exists() and (out / (part.name + ".state")).exists()
    assert not (out / "size12m-slow3-killed.bin").exists()  # nothing final before it is complete
    run = cli("download", "--json", "-v", "-o", str(out), link)
    line = only(run)
    assert line["status"] == "ok" and line["verified"] is True, run.stderr
    assert "resuming size12m-slow3-killed.bin.part at" in run.stderr
    assert leftovers(out) == []


@pytest.mark.parametrize("connections", ["1", "4"])
def test_a_server_that_ignores_range(cli: CLI, tmp_path: Path, connections: str) -> None:
    out = tmp_path / "out"
    line = only(
        cli(
            "download",
            "--json",
            "-o",
            str(out),
            "--connections",
            connections,
            f"https://openload.co/f/size3m-norange-{connections}/x",
        )
    )
    assert line["status"] == "ok" and line["verified"] is True
    assert sha1_of(Path(str(line["path"]))) == line["sha1"]


def test_a_sha1_mismatch_keeps_nothing(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = cli("download", "--json", "-o", str(out), "https://openload.co/f/badsha1-file/x")
    line = only(run)
    assert line["status"] == "error" and run.returncode == 1
    assert "sha1 is not the one the provider gave 3 times" in str(line["error"])
    assert line["path"] is None and list(out.iterdir()) == []


def test_hostile_names_land_inside_the_output_dir(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    links = [f"https://openload.co/f/hostile{n}-name/x" for n in range(6)]
    run = cli("download", "--json", "-o", str(out), *links)
    assert run.returncode == 0, run.stderr
    paths = [Path(str(line["path"])) for line in run.json_lines()]
    assert all(path.parent == out.resolve() for path in paths)
    names = [path.name for path in paths]
    assert names[0] == "passwd" and names[1] == "path" and names[2] != "CON"
    assert len(names[3].encode()) <= 200 and names[3].endswith(".bin")
    assert "\n" not in names[4] and names[4].endswith(".txt")
    assert names[5] not in ("..", ".", "")
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert not (tmp_path / "etc").exists()


def test_an_expired_direct_link_is_resolved_again(cli: CLI, tmp_path: Path, sandbox: Sandbox) -> None:
    out = tmp_path / "out"
    line = only(cli("download", "--json", "-o", str(out), "https://openload.co/f/deadlink-once/x"))
    assert line["status"] == "ok" and line["verified"] is True
    family = sandbox.emulations["openload"]
    assert isinstance(family, FamilyEmulation)
    assert family.tickets_issued["deadlink-once"] == 2  # resolved twice


def test_existing_files_are_never_overwritten_silently(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    link = "https://openload.co/f/exists-1/x"
    first = Path(str(only(cli("download", "--json", "-o", str(out), link))["path"]))
    again = cli("download", "-o", str(out), link)
    assert "already there" in again.stderr and sorted(p.name for p in out.iterdir()) == [first.name]
    first.write_bytes(b"my own file")
    other = Path(str(only(cli("download", "--json", "-o", str(out), link))["path"]))
    assert other.name == "exists-1 (2).bin" and first.read_bytes() == b"my own file"
    replaced = Path(str(only(cli("download", "--json", "--overwrite", "-o", str(out), link))["path"]))
    assert replaced == first and first.read_bytes() != b"my own file"


def test_several_files_of_a_torrent_and_links_of_several_providers(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = cli(
        "download",
        "-o",
        str(out),
        "https://rapidgator.net/file/dl01/Movie.rar.html",
        "magnet:?xt=urn:btih:a0f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Pack",
        "https://openload.co/f/status404gone/x",
    )
    assert run.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == [
        "Movie.rar",
        "Pack.nfo",
        "Pack.part1.mkv",
        "Pack.part2.mkv",
    ]
    assert len(run.stdout.split()) == 4 and "does not exist" in run.stderr


def test_a_full_disk_leaves_a_resumable_part(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = openload_resolver(sandbox, tmp_path)
    out = tmp_path / "out"
    real_pwrite = os.pwrite
    written = [0]

    def fills_up(fd: int, data: bytes, offset: int) -> int:
        if written[0] + len(data) > 6 << 20:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written[0] += len(data)
        return real_pwrite(fd, data, offset)

    link = "https://openload.co/f/size10m-diskfull/x"
    monkeypatch.setattr(os, "pwrite", fills_up)
    result = download_many(resolver, [link], out, connections=1)[0]
    assert result.status == "error" and result.error is not None
    assert (
        "No space left on device" in result.error.for_person()
        and "run again to resume" in result.error.for_person()
    )
    assert leftovers(out) == ["size10m-diskfull.bin.part", "size10m-diskfull.bin.part.state"]
    monkeypatch.setattr(os, "pwrite", real_pwrite)
    done = download_many(resolver, [link], out, connections=1)[0]
    assert done.status == "ok" and done.saved[0].verified
    assert leftovers(out) == []


def test_a_part_of_a_changed_file_is_started_over(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    resolver = openload_resolver(sandbox, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    link = "https://openload.co/f/size3m-changed/x"
    url = resolver.resolve_many([link])[0].link.url  # type: ignore[union-attr]
    part = out / "size3m-changed.bin.part"
    part.write_bytes(b"\xff" * (1 << 20))  # a megabyte of some older file
    old = PartState(url, 3 << 20, etag='"an-older-version"', segments=[Segment(0, 3 << 20, 1 << 20)])
    StateWriter(part, old).save()
    with caplog.at_level(logging.INFO, logger="linkresolver"):
        result = download_many(resolver, [link], out, connections=1)[0]
    assert result.status == "ok" and result.saved[0].verified
    assert "resuming" not in caplog.text  # the old bytes were not kept...
    assert "fetching it again" not in caplog.text  # ...so no sha1 mismatch had to catch them


def test_an_output_dir_that_cannot_be_made_is_a_usage_error(cli: CLI, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    run = cli("download", "-o", str(blocker / "sub"), "https://openload.co/f/nowhere/x")
    assert run.returncode == 2 and "cannot create the output directory" in run.stderr
    assert "Traceback" not in run.stderr


def test_download_bars_on_a_terminal_and_a_summary_elsewhere(cli: CLI, tmp_path: Path) -> None:
    links = ["https://openload.co/f/size6m-slow20-bar1/x", "https://openload.co/f/size6m-slow20-bar2/x"]
    run, terminal = cli.on_terminal("download", "-o", str(tmp_path / "tty"), *links)
    assert run.returncode == 0
    assert b"size6m-slow20-bar1.bin" in terminal and b"B/s" in terminal  # a byte bar per file
    assert b"/2 [" in terminal  # and one over the links
    piped = cli("download", "-o", str(tmp_path / "pipe"), *links)
    assert "B/s" not in piped.stderr
    assert piped.stderr.count("sha1 verified") == 2 and len(piped.stdout.split()) == 2


def start_download(cli: CLI, out: Path, link: str) -> subprocess.Popen[str]:
    """``linkresolver download --json`` in the background, once its part file has bytes."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linkresolver",
            "download",
            "--json",
            "-o",
            str(out),
            "--connections",
            "1",
            link,
        ],
        env=cli.env,
        cwd=cli.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    parts: list[Path] = []
    while time.monotonic() < deadline and not any(p.stat().st_size > 0 for p in parts):
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
        parts = list(out.glob("*.part")) if out.is_dir() else []
    assert parts, "the first run wrote no part file"
    return process


def test_a_second_run_on_a_file_being_downloaded_says_so_and_leaves_it_alone(
    cli: CLI, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    link = "https://openload.co/f/size24m-slow4-twice/Film.mkv"
    first = start_download(cli, out, link)
    second = cli("download", "-o", str(out), "--connections", "1", link)
    overlapped = first.poll() is None
    stdout, stderr = first.communicate(timeout=60)
    assert second.returncode == 1 and second.stdout == ""
    assert second.stderr.splitlines() == [
        f"{link}: size24m-slow4-twice.bin is being downloaded into {out.resolve()} by another process;"
        " this run left it alone (run again once that one is done)"
    ]
    assert overlapped, "the first run ended before the second one reached the file"
    assert first.returncode == 0, stderr
    line = json.loads(stdout)
    assert line["status"] == "ok" and line["verified"] is True
    assert sha1_of(Path(str(line["path"]))) == line["sha1"]
    assert sorted(p.name for p in out.iterdir()) == ["size24m-slow4-twice.bin"]  # no .part/.state/.lock


def test_a_second_run_in_json_gets_an_error_record(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    link = "https://openload.co/f/size24m-slow4-twicejson/Film.mkv"
    first = start_download(cli, out, link)
    second = cli("download", "--json", "-o", str(out), link)
    first.communicate(timeout=60)
    assert second.returncode == 1 and "Traceback" not in second.stderr
    line = only(second)
    assert line["status"] == "error" and line["path"] is None
    assert "by another process" in str(line["error"])
    assert first.returncode == 0 and leftovers(out) == []


def test_two_links_to_one_file_in_one_run_take_turns(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    links = [
        "https://openload.co/f/size6m-slow5-mirror/a.mkv",
        "https://openload.co/f/size6m-slow5-mirror/b.mkv",
    ]
    run = cli("download", "-o", str(out), *links)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["size6m-slow5-mirror.bin"]
    assert sorted(run.stderr.splitlines()) == [
        "saved size6m-slow5-mirror.bin (6.0 MiB, already there)",
        "saved size6m-slow5-mirror.bin (6.0 MiB, sha1 verified)",
    ]


def test_a_direct_link_that_is_no_url_is_that_links_error_and_the_batch_goes_on(
    cli: CLI, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    bad, good = "https://openload.co/f/badurl-9/x", "https://openload.co/f/good-9/x"
    run = cli("download", "--json", "--provider", "openload", "-o", str(out), bad, good)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    failed, saved = run.json_lines()
    assert failed["status"] == "error" and failed["path"] is None
    assert failed["error"].startswith("openload gave a direct link that is not a valid URL (")
    assert saved["status"] == "ok" and saved["verified"] is True
    assert sorted(p.name for p in out.iterdir()) == ["good-9.bin"]
    resolved = only(cli("resolve", "--json", "--provider", "openload", bad))
    assert resolved["status"] == "error" and resolved["url"] is None
    assert "not a valid URL" in str(resolved["error"])


def test_files_named_as_a_downloads_part_state_and_lock_cannot_be_planted(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    hostile = [f"https://openload.co/f/hostile{n}-plant/x" for n in (7, 8, 9)]
    run = cli("download", "--json", "-o", str(out), *hostile)
    assert run.returncode == 0, run.stderr
    names = [Path(str(line["path"])).name for line in run.json_lines()]
    assert names == ["victim.bin_part", "victim.bin_PART.state", "victim.bin_part.lock"]
    line = only(cli("download", "--json", "-o", str(out), "https://openload.co/f/victim/x"))
    assert line["status"] == "ok" and line["verified"] is True
    assert sha1_of(out / "victim.bin") == line["sha1"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, "victim.bin"])  # all three still there


def test_a_persons_own_part_file_is_kept_unless_overwrite(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    own = out / "report-1.bin.part"
    own.write_bytes(b"my half-written notes")
    link = "https://openload.co/f/report-1/x"
    line = only(cli("download", "--json", "-o", str(out), link))
    assert line["status"] == "ok" and Path(str(line["path"])).name == "report-1 (2).bin"
    assert own.read_bytes() == b"my half-written notes"
    replaced = only(cli("download", "--json", "--overwrite", "-o", str(out), link))
    assert replaced["status"] == "ok" and Path(str(replaced["path"])) == (out / "report-1.bin").resolve()
    assert sorted(p.name for p in out.iterdir()) == ["report-1 (2).bin", "report-1.bin"]


def test_a_killed_download_without_ranges_is_recognised_as_a_downloads_part(cli: CLI, tmp_path: Path) -> None:
    """A server without ranges leaves a part that cannot resume: the next run starts it
    over under its own name (it is not taken for a person's file)."""
    out = tmp_path / "out"
    link = "https://openload.co/f/size12m-slow3-norange-killed/Film.mkv"
    process = subprocess.Popen(
        [sys.executable, "-m", "linkresolver", "download", "-o", str(out), link],
        env=cli.env,
        cwd=cli.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    part = out / "size12m-slow3-norange-killed.bin.part"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (part.exists() and part.stat().st_size > 1 << 20):
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert part.exists()
    line = only(cli("download", "--json", "-o", str(out), link))
    assert line["status"] == "ok" and line["verified"] is True
    assert Path(str(line["path"])).name == "size12m-slow3-norange-killed.bin"
    assert leftovers(out) == []


def test_three_links_to_one_file_in_one_run_save_it_once(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    links = [f"https://openload.co/f/size6m-slow5-trio/{mirror}.mkv" for mirror in "abc"]
    run = cli("download", "--json", "--connections", "4", "-o", str(out), *links)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    lines = run.json_lines()
    assert [line["status"] for line in lines] == ["ok"] * 3 and all(line["verified"] for line in lines)
    assert {line["path"] for line in lines} == {str(out.resolve() / "size6m-slow5-trio.bin")}
    assert sorted(p.name for p in out.iterdir()) == ["size6m-slow5-trio.bin"]  # no .part/.state/.lock


def test_three_different_files_of_one_name_in_one_run_get_three_names(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "out"
    links = [f"https://openload.co/f/hostile2-size{n}m-slow5-trio/x" for n in (3, 4, 5)]  # all "CON"
    run = cli("download", "--json", "--connections", "4", "-o", str(out), *links)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    lines = run.json_lines()
    assert all(line["status"] == "ok" and line["verified"] for line in lines)
    paths = [Path(str(line["path"])) for line in lines]
    assert sorted(p.name for p in paths) == ["CON_", "CON_ (2)", "CON_ (3)"]
    assert [p.stat().st_size for p in paths] == [3 << 20, 4 << 20, 5 << 20]
    assert all(sha1_of(path) == line["sha1"] for path, line in zip(paths, lines, strict=True))
    assert leftovers(out) == []
