"""``linkresolver serve``: the JSON API on loopback, and a Click'n'Load receiver with --cnl.

Off loopback the API needs a token (``--token``): a link resolver holds the user's accounts.
``--sandbox`` starts the sandbox in-process and serves against it, so the API can be tried
with no account, as the demo does.

Any web page the user opens can post to the Click'n'Load port, so what arrives there spends
nothing by itself: it becomes a job waiting for the user's confirmation on the page (its
links printed on the terminal), unless ``--cnl-auto`` says to resolve it at once. The
receiver answers at once and hands the links on; they are read one delivery at a time.

Every job is a package kept in the state store (:mod:`resolver_core.web.packages`): on
start the server takes up the packages the last one left unfinished (links not resolved
are resolved, downloads in flight resume), and forgets ended ones past ``[history]``'s
limits, at start and as packages end.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

from resolver_core.config import is_loopback
from resolver_core.download import DownloadOutcome
from resolver_core.handoff.clicknload import ClickAndLoad, clicknload_password
from resolver_core.lines import write_line
from resolver_core.output import shown
from resolver_core.paste import mirror_groups
from resolver_core.redact import register_secrets
from resolver_core.web.jobs import CLICKNLOAD, Job, JobManager

from .app import ExitStatus, print_failure, print_json, print_outcome
from .serve_watch import start_watching, watch_settings_of

log = logging.getLogger("linkresolver")

#: Characters of a Click'n'Load package name kept (a website chooses it).
MAX_PACKAGE = 200
#: Click'n'Load deliveries waiting to be read; beyond, a delivery is refused (a flood).
MAX_DELIVERIES = 50
#: The API token, when not given as --token (which other users can see in `ps`).
TOKEN_ENV = "LINKRESOLVER_SERVE_TOKEN"  # noqa: S105 (the variable's name, not a token)

if TYPE_CHECKING:
    from resolver_core.pipeline import Resolver

    from .app import App


def run_serve(args: argparse.Namespace, app: App) -> int:
    # From the environment by preference: a token on the command line shows in `ps`.
    args.token = args.token or os.environ.get(TOKEN_ENV) or None
    register_secrets([args.token])
    output = Path(args.output).expanduser().resolve() if args.output else None
    if output is not None and output.exists() and not output.is_dir():
        # Said now, not at the first download an hour later in a browser.
        print(f"linkresolver: {output} is not a directory (serve -o DIR)", file=app.stderr)
        return ExitStatus.USAGE
    if not is_loopback(args.host) and not args.token:
        print(
            f"linkresolver: serving on {args.host} needs --token"
            " (without one, anybody on the network could use your accounts)",
            file=app.stderr,
        )
        return ExitStatus.USAGE
    watch = watch_settings_of(args)
    with contextlib.ExitStack() as stack:
        if args.sandbox:
            from resolver_core.sandbox import build_sandbox  # noqa: PLC0415
            from resolver_core.sandbox.resolver import sandbox_resolver  # noqa: PLC0415

            sandbox = stack.enter_context(build_sandbox(app.pm))
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="linkresolver-serve-")))
            resolver = sandbox_resolver(sandbox.env(demo=True), work, pm=app.pm)
            print(f"sandbox on {sandbox.url}", file=app.stderr)
        else:
            resolver = app.resolver()
        from resolver_core.web.app import create_app  # noqa: PLC0415

        _set_bandwidth(resolver, args)
        jobs = _job_manager(resolver, args, output, stack)
        servers = []
        try:
            api = make_server(
                args.host,
                args.port,
                create_app(resolver, token=args.token, output=output, jobs=jobs),
                threaded=True,
            )
            servers.append(api)
            page = f"http://{_in_url(args.host)}:{api.server_port}"
            print(
                f"linkresolver serve: {page} (GET /api/openapi.json)",
                file=app.stderr,
                flush=True,
            )
            if args.cnl:
                receiver = make_server(
                    "127.0.0.1", args.cnl_port, _click_and_load(jobs, output, args, app, page), threaded=True
                )
                servers.append(receiver)
                print(
                    f"Click'n'Load receiver on http://127.0.0.1:{receiver.server_port}",
                    file=app.stderr,
                    flush=True,
                )
        except OSError as exc:
            for server in servers:
                server.server_close()
            print(f"linkresolver: cannot listen: {exc.strerror}", file=app.stderr)
            return ExitStatus.USAGE
        resumed = jobs.restore()
        if resumed:
            print(f"taking up {resumed} unfinished packages", file=app.stderr, flush=True)
        threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
        for thread in threads:
            thread.start()
        watcher = start_watching(watch, jobs, output, app) if watch is not None else None
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
        finally:
            # Ctrl-C: every job stops at once (a captcha waiting for its answer too), so that
            # the process ends now rather than when the last wait would have.
            if watcher is not None:
                watcher.stop()
            jobs.stop()
            for server in servers:
                server.shutdown()
                server.server_close()
    return ExitStatus.OK


def _job_manager(
    resolver: Resolver, args: argparse.Namespace, output: Path | None, stack: contextlib.ExitStack
) -> JobManager:
    """The jobs, kept as packages in the resolver's state store, ``--downloads`` (else
    ``[serve] downloads``) at once; ended packages past ``[history]``'s limits are
    forgotten now and as others end; resolved here, or by ``linkresolver worker``
    processes (``--workers``). A bad setting is a :class:`ConfigError` (exit 2, one line)."""
    from resolver_core.history import history_limits  # noqa: PLC0415
    from resolver_core.state import StateStoreError, package_store  # noqa: PLC0415
    from resolver_core.web.settings import serve_downloads  # noqa: PLC0415

    from .worker import remote_rows, wants_workers  # noqa: PLC0415

    config = resolver.config
    limits = history_limits(config.section("history"), config.path)
    downloads = args.downloads or serve_downloads(config.section("serve"), config.path)
    store = None
    if resolver.links is not None:
        try:
            store = package_store(resolver.links.store)
        except StateStoreError as exc:  # jobs are then kept in memory only, as before
            log.warning("packages are not kept across restarts: %s", exc)
    if store is not None:
        limits.prune(store)

    def prune(job: Job) -> None:
        if store is not None:
            limits.prune(store)

    threads_per_job, resolve_row = args.job_threads, None
    if wants_workers(args.workers, config):  # `linkresolver worker` processes resolve
        threads_per_job, resolve_row = remote_rows(resolver, stack)
    return JobManager(
        resolver,
        running=args.jobs,
        threads_per_job=threads_per_job,
        resolve_row=resolve_row,
        store=store,
        output=output,
        downloads=downloads,
        on_ended=prune,
    )


def _set_bandwidth(resolver: Resolver, args: argparse.Namespace) -> None:
    """Every download of this process under ``--limit-rate`` (else ``[download]
    limit_rate``) together, and ``[download] max_per_hoster`` at once per hoster."""
    from resolver_core.download.bandwidth import chosen, download_settings, set_process_bandwidth  # noqa: PLC0415

    config = resolver.config
    settings = download_settings(config.section("download"), str(config.path or "config.toml"))
    set_process_bandwidth(chosen(args.limit_rate, settings.limit_rate), settings.max_per_hoster)


def _in_url(host: str) -> str:
    """``host`` as a URL names it: an IPv6 address in brackets (``http://[::1]:8765``)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _click_and_load(
    jobs: JobManager, output: Path | None, args: argparse.Namespace, app: App, page: str
) -> ClickAndLoad:
    """The receiver: the links become a job on the paste page, waiting for the user's
    confirmation (``--cnl-auto``: resolving at once); when it has ended its links are
    printed (JSON Lines with --json), or downloaded with -o."""
    lock = threading.Lock()
    intake = ThreadPoolExecutor(1, thread_name_prefix="clicknload")
    waiting = threading.BoundedSemaphore(MAX_DELIVERIES)

    def print_outcomes(job: Job) -> None:
        with lock:
            for _, outcome in sorted(job.outcomes.items()):
                if args.json:
                    print_json(outcome, app.stdout)
                else:
                    print_outcome(outcome, app)

    def print_saved(results: list[DownloadOutcome]) -> None:
        with lock:
            for result in results:
                if args.json:
                    print_json(result, app.stdout)
                elif result.saved:
                    for saved in result.saved:
                        write_line(app.stdout, shown(saved.path))
                else:
                    print_failure(result.outcome, app, result.error)

    def download(job: Job) -> None:
        assert output is not None
        failed = [outcome for _, outcome in sorted(job.outcomes.items()) if outcome.status != "ok"]
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            write_line(app.stderr, f"linkresolver: cannot create {output}: {exc.strerror}")
            return
        if failed:
            print_saved([DownloadOutcome(outcome) for outcome in failed])
        jobs.start_download(job, output, print_saved)

    def accept(links: list[str], fields: dict[str, str]) -> None:
        # A website's words, every one: shortened, and shown without terminal controls.
        package = (fields.get("package") or fields.get("source") or "")[:MAX_PACKAGE] or None
        source = fields.get("source", "")[:MAX_PACKAGE]
        urls = jobs.resolver.links_in(links)
        named = f" ({shown(package)})" if package else ""
        then = download if output else print_outcomes
        # The package's password and its links' mirror groups go with the job, as a paste's.
        password, mirrors = clicknload_password(fields), mirror_groups(urls)
        if args.cnl_auto or not urls:
            write_line(app.stderr, f"Click'n'Load: {len(urls)} links{named}")
            if urls:
                jobs.start(
                    urls, origin=CLICKNLOAD, package=package, then=then, password=password, mirrors=mirrors
                )
            return
        jobs.start(
            urls,
            origin=CLICKNLOAD,
            package=package,
            then=then,
            confirmed=False,
            password=password,
            mirrors=mirrors,
        )
        sent = f" from {shown(source)}" if source and source != package else ""
        write_line(
            app.stderr,
            f"Click'n'Load: {len(urls)} links{named}{sent}, not resolved:"
            f" confirm or discard them on {page} (or serve with --cnl-auto)",
        )
        for url in urls:
            write_line(app.stderr, f"  {shown(url)}")

    def accept_one(links: list[str], fields: dict[str, str]) -> None:
        try:
            accept(links, fields)
        except Exception:  # the intake's thread lives on for the next delivery
            log.exception("Click'n'Load: a delivery failed")
        finally:
            waiting.release()

    def on_links(links: list[str], fields: dict[str, str]) -> bool:
        """Hand the links on and answer at once (finding them may fetch hoster lists)."""
        if not waiting.acquire(blocking=False):
            return False
        intake.submit(accept_one, links, fields)
        return True

    return ClickAndLoad(on_links)
