"""``python -m linkresolver``: the same as the ``linkresolver`` command."""

from linkresolver.cli import main

raise SystemExit(main())
