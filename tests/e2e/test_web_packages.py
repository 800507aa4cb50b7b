"""Packages of ``linkresolver serve`` kept in the state store: written as they go, ended
once (``package_ended`` told), taken up after a restart without resolving what had ended,
retried, removed, and paged through as history by the API."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from resolver_core.hookspecs import hookimpl
from resolver_core.pipeline import Outcome, Resolver
from resolver_core.sandbox import Sandbox
from resolver_core.state import PACKAGE_ACTIVE, STATE_FILE, SqliteStateStore, StoredPackage
from resolver_core.web.app import create_app
from resolver_core.web.jobs import MAX_JOBS, JobManager, Row
from resolver_core.web.packages import stored_package
from resolver_core.web.rows import Job

from .test_web_api import csrf, sandbox_resolver
from .test_web_bounds import wait_until

GOOD = "https://openload.co/f/pkgood1/Holiday.mkv"
OTHER = "https://openload.co/f/pkgood2/Trailer.mp4"
OFFLINE = "https://openload.co/f/status404-pk/Gone.mkv"


class Told:
    """A ``package_ended`` observer: what it was told (and, if ``fails``, a bug of its own)."""

    def __init__(self, *, fails: bool = False) -> None:
        self.packages: list[dict[str, Any]] = []
        self.fails = fails

    @hookimpl
    def package_ended(self, package: dict[str, Any]) -> None:
        self.packages.append(package)
        if self.fails:
            raise RuntimeError("the observer's own bug")


class Asked:
    """A ``resolve_row`` that resolves here and remembers each link it was asked."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.links: list[str] = []

    def __call__(self, job: Job, row: Row) -> Outcome:
        self.links.append(row.input)
        return self.resolver.resolve_one(row.input, password=job.password)


@pytest.fixture
def resolver(sandbox: Sandbox, tmp_path: Path) -> Resolver:
    return sandbox_resolver(sandbox, tmp_path, {**sandbox.env(), "LINKRESOLVER_DISABLE_PLUGINS": "offcloud"})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    opened = SqliteStateStore(tmp_path / "packages" / STATE_FILE)
    yield opened
    opened.close()


@pytest.fixture
def manager(resolver: Resolver, store: SqliteStateStore) -> Iterator[JobManager]:
    jobs = JobManager(resolver, store=store)
    yield jobs
    jobs.stop()


def test_a_package_is_kept_as_it_goes_and_told_once_when_it_ends(
    manager: JobManager, store: SqliteStateStore
) -> None:
    told = Told()
    manager.resolver.pm.register(told)
    job = manager.start([GOOD, OFFLINE], package="Holiday", password="pw-1")
    wait_until(lambda: job.finished is not None)
    wait_until(lambda: len(told.packages) == 1)
    summary = told.packages[0]
    assert (summary["id"], summary["name"], summary["origin"], summary["state"]) == (
        job.job_id,
        "Holiday",
        "paste",
        "failed",
    )
    assert summary["counts"] == {"total": 2, "ok": 1, "failed": 1}
    assert summary["finished"] >= summary["created"]
    kept = store.package(job.job_id)
    assert kept is not None and (kept.state, kept.finished) == ("failed", job.finished)
    assert json.loads(kept.record)["password"] == "pw-1"
    good, offline = (json.loads(link) for link in kept.links)
    assert (good["state"], good["link"]["link"]["url"]) == ("resolved", job.rows[0].url)
    assert (offline["state"], offline["link"]) == ("offline", None)
    assert len(told.packages) == 1


def test_an_observer_that_fails_is_logged_and_the_package_still_ends(
    manager: JobManager, store: SqliteStateStore, caplog: pytest.LogCaptureFixture
) -> None:
    manager.resolver.pm.register(Told(fails=True))
    with caplog.at_level(logging.ERROR, logger="linkresolver"):
        job = manager.start([GOOD])
        wait_until(lambda: job.finished is not None)
        wait_until(lambda: "package_ended observer of plugin" in caplog.text)
    kept = store.package(job.job_id)
    assert kept is not None and kept.state == "done"


