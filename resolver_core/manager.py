"""Building the plugin manager: built-in plugins, entry points, and the ones named by hand.

No plugin manager exists at import time: :func:`make_plugin_manager` builds a fresh one, so
tests and embedding applications get their own. Built-in plugins are listed once in
:data:`~resolver_core.builtin_plugins.DEFAULT_PLUGINS` and registered exactly like third-party ones.

pluggy registers an implementation of a hook nobody specified without a word, and it is then
never called: a plugin author who wrote ``register_provider`` would wait in vain. Every such
implementation is named in a warning once the plugins are registered.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
from collections.abc import Iterable

import pluggy

from . import hookspecs
from .builtin_plugins import DEFAULT_PLUGINS

log = logging.getLogger("linkresolver")


#: Names of plugins not to load, comma-separated (a built-in module or an entry point name).
DISABLE_ENV = "LINKRESOLVER_DISABLE_PLUGINS"
#: Extra plugin modules to load, comma-separated: for plugins that are not installed as a
#: distribution (a local file on PYTHONPATH), as pytest's ``-p`` does.
EXTRA_ENV = "LINKRESOLVER_PLUGINS"


def make_plugin_manager(
    *,
    load_entry_points: bool = True,
    extra: Iterable[object] = (),
    env: dict[str, str] | None = None,
) -> pluggy.PluginManager:
    """A plugin manager with every enabled plugin registered.

    A plugin that fails to import or to register is reported with a warning and skipped,
    never fatal: one broken third-party plugin must not take the tool down. ``extra`` are
    plugin objects (modules or instances) registered after the others, for tests and
    embedding applications.
    """
    environ = os.environ if env is None else env
    disabled = {name.strip() for name in environ.get(DISABLE_ENV, "").split(",") if name.strip()}
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS + tuple(
        n.strip() for n in environ.get(EXTRA_ENV, "").split(",") if n.strip()
    ):
        if name in disabled or name.rpartition(".")[2] in disabled:
            pm.set_blocked(name)
            continue
        _register_module(pm, name)
    if load_entry_points:
        _load_entry_points(pm, disabled)
    for plugin in extra:
        pm.register(plugin)
    _warn_unknown_hooks(pm)
    return pm


def _warn_unknown_hooks(pm: pluggy.PluginManager) -> None:
    """A warning for every hook implementation that matches no hook (a misspelled name):
    pluggy's ``check_pending`` raises on the first one, which would take the tool down for
    a plugin's typo; here each is named, with the hook it was probably meant to be."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError:
        pass
    else:
        return
    hooks = {name: caller for name, caller in vars(pm.hook).items() if not name.startswith("_")}
    known = sorted(name for name, caller in hooks.items() if caller.has_spec())
    for name, caller in sorted(hooks.items()):
        if caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            guess = difflib.get_close_matches(name, known, n=1)
            log.warning(
                "plugin %s implements %s, which is not a linkresolver hook%s; it is never called",
                _plugin_label(pm, impl.plugin),
                name,
                f" (did you mean {guess[0]}?)" if guess else "",
            )


def _plugin_label(pm: pluggy.PluginManager, plugin: object) -> str:
    """A plugin's name for a person: the one it was registered under, unless that is
    pluggy's stand-in for a nameless object (its ``id``), then its module's or class's name."""
    name = pm.get_name(plugin)
    if name and not name.isdigit():
        return name
    found = getattr(plugin, "__name__", None)
    return found if isinstance(found, str) else type(plugin).__qualname__


def _register_module(pm: pluggy.PluginManager, name: str) -> None:
    try:
        module = importlib.import_module(name)
        pm.register(module, name=name)
    except Exception as exc:  # noqa: BLE001 (a broken plugin of any kind is skipped)
        log.warning("plugin %s could not be loaded and is skipped: %s: %s", name, type(exc).__name__, exc)


def _load_entry_points(pm: pluggy.PluginManager, disabled: set[str]) -> None:
    from importlib.metadata import entry_points  # noqa: PLC0415 (costly; only when loading)

    for entry_point in entry_points(group=hookspecs.PROJECT):
        if entry_point.name in disabled:
            pm.set_blocked(entry_point.name)
            continue
        if pm.has_plugin(entry_point.name):  # a plugin of that name is in (a built-in, say)
            log.debug("plugin %s is registered already; its entry point is skipped", entry_point.name)
            continue
        try:
            plugin = entry_point.load()
            if pm.is_registered(plugin):  # the same plugin under another name
                log.debug("plugin %s (%s) is registered already", entry_point.name, entry_point.value)
                continue
            pm.register(plugin, name=entry_point.name)
        except Exception as exc:  # noqa: BLE001 (a broken plugin of any kind is skipped)
            log.warning(
                "plugin %s (%s) could not be loaded and is skipped: %s: %s",
                entry_point.name,
                entry_point.value,
                type(exc).__name__,
                exc,
            )
