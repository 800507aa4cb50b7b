"""The built-in commands' handlers: ``handler(args, app) -> exit status``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from resolver_core.lines import write_line
from resolver_core.output import human_size, shown

from .app import App, ExitStatus, OrderedPrinter, print_failure, print_json, print_outcome, report_problems

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from resolver_core.download.bandwidth import Bandwidth
    from resolver_core.handoff.aria2 import Aria2Rpc
    from resolver_core.mirrors import OnDone, Pasted
    from resolver_core.pipeline import CheckOutcome, Outcome, Resolver
    from resolver_core.planning import BatchPlan


def resolve(args: argparse.Namespace, app: App) -> int:
    resolver, pasted = _pasted_input(app)
    urls = pasted.links
    if not urls:
        return ExitStatus.LINK_FAILED

    form = "json" if args.json else args.format
    collected: list[Outcome] = []

    def render(outcome: Outcome) -> None:
        if form == "json":
            print_json(outcome, app.stdout)
        elif form in ("aria2", "crawljob"):
            collected.append(outcome)
            if outcome.status != "ok":
                print_failure(outcome, app)
        else:
            print_outcome(outcome, app)

    plan = _plan(resolver, urls, args)
    if app.stderr.isatty():
        resolver.on_report = app.report
    from resolver_core.mirrors import got_its_file  # noqa: PLC0415

    printer = OrderedPrinter(render, len(urls), app.progress(len(urls)))
    outcomes = _resolve_pasted(resolver, pasted, args, grouped=args.mirrors)(urls, printer)
    if form in ("aria2", "crawljob"):
        app.stdout.write(_handoff_file(collected, form, args, _package_password(pasted, args)))
    if args.summary:
        _print_summary(outcomes, plan, form == "json", app)
    return ExitStatus.OK if all(got_its_file(o) for o in outcomes) else ExitStatus.LINK_FAILED


def _resolve_pasted(
    resolver: Resolver, pasted: Pasted, args: argparse.Namespace, *, grouped: bool
) -> Callable[[Sequence[str], OnDone | None], list[Outcome]]:
    """How the pasted links are resolved: each with its text's password (unless
    ``--link-password`` gave one for all), mirrors of one file once when ``grouped``."""
    from resolver_core.mirrors import resolve_grouped  # noqa: PLC0415

    passwords = {} if args.link_password else pasted.passwords
    groups = pasted.groups() if grouped else [[link] for link in pasted.links]

    def resolve(urls: Sequence[str], on_done: OnDone | None = None) -> list[Outcome]:
        return resolve_grouped(
            resolver, urls, groups, passwords=passwords, sizes=pasted.sizes, on_done=on_done
        )

    return resolve


def _package_password(pasted: Pasted, args: argparse.Namespace) -> str | None:
    """The password handed on with the links (JDownloader extracts the archives with it):
    ``--link-password``, else the first the pasted texts give."""
    password: str | None = args.link_password or next(iter(pasted.passwords.values()), None)
    return password


def _plan(resolver: Resolver, urls: list[str], args: argparse.Namespace) -> BatchPlan | None:
    """The batch's plan when asked for (``--summary``, or ``-v`` for more than one link):
    logged (its warnings always shown), and kept for the summary."""
    if not (args.summary or (args.verbose and len(urls) > 1)):
        return None
    from resolver_core.planning import plan_batch  # noqa: PLC0415

    plan = plan_batch(resolver, urls)
    plan.log()
    return plan


def _print_summary(outcomes: list[Outcome], plan: BatchPlan | None, as_json: bool, app: App) -> None:
    """How the batch ended and what it was planned to cost: one JSON object after the
    links' (``{"summary": ...}``, so a script tells it from a link's), else a line on stderr."""
    from collections import Counter  # noqa: PLC0415

    from resolver_core.redact import redact  # noqa: PLC0415

    ended = Counter(outcome.status for outcome in outcomes)
    if as_json:
        summary: dict[str, Any] = {
            "links": len(outcomes),
            **{status: ended[status] for status in ("ok", "error", "unsupported", "mirror")},
        }
        summary.update(plan.record() if plan else {"plan": [], "unserved": 0, "warnings": []})
        write_line(app.stdout, redact(json.dumps({"summary": summary}, ensure_ascii=False)))
        return
    counts = f"{ended['ok']} resolved, {ended['error']} failed, {ended['unsupported']} unsupported"
    if ended["mirror"]:
        counts += f", {ended['mirror']} mirror(s) not needed"
    print(f"{len(outcomes)} link(s): {counts}", file=app.stderr)


def _handoff_file(outcomes: list[Outcome], form: str, args: argparse.Namespace, password: str | None) -> str:
    """An aria2 input file or a JDownloader crawljob of the resolved links."""
    from pathlib import Path  # noqa: PLC0415

    from resolver_core.handoff.aria2 import entries_of, input_file  # noqa: PLC0415
    from resolver_core.handoff.crawljob import crawljob  # noqa: PLC0415

    folder = Path(args.download_dir).expanduser().resolve() if args.download_dir else None
    links = [o.link for o in outcomes if o.status == "ok" and o.link is not None]
    if form == "crawljob":
        return crawljob(links, package=args.package, folder=folder, password=password)
    return input_file(entry for link in links for entry in entries_of(link, folder, args.connections))


def check(args: argparse.Namespace, app: App) -> int:
    resolver, pasted = _pasted_input(app)
    urls = pasted.links
    if not urls:
        return ExitStatus.LINK_FAILED
    given = set(pasted.passwords.values())
    if not args.link_password and len(given) == 1:
        # Checks go in batches of many links: the texts' password when they agree on one.
        resolver.link_password = given.pop()

    def render(outcome: CheckOutcome) -> None:
        if args.json:
            print_json(outcome, app.stdout)
            return
        info = outcome.info
        details = []
        if info and info.filename:
            details.append(info.filename)
        if info and info.size is not None:
            details.append(human_size(info.size))
        if len(outcome.cached_at) > 1:
            details.append(f"cached at {', '.join(outcome.cached_at)}")
        elif info and info.cached is not None:
            details.append("cached" if info.cached else "not cached (a cloud download fetches it first)")
        if outcome.provider:
            details.append(f"via {outcome.provider}")
        if outcome.error:
            details.append(outcome.error.for_person())
        write_line(app.stdout, shown(f"{outcome.status:<11} {outcome.input}  {'  '.join(details)}".rstrip()))

    outcomes = resolver.check_many(urls, OrderedPrinter(render, len(urls), app.progress(len(urls))))
    good = ("online", "unknown")
    return ExitStatus.OK if all(o.status in good for o in outcomes) else ExitStatus.LINK_FAILED


def download(args: argparse.Namespace, app: App) -> int:
    from pathlib import Path  # noqa: PLC0415

    from resolver_core.download import DownloadOutcome, download_many  # noqa: PLC0415

    rpc = None
    if args.to == "aria2":
        from resolver_core.handoff.aria2 import Aria2Error  # noqa: PLC0415

        try:
            rpc = _aria2_answering(args)
        except Aria2Error as exc:
            # Before any link is resolved: no fair use is spent on links aria2 cannot take.
            print(f"linkresolver: {exc.for_person()}", file=app.stderr)
            return ExitStatus.USAGE
    resolver, pasted = _pasted_input(app)
    urls = pasted.links
    if not urls:
        return ExitStatus.LINK_FAILED
    resolve = _resolve_pasted(resolver, pasted, args, grouped=not args.all_mirrors)
    if rpc is not None:
        return _to_aria2(resolve(urls, None), rpc, args, app)
    directory = Path(args.output).expanduser()
    if directory.exists() and not directory.is_dir():
        print(f"linkresolver: {directory} is not a directory", file=app.stderr)
        return ExitStatus.USAGE
    bandwidth = _bandwidth(resolver, args)
    bars = app.byte_bars() if not args.json else None

    def render(outcome: DownloadOutcome) -> None:
        if args.json:
            print_json(outcome, app.stdout)
            return
        error = outcome.error or outcome.outcome.error
        if error is not None:
            write_line(app.stderr, shown(f"{outcome.outcome.input}: {error.for_person()}"))
        for saved in outcome.saved:
            # The names were made safe for file systems (download.names), which also keeps
            # escapes off the terminal: printed as they are, they match the files exactly.
            write_line(app.stdout, saved.path)
            how = "already there" if saved.skipped else "sha1 verified" if saved.verified else "size checked"
            write_line(app.stderr, f"saved {saved.path.name} ({human_size(saved.size)}, {how})")

    results = download_many(
        resolver,
        urls,
        directory,
        connections=args.connections,
        files_at_once=args.files,
        overwrite=args.overwrite,
        on_done=OrderedPrinter(render, len(urls), app.progress(len(urls)) if bars else None),
        progress=bars,
        resolve=lambda links: resolve(links, None),
        bandwidth=bandwidth,
    )
    got = all(result.status == "ok" or result.outcome.mirror_of is not None for result in results)
    return ExitStatus.OK if got else ExitStatus.LINK_FAILED


def _bandwidth(resolver: Resolver, args: argparse.Namespace) -> Bandwidth:
    """The download's rate limit and hoster cap: the options', else ``[download]``'s
    (checked here, before a link is resolved: a wrong value spends nothing)."""
    from resolver_core.download.bandwidth import Bandwidth, chosen, download_settings  # noqa: PLC0415

    config = resolver.config
    settings = download_settings(config.section("download"), str(config.path or "config.toml"))
    per_hoster = chosen(args.max_per_hoster, settings.max_per_hoster)
    return Bandwidth.of(chosen(args.limit_rate, settings.limit_rate), int(per_hoster) if per_hoster else None)


def _aria2_secret(args: argparse.Namespace) -> str | None:
    """aria2's RPC secret (--aria2-secret, else LINKRESOLVER_ARIA2_SECRET), registered for
    redaction as soon as it is known."""
    import os  # noqa: PLC0415

    from resolver_core.redact import register_secrets  # noqa: PLC0415

    secret: str | None = args.aria2_secret or os.environ.get("LINKRESOLVER_ARIA2_SECRET") or None
    if secret:
        register_secrets([secret])
    return secret


def _aria2_answering(args: argparse.Namespace) -> Aria2Rpc:
    """aria2's RPC, once it has answered with the secret given (``aria2.getVersion``);
    raises :class:`~resolver_core.handoff.aria2.Aria2Error` saying what is wrong."""
    from resolver_core.handoff.aria2 import Aria2Rpc  # noqa: PLC0415
    from resolver_core.http import make_session  # noqa: PLC0415

    # A session of its own, without transport retries: aria2 listens or it does not, and
    # retrying a refused connection only printed urllib3's "Retrying..." lines.
    rpc = Aria2Rpc(make_session(retries=0, timeout=args.timeout), args.aria2_rpc, _aria2_secret(args))
    rpc.call("aria2.getVersion")
    return rpc


def _to_aria2(outcomes: list[Outcome], rpc: Aria2Rpc, args: argparse.Namespace, app: App) -> int:
    """Queue every file of the resolved links in a running aria2 over JSON-RPC."""
    from pathlib import Path  # noqa: PLC0415

    from resolver_core.handoff.aria2 import Aria2Error, entries_of  # noqa: PLC0415
    from resolver_core.records import failure_reason, outcome_json  # noqa: PLC0415

    folder = Path(args.output).expanduser().resolve()
    failed = False
    for outcome in outcomes:
        link = outcome.link
        gids: list[str] = []
        error = outcome.error
        if outcome.status == "ok" and link is not None:
            try:
                for url, options in entries_of(link, folder, args.connections):
                    gids.append(rpc.add(url, options))
            except Aria2Error as exc:
                error = exc
        failed = failed or (error is not None and outcome.mirror_of is None)
        if args.json:
            # download's fields (DESIGN.md), null: aria2 writes and verifies the file later,
            # and may rename it (--auto-file-renaming), so no path is known for sure here.
            record = {**outcome_json(outcome), "path": None, "verified": None, "aria2_gids": gids}
            if error is not None:
                record.update(status="error", error=error.for_person(), code=error.code)
            print(json.dumps(record, ensure_ascii=False), file=app.stdout, flush=True)
        elif outcome.status == "mirror":
            print(shown(f"{outcome.input}: {failure_reason(outcome)}"), file=app.stderr, flush=True)
        elif error is not None:
            print(shown(f"{outcome.input}: {error.for_person()}"), file=app.stderr, flush=True)
        else:
            print(shown(f"{outcome.input}: queued in aria2 ({', '.join(gids)})"), file=app.stdout, flush=True)
    return ExitStatus.LINK_FAILED if failed else ExitStatus.OK


def accounts(args: argparse.Namespace, app: App) -> int:
    from .listing import run_accounts  # noqa: PLC0415

    return run_accounts(args, app)


def hosts(args: argparse.Namespace, app: App) -> int:
    from .listing import run_hosts  # noqa: PLC0415

    return run_hosts(args, app)


def serve(args: argparse.Namespace, app: App) -> int:
    from .serve import run_serve  # noqa: PLC0415

    return run_serve(args, app)


def worker(args: argparse.Namespace, app: App) -> int:
    from .worker import run_worker  # noqa: PLC0415

    return run_worker(args, app)


def history(args: argparse.Namespace, app: App) -> int:
    from .history import run_history  # noqa: PLC0415

    return run_history(args, app)


def pyload_install(args: argparse.Namespace, app: App) -> int:
    """Copy the pyLoad plugin pair into pyLoad's user plugin folder."""
    import shutil  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    import linkresolver.plugins  # noqa: PLC0415

    source = Path(linkresolver.plugins.__file__).parent / "pyload_plugins"
    userdir = Path(args.userdir).expanduser()
    if not userdir.is_dir():
        print(
            f"linkresolver: {userdir} is not a folder: give pyLoad's user folder with --userdir",
            file=app.stderr,
        )
        return ExitStatus.USAGE
    for kind in ("downloaders", "accounts"):
        target = userdir / "plugins" / kind
        try:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / kind / "LinkResolver.py", target / "LinkResolver.py")
        except OSError as exc:
            print(f"linkresolver: cannot write {target}: {exc.strerror}", file=app.stderr)
            return ExitStatus.USAGE
        print(target / "LinkResolver.py", file=app.stdout)
    print(
        "Installed. Restart pyLoad and add a LinkResolver account (any user name and password:"
        " linkresolver's configuration holds the credentials); linkresolver must be installed in"
        " pyLoad's Python environment.",
        file=app.stderr,
    )
    return ExitStatus.OK


