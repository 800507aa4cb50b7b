"""The command line: ``linkresolver COMMAND [OPTIONS] [TEXT|URL ...]``.

Exit codes are decided here only (DESIGN.md): 0 every link succeeded, 1 at least one link
failed, 2 usage or configuration error, 130 interrupted. Start-up stays fast: this module
imports the standard library only; a command imports what it needs when it runs.

The parser depends on the handlers (:mod:`.commands`) and on :mod:`.app`; neither imports
this module.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from resolver_core.arguments import (
    add_account_option,
    add_config_options,
    add_retries_option,
    add_timeout_option,
    command_subparsers,
    connections,
    files_at_once,
    latency,
    port,
    rate,
    share,
    whole_number,
)
from resolver_core.lines import LineHandler

from . import commands
from .app import App, ExitStatus

if TYPE_CHECKING:
    import pluggy

log = logging.getLogger("linkresolver")

BUILTIN_COMMANDS = (
    "resolve",
    "check",
    "download",
    "accounts",
    "hosts",
    "serve",
    "worker",
    "history",
    "pyload",
    "sandbox",
    "demo",
)


def build_parser(pm: pluggy.PluginManager | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkresolver",
        description="Find every file-host link in pasted text and turn it into a direct download link.",
    )
    parser.add_argument("--version", action=_Version, help="show program's version number and exit")
    common = argparse.ArgumentParser(add_help=False)
    add_config_options(common)
    providers = argparse.ArgumentParser(add_help=False)
    providers.add_argument(
        "--provider", action="append", metavar="NAME", help="use only this provider (repeatable)"
    )
    providers.add_argument("--json", action="store_true", help="JSON Lines on stdout, one object per link")
    add_account_option(providers)
    add_retries_option(providers)
    add_timeout_option(providers)
    links = argparse.ArgumentParser(add_help=False)
    links.add_argument(
        "inputs",
        nargs="*",
        metavar="TEXT|URL|FILE",
        help="links, text with links, or a file of them (an existing path is read as a file;"
        " - or nothing: standard input)",
    )
    links.add_argument("--captcha-command", metavar="CMD", help="CMD IMAGE_PATH prints the captcha's answer")
    links.add_argument(
        "--link-password",
        metavar="PW",
        help="the password of password-protected links, sent to the providers whose API takes one"
        " (default: the one the pasted text gives, as in 'Password: xyz', for that text's links)",
    )
    fresh = argparse.ArgumentParser(add_help=False)
    fresh.add_argument(
        "--fresh",
        action="store_true",
        help="ask the provider again, even for links resolved a moment ago (which are otherwise"
        " reused while they stay valid, costing no call and no fair use)",
    )
    sub = command_subparsers(parser, dest="command", metavar="COMMAND", required=True)

    resolving = [common, providers, links, fresh]
    p = sub.add_parser("resolve", parents=resolving, help="print direct download links")
    p.add_argument(
        "--format",
        choices=("lines", "json", "aria2", "crawljob"),
        default="lines",
        help="links a line (default), JSON Lines (= --json), an aria2 input file, a JDownloader crawljob",
    )
    p.add_argument("--download-dir", metavar="DIR", help="the folder aria2/JDownloader should save into")
    p.add_argument("--package", default="linkresolver", metavar="NAME", help="JDownloader package name")
    p.add_argument("--connections", type=connections, default=4, metavar="N", help="aria2 connections a file")
    p.add_argument(
        "--summary",
        action="store_true",
        help="plan the batch first (calls, fair use and traffic per account, and whether the accounts"
        ' can take it today), and end with a summary (with --json: one last object, {"summary": ...})',
    )
    p.add_argument(
        "--mirrors",
        action="store_true",
        help="links of one file on several hosters (the same file name): resolve only until one"
        ' serves it; the others are not asked (status "mirror", with mirror_of)',
    )
    p.set_defaults(handler=commands.resolve)
    p = sub.add_parser(
        "check", parents=[common, providers, links], help="what providers can tell about links"
    )
    p.set_defaults(handler=commands.check)
    p = sub.add_parser("download", parents=resolving, help="resolve, then download the files (resumable)")
    p.add_argument("-o", "--output", default=".", metavar="DIR", help="where files go (default: here)")
    p.add_argument(
        "--connections",
        type=connections,
        default=4,
        metavar="N",
        help="connections per file, as far as the provider allows (default: 4)",
    )
    p.add_argument("--files", type=files_at_once, default=3, metavar="N", help="files at once (default: 3)")
    p.add_argument("--overwrite", action="store_true", help="replace a different file of the same name")
    p.add_argument(
        "--limit-rate",
        type=rate,
        metavar="RATE",
        help="all downloads together at most this fast, as aria2c's --max-overall-download-limit:"
        " 500K, 5M, 1.5MiB/s (K, M = 1024s; kB, MB = 1000s; 0: no limit; default: [download] limit_rate)",
    )
    p.add_argument(
        "--max-per-hoster",
        type=whole_number(0, 32),
        metavar="N",
        help="files downloading at once from one hoster, at most"
        " (0: no cap; default: [download] max_per_hoster)",
    )
    p.add_argument(
        "--to", choices=("files", "aria2"), default="files", help="download here, or hand to aria2"
    )
    p.add_argument(
        "--aria2-rpc", default="http://127.0.0.1:6800/jsonrpc", metavar="URL", help="aria2's RPC URL"
    )
    p.add_argument(
        "--aria2-secret", metavar="TOKEN", help="aria2's --rpc-secret (or LINKRESOLVER_ARIA2_SECRET)"
    )
    p.add_argument(
        "--all-mirrors",
        action="store_true",
        help="download every link, also mirrors of one file on several hosters (default: each"
        " file once, from the first of its mirrors that resolves)",
    )
    p.set_defaults(handler=commands.download)
    p = sub.add_parser("accounts", parents=[common, providers], help="each provider's account state")
    p.set_defaults(handler=commands.accounts)
    p = sub.add_parser("hosts", parents=[common, providers], help="the hosters each provider serves")
    p.add_argument(
        "--refresh", action="store_true", help="fetch hoster lists now, even if the cache is fresh"
    )
    p.set_defaults(handler=commands.hosts)
    p = sub.add_parser(
        "serve",
        parents=[common, providers],
        help="the local JSON API (and a Click'n'Load receiver with --cnl)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=port, default=8765, help="API port (default: 8765; 0: any free)")
    p.add_argument(
        "--token",
        metavar="TOKEN",
        help="required from clients (needed off loopback); better: LINKRESOLVER_SERVE_TOKEN, unseen by ps",
    )
    p.add_argument("--sandbox", action="store_true", help="serve against the in-process sandbox (no account)")
    p.add_argument("--cnl", action="store_true", help="also receive Click'n'Load links on 127.0.0.1:9666")
    p.add_argument("--cnl-port", type=port, default=9666, help="Click'n'Load port (default: 9666)")
    p.add_argument(
        "--cnl-auto",
        action="store_true",
        help="resolve (and with -o download) Click'n'Load links without asking on the page first",
    )
    p.add_argument(
        "--jobs", type=whole_number(1, 64), default=8, metavar="N", help="jobs resolving at once (default: 8)"
    )
    p.add_argument(
        "--job-threads",
        type=whole_number(1, 256),
        default=8,
        metavar="N",
        help="links of a job resolving at once (default: 8)",
    )
    p.add_argument("-o", "--output", metavar="DIR", help="where the page's and Click'n'Load's downloads go")
    p.add_argument(
        "--watch",
        metavar="DIR",
        help="a folder whose .txt, .crawljob, .magnet and .torrent files become packages ([watch] folder)",
    )
    p.add_argument(
        "--workers",
        action="store_true",
        help="leave the resolving to `linkresolver worker` processes (needs the Redis state store)",
    )
    p.add_argument(
        "--downloads",
        type=whole_number(1, 64),
        metavar="N",
        help="downloads at once over every package (default: [serve] downloads, else 4)",
    )
    p.add_argument(
        "--limit-rate",
        type=rate,
        metavar="RATE",
        help="the downloads of every package together at most this fast: 500K, 5M, 1.5MiB/s"
        " (0: no limit; default: [download] limit_rate)",
    )
    p.set_defaults(handler=commands.serve)
    p = sub.add_parser(
        "worker",
        parents=[common],
        help="resolve the links `serve --workers` queues (on any machine sharing its Redis)",
    )
    p.add_argument("--provider", action="append", metavar="NAME", help="use only this provider (repeatable)")
    add_retries_option(p)
    add_timeout_option(p)
    p.add_argument(
        "--threads", type=whole_number(1, 256), metavar="N", help="links resolved at once (default: 4)"
    )
    p.add_argument("-o", "--output", metavar="DIR", help="also download each link into DIR")
    p.add_argument("--name", metavar="NAME", help="this worker's name in the queue (default: host-pid)")
    p.set_defaults(handler=commands.worker)
    p = sub.add_parser("history", parents=[common], help="the packages serve kept: newest first")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per package, with its links")
    p.add_argument(
        "--limit", type=whole_number(1, 100_000), default=50, metavar="N", help="packages shown (default: 50)"
    )
    p.add_argument("--failed", action="store_true", help="only packages with a link that failed")
    p.add_argument(
        "--prune", action="store_true", help="forget ended packages past [history] keep_days and keep, now"
    )
    p.set_defaults(handler=commands.history)
    p = sub.add_parser("pyload", help="pyLoad: install linkresolver's plugins into pyLoad")
    pyload_actions = p.add_subparsers(dest="pyload_action", metavar="ACTION", required=True)
    p = pyload_actions.add_parser(
        "install", parents=[common], help="copy the plugins into pyLoad's user folder"
    )
    p.add_argument(
        "--userdir", default="~/.pyload", metavar="DIR", help="pyLoad's user folder (default: ~/.pyload)"
    )
    p.set_defaults(handler=commands.pyload_install)
    p = sub.add_parser("sandbox", parents=[common], help="run the local sandbox of every provider's API")
    p.add_argument("--port", type=port, default=0, help="port on 127.0.0.1 (default: any free)")
    p.add_argument("--latency", type=latency, default=0.0, metavar="S", help="added per API call")
    p.add_argument(
        "--fail-rate",
        type=share,
        default=0.0,
        metavar="P",
        help="share of API calls that fail (5xx, 509, resets, timeouts, HTML, cut JSON), e.g. 0.2",
    )
    p.add_argument(
        "--cut-rate", type=share, default=0.0, metavar="P", help="share of download connections cut part-way"
    )
    p.add_argument("--fault-seed", type=int, default=None, metavar="N", help="the same faults on every run")
    p.set_defaults(handler=commands.sandbox)
    p = sub.add_parser("demo", parents=[common], help="see it work: resolve sample links against the sandbox")
    p.set_defaults(handler=commands.demo)
    if pm is not None:
        from resolver_core.groups import CommandGroup  # noqa: PLC0415

        pm.hook.register_commands(commands=CommandGroup(sub), subparsers=sub)
    return parser


class _Version(argparse.Action):
    """``--version``: the installed package's version (its metadata, the one place it is
    written), read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        kwargs.setdefault("default", argparse.SUPPRESS)
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any, **__: Any) -> None:
        from resolver_core.version import version  # noqa: PLC0415

        sys.stdout.write(f"linkresolver {version()}\n")
        parser.exit()


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout, stderr, stdin = stdout or sys.stdout, stderr or sys.stderr, stdin or sys.stdin
    pm = None
    if _wants_plugin_commands(argv):
        from resolver_core.manager import make_plugin_manager  # noqa: PLC0415

        pm = make_plugin_manager()
    try:
        args = build_parser(pm).parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return int(exc.code or 0)
    # Plugin commands may lack -v.
    _configure_logging(getattr(args, "verbose", 0), stderr, os.environ.get(LOG_FILE_ENV) or None)
    app = App(args, stdout, stderr, stdin)
    app._pm = pm
    from resolver_core.errors import ConfigError, ResolverError  # noqa: PLC0415
    from resolver_core.redact import redact  # noqa: PLC0415

    try:
        return int(args.handler(args, app))
    except KeyboardInterrupt:
        print("interrupted", file=stderr)
        return ExitStatus.INTERRUPTED
    except ConfigError as exc:  # the state store's failure too, mid-run: it names the store
        print(f"linkresolver: {redact(exc.for_person())}", file=stderr)
        return ExitStatus.USAGE
    except ResolverError as exc:
        print(f"linkresolver: {redact(exc.for_person())}", file=stderr)
        return ExitStatus.LINK_FAILED
    except BrokenPipeError:
        return ExitStatus.OK  # `linkresolver resolve ... | head -1`


