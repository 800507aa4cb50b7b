"""Which plugins come with linkresolver, by module name: a list, and nothing else.

The plugin manager loads them (:mod:`resolver_core.manager`), and the configuration's
warnings ask them which provider names they declare (:func:`resolver_core.config.builtin_provider_names`);
this module imports nothing, so neither depends on the other.
"""

from __future__ import annotations

#: The built-in plugins, as importable module names. Among providers of equal priority and
#: kind the one registered first is asked first, and pluggy calls the plugin loaded last
#: first: a plugin added at the head of this list takes no links from those already here.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "linkresolver.plugins.alldebrid",
    "linkresolver.plugins.torbox",
    "linkresolver.plugins.debridlink",
    "linkresolver.plugins.realdebrid",
    "linkresolver.plugins.premiumize",
    "linkresolver.plugins.openload_family",
    "linkresolver.plugins.offcloud",
    # Not a provider: notifications when a package of linkresolver serve ends.
    "linkresolver.plugins.notify",
)
