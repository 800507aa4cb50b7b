"""``linkresolver offcloud ACTION``: Offcloud's cloud, remote downloads, cache and login.

This module imports the standard library only, so that ``linkresolver --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from linkresolver.api import common_options, emit, human_size

if TYPE_CHECKING:
    from linkresolver.api import App, CommandGroup

    from .client import OffcloudClient


def add_commands(commands: CommandGroup) -> None:
    common = common_options()
    actions = commands.add_group(
        "offcloud",
        help="offcloud: cloud and remote downloads, the torrent cache, login",
        description="Offcloud's API: the cloud, remote downloads, the BitTorrent cache, login.",
    )

    def action(group: CommandGroup, name: str, handler: Any, help: str) -> argparse.ArgumentParser:
        return group.add_command(name, help, handler, parents=[common])

    p = action(
        actions, "login", _login, "log in with e-mail and password; keeps the session, not the password"
    )
    p.add_argument("--username", metavar="EMAIL", help="default: login in [providers.offcloud]")
    action(actions, "check", _check, "whether the stored session or key is logged in")
    action(actions, "proxies", _proxies, "the proxy servers (their ids go in proxy_id)")
    p = action(actions, "cache", _cache, "which torrents are ready at once (info hashes or magnets)")
    p.add_argument("hashes", nargs="+", metavar="HASH|MAGNET")

    cloud_actions = actions.add_group("cloud", help="downloads into your Offcloud cloud")
    p = action(cloud_actions, "add", _cloud_add, "add a link or magnet to the cloud")
    p.add_argument("url", metavar="URL|MAGNET")
    for name, handler, help in (
        ("status", _cloud_status, "a cloud download's status"),
        ("explore", _cloud_explore, "the links of every file in a finished folder or archive (JSON)"),
        ("list", _cloud_list, "the same links, as the service lists them (one a line)"),
        ("retry", _cloud_retry, "retry a failed cloud download"),
    ):
        action(cloud_actions, name, handler, help).add_argument("request_id", metavar="ID")

    remote_actions = actions.add_group(
        "remote", help="downloads to your own remote accounts (FTP, Google Drive)"
    )
    p = action(remote_actions, "add", _remote_add, "send a link to one of your remote accounts")
    p.add_argument("url", metavar="URL")
    p.add_argument("--account", required=True, metavar="ID", help="remote account id (see: remote accounts)")
    p.add_argument("--folder", metavar="ID", help="Google Drive folder id")
    action(remote_actions, "status", _remote_status, "a remote download's status").add_argument(
        "request_id", metavar="ID"
    )
    action(remote_actions, "retry", _remote_retry, "retry a failed remote download").add_argument(
        "request_id", metavar="ID"
    )
    action(remote_actions, "accounts", _remote_accounts, "your remote accounts")


# -- shared -----------------------------------------------------------------------------------


def _setup(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from linkresolver.api import load_config, make_session, register_secrets  # noqa: PLC0415

    from .provider import OffcloudProvider  # noqa: PLC0415
    from .session import session_path  # noqa: PLC0415

    config = load_config(args.config)
    register_secrets(config.secrets())
    provider = OffcloudProvider.from_config(config)
    session = make_session(retries=args.retries, timeout=args.timeout)
    return provider, session, session_path(config)


def _client(args: argparse.Namespace) -> OffcloudClient:
    from linkresolver.api import AuthFailed, ConfigError  # noqa: PLC0415

    from .session import authenticated_client  # noqa: PLC0415

    provider, session, stored = _setup(args)
    try:
        return authenticated_client(session, provider.settings, provider.api_base, stored)
    except AuthFailed as exc:
        raise ConfigError(exc.for_person()) from None


# -- handlers ---------------------------------------------------------------------------------


def _login(args: argparse.Namespace, app: App) -> int:
    import getpass  # noqa: PLC0415

    from linkresolver.api import ConfigError  # noqa: PLC0415

    from .session import login_and_store  # noqa: PLC0415

    provider, session, stored = _setup(args)
    username = args.username or provider.settings.login
    password = provider.settings.password
    if not username:
        raise ConfigError("give --username EMAIL, or login in [providers.offcloud]")
    if not password:
        if not (app.stdin.isatty() and app.stderr.isatty()):
            raise ConfigError(
                "no password: set LINKRESOLVER_OFFCLOUD_PASSWORD or password in [providers.offcloud], or run"
                " this on a terminal to type it"
            )
        stream = app.stderr if app.stderr is not sys.stderr else None
        password = getpass.getpass(f"Offcloud password for {username}: ", stream=stream)
    login_and_store(session, username, password, provider.api_base, stored)
    emit(
        app,
        args,
        {"logged_in": True, "email": username, "session_file": str(stored)},
        f"logged in as {username}; the session (not the password) is kept in {stored}",
    )
    return 0


def _check(args: argparse.Namespace, app: App) -> int:
    logged_in = _client(args).logged_in()
    emit(app, args, {"logged_in": logged_in}, "logged in" if logged_in else "not logged in")
    return 0 if logged_in else 1


def _proxies(args: argparse.Namespace, app: App) -> int:
    for proxy in _client(args).proxies():
        emit(app, args, proxy, f"{proxy.proxy_id:<8} {proxy.name or '-':<20} {proxy.region or ''}")
    return 0


def _cache(args: argparse.Namespace, app: App) -> int:
    from linkresolver.api import ConfigError, info_hash  # noqa: PLC0415

    hashes = []
    for value in args.hashes:
        digest = info_hash(value if value.lower().startswith("magnet:") else f"magnet:?xt=urn:btih:{value}")
        if digest is None:
            raise ConfigError(f"{value!r} is neither a BitTorrent info hash nor a magnet link")
        hashes.append(digest)
    cached = _client(args).cache(hashes)
    for digest in hashes:
        emit(
            app,
            args,
            {"hash": digest, "cached": digest in cached},
            f"{digest}  {'cached' if digest in cached else 'not cached'}",
        )
    return 0


def _request_line(request: Any) -> str:
    return f"{request.request_id or '-'}  {request.status or '?'}  {request.file_name or ''}"


def _cloud_add(args: argparse.Namespace, app: App) -> int:
    request = _client(args).cloud(args.url)
    emit(app, args, request, _request_line(request))
    return 0


def _status_line(status: Any) -> str:
    progress = f" {status.progress:.0%}" if status.progress is not None else ""
    size = f" {human_size(status.file_size)}" if status.file_size is not None else ""
    reason = f"  ({status.message})" if status.message else ""
    state = f"{status.status or '?'}{progress}{size}"
    return f"{status.request_id or '-'}  {state}  {status.file_name or ''}{reason}"


def _cloud_status(args: argparse.Namespace, app: App) -> int:
    status = _client(args).cloud_status(args.request_id)
    emit(app, args, status, _status_line(status))
    return 1 if status.status in ("error", "canceled", "cancelled") else 0


def _cloud_explore(args: argparse.Namespace, app: App) -> int:
    for url in _client(args).explore(args.request_id):
        emit(app, args, {"url": url}, url)
    return 0


def _cloud_list(args: argparse.Namespace, app: App) -> int:
    for url in _client(args).list_links(args.request_id):
        emit(app, args, {"url": url}, url)
    return 0


def _cloud_retry(args: argparse.Namespace, app: App) -> int:
    _client(args).cloud_retry(args.request_id)
    emit(app, args, {"retried": args.request_id}, f"cloud download {args.request_id} retried")
    return 0


def _remote_add(args: argparse.Namespace, app: App) -> int:
    request = _client(args).remote(args.url, remote_option_id=args.account, folder_id=args.folder)
    emit(app, args, request, _request_line(request))
    return 0


def _remote_status(args: argparse.Namespace, app: App) -> int:
    status = _client(args).remote_status(args.request_id)
    emit(app, args, status, _status_line(status))
    return 1 if status.status in ("error", "canceled", "cancelled") else 0


def _remote_retry(args: argparse.Namespace, app: App) -> int:
    _client(args).remote_retry(args.request_id)
    emit(app, args, {"retried": args.request_id}, f"remote download {args.request_id} retried")
    return 0


def _remote_accounts(args: argparse.Namespace, app: App) -> int:
    for account in _client(args).remote_accounts():
        where = f"{account.host or '-'}:{account.port}" if account.port else account.host or "-"
        emit(
            app,
            args,
            account,
            f"{account.account_id:<14} {account.type or '?':<8} {account.username or '-':<24} {where}",
        )
    return 0