def _wants_plugin_commands(argv: list[str]) -> bool:
    """Plugins are loaded up front only when a command may be theirs, or for the full help."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command is None:
        return "-h" in argv or "--help" in argv
    return command not in BUILTIN_COMMANDS


#: A path: every run also writes a DEBUG log there (HTTP included), redacted like stderr.
LOG_FILE_ENV = "LINKRESOLVER_LOG_FILE"
_LOG_FILE_FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"


def _configure_logging(verbosity: int, stderr: TextIO, log_file: str | None = None) -> None:
    """stderr shows what -v asks for; ``log_file`` (LINKRESOLVER_LOG_FILE), if given, gets
    everything at DEBUG, urllib3's and werkzeug's lines included. Both are redacted."""
    from resolver_core.redact import RedactingFormatter, protect_loggers  # noqa: PLC0415

    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    # HTTP detail (urllib3) and the sandbox's request log (werkzeug) only with -v -v.
    levels = {
        # urllib3 warns of every transport retry ("Retrying (...) after connection broken"):
        # the link's own error says what came of them, so those lines wait for -v.
        "urllib3": logging.DEBUG if verbosity >= 2 else logging.WARNING if verbosity else logging.ERROR,
        "werkzeug": logging.INFO if verbosity >= 2 else logging.WARNING,
    }
    handler = LineHandler(stderr)  # lines whole, under the lock every worker's output takes
    handler.setFormatter(
        RedactingFormatter("%(levelname)s %(name)s: %(message)s" if verbosity else "%(message)s")
    )
    handler.addFilter(_LevelByLogger(level, levels))
    handlers: list[logging.Handler] = [handler]
    if log_file:
        file_handler = _log_file_handler(log_file, stderr)
        if file_handler is not None:
            file_handler.setFormatter(RedactingFormatter(_LOG_FILE_FORMAT))
            handlers.append(file_handler)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_linkresolver", False)]:
        root.removeHandler(old)
        old.close()  # a log file's; a StreamHandler leaves its stream open
    for new in handlers:
        new._linkresolver = True  # type: ignore[attr-defined]
        root.addHandler(new)
    everything = logging.DEBUG if len(handlers) > 1 else None  # the log file wants it all
    root.setLevel(everything or level)
    for name in ("linkresolver", "hostermatch"):
        logging.getLogger(name).setLevel(everything or level)
    for name, threshold in levels.items():
        logging.getLogger(name).setLevel(everything or threshold)
    protect_loggers()


class _LevelByLogger(logging.Filter):
    """What stderr shows: ``levels`` for those loggers (and their children), ``level`` for
    the rest, whatever the loggers themselves let through for the log file."""

    def __init__(self, level: int, levels: dict[str, int]) -> None:
        super().__init__()
        self.level = level
        self.levels = levels

    def filter(self, record: logging.LogRecord) -> bool:
        for name, threshold in self.levels.items():
            if record.name == name or record.name.startswith(name + "."):
                return record.levelno >= threshold
        return record.levelno >= self.level


def _log_file_handler(path: str, stderr: TextIO) -> logging.Handler | None:
    """A handler appending to ``path``, which is created readable by the user only."""
    target = os.path.expanduser(path)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return logging.FileHandler(target, mode="a", encoding="utf-8")
    except OSError as exc:
        print(
            f"linkresolver: cannot write the log file {target} ({LOG_FILE_ENV}): {exc.strerror}", file=stderr
        )
        return None


if __name__ == "__main__":
    raise SystemExit(main())
