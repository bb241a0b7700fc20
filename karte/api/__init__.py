"""The REST API (FastAPI) over the task registry."""

from karte.api.app import create_app

__all__ = ["create_app"]
