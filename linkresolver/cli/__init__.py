"""The ``linkresolver`` command line: the parser (:mod:`.parser`), the built-in commands'
handlers, ``demo`` and ``serve``.

Light to import: ``main`` imports the standard library only; a command imports what it
needs when it runs.
"""

from .parser import main

__all__ = ["main"]
