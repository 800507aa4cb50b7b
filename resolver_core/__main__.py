"""``python -m resolver_core``: the same as the ``linkresolver`` command."""

from .cli import main

raise SystemExit(main())
