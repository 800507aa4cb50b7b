"""resolver_core: the pluggy host that turns links into direct download links.

Plugins import the hook marker from here: ``from resolver_core import hookimpl``.
"""

from .hookspecs import hookimpl

__all__ = ["hookimpl"]
