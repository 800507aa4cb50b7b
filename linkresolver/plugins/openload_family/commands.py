"""``linkresolver openload|streamango|highload ACTION``: the account side of each API.

One command group per service, with the actions its document lists (highload has mkdir,
mv, rm and rmdir; openload and streamango have convert): uploads with a progress bar,
remote uploads, folder listings as a table or JSON Lines, renames, moves, deletions (asked
for on a terminal, refused elsewhere without ``--yes``), conversions and splash images.
This module imports the standard library only, so that ``linkresolver --help`` stays fast.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkresolver.api import (
    common_options,
    confirm,
    destructive_options,
    emit,
    human_size,
    shown,
    whole_number,
)

from .services import SERVICES, Service

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup

    from .client import FamilyClient


def add_commands(commands: CommandGroup) -> None:
    for service in SERVICES:
        _add_group(commands, service)


def _add_group(commands: CommandGroup, service: Service) -> None:
    common = common_options()
    destructive = destructive_options()

    actions = commands.add_group(
        service.name,
        help=f"{service.name} account: uploads, remote uploads, folders",
        description=f"The account side of {service.name}'s API: uploads, remote uploads, folders.",
        defaults={"service": service.name},
    )
    has = service.endpoints.__contains__

    def action(
        name: str, handler: Any, help: str, *parents: argparse.ArgumentParser
    ) -> argparse.ArgumentParser:
        return actions.add_command(
            name, help, handler, parents=[common, *parents], defaults={"service": service.name}
        )

    action("account", _account, "the account's details (account/info)")
    p = action("upload", _upload, "upload files (file/ul), with the service checking the sha1 where it can")
    p.add_argument("files", nargs="+", metavar="FILE", type=Path)
    p.add_argument("--folder", metavar="ID", help="folder to upload to")

    remote_actions = actions.add_group("remote", help="remote uploads: the service fetches a URL")

    def remote_action(
        name: str, handler: Any, help: str, *parents: argparse.ArgumentParser
    ) -> argparse.ArgumentParser:
        return remote_actions.add_command(
            name, help, handler, parents=[common, *parents], defaults={"service": service.name}
        )

    p = remote_action("add", _remote_add, "add a remote upload (remotedl/add)")
    p.add_argument("url", type=remote_url, metavar="URL")
    p.add_argument("--folder", metavar="ID")
    if service.remote_headers:
        p.add_argument(
            "--header", type=header, action="append", default=[], metavar="'NAME: VALUE'", help="repeatable"
        )
    p = remote_action("status", _remote_status, "remote uploads and their progress (remotedl/status)")
    p.add_argument("upload_id", nargs="?" if service.remote_status_lists else None, metavar="ID")
    if service.remote_status_lists:
        p.add_argument(
            "--limit",
            type=whole_number(1, 100),
            metavar="N",
            help="at most N (1 to 100; the service's default: 5)",
        )
    if has("remotedl/remove"):
        p = remote_action(
            "remove", _remote_remove, "remove or cancel a remote upload ('all': every one)", destructive
        )
        p.add_argument("upload_id", metavar="ID|all")
    if has("remotedl/restart"):
        remote_action("restart", _remote_restart, "restart every failed remote upload")

    p = action("ls", _list_folder, "a folder's subfolders and files (file/listfolder)")
    p.add_argument("folder", nargs="?", metavar="FOLDER", help="folder id (default: the root)")
    if has("file/createfolder"):
        p = action("mkdir", _create_folder, "create a folder")
        p.add_argument("name")
        p.add_argument("--parent", metavar="ID", help="parent folder (default: the root)")
    p = action("rename", _rename_file, "rename a file")
    p.add_argument("file", metavar="FILE", help="file id or link")
    p.add_argument("name")
    p = action("rename-folder", _rename_folder, "rename a folder")
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("name")
    if has("file/move"):
        p = action("mv", _move_file, "move a file into a folder")
        p.add_argument("file", metavar="FILE", help="file id or link")
        p.add_argument("folder", metavar="FOLDER")
    if has("file/delete"):
        p = action("rm", _delete_files, "delete files", destructive)
        p.add_argument("files", nargs="+", metavar="FILE", help="file ids or links")
    if has("file/deletefolder"):
        p = action("rmdir", _delete_folder, "delete a folder with everything in it", destructive)
        p.add_argument("folder", metavar="FOLDER")
    if has("file/convert"):
        p = action("convert", _convert, "convert a video to a browser-streamable format")
        p.add_argument("file", metavar="FILE", help="file id or link")
    p = action("converts", _running_converts, "running conversions (file/runningconverts)")
    if service.converts_by_folder:
        p.add_argument("--folder", metavar="ID")
    p = action("splash", _splash, "a video's splash image URL (file/getsplash)")
    p.add_argument("file", metavar="FILE", help="file id or link")


# -- shared -----------------------------------------------------------------------------------


def _service(args: argparse.Namespace) -> Service:
    return next(service for service in SERVICES if service.name == args.service)


def _client(args: argparse.Namespace) -> FamilyClient:
    from linkresolver.api import ConfigError, load_config, make_session, register_secrets  # noqa: PLC0415

    from .client import FamilyClient  # noqa: PLC0415

    service = _service(args)
    config = load_config(args.config)
    register_secrets(config.secrets())
    settings = config.provider(service.name)
    if not settings.login or not settings.key:
        raise ConfigError(
            f"{service.name} needs an API login and key: set login and key in [providers.{service.name}]"
            f" or LINKRESOLVER_{service.name.upper()}_LOGIN and _KEY"
        )
    session = make_session(retries=args.retries, timeout=args.timeout)
    return FamilyClient(session, service, settings.api_base, settings.login, settings.key)


def _file_id(args: argparse.Namespace, value: str) -> str:
    from linkresolver.api import ConfigError  # noqa: PLC0415

    file_id = _service(args).file_id(value)
    if file_id is None:
        raise ConfigError(f"{value!r} is neither a {args.service} file id nor a link to one")
    return file_id


# -- handlers ---------------------------------------------------------------------------------


def _account(args: argparse.Namespace, app: App) -> int:
    details = _client(args).account_info()
    if args.json:
        emit(app, args, details, "")
        return 0
    for key, value in dataclasses.asdict(details).items():
        if value is not None:
            print(shown(f"{key:<17} {value}"), file=app.stdout)
    return 0


def _upload(args: argparse.Namespace, app: App) -> int:
    from linkresolver.api import ConfigError  # noqa: PLC0415

    for path in args.files:
        if not path.is_file():
            raise ConfigError(f"{path} is not a file")
    client = _client(args)
    for path in args.files:
        bar = None
        if app.stderr.isatty():
            from tqdm import tqdm  # noqa: PLC0415

            bar = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, file=app.stderr)
        try:
            progress = (lambda sent, bar=bar: bar.update(sent)) if bar is not None else None
            uploaded = client.upload(path, folder=args.folder, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        record = {"path": str(path), **dataclasses.asdict(uploaded)}
        emit(
            app, args, record, f"{uploaded.url or uploaded.file_id}  {path.name}  sha1 {uploaded.sha1 or '?'}"
        )
    return 0


def remote_url(text: str) -> str:
    """An argparse type: a URL the service can fetch (http, https or ftp, with a host)."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        parts = urlsplit(text.strip())
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https", "ftp") or not host:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http, https or ftp URL the service could fetch")
    return text.strip()