def sandbox(args: argparse.Namespace, app: App) -> int:
    from resolver_core.sandbox import Faults, build_sandbox  # noqa: PLC0415

    faults = None
    if args.fail_rate or args.cut_rate:
        faults = Faults(args.fail_rate, args.cut_rate, seed=args.fault_seed)
    with build_sandbox(app.pm, latency=args.latency, port=args.port, faults=faults) as server:
        print(f"# linkresolver sandbox on {server.url}; paste these lines into your shell:", file=app.stdout)
        for name, value in server.env().items():
            print(f"export {name}={value}", file=app.stdout)
        print("# Ctrl-C stops it.", file=app.stdout, flush=True)
        server.serve_forever()
    return ExitStatus.OK


def demo(args: argparse.Namespace, app: App) -> int:
    from .demo import run_demo  # noqa: PLC0415

    return run_demo(app)


def _pasted_input(app: App) -> tuple[Resolver, Pasted]:
    """The resolver, and the links in the command's input with each text's password and
    sizes (no links: said on stderr)."""
    from resolver_core.mirrors import read_pasted  # noqa: PLC0415

    resolver = app.resolver()
    texts = app.inputs()
    pasted = read_pasted(texts, resolver.links_in)
    urls = pasted.links
    report_problems(resolver.problems, app)
    overlong = _overlong_links(texts)
    if overlong:
        from hostermatch import MAX_URL_LENGTH  # noqa: PLC0415

        print(
            f"{overlong} link(s) longer than {MAX_URL_LENGTH:,} characters left out (no hoster's link"
            " is that long; was text glued to it?)",
            file=app.stderr,
        )
    if not urls:
        print("no links found in the input", file=app.stderr)
    return resolver, pasted


def _overlong_links(texts: list[str]) -> int:
    """How many links in ``texts`` are too long to be read: skipped silently, a pasted link
    would just be missing from the output."""
    import re  # noqa: PLC0415

    from hostermatch import MAX_URL_LENGTH  # noqa: PLC0415

    links = re.compile(r"(?i)(?:https?://|magnet:\?)\S+")
    return sum(
        1 for text in texts for found in links.finditer(text) if found.end() - found.start() > MAX_URL_LENGTH
    )