def test_a_restart_resolves_only_the_links_that_had_not_ended(
    resolver: Resolver, store: SqliteStateStore, sandbox: Sandbox, tmp_path: Path
) -> None:
    first = JobManager(resolver, store=store)
    try:
        job = first.start([GOOD, OTHER, OFFLINE], package="Holiday")
        wait_until(lambda: job.finished is not None)
    finally:
        first.stop()
    # The next server: a resolver of its own, the same store.
    (tmp_path / "next").mkdir()
    resolver = sandbox_resolver(
        sandbox, tmp_path / "next", {**sandbox.env(), "LINKRESOLVER_DISABLE_PLUGINS": "offcloud"}
    )
    # As the store holds it when the server died while the second link resolved.
    kept = store.package(job.job_id)
    assert kept is not None
    links = list(kept.links)
    caught = json.loads(links[1])
    caught.update(state="resolving", url=None, link=None)
    links[1] = json.dumps(caught)
    store.save_package(StoredPackage(kept.package_id, kept.created, PACKAGE_ACTIVE, kept.record, links))
    asked = Asked(resolver)
    told = Told()
    resolver.pm.register(told)
    second = JobManager(resolver, store=store, resolve_row=asked)
    try:
        assert second.restore() == 1
        again = second.get(job.job_id)
        assert again is not None and again.package == "Holiday"
        wait_until(lambda: again.finished is not None)
        assert asked.links == [OTHER]
        assert [row.state for row in again.rows] == ["resolved", "resolved", "offline"]
        assert again.outcomes[0].link is not None and again.outcomes[0].link.url == job.rows[0].url
        assert again.rows[2].error == job.rows[2].error
        wait_until(lambda: len(told.packages) == 1)
        assert told.packages[0]["counts"] == {"total": 3, "ok": 2, "failed": 1}
    finally:
        second.stop()


def test_a_retry_asks_again_only_the_links_that_failed(resolver: Resolver, store: SqliteStateStore) -> None:
    calls: list[str] = []
    failed_once: set[str] = set()

    def resolve_row(job: Job, row: Row) -> Outcome:
        calls.append(row.input)
        if row.input == OTHER and row.input not in failed_once:
            failed_once.add(row.input)
            offline = resolver.resolve_one(OFFLINE)
            return Outcome(row.input, "error", error=offline.error)
        return resolver.resolve_one(row.input)

    told = Told()
    resolver.pm.register(told)
    manager = JobManager(resolver, store=store, resolve_row=resolve_row)
    try:
        job = manager.start([GOOD, OTHER])
        wait_until(lambda: len(told.packages) == 1)
        assert told.packages[0]["state"] == "failed"
        assert manager.retry(job) == 1
        wait_until(lambda: len(told.packages) == 2)
        assert told.packages[1]["state"] == "done"
        assert sorted(calls) == sorted([GOOD, OTHER, OTHER])  # the good link is not asked again
        assert manager.retry(job) == 0  # nothing failed any more
        kept = store.package(job.job_id)
        assert kept is not None and kept.state == "done"
    finally:
        manager.stop()


@pytest.fixture
def client(resolver: Resolver, manager: JobManager, tmp_path: Path) -> Iterator[FlaskClient]:
    with create_app(resolver, output=None, jobs=manager).test_client() as test_client:
        yield test_client


def test_the_api_takes_a_name_and_password_and_pages_the_history(
    client: FlaskClient, manager: JobManager
) -> None:
    headers = csrf(client)
    ids = []
    for n in range(3):
        answer = client.post(
            "/api/resolve", json={"text": GOOD, "name": f"Package {n}", "password": "pw"}, headers=headers
        )
        assert answer.status_code == 202, answer.get_json()
        ids.append(answer.get_json()["id"])
        wait_until(lambda: manager.jobs[ids[-1]].finished is not None)
    listed = client.get("/api/jobs").get_json()["jobs"]
    assert [(job["name"], job["password"], job["state"]) for job in listed] == [
        (f"Package {n}", "pw", "done") for n in range(3)
    ]
    assert all(job["counts"] == {"total": 1, "ok": 1, "failed": 0} and job["finished"] for job in listed)
    page = client.get("/api/history?limit=2").get_json()
    assert [p["id"] for p in page["packages"]] == [ids[2], ids[1]] and page["more"] is True
    before = page["packages"][-1]["created"]
    rest = client.get(f"/api/history?limit=2&before={before}").get_json()
    assert [p["id"] for p in rest["packages"]] == [ids[0]] and rest["more"] is False
    assert client.get("/api/history?state=failed").get_json() == {"packages": [], "more": False}
    assert client.get("/api/history?limit=0").status_code == 400
    assert client.get("/api/history?state=lost").status_code == 400


