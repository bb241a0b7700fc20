"""Rules and curated tables of the screening layer (``<lang>/*.yaml``), loaded once per process."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=32)
def load_resource(lang: str, name: str) -> Any:
    """Load ``karte/screening/resources/<lang>/<name>`` (YAML)."""
    ref = resources.files(__package__).joinpath(lang, name)
    with ref.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)
