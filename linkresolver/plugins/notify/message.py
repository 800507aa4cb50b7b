"""What a notification says about a package that ended: a title and a short body.

Built from the package's summary (the ``package_ended`` hook's ``package``): its name, how
it ended, its counts and the first few failures' reasons. A package's password is never in
it, even when the summary carries one: a notification goes to a third party's service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from linkresolver.api import redact

#: Failures whose reasons the body lists; the others are counted.
FAILURES_SHOWN: Final = 3
#: A reason longer than this is cut (a service's page of HTML is no notification).
REASON_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class Notification:
    title: str
    body: str
    #: Apprise's notification type: ``success`` or ``failure``.
    kind: str


def package_name(package: Mapping[str, Any]) -> str:
    """The package's name as a person knows it: its given name, else its id."""
    for key in ("name", "package"):
        value = package.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return f"package {package.get('id', '?')}"


def notification_for(package: Mapping[str, Any]) -> Notification:
    """The title and body telling that ``package`` ended (done or failed)."""
    failed = package.get("state") != "done"
    name = package_name(package)
    counts = package.get("counts") or {}
    total, ok, failures_count = (_count(counts, key) for key in ("total", "ok", "failed"))
    lines = [f"{ok} of {total} links ok, {failures_count} failed."]
    failures = [f for f in package.get("failures") or () if isinstance(f, Mapping)]
    for failure in failures[:FAILURES_SHOWN]:
        lines.append(f"- {_short(failure.get('link'))}: {_short(failure.get('reason')) or 'failed'}")
    if failures_count > min(len(failures), FAILURES_SHOWN):
        lines.append(f"... and {failures_count - min(len(failures), FAILURES_SHOWN)} more.")
    body = "\n".join(lines)
    title = f"linkresolver: {name} {'failed' if failed else 'done'}"
    password = package.get("password")
    if isinstance(password, str) and password:
        title, body = title.replace(password, "***"), body.replace(password, "***")
    return Notification(redact(title), redact(body), "failure" if failed else "success")


def trial_notification() -> Notification:
    """What ``linkresolver notify test`` sends."""
    return Notification(
        "linkresolver: test notification",
        "Notifications work: linkresolver tells this service when a package ends.",
        "info",
    )


def _count(counts: Mapping[str, Any], key: str) -> int:
    value = counts.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _short(value: object) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"
