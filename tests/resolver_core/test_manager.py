"""Building the plugin manager: a plugin's misspelled hook is named, not ignored or fatal, and
an entry point is never registered twice."""

from __future__ import annotations

import importlib.metadata
import logging
from pathlib import Path
from typing import Any

import pytest

from resolver_core import hookimpl, manager
from resolver_core.builtin_plugins import DEFAULT_PLUGINS
from resolver_core.manager import make_plugin_manager


class Misspelled:
    """A plugin with one hook spelled right and one spelled wrong."""

    @hookimpl
    def link_resolved(self, link: Any) -> None:
        pass

    @hookimpl
    def register_provider(self, register: Any, config: Any) -> None:  # the hook has an "s"
        pass


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_misspelled_hook_is_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    plugin = Misspelled()
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        pm = make_plugin_manager(load_entry_points=False, extra=[plugin], env={})
    assert pm.is_registered(plugin)  # its other hooks still work
    assert [impl.plugin for impl in pm.hook.link_resolved.get_hookimpls()] == [plugin]
    said = warnings_of(caplog)
    assert len(said) == 1, said
    assert "Misspelled" in said[0] and "register_provider" in said[0]
    assert "did you mean register_providers?" in said[0]


def test_a_module_plugin_is_named_by_its_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "typo_plugin.py").write_text(
        "from resolver_core import hookimpl\n\n\n@hookimpl\ndef solve_capcha(challenge):\n    return None\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        make_plugin_manager(load_entry_points=False, env={manager.EXTRA_ENV: "typo_plugin"})
    said = warnings_of(caplog)
    assert len(said) == 1, said
    assert "typo_plugin" in said[0] and "solve_capcha" in said[0] and "solve_captcha?" in said[0]


def test_correct_plugins_draw_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        pm = make_plugin_manager(load_entry_points=False, env={})
    assert warnings_of(caplog) == []
    assert set(DEFAULT_PLUGINS) <= {name for name, _ in pm.list_name_plugin()}


def with_entry_points(monkeypatch: pytest.MonkeyPatch, *points: importlib.metadata.EntryPoint) -> None:
    def entry_points(group: str) -> tuple[importlib.metadata.EntryPoint, ...]:
        return points if group == "linkresolver" else ()

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_an_entry_point_whose_name_is_registered_is_not_registered_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    builtin = DEFAULT_PLUGINS[0]
    # Were it loaded, this value would fail to import, and say so in a warning.
    with_entry_points(
        monkeypatch,
        importlib.metadata.EntryPoint(name=builtin, value="no_such_module_xyz", group="linkresolver"),
    )
    with caplog.at_level(logging.DEBUG, logger="linkresolver"):
        pm = make_plugin_manager(env={})
    assert warnings_of(caplog) == []
    assert pm.get_plugin(builtin) is importlib.import_module(builtin)  # not blocked, not replaced
    assert [name for name, _ in pm.list_name_plugin()].count(builtin) == 1
    assert any("registered already" in r.getMessage() for r in caplog.records)


def test_an_entry_point_of_a_registered_plugin_under_another_name_is_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    builtin = DEFAULT_PLUGINS[0]
    with_entry_points(
        monkeypatch, importlib.metadata.EntryPoint(name="again", value=builtin, group="linkresolver")
    )
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        pm = make_plugin_manager(env={})
    assert warnings_of(caplog) == []
    assert not pm.has_plugin("again")
    module = importlib.import_module(builtin)
    assert [plugin for _, plugin in pm.list_name_plugin()].count(module) == 1


def test_a_disabled_entry_point_is_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    with_entry_points(
        monkeypatch,
        importlib.metadata.EntryPoint(name="extra", value="no_such_module_xyz", group="linkresolver"),
    )
    pm = make_plugin_manager(env={manager.DISABLE_ENV: "extra"})
    assert pm.is_blocked("extra") and not pm.has_plugin("extra")