def header(text: str) -> str:
    """An argparse type: an HTTP header as ``NAME: VALUE`` (a name of letters, digits, dashes)."""
    name, colon, value = text.partition(":")
    token = name.strip()
    if not colon or not token or not all(c.isascii() and (c.isalnum() or c in "-_") for c in token):
        raise argparse.ArgumentTypeError(f"{text!r} is not a header: give it as 'NAME: VALUE'")
    if any(c in value for c in "\r\n"):
        raise argparse.ArgumentTypeError("a header value cannot hold a line break")
    return f"{token}: {value.strip()}"


def _remote_add(args: argparse.Namespace, app: App) -> int:
    added = _client(args).remote_upload_add(args.url, folder=args.folder, headers=getattr(args, "header", []))
    emit(app, args, added, f"remote upload {added.upload_id} added (folder {added.folder_id or '-'})")
    return 0


def _remote_status(args: argparse.Namespace, app: App) -> int:
    uploads = _client(args).remote_upload_status(args.upload_id, limit=getattr(args, "limit", None))
    if args.upload_id and not uploads:  # an id the service does not know: not a silent success
        print(shown(f"{args.service} has no remote upload {args.upload_id}"), file=app.stderr)
        return 1
    for upload in uploads:
        loaded = f"{human_size(upload.bytes_loaded)} of {human_size(upload.bytes_total)}"
        emit(
            app,
            args,
            upload,
            f"{upload.upload_id:<14} {upload.status or '?':<12} {loaded:<22} {upload.remote_url}"
            + (f"  -> {upload.url or upload.file_id}" if upload.file_id else ""),
        )
    return 0


