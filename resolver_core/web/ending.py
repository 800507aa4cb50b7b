"""A package's ending, told to the plugins: the ``package_ended`` hook and its summary.

A job of :class:`.jobs.JobManager` is a package (a paste, a Click'n'Load delivery, a watch
folder's file). When every link has ended, and every download it started, the plugins are
told once, each on its own (:func:`announce_ended`): one observer's bug must neither end
the server's thread nor silence the others (the notifications, the log).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from ..paste import file_name_of
from .rows import row_ok, row_pending

if TYPE_CHECKING:
    from ..pipeline import Resolver
    from .rows import Job

log = logging.getLogger("linkresolver")

#: Failed links the summary names, with their reasons (a notification shows a few).
FAILURES_LISTED: Final = 5


def package_summary(job: Job) -> dict[str, Any]:
    """The summary the ``package_ended`` hook gets (its docstring lists the fields): the
    package's as the page lists it (a row another mirror served counts as ok, a row whose
    download failed as failed), named by its first file when it has no name, with its first
    failures' reasons, and without its password."""
    summary = job.summary()
    del summary["password"]
    failed = [row for row in job.rows if not row_ok(job, row) and not row_pending(job, row)]
    return {
        **summary,
        "name": job.package or _first_file_name(job),
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
