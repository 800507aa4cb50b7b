"""The listing commands: ``accounts`` (each account's state) and ``hosts`` (the hosters
every provider serves, with what it says about them now)."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

from resolver_core.output import shown

from .app import App, ExitStatus, report_problems

if TYPE_CHECKING:
    from resolver_core.records import AccountRecord, HosterRecord


def run_accounts(args: argparse.Namespace, app: App) -> int:
    from resolver_core.records import account_records  # noqa: PLC0415

    rows = account_records(app.resolver())  # (the record, whether an account API answered)
    if args.json:
        for row, _ in rows:
            print(json.dumps(row, ensure_ascii=False), file=app.stdout)
    else:
        _print_accounts(rows, app)
    failed = any(row["error"] is not None for row, _ in rows)
    return ExitStatus.LINK_FAILED if failed else ExitStatus.OK


def _print_accounts(rows: list[tuple[AccountRecord, bool]], app: App) -> None:
    """One line per account (``realdebrid/home``; a provider's name for its single one) in
    columns that line up whatever the names and account types are (a provider says
    "premium", "free", "Premium (trial)"...), with its login; errors on stderr."""
    names = [_account_name(row) for row, _ in rows]
    name_width = max(len(name) for name in names)
    cells: list[tuple[str, str, str, str, str] | None] = []
    for row, answered in rows:
        if row["error"] is not None or not answered:
            cells.append(None)
            continue
        expires = time.strftime("%Y-%m-%d", time.gmtime(row["expires"])) if row["expires"] else "never"
        fair = f"{row['fair_use_left']:.0%}" if row["fair_use_left"] is not None else "?"
        can = "can download" if row["can_download"] else "cannot download"
        login = shown(row["login"]) if row["login"] else "-"
        kind = shown(str(row["type"] or "?"))
        cells.append((login, kind, can, f"expires {expires}", f"fair use left {fair}"))
    widths = [max((len(cell[i]) for cell in cells if cell), default=0) for i in range(4)]
    for (row, _), cell, account in zip(rows, cells, names, strict=True):
        name = account.ljust(name_width)
        if row["error"] is not None:
            print(shown(f"{name}  {row['error']}"), file=app.stderr)
        elif cell is None:
            print(f"{name}  has no account API", file=app.stdout)
        else:
            line = "  ".join(text.ljust(width) for text, width in zip(cell[:4], widths, strict=True))
            print(f"{name}  {line}  {cell[4]}", file=app.stdout)
        for rest in row["resting"]:
            what = f"{rest['hoster']} links" if rest["hoster"] else "every link"
            from resolver_core.cooldowns import moment  # noqa: PLC0415

            clock = moment(rest["until"])
            indent = " " * name_width
            print(shown(f"{indent}  resting ({what}) until {clock}: {rest['reason']}"), file=app.stdout)


def _account_name(row: AccountRecord) -> str:
    """``realdebrid/home`` for an account of several, the provider's name for its only one."""
    return f"{row['provider']}/{row['account']}" if row["account"] else row["provider"]


def run_hosts(args: argparse.Namespace, app: App) -> int:
    """Each hoster once, with its domains, then the providers that serve it in the order
    ``resolve`` tries them, each with what it says about the hoster now (up or down, cost);
    then what providers serve beyond their lists (magnets, any link as a catch-all).

    JSON rows are one per provider and hoster: ``claim`` null for a hoster of the lists,
    else what is claimed (``"magnet"``, ``"any_link"`` or ``"other"``, with empty domains
    and patterns); ``up``, ``cost`` and ``terms`` null when the provider does not say."""
    from resolver_core.records import CLAIM_WORDS, hoster_groups, hoster_records  # noqa: PLC0415

    resolver = app.resolver(refresh_hosterlists=args.refresh)
    resolver.index()
    report_problems(resolver.problems, app)
    rows = hoster_records(resolver)
    if args.json:
        for row in rows:
            print(json.dumps(row), file=app.stdout)
        return ExitStatus.LINK_FAILED if resolver.problems else ExitStatus.OK
    for group in hoster_groups(resolver, rows):
        about = _domains_words(group.domains) if group.claim is None else CLAIM_WORDS[group.claim]
        print(shown(f"{group.name}  {about}".rstrip()), file=app.stdout)
        for row in group.rows:
            named = f"(as {row['hoster']}) " if group.claim is None and row["hoster"] != group.name else ""
            print(shown(f"    {row['provider']:<12} {named}{_terms_words(row)}".rstrip()), file=app.stdout)
    return ExitStatus.LINK_FAILED if resolver.problems else ExitStatus.OK


#: Domains a hoster's line shows at most (``hosts --json`` has them all).
SHOWN_DOMAINS = 6


def _domains_words(domains: tuple[str, ...]) -> str:
    """A hoster's domains for a person: ``www.`` forms left out where the bare domain is
    listed, at most :data:`SHOWN_DOMAINS`, then how many more."""
    bare = set(domains)
    listed = [d for d in domains if not (d.startswith("www.") and d[4:] in bare)]
    more = len(listed) - SHOWN_DOMAINS
    return " ".join(listed[:SHOWN_DOMAINS]) + (f" (+{more} more)" if more > 0 else "")


def _terms_words(row: HosterRecord) -> str:
    """What a provider says about a hoster, in words: "down, in maintenance", "fair use x2"."""
    words = {True: ["up"], False: ["down"], None: []}[row["up"]]
    if row["terms"]:
        words.append(row["terms"])
    elif row["cost"] is not None and row["cost"] != 1.0:
        words.append(f"costs x{row['cost']:g}")
    return ", ".join(words)
