"""Every hook, exercised through a plugin registered with the plugin manager.

The meta-tests at the end (datasette's habit) fail when a hook is added without a
docstring, without a mention in the README's plugin guide, or without a test here.
"""

from __future__ import annotations

import argparse
import inspect
import io
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Response

from linkresolver.cli.parser import main
from resolver_core import hookimpl, hookspecs
from resolver_core.demo_samples import DemoPart, DemoSample, demo_post
from resolver_core.factory import build_resolver
from resolver_core.groups import CommandGroup
from resolver_core.manager import make_plugin_manager
from resolver_core.models import CaptchaChallenge, ResolvedLink
from resolver_core.sandbox import build_sandbox

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config

REPO = Path(__file__).resolve().parents[2]


def test_hook_register_providers(tmp_path: Path) -> None:
    provider = ScriptedProvider("thirdparty", 10)
    pm = make_plugin_manager(load_entry_points=False, extra=[ProvidersPlugin(provider)], env={})
    resolver = build_resolver(empty_config(tmp_path), pm=pm)
    assert "thirdparty" in [p.name for p in resolver.providers]
    outcome = resolver.resolve_many(["https://rapidgator.net/file/abc"])[0]
    assert outcome.status == "ok" and outcome.provider == "thirdparty"


def test_hook_solve_captcha(tmp_path: Path) -> None:
    class Declines:
        @hookimpl(tryfirst=True)
        def solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
            return None

    class Reader:
        @hookimpl
        def solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
            return f"answer-for-{challenge.link}"

    pm = make_plugin_manager(load_entry_points=False, extra=[Reader(), Declines()], env={})
    resolver = build_resolver(empty_config(tmp_path), pm=pm)
    challenge = CaptchaChallenge("p", "https://x.example/f", "http://127.0.0.1/captcha.png")
    assert resolver.context().solve_captcha(challenge) == "answer-for-https://x.example/f"


def test_hook_link_resolved(tmp_path: Path) -> None:
    seen: list[ResolvedLink] = []

    class Observer:
        @hookimpl
        def link_resolved(self, link: ResolvedLink) -> None:
            seen.append(link)

    class BrokenObserver:
        @hookimpl
        def link_resolved(self, link: ResolvedLink) -> None:
            raise RuntimeError("observer bug")

    provider = ScriptedProvider("p", 10)
    pm = make_plugin_manager(
        load_entry_points=False, extra=[ProvidersPlugin(provider), Observer(), BrokenObserver()], env={}
    )
    outcomes = build_resolver(empty_config(tmp_path), pm=pm).resolve_many(
        ["https://rapidgator.net/file/a", "https://rapidgator.net/file/b"]
    )
    assert [o.status for o in outcomes] == ["ok", "ok"]  # the broken observer failed nothing
    assert sorted(link.input for link in seen) == [
        "https://rapidgator.net/file/a",
        "https://rapidgator.net/file/b",
    ]


def test_hook_package_ended(tmp_path: Path) -> None:
    from resolver_core.web.jobs import JobManager

    ended: list[tuple[dict[str, Any], Any]] = []

    class Observer:
        @hookimpl
        def package_ended(self, package: dict[str, Any], config: Any) -> None:
            ended.append((package, config))

    class BrokenObserver:
        @hookimpl
        def package_ended(self, package: dict[str, Any]) -> None:
            raise RuntimeError("observer bug")

    provider = ScriptedProvider("p", 10)
    pm = make_plugin_manager(
        load_entry_points=False, extra=[ProvidersPlugin(provider), Observer(), BrokenObserver()], env={}
    )
    resolver = build_resolver(empty_config(tmp_path), pm=pm)
    manager = JobManager(resolver)
    try:
        job = manager.start(["https://rapidgator.net/file/a", "https://nowhere.example/b"], package="Pk")
        deadline = time.monotonic() + 10
        while not ended and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        manager.stop()
    [(package, config)] = ended  # once, and the broken observer stopped nobody
    assert config is resolver.config
    assert (package["id"], package["name"], package["state"]) == (job.job_id, "Pk", "failed")
    assert package["counts"] == {"total": 2, "ok": 1, "failed": 1}
    assert [failure["link"] for failure in package["failures"]] == ["https://nowhere.example/b"]


