"""A job of ``serve`` as the store keeps it, and back (:mod:`resolver_core.web.packages`):
what had ended keeps its outcome, what was at work goes back to the queue."""

from __future__ import annotations

import json

from resolver_core.errors import FileOffline
from resolver_core.models import ResolvedLink
from resolver_core.outcomes import Outcome
from resolver_core.redact import register_secrets
from resolver_core.web.packages import job_of, link_record, stored_package
from resolver_core.web.rows import CLICKNLOAD, Job, Row

URL = "https://openload.co/f/abc/Holiday.mkv"
DIRECT = "https://cdn.example/dl/abc/Holiday.mkv"
GONE = "openload says the file is gone"


def _job(**fields: object) -> Job:
    rows = [
        Row(0, URL, state="resolved", url=DIRECT, filename="Holiday.mkv", size=10, download="downloading"),
        Row(
            1,
            "https://openload.co/f/gone/x",
            state="offline",
            error="openload says the file is gone",
            code=404,
        ),
        Row(2, "https://openload.co/f/next/y", state="waiting", message="waiting 10 s"),
        Row(3, "https://rg.to/file/m/Holiday.mkv", state="mirror", mirror_of=0),
    ]
    job = Job("p1", rows, package="Holiday", password="pw", download=True, **fields)  # type: ignore[arg-type]
    link = ResolvedLink(URL, DIRECT, "openload", "openload.co", "Holiday.mkv", 10, "ab" * 20)
    job.outcomes[0] = Outcome(URL, "ok", link=link, provider="openload", hoster="openload.co", account="main")
    job.outcomes[1] = Outcome(rows[1].input, "error", error=FileOffline("says the file is gone", code=404))
    return job


def test_a_job_at_work_comes_back_with_what_had_ended_and_the_rest_queued() -> None:
    again = job_of(stored_package(_job()))
    assert (again.job_id, again.package, again.password, again.download) == ("p1", "Holiday", "pw", True)
    assert [row.state for row in again.rows] == ["resolved", "offline", "queued", "mirror"]
    resolved = again.outcomes[0]
    assert resolved.link is not None and resolved.link.url == DIRECT and resolved.link.sha1 == "ab" * 20
    assert (resolved.provider, resolved.account) == ("openload", "main")
    assert again.rows[0].download is None  # in flight when the server died: started again
    failed = again.outcomes[1]
    assert failed.error is not None and failed.error.kind == "offline"
    assert failed.error.for_person() == GONE and failed.error.code == 404
    assert again.rows[2].message is None and 2 not in again.outcomes
    assert again.rows[3].mirror_of == 0 and 3 not in again.outcomes
    assert (again.finished, again.resolved_all, again.stage) == (None, False, "queued")


def test_a_click_and_load_job_waiting_for_confirmation_still_waits() -> None:
    job = _job(origin=CLICKNLOAD, stage="unconfirmed")
    job.rows[2].state = "unconfirmed"
    again = job_of(stored_package(job))
    assert again.stage == "unconfirmed" and again.rows[2].state == "unconfirmed"


def test_an_ended_job_comes_back_ended() -> None:
    job = _job(finished=123.0, resolved_all=True)
    job.rows[2].state = "error"
    again = job_of(stored_package(job))
    assert (again.finished, again.resolved_all, again.stage) == (123.0, True, "ended")
    assert again.summary()["state"] == "failed"


def test_a_link_needing_headers_or_showing_a_secret_is_not_kept() -> None:
    job = _job()
    link = job.outcomes[0].link
    assert link is not None
    with_cookie = ResolvedLink(URL, DIRECT, "openload", "openload.co", headers=(("Cookie", "session=1"),))
    job.outcomes[0] = Outcome(URL, "ok", link=with_cookie, provider="openload", hoster="openload.co")
    assert json.loads(link_record(job, job.rows[0]))["link"] is None
    register_secrets(["s3cr3t-in-the-url"])
    leaky = ResolvedLink(URL, DIRECT + "?k=s3cr3t-in-the-url", "openload", "openload.co")
    job.outcomes[0] = Outcome(URL, "ok", link=leaky, provider="openload", hoster="openload.co")
    assert json.loads(link_record(job, job.rows[0]))["link"] is None
    again = job_of(stored_package(job))
    assert again.rows[0].state == "queued" and 0 not in again.outcomes  # resolved again
