"""``linkresolver worker``: resolve the links ``serve --workers`` queues, on any machine.

Every worker and serve share one Redis server: the state store's (``state =
"redis://..."``), which also shares the request budgets and rests of the accounts. A
worker resolves with its own configuration and accounts; with ``-o DIR`` it downloads
each link there too. SIGTERM or Ctrl-C stop it cleanly: it takes no more links and
finishes those in hand (``[workers] grace`` seconds at most; what is left then is taken
over by another worker).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from resolver_core.lines import write_line

from .app import ExitStatus

if TYPE_CHECKING:
    from resolver_core.config import Config
    from resolver_core.pipeline import Resolver
    from resolver_core.web.jobs import RowResolving

    from .app import App

#: What workers and ``serve --workers`` need, said when it is missing.
REDIS_STORE = (
    'the shared Redis state store: set state = "redis://HOST:PORT/DB" in the configuration,'
    " or LINKRESOLVER_STATE (serve and every worker use the same one)"
)


def run_worker(args: argparse.Namespace, app: App) -> int:
    from resolver_core.config import load_config  # noqa: PLC0415
    from resolver_core.state.spec import SQLITE  # noqa: PLC0415
    from resolver_core.workqueue import WorkerSettings, WorkQueue  # noqa: PLC0415
    from resolver_core.workqueue_worker import Worker  # noqa: PLC0415

    config = load_config(args.config)
    if config.state is None or config.state.lower() == SQLITE:
        write_line(app.stderr, f"linkresolver: a worker needs {REDIS_STORE}")
        return ExitStatus.USAGE
    settings = WorkerSettings.from_section(config.section("workers"), config.path)
    output = Path(args.output).expanduser().resolve() if args.output else None
    if output is not None:
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            write_line(app.stderr, f"linkresolver: cannot use {output} for downloads: {exc.strerror}")
            return ExitStatus.USAGE
    name = args.name or settings.name or f"{socket.gethostname()}-{os.getpid()}"
    threads = args.threads or settings.threads
    queue = WorkQueue.from_url(config.state, claim_after=settings.claim_after)
    try:
        resolver = app.resolver()
        worker = Worker(queue, resolver, name=name, threads=threads, grace=settings.grace, output=output)
        interrupted = False

        def stop(number: int, frame: FrameType | None) -> None:
            nonlocal interrupted
            interrupted = interrupted or number == signal.SIGINT
            worker.stop()

        before = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
        write_line(
            app.stderr,
            f"linkresolver worker {name}: taking links from {queue.location} ({threads} at once)",
        )
        try:
            worker.run()
        finally:
            for number, handler in before.items():
                signal.signal(number, handler)
        tally = worker.tally
        write_line(
            app.stderr,
            f"linkresolver worker {name}: stopped; {tally.ok} resolved, {tally.failed} failed"
            + (f", {tally.handed_back} left for another worker" if tally.handed_back else ""),
        )
        if worker.fatal is not None:
            raise worker.fatal
    finally:
        queue.close()
    return ExitStatus.INTERRUPTED if interrupted else ExitStatus.OK


def wants_workers(option: bool, config: Config) -> bool:
    """Whether serve leaves the resolving to workers: ``--workers``, or ``[serve] workers =
    true`` in the configuration (anything but true or false there is refused, naming it)."""
    from resolver_core.errors import ConfigError  # noqa: PLC0415

    setting = config.section("serve").get("workers", False)
    if not isinstance(setting, bool):
        raise ConfigError(f"{config.path or 'config.toml'}: [serve] workers must be true or false")
    return option or setting


def remote_rows(resolver: Resolver, stack: contextlib.ExitStack) -> tuple[int, RowResolving]:
    """What ``serve --workers`` resolves a row with: its link queued for a worker, the
    result awaited. A row waiting holds a thread and nothing else, so a job queues up to
    :data:`~resolver_core.running.MAX_WAITING` links at once (the workers' threads bound
    the work). Raises ConfigError (exit 2) without the Redis state store."""
    from resolver_core.errors import ConfigError  # noqa: PLC0415
    from resolver_core.running import MAX_WAITING  # noqa: PLC0415
    from resolver_core.state.spec import SQLITE  # noqa: PLC0415
    from resolver_core.workqueue import WorkerSettings, WorkQueue  # noqa: PLC0415
    from resolver_core.workqueue_remote import RemoteRows  # noqa: PLC0415

    config = resolver.config
    if config.state is None or config.state.lower() == SQLITE:
        raise ConfigError(f"serve --workers needs {REDIS_STORE}")
    settings = WorkerSettings.from_section(config.section("workers"), config.path)
    queue = WorkQueue.from_url(config.state, claim_after=settings.claim_after)
    stack.callback(queue.close)
    rows = RemoteRows(queue, resolver.cancelled).start()
    stack.callback(rows.close)
    return MAX_WAITING, rows