def test_hook_register_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    class Greeter:
        @hookimpl
        def register_commands(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
            parser = subparsers.add_parser("greet", help="say hello")
            parser.add_argument("name")
            parser.set_defaults(handler=lambda args, app: print(f"hello {args.name}", file=app.stdout) or 7)

    monkeypatch.setattr(
        "resolver_core.manager.make_plugin_manager",
        lambda **kw: make_plugin_manager(load_entry_points=False, extra=[Greeter()], env={}),
    )
    out = io.StringIO()
    assert main(["greet", "world"], stdout=out, stderr=io.StringIO()) == 7
    assert out.getvalue() == "hello world\n"


def test_hook_register_commands_through_the_public_command_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """What plugins are given: a command group of linkresolver's own, not argparse internals."""

    class Counter:
        @hookimpl
        def register_commands(self, commands: CommandGroup) -> None:
            top = commands.add_command("count", "count the words", lambda args, app: len(args.words))
            top.add_argument("words", nargs="*")
            beans = commands.add_group("beans", "the bean store", defaults={"store": "beans"})
            sub = beans.add_group("jar", "jars of beans")
            parser = sub.add_command(
                "fill", "fill a jar", lambda args, app: print(args.store, args.jar, file=app.stdout) or 0
            )
            parser.add_argument("jar")

    monkeypatch.setattr(
        "resolver_core.manager.make_plugin_manager",
        lambda **kw: make_plugin_manager(load_entry_points=False, extra=[Counter()], env={}),
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["count", "a", "b", "c"], stdout=out, stderr=err) == 3
    assert main(["beans", "jar", "fill", "red"], stdout=out, stderr=err) == 0
    assert out.getvalue() == "beans red\n"
    assert main(["beans", "jar"], stdout=out, stderr=err) == 2  # a group's action is required


def test_hook_sandbox_routes() -> None:
    class Emulation:
        @hookimpl
        def sandbox_routes(self, sandbox: Any) -> None:
            sandbox.route("/echo/<word>", lambda request, word: Response(word.upper()), name="echo")
            sandbox.set_env("LINKRESOLVER_ECHO_API_BASE", "{url}/echo")

    pm = make_plugin_manager(load_entry_points=False, extra=[Emulation()], env={})
    with build_sandbox(pm) as sandbox:
        assert requests.get(sandbox.url + "/echo/hi", timeout=5).text == "HI"
        assert sandbox.env()["LINKRESOLVER_ECHO_API_BASE"] == sandbox.url + "/echo"
        # Premiumize's emulation is in too: every built-in plugin contributes.
        assert "LINKRESOLVER_PREMIUMIZE_API_BASE" in sandbox.env()


def test_hook_demo_samples(capsys: pytest.CaptureFixture[str]) -> None:
    """A plugin's lines join the demo's post where their part says, and their outcomes are
    checked: one that ends otherwise fails the demo."""

    class Shows:
        def __init__(self, *samples: DemoSample) -> None:
            self.samples = samples

        @hookimpl
        def demo_samples(self) -> list[DemoSample]:
            return list(self.samples)

    unserved = DemoSample(
        "Elsewhere: https://example.org/elsewhere", ("unsupported",), "nobody serves it", DemoPart.UNSERVED
    )
    opening = DemoSample("(a plugin's words)", (), "words", DemoPart.OPENING, "Watch the plugin's line.")
    pm = make_plugin_manager(load_entry_points=False, extra=[Shows(unserved, opening)], env={})
    post = demo_post(pm)
    lines = post.text.splitlines()
    assert lines[1] == "(a plugin's words)" and lines[-1] == unserved.text
    assert post.expected[-2:] == ["unsupported", "unsupported"]
    assert post.explanations[0] == "Watch the plugin's line."  # in the order of the parts
    assert len(post.explanations) == len(set(post.explanations)) == 3  # each said once

    def demo(*samples: DemoSample) -> int:
        shows = make_plugin_manager(load_entry_points=False, extra=[Shows(*samples)], env={})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("resolver_core.manager.make_plugin_manager", lambda **kw: shows)
            return main(["demo"], stdout=io.StringIO(), stderr=sys.stderr)

    assert demo(unserved) == 0
    wrong = DemoSample("Wrong: https://example.org/wrong", ("ok",), "a wrong expectation", DemoPart.UNSERVED)
    assert demo(wrong) == 1
    assert "'unsupported', 'unsupported']" in capsys.readouterr().err


def test_sandbox_latency_applies_to_api_calls_only() -> None:
    pm = make_plugin_manager(load_entry_points=False, env={})
    sandbox = build_sandbox(pm, latency=0.2)
    sandbox.route("/api", lambda request: Response("ok"), name="api")
    served = sandbox.add_file("f.bin", 10)
    with sandbox:
        begin = time.perf_counter()
        requests.get(sandbox.url + "/api", timeout=5)
        api_seconds = time.perf_counter() - begin
        begin = time.perf_counter()
        assert len(requests.get(sandbox.url + served.path, timeout=5).content) == 10
        file_seconds = time.perf_counter() - begin
    assert api_seconds >= 0.2 > file_seconds


# -- meta-tests ------------------------------------------------------------------------------

HOOKS = [name for name, value in vars(hookspecs).items() if hasattr(value, "linkresolver_spec")]


def test_hooks_are_found() -> None:
    assert set(HOOKS) == {
        "register_providers",
        "solve_captcha",
        "link_resolved",
        "package_ended",
        "register_commands",
        "sandbox_routes",
        "demo_samples",
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert "Called" in doc, f"{hook}: say when it is called"
    assert "eturn" in doc, f"{hook}: say what it returns"
    assert f"`{hook}" in (REPO / "README.md").read_text(encoding="utf-8"), (
        f"{hook}: not in the README's plugin guide"
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    assert f"test_hook_{hook}" in globals(), f"add test_hook_{hook} to {__file__}"
