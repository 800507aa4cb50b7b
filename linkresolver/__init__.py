"""linkresolver: the product's own namespace.

It holds the public plugin API (:mod:`linkresolver.api`), the command line
(:mod:`linkresolver.cli`) and the built-in plugins (:mod:`linkresolver.plugins`). Importing
it costs nothing: each of those is loaded only when asked for (ARCHITECTURE.md).
"""
