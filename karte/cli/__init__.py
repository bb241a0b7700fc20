"""The ``karte`` command line (Typer + Rich)."""
