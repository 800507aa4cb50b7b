"""``linkresolver history``: the packages serve kept, read from the state store with no
server running and no provider needed; ``--prune`` by ``[history]``'s limits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests

from resolver_core.state import SqliteStateStore
from resolver_core.web.packages import stored_package
from resolver_core.web.rows import Job, Row

from .conftest import CLI
from .test_serve_restart import serving


def keep(state_dir: Path, name: str, created: float, states: list[str]) -> str:
    """An ended package of links in ``states``, kept as serve keeps it; its id."""
    job = Job(
        f"id-{name}",
        [Row(n, f"https://openload.co/f/h{n}/{name}.bin", state=state) for n, state in enumerate(states)],
        package=name,
        password="pw-history",
        created=created,
        finished=created + 60,
        resolved_all=True,
    )
    store = SqliteStateStore.in_directory(state_dir)
    store.save_package(stored_package(job))
    store.close()
    return job.job_id


def test_history_lists_newest_first_with_ok_counts_and_states(cli: CLI) -> None:
    now = time.time()
    keep(cli.home / "state", "Holiday", now - 7200, ["resolved", "resolved", "mirror"])
    keep(cli.home / "state", "Broken", now - 3600, ["resolved", "offline"])
    run = cli("history")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("  Broken  1/2 ok  failed") and lines[1].endswith("  Holiday  3/3 ok  done")
    assert time.strftime("%Y-%m-%d", time.localtime(now - 3600)) in lines[0]
    failed = cli("history", "--failed")
    assert [line.split("  ")[1] for line in failed.stdout.splitlines()] == ["Broken"]
    assert cli("history", "--limit", "1").stdout.splitlines() == lines[:1]


def test_history_json_gives_each_package_with_its_links(cli: CLI) -> None:
    package_id = keep(cli.home / "state", "Holiday", time.time() - 60, ["resolved", "offline"])
    run = cli("history", "--json")
    assert run.returncode == 0, run.stderr
    (only,) = [json.loads(line) for line in run.stdout.splitlines()]
    assert (only["id"], only["name"], only["state"], only["password"]) == (
        package_id,
        "Holiday",
        "failed",
        "pw-history",
    )
    assert only["counts"] == {"total": 2, "ok": 1, "failed": 1}
    assert [link["state"] for link in only["links"]] == ["resolved", "offline"]
    assert {"id", "name", "origin", "state", "created", "finished", "counts"} <= set(only)


def test_prune_forgets_packages_past_the_configured_limits(cli: CLI) -> None:
    now = time.time()
    keep(cli.home / "state", "Ancient", now - 90 * 86400, ["resolved"])
    for n in range(3):
        keep(cli.home / "state", f"Recent{n}", now - 100 + n, ["resolved"])
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[history]\nkeep_days = 30\nkeep = 2\n")
    run = cli("history", "--prune")
    assert run.returncode == 0 and "forgot 2 ended packages" in run.stderr, run.stderr
    names = [line.split("  ")[1] for line in cli("history").stdout.splitlines()]
    assert names == ["Recent2", "Recent1"]


def test_a_wrong_history_setting_is_named_in_one_line(cli: CLI) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write('[history]\nkeep_days = "a month"\n')
    run = cli("history")
    assert run.returncode == 2
    assert "[history] keep_days must be a number of days" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_serve_forgets_ended_packages_past_keep_as_others_end(cli: CLI, tmp_path: Path) -> None:
    with cli.config.open("a", encoding="utf-8") as handle:
        handle.write("[history]\nkeep = 1\n")
    with serving(cli, tmp_path / "downloads", tmp_path / "serve.log") as (_, url):
        csrf = requests.get(f"{url}/api/session", timeout=10).json()["csrf"]
        for name in ("First", "Second"):
            posted = requests.post(
                f"{url}/api/resolve",
                json={"text": f"https://openload.co/f/keep-{name}/{name}.mkv", "name": name},
                headers={"X-CSRF-Token": csrf},
                timeout=10,
            )
            assert posted.status_code == 202, posted.text
            job_id = posted.json()["id"]
            deadline = time.monotonic() + 30
            while requests.get(f"{url}/api/jobs/{job_id}", timeout=10).json()["state"] == "active":
                assert time.monotonic() < deadline, "the package did not end"
                time.sleep(0.1)
        history = requests.get(f"{url}/api/history", timeout=10).json()
    assert [package["name"] for package in history["packages"]] == ["Second"]
    assert [line.split("  ")[1] for line in cli("history").stdout.splitlines()] == ["Second"]


def test_an_empty_history_says_so_where_a_person_looks(cli: CLI) -> None:
    run = cli("history")
    assert run.returncode == 0 and run.stdout == ""
    assert run.stderr.startswith("no packages kept in ") and "state.sqlite3" in run.stderr
    keep(cli.home / "state", "Holiday", time.time(), ["resolved"])
    failed = cli("history", "--failed")
    assert failed.stdout == "" and failed.stderr.startswith("no failed packages kept in ")
    assert cli("history", "--json", "--failed").stderr == ""
