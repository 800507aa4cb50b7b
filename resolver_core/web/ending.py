"""A package's ending, told to the plugins: the ``package_ended`` hook and its summary.

A job of :class:`.jobs.JobManager` is a package (a paste, a Click'n'Load delivery, a watch
folder's file). When every link has ended, and every download it started, the plugins are
told once, each on its own (:func:`announce_ended`): one observer's bug must neither end
the server's thread nor silence the others (the notifications, the log).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Final

from ..paste import file_name_of
from .rows import MIRROR

if TYPE_CHECKING:
    from ..pipeline import Resolver
    from .rows import Job

log = logging.getLogger("linkresolver")

#: Failed links the summary names, with their reasons (a notification shows a few).
FAILURES_LISTED: Final = 5


def package_summary(job: Job) -> dict[str, Any]:
    """The summary the ``package_ended`` hook gets (its docstring lists the fields). A row
    another mirror served counts for nothing (its file is counted once, as that mirror); a
    row whose download failed counts as failed. The package's password is not in it."""
    rows = [row for row in job.rows if row.state != MIRROR]
    failed = [row for row in rows if row.state != "resolved" or row.download == "failed"]
    return {
        "id": job.job_id,
        "name": job.package or _first_file_name(job),
        "origin": job.origin,
        "state": "failed" if failed else "done",
        "created": job.created,
        "finished": time.time(),
        "counts": {"total": len(rows), "ok": len(rows) - len(failed), "failed": len(failed)},
        "failures": [
            {"link": row.input, "reason": row.error or row.state} for row in failed[:FAILURES_LISTED]
        ],
    }


def _first_file_name(job: Job) -> str | None:
    """A package without a name is known by its first file: as the provider named it, else
    as its link does (None when no link tells)."""
    for row in job.rows:
        name = row.filename or file_name_of(row.input)
        if name:
            return name
    return None


def announce_ended(resolver: Resolver, job: Job) -> None:
    """Call every ``package_ended`` implementation with ``job``'s summary, each on its own."""
    package = package_summary(job)
    for implementation in resolver.pm.hook.package_ended.get_hookimpls():
        given = {"package": package, "config": resolver.config}
        try:
            implementation.function(**{name: given[name] for name in implementation.argnames})
        except Exception:
            log.exception("the package_ended observer of plugin %s failed", implementation.plugin_name)
