"""Karte: on-premise, Japanese-first clinical language AI."""

__version__ = "0.1.0"
