"""``linkresolver serve --watch DIR``: the watch folder's settings and its packages on the
page (:mod:`resolver_core.watch` polls the folder; this hands what it reads to the jobs)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from resolver_core.lines import write_line
from resolver_core.output import shown
from resolver_core.web.jobs import WATCH, JobManager

if TYPE_CHECKING:
    from resolver_core.intake import Dropped
    from resolver_core.watch import FolderWatch, WatchSettings

    from .app import App


def watch_settings_of(args: argparse.Namespace) -> WatchSettings | None:
    """The watch folder (``--watch``, else ``[watch] folder``), created if need be; None when
    none is named. Raises ConfigError (one line) for a wrong ``[watch]`` table or folder."""
    from resolver_core.config import load_config  # noqa: PLC0415
    from resolver_core.watch import prepare_folder, watch_settings  # noqa: PLC0415

    config = load_config(args.config)
    where = str(config.path) if config.path else "the configuration"
    settings = watch_settings(config.section("watch"), folder=args.watch, where=where)
    if settings is not None:
        prepare_folder(settings.folder)
    return settings


def start_watching(settings: WatchSettings, jobs: JobManager, output: Path | None, app: App) -> FolderWatch:
    """Watch the folder: each file dropped in becomes a package of the page (origin "watch"),
    downloaded into ``output`` when serve has one."""
    from resolver_core.watch import FolderWatch  # noqa: PLC0415

    def start_package(dropped: Dropped, path: Path) -> None:
        jobs.start(
            dropped.links,
            origin=WATCH,
            package=dropped.name,
            password=dropped.password,
            mirrors=dropped.mirrors,
            download=output is not None,
        )
        count = len(dropped.links)
        said = f"{count} link{'s' if count != 1 else ''} ({shown(dropped.name)})"
        write_line(app.stderr, f"watch: {shown(path.name)}: {said}")

    watcher = FolderWatch(
        settings.folder,
        jobs.resolver.links_in,
        start_package,
        interval=settings.interval,
        note=lambda message: write_line(app.stderr, shown(message)),
    )
    watcher.start()
    print(
        f"watching {shown(str(settings.folder))} every {settings.interval:g} s", file=app.stderr, flush=True
    )
    return watcher
