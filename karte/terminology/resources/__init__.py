"""Curated code tables as data files (``resources/ja/*.yaml``), each row with a source and valid-from date."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from karte.errors import ConfigError

REQUIRED_ROW_FIELDS = ("source", "valid_from")


@lru_cache(maxsize=64)
def load_table(lang: str, name: str) -> dict[str, Any]:
    """Load ``karte/terminology/resources/<lang>/<name>``; every row of its ``rows`` carries a source."""
    ref = resources.files(__package__).joinpath(lang, name)
    with ref.open("r", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ConfigError(f"{name}: rows がありません (curated table has no rows)", field=name)
    defaults = data.get("defaults", {})
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(data["rows"]):
        merged = {**defaults, **row}
        missing = [f for f in REQUIRED_ROW_FIELDS if not merged.get(f)]
        if missing:
            raise ConfigError(
                f"{name} の {i + 1} 行目に {', '.join(missing)} がありません (curated row lacks a source)",
                field=name,
            )
        merged["valid_from"] = str(merged["valid_from"])
        rows.append(merged)
    return {**data, "rows": rows}
