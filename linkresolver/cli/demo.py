"""``linkresolver demo``: the sandbox started in-process, sample links resolved, a table.

No account, no network, nothing written outside a temporary directory: the demo's
configuration comes from the sandbox alone, never from the user's file or cache.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from resolver_core.demo_samples import demo_post
from resolver_core.hookspecs import hookimpl
from resolver_core.lines import write_line
from resolver_core.models import CaptchaChallenge
from resolver_core.output import shown
from resolver_core.pipeline import Outcome, Resolver
from resolver_core.records import outcome_record
from resolver_core.sandbox import build_sandbox
from resolver_core.sandbox.captcha import SandboxCaptchaSolver
from resolver_core.sandbox.resolver import sandbox_resolver

from .app import ExitStatus

if TYPE_CHECKING:
    from .app import App


def run_demo(app: App) -> int:
    out = app.stdout
    post = demo_post(app.pm)  # a forum post of every plugin's sample links
    with build_sandbox(app.pm) as sandbox, tempfile.TemporaryDirectory(prefix="linkresolver-demo-") as work:
        solver = _ShowingSolver(sandbox.url, out)

        # Long steps (a cloud download) report how they go: shown as they come.
        def show(url: str, message: str) -> None:
            write_line(out, shown(f"  {message}: {url}"))

        app.pm.register(solver, name="sandbox-demo-solver")
        resolver = sandbox_resolver(
            sandbox.env(demo=True),
            Path(work),
            pm=app.pm,
            config_text="# the demo uses the sandbox's environment only\n",
        )
        resolver.on_report = show
        print(f"Sandbox running on {sandbox.url} (no account, no network needed).", file=out)
        for account, info, error in resolver.accounts():
            state = error.for_person() if error else f"{info.type} account" if info else "no account API"
            kind = account.provider.kind.value
            print(shown(f"  provider {account.name} ({kind}): {state}"), file=out)
        print("\nPasted text:\n  " + post.text.strip().replace("\n", "\n  "), file=out)
        urls = resolver.links_in([post.text])
        print("\n" + "\n".join(post.explanations), file=out)
        outcomes = resolver.resolve_many(urls)
        app.pm.unregister(solver)
        print(f"\nFound {len(urls)} links; resolved through the providers:\n", file=out)
        rows = [("status", "hoster", "provider", "file", "size", "direct link or reason")]
        for outcome in outcomes:
            rows.append(_row(outcome))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row, files in zip(rows, [(), *(o.link.files if o.link else () for o in outcomes)], strict=True):
            print(
                "  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5],
                file=out,
            )
            for file in files:
                print(f"  {'':<{sum(widths) + 10}}  {shown(file.url)}", file=out)
        _download_two(resolver, outcomes, Path(work) / "downloads", out)
    statuses = [outcome.status for outcome in outcomes]
    if statuses != post.expected:
        print(f"\nThe demo expected {post.expected} and got {statuses}.", file=app.stderr)
        return ExitStatus.LINK_FAILED
    print("\nEvery link ended as the sandbox scenario says. Try: linkresolver sandbox", file=out)
    return ExitStatus.OK


def _row(outcome: Outcome) -> tuple[str, str, str, str, str, str]:
    """One outcome's cells in the demo's table. A link of several files (a torrent, an
    archive unpacked in the cloud) ends with "N files:", and its files follow on lines of
    their own, as ``resolve`` prints them: the link to the whole folder is not one of them."""
    record = outcome_record(outcome)
    link = outcome.link
    whole = (f"{len(link.files)} files:" if link.files else link.url) if link else None
    last = whole or record["error"] or "-"
    return (
        record["status"],
        shown(record["hoster"] or "-"),
        shown(record["provider"] or "-"),
        shown(record["filename"] or "-"),
        f"{record['size']:,}" if record["size"] is not None else "-",
        shown(last),
    )


class _ShowingSolver(SandboxCaptchaSolver):
    """The sandbox's solver, saying what it answered, so the demo shows the captcha step."""

    def __init__(self, sandbox_url: str, out: TextIO) -> None:
        super().__init__(sandbox_url)
        self.out = out

    @hookimpl
    def solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
        answer = super().solve_captcha(challenge)
        if answer is not None:
            write_line(
                self.out,
                shown(f"  {challenge.provider} asked a captcha for {challenge.link}: answered {answer}"),
            )
        return answer


def _download_two(resolver: Resolver, outcomes: list[Outcome], folder: Path, out: TextIO) -> None:
    """Download two of the resolved files: one the API gave a sha1 for, one it did not."""
    from resolver_core.download import download_file  # noqa: PLC0415

    picked = [o.link for o in outcomes if o.link is not None and o.link.sha1][:1]
    picked += [o.link for o in outcomes if o.link is not None and not o.link.sha1 and not o.link.files][:1]
    print(f"\nDownloading {len(picked)} of them (resumable, verified) into a temporary folder:", file=out)
    folder.mkdir()
    for link in picked:
        saved = download_file(
            resolver.session,
            link.url,
            folder,
            link=link.input,
            name=link.filename,
            size=link.size,
            sha1=link.sha1,
            connections=4,
        )
        how = "sha1 verified" if saved.verified else "size checked"
        print(f"  saved {saved.path.name} ({saved.size:,} bytes, {how})", file=out)
