"""``python -m karte`` is the ``karte`` command."""

from karte.cli.main import main

main()
