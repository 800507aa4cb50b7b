"""linkresolver: the product's own namespace.

Importing it costs nothing: it holds the built-in plugins (:mod:`linkresolver.plugins`),
each loaded only when the plugin manager asks for it.
"""
