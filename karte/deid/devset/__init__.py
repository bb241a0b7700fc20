"""The de-identification dev set: synthetic notes with gold PII spans (see README.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def devset_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("devset.jsonl")))