def test_bad_package_fields_are_refused_in_one_line(client: FlaskClient) -> None:
    headers = csrf(client)
    for body, words in [
        ({"text": GOOD, "name": 5}, '"name" must be a text'),
        ({"text": GOOD, "password": ["x"]}, '"password" must be a text'),
        ({"text": GOOD, "download": "yes"}, '"download" must be true or false'),
        ({"text": GOOD, "download": True}, "no download folder"),
    ]:
        answer = client.post("/api/resolve", json=body, headers=headers)
        assert answer.status_code in (400, 409) and words in answer.get_json()["error"], body


def test_remove_drops_a_package_from_the_list_and_the_history(
    client: FlaskClient, manager: JobManager, store: SqliteStateStore
) -> None:
    headers = csrf(client)
    job_id = client.post("/api/resolve", json={"text": GOOD}, headers=headers).get_json()["id"]
    wait_until(lambda: manager.jobs[job_id].finished is not None)
    assert client.post(f"/api/jobs/{job_id}/retry", headers=headers).status_code == 409  # nothing failed
    assert client.post(f"/api/jobs/{job_id}/remove", headers=headers).get_json() == {"removed": job_id}
    assert client.get("/api/jobs").get_json()["jobs"] == []
    assert store.package(job_id) is None
    assert client.get(f"/api/jobs/{job_id}").status_code == 404
    assert client.post(f"/api/jobs/{job_id}/remove", headers=headers).status_code == 404


def test_a_package_of_the_history_is_read_and_retried_after_a_restart(
    resolver: Resolver, store: SqliteStateStore, client: FlaskClient, manager: JobManager
) -> None:
    headers = csrf(client)
    job_id = client.post("/api/resolve", json={"text": f"{GOOD}\n{OFFLINE}"}, headers=headers).get_json()[
        "id"
    ]
    wait_until(lambda: manager.jobs[job_id].finished is not None)
    with manager._lock:
        del manager.jobs[job_id]  # as if older than what the list keeps
    shown = client.get(f"/api/jobs/{job_id}").get_json()
    assert [row["state"] for row in shown["links"]] == ["resolved", "offline"]
    assert job_id not in manager.jobs  # read, not listed again
    assert client.post(f"/api/jobs/{job_id}/retry", headers=headers).status_code == 202
    assert job_id in manager.jobs
    wait_until(lambda: manager.jobs[job_id].finished is not None)
    assert [row.state for row in manager.jobs[job_id].rows] == ["resolved", "offline"]


def test_an_unfinished_package_older_than_the_list_holds_is_taken_up_too(
    manager: JobManager, store: SqliteStateStore
) -> None:
    oldest = Job("unfinished", [Row(0, GOOD)], package="Old", created=1000.0)
    store.save_package(stored_package(oldest))
    for n in range(MAX_JOBS + 5):
        ended = Job(f"ended{n}", [Row(0, OTHER, state="offline")], created=2000.0 + n, finished=2001.0 + n)
        store.save_package(stored_package(ended))
    assert manager.restore() == 1
    assert len(manager.jobs) == MAX_JOBS and "unfinished" in manager.jobs and "ended0" not in manager.jobs
    again = manager.jobs["unfinished"]
    wait_until(lambda: again.finished is not None)
    assert again.rows[0].state == "resolved"


@pytest.mark.parametrize(
    "query", ["limit=x", "limit=0", "before=nan", "before=-inf", "before=soon", "state=gone"]
)
def test_a_wrong_history_query_is_named(client: FlaskClient, query: str) -> None:
    answer = client.get(f"/api/history?{query}")
    assert answer.status_code == 400 and query.split("=", maxsplit=1)[0] in answer.get_json()["error"]