def _remote_remove(args: argparse.Namespace, app: App) -> int:
    what = "every remote upload" if args.upload_id == "all" else f"remote upload {args.upload_id}"
    if not confirm(app, args, what, args.service):
        return 2
    _client(args).remote_upload_remove(args.upload_id)
    emit(app, args, {"removed": args.upload_id}, f"removed {what}")
    return 0


def _remote_restart(args: argparse.Namespace, app: App) -> int:
    _client(args).remote_upload_restart()
    emit(app, args, {"restarted": True}, "failed remote uploads restarted")
    return 0


def _list_folder(args: argparse.Namespace, app: App) -> int:
    listing = _client(args).list_folder(args.folder)
    for folder in listing.folders:
        emit(
            app,
            args,
            {"type": "folder", **dataclasses.asdict(folder)},
            f"folder  {folder.folder_id:<14} {'':>10}  {folder.name}/",
        )
    for file in listing.files:
        emit(
            app,
            args,
            {"type": "file", **dataclasses.asdict(file)},
            f"file    {file.file_id:<14} {human_size(file.size):>10}  {file.name}",
        )
    if not args.json:
        print(f"{len(listing.folders)} folders, {len(listing.files)} files", file=app.stderr)
    return 0


def _create_folder(args: argparse.Namespace, app: App) -> int:
    folder_id = _client(args).create_folder(args.name, parent=args.parent)
    emit(app, args, {"folder_id": folder_id, "name": args.name}, folder_id)
    return 0


def _rename_file(args: argparse.Namespace, app: App) -> int:
    file_id = _file_id(args, args.file)
    _client(args).rename_file(file_id, args.name)
    emit(app, args, {"file_id": file_id, "name": args.name}, f"renamed {file_id} to {args.name}")
    return 0


def _rename_folder(args: argparse.Namespace, app: App) -> int:
    _client(args).rename_folder(args.folder, args.name)
    emit(
        app,
        args,
        {"folder_id": args.folder, "name": args.name},
        f"renamed folder {args.folder} to {args.name}",
    )
    return 0


def _move_file(args: argparse.Namespace, app: App) -> int:
    file_id = _file_id(args, args.file)
    _client(args).move_file(file_id, args.folder)
    emit(
        app, args, {"file_id": file_id, "folder_id": args.folder}, f"moved {file_id} to folder {args.folder}"
    )
    return 0


def _delete_files(args: argparse.Namespace, app: App) -> int:
    ids = [_file_id(args, value) for value in args.files]
    if not confirm(app, args, f"{len(ids)} file(s): {', '.join(ids)}", args.service):
        return 2
    client = _client(args)
    for file_id in ids:
        client.delete_file(file_id)
        emit(app, args, {"deleted": file_id}, f"deleted {file_id}")
    return 0


def _delete_folder(args: argparse.Namespace, app: App) -> int:
    if not confirm(app, args, f"folder {args.folder} with all its subfolders and files", args.service):
        return 2
    _client(args).delete_folder(args.folder)
    emit(app, args, {"deleted_folder": args.folder}, f"deleted folder {args.folder}")
    return 0


def _convert(args: argparse.Namespace, app: App) -> int:
    file_id = _file_id(args, args.file)
    _client(args).convert(file_id)
    emit(app, args, {"converting": file_id}, f"conversion of {file_id} started")
    return 0


def _running_converts(args: argparse.Namespace, app: App) -> int:
    for conversion in _client(args).running_converts(getattr(args, "folder", None)):
        progress = f"{conversion.progress:.0%}" if conversion.progress is not None else "?"
        state = conversion.status or "?"
        emit(
            app,
            args,
            conversion,
            f"{conversion.file_id or '-':<14} {state:<11} {progress:>5}  {conversion.name}",
        )
    return 0


def _splash(args: argparse.Namespace, app: App) -> int:
    file_id = _file_id(args, args.file)
    url = _client(args).splash_image(file_id)
    emit(app, args, {"file_id": file_id, "splash": url}, url)
    return 0
