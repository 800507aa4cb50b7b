"""``python -m resolver_core``: the same as the ``linkresolver`` command (kept for scripts
written before the command line moved to :mod:`linkresolver.cli`)."""

from linkresolver.cli import main

raise SystemExit(main())
