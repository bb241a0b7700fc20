"""Data files of the de-identification layer, one folder per language."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=16)
def load_deid_yaml(lang: str, name: str) -> Any:
    """Load ``karte/deid/resources/<lang>/<name>`` (YAML)."""
    ref = resources.files(__package__).joinpath(lang, name)
    with ref.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def lines(block: str | None) -> list[str]:
    """The non-empty lines of a YAML block scalar."""
    return [line.strip() for line in (block or "").splitlines() if line.strip()]
