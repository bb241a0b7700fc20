"""The fixed MedTxt development split: about 20 % of the documents of each file, never trained on.

A document is in the dev split when ``sha256(SEED + document id)`` read as an integer is divisible
by 5. The resulting ids are written down in ``medtxt_split.json`` (next to this module) so the split
never changes silently; :func:`is_dev` reads that file first and only falls back on the hash rule for
ids it does not list (for example, documents of a later MedTxt release).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

SEED = "karte-medtxt-dev-v1:"
DEV_MODULUS = 5
SPLIT_FILE = "medtxt_split.json"


def hashed_dev(document_id: str) -> bool:
    digest = hashlib.sha256((SEED + document_id).encode("utf-8")).hexdigest()
    return int(digest[:16], 16) % DEV_MODULUS == 0


@lru_cache(maxsize=1)
def recorded_split() -> dict[str, Any]:
    ref = resources.files(__package__).joinpath(SPLIT_FILE)
    if not ref.is_file():
        return {"dev": [], "train": []}
    data: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    return data


def is_dev(document_id: str) -> bool:
    split = recorded_split()
    if document_id in split["dev"]:
        return True
    if document_id in split["train"]:
        return False
    return hashed_dev(document_id)


def split_record(document_ids: list[str]) -> dict[str, Any]:
    """The split of ``document_ids`` by the hash rule, as written to ``medtxt_split.json``."""
    ids = sorted(set(document_ids))
    return {
        "rule": f"dev when int(sha256('{SEED}' + id)[:16], 16) % {DEV_MODULUS} == 0",
        "dev": [i for i in ids if hashed_dev(i)],
        "train": [i for i in ids if not hashed_dev(i)],
    }
