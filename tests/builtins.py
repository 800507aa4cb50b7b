"""The built-in plugins by name, for tests that keep only the plugins they bring: each new
built-in plugin is then left out of them without touching every such test."""

from __future__ import annotations

from resolver_core.builtin_plugins import DEFAULT_PLUGINS

BUILTIN_PLUGIN_NAMES: tuple[str, ...] = tuple(module.rsplit(".", 1)[-1] for module in DEFAULT_PLUGINS)


def without_builtins(*keep: str) -> dict[str, str]:
    """The environment that disables every built-in plugin but those named in ``keep``."""
    return {
        "LINKRESOLVER_DISABLE_PLUGINS": ",".join(name for name in BUILTIN_PLUGIN_NAMES if name not in keep)
    }
