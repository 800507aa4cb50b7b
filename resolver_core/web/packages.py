"""A job of ``linkresolver serve`` as a package in the state store, and back.

A restart (or a SIGKILL) must pick up where the server was: every link that had ended keeps
its outcome — a resolved link its direct link, so that it is downloaded without being
resolved again — and every link that had not is resolved. So a job is written to the store
(:class:`..state.PackageStore`) when it starts, each row when its state changes, and the
job again when it ends; :func:`job_of` rebuilds a job from what was written.

The store keeps JSON texts. A package's record: ``name``, ``origin``, ``password``,
``folder`` (where its downloads go), ``download``, ``mirrors``, ``stage``. A link's: the
row's fields the page shows (:class:`.rows.Row`, less the moment's: message, captcha,
countdown, bytes so far), plus ``account`` and ``link``, the resolved link as the link cache
writes it (:func:`..linkcache.record_of`), from which its outcome is rebuilt. As in the link
cache, a link that needs request headers (a session's cookie) or shows a registered secret
is not written: after a restart such a row is resolved again rather than a credential kept.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

from ..errors import ResolverError
from ..linkcache import CachedLink, cached_of, record_of
from ..outcomes import Outcome
from ..redact import redact
from ..state import StoredPackage
from .rows import AT_WORK, ENDED, MIRROR, QUEUED, UNCONFIRMED, Job, Row, package_state

#: A row's fields that say only what happens this moment: not kept.
MOMENT_FIELDS: Final = ("message", "wait_until", "captcha", "downloaded")


class StoredError(ResolverError):
    """A link's error as the store kept it (its words, kind and code), for a restored row:
    the original exception is gone with the process that raised it."""

    def __init__(self, text: str, kind: str, code: int | None) -> None:
        super().__init__(text, code=code)
        self.kind = kind

    def for_person(self) -> str:
        return self.message


def package_record(job: Job) -> str:
    """The package's own fields as the store keeps them."""
    return json.dumps(
        {
            "name": job.package,
            "origin": job.origin,
            "password": job.password,
            "folder": None if job.folder is None else str(job.folder),
            "download": job.download,
            "limit_rate": job.limit_rate,
            "mirrors": job.mirrors,
            "stage": job.stage,
        },
        ensure_ascii=False,
    )


def link_record(job: Job, row: Row) -> str:
    """One row as the store keeps it: enough to show it, and to download it unresolved."""
    data = {key: value for key, value in asdict(row).items() if key not in MOMENT_FIELDS}
    outcome = job.outcomes.get(row.position)
    data["account"] = outcome.account if outcome else None
    data["kind"] = outcome.error.kind if outcome and outcome.error else None
    data["link"] = None
    link = outcome.link if outcome is not None and outcome.status == "ok" else None
    if outcome is not None and link is not None and not link.headers:
        kept = CachedLink(
            link,
            outcome.provider or link.provider,
            outcome.hoster or link.hoster,
            link.valid_until or 0.0,
            outcome.account,
        )
        record = record_of(kept)
        if redact(record) == record:
            data["link"] = json.loads(record)
    return json.dumps(data, ensure_ascii=False)


def stored_package(job: Job) -> StoredPackage:
    """The whole job, as :meth:`..state.PackageStore.save_package` takes it."""
    return StoredPackage(
        job.job_id,
        job.created,
        package_state(job),
        package_record(job),
        [link_record(job, row) for row in job.rows],
        job.finished,
    )


def job_of(stored: StoredPackage) -> Job:
    """The job ``stored`` was written from. Rows that had ended keep their outcome (a
    resolved one its direct link); rows at work when the server stopped are queued again,
    a download in flight is marked to be started again (it resumes from its part files)."""
    record: dict[str, Any] = json.loads(stored.record)
    finished = stored.finished
    stage = str(record.get("stage") or QUEUED)
    if finished is not None:
        stage = ENDED
    elif stage != UNCONFIRMED:
        stage = QUEUED
    job = Job(
        stored.package_id,
        [],
        origin=str(record.get("origin") or "paste"),
        package=record.get("name"),
        password=record.get("password"),
        mirrors=[[int(n) for n in group] for group in record.get("mirrors") or []],
        download=bool(record.get("download")),
        limit_rate=_rate(record.get("limit_rate")),
        folder=Path(record["folder"]) if record.get("folder") else None,
        created=stored.created,
        stage=stage,
        finished=finished,
        resolved_all=finished is not None,
    )
    for text in stored.links:
        row, outcome = _row_of(json.loads(text), stage)
        job.rows.append(row)
        if outcome is not None:
            job.outcomes[row.position] = outcome
    return job


def _row_of(data: dict[str, Any], stage: str) -> tuple[Row, Outcome | None]:
    """A row and its outcome (None while it has not ended)."""
    link_data = data.pop("link", None)
    account = data.pop("account", None)
    kind = data.pop("kind", None)
    row = Row(**{key: value for key, value in data.items() if key in Row.__dataclass_fields__})
    if row.state in AT_WORK:
        row.state = UNCONFIRMED if stage == UNCONFIRMED else QUEUED
        return row, None
    if row.download == "downloading":
        row.download = None  # to be started again: it resumes from its part files
    if row.state == MIRROR:
        return row, None
    cached = cached_of(json.dumps(link_data)) if link_data else None
    if row.state == "resolved" and cached is None:  # its link was not kept
        if stage == ENDED:
            return row, None  # shown as it ended; not downloadable from here
        return Row(row.position, row.input, state=UNCONFIRMED if stage == UNCONFIRMED else QUEUED), None
    if row.state == "resolved" and cached is not None:
        outcome = Outcome(
            row.input, "ok", link=cached.link, provider=cached.provider, hoster=cached.hoster, account=account
        )
        return row, outcome
    status = "unsupported" if row.state == "unsupported" else "error"
    error = StoredError(row.error or "failed", str(kind or row.state), row.code)
    return row, Outcome(row.input, status, error=error, provider=row.provider, hoster=row.hoster)


def summary_of(stored: StoredPackage, *, links: bool = False) -> dict[str, Any]:
    """A stored package's summary, as ``GET /api/history`` and ``history --json`` give it:
    the job's summary (:meth:`.rows.Job.summary`), with its links' rows when ``links``."""
    job = job_of(stored)
    summary = job.summary()
    summary["state"] = stored.state
    if links:
        summary["links"] = [asdict(row) for row in job.rows]
    return summary


def _rate(value: object) -> float | None:
    """A kept package's rate limit (bytes a second), when it is one."""
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None
    )
