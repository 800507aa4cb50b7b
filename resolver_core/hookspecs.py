"""Every hook linkresolver calls, with when it is called and what it expects back.

Plugins implement these with ``@hookimpl`` from :mod:`linkresolver.api` (the plugin API);
built-in plugins (``linkresolver/plugins/``) and third-party ones (the ``linkresolver``
entry-point group) are registered alike. Hook arguments are passed by name: an
implementation may accept any subset of them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .config import Config
    from .demo_samples import DemoSample
    from .groups import CommandGroup
    from .models import CaptchaChallenge, ResolvedLink
    from .provider import Provider
    from .sandbox.server import Sandbox

PROJECT = "linkresolver"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_providers(register: Callable[[Provider], None], config: Config) -> None:
    """Register the providers a plugin offers, by calling ``register(provider)`` for each.

    Called once when a :class:`resolver_core.pipeline.Resolver` (or a command that lists
    providers) is built. ``config`` is the loaded configuration: a plugin reads its own
    table (``config.provider(name)``) to build its provider. Register providers whether or
    not they have credentials; the core decides which are enabled. Return value ignored.
    """


@hookspec(firstresult=True)
def solve_captcha(challenge: CaptchaChallenge) -> str | None:
    """Answer a captcha a provider met while resolving a link.

    Called when a provider needs a person (or a service) to read a captcha image. The first
    implementation that returns a string wins; return None to let the next one try. When
    none answers, the link fails with :class:`resolver_core.errors.CaptchaWrong`.
    """


@hookspec
def link_resolved(link: ResolvedLink) -> None:
    """Observe a link that has just been resolved (for logging, history, hand-offs).

    Called once per resolved link, from the worker thread that resolved it, before the
    result is reported. Every implementation is called; return values are ignored. An
    exception in an observer is logged and does not fail the link.
    """


@hookspec
def package_ended(package: dict[str, Any], config: Config) -> None:
    """Observe a package (a paste, a Click'n'Load delivery, a watch-folder file: links kept
    together by ``linkresolver serve``) that has just ended: every link resolved or failed,
    and its downloads, when it had any, done.

    ``package`` is the package's summary, as ``GET /api/jobs`` lists it and ``linkresolver
    history --json`` prints it: ``id``, ``name``, ``origin``, ``state`` ("done" when every
    link ended well, else "failed"), ``created``, ``finished`` (Unix times), ``counts``
    (``total``, ``ok``, ``failed``), and ``failures``: the first few failed links, each
    ``{"link", "reason"}`` (the reason as a person reads it). No password is in it.
    ``config`` is the server's configuration, whose tables a plugin reads
    (``config.section("notify")``).

    Called once per ending, from the thread that ended it, by ``linkresolver serve``'s jobs
    (:mod:`resolver_core.web.ending`): for notifications and logs. Every implementation is
    called, each on its own; return values are ignored; an exception in an observer is
    logged and does not change the package.
    """


@hookspec
def register_commands(
    commands: CommandGroup, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
) -> None:
    """Add command-line commands: ``commands.add_command(name, help, handler)``.

    Called once when the command line is built. ``commands`` is a
    :class:`~resolver_core.groups.CommandGroup`: ``add_command`` returns the command's
    parser (add its arguments there), ``add_group`` a group of commands of its own
    (``linkresolver NAME ACTION``). ``handler(args, app)`` returns the exit code.
    ``subparsers`` is argparse's own sub-parser object, for plugins written before
    ``commands`` existed; new plugins take ``commands`` only. Return value ignored.
    """


@hookspec
def sandbox_routes(sandbox: Sandbox) -> None:
    """Contribute an emulated API to the local sandbox (``linkresolver sandbox``/``demo``).

    Called once when a sandbox is built, before it starts. Add routes with
    ``sandbox.route(...)``, files with ``sandbox.add_file(...)``, and the environment that
    points the provider at the sandbox with ``sandbox.set_env(...)``. Return value ignored.
    """


@hookspec
def demo_samples() -> Iterable[DemoSample] | None:
    """The lines ``linkresolver demo`` pastes to show this plugin's providers at work.

    Called once when the demo starts, after the sandbox (with the plugin's
    ``sandbox_routes``) is up. Return :class:`~resolver_core.demo_samples.DemoSample`
    objects: a line as people paste it, the outcome each of its links must have against the
    plugin's emulation, what it shows, and where in the post it goes
    (:class:`~resolver_core.demo_samples.DemoPart`); None shows nothing. Every
    implementation is called; the demo fails when a link ends otherwise.
    """
